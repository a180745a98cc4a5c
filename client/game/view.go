package game

import (
	"math"
	"time"

	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

// View is everything the screen shows at one moment, in world units; the
// Ebiten layer only maps it to pixels and draws it. Its slices are reused by
// the next call to Model.View.
type View struct {
	Phase  Phase
	Status link.Status
	Map    *sim.Map // nil before the first world
	Me     sim.PlayerID
	// Self is the own player as drawn (predicted, smoothed), or nil while
	// the player is not in the world.
	Self *scene.Body
	// Bodies are the players to draw: the others interpolated, and Self.
	Bodies  []scene.Body
	Shots   []scene.Shot
	Effects []scene.EffectView
	Kills   []scene.Kill
	Scores  []Score
	Notices []string
	// FocusX, FocusY is the point the camera follows: the own player, or
	// the middle of the map.
	FocusX, FocusY float64
	HUD            HUD
}

// HUD holds the numbers of the heads-up display.
type HUD struct {
	Ping      time.Duration
	PingOK    bool
	Tick      uint32 // the last confirmed tick
	Predicted uint32 // the predicted world's tick
	Players   int
	Kills     int32
	Deaths    int32
	Health    int32
	Alive     bool
	InWorld   bool
	// RespawnIn is the seconds until the player may respawn (0: now).
	RespawnIn float64
	// KilledBy names who killed the player last ("" if unknown).
	KilledBy string
	Match    string
	Stats    Stats
	// Conn is what the connection indicator shows.
	Conn Connection
}

// connection returns what the connection indicator shows at now.
func (m *Model) connection(now time.Time, phase Phase) Connection {
	c := Connection{Ping: m.status.RTT, PingOK: m.status.RTT > 0, Down: phase != PhasePlaying}
	c.Late, c.Frames = m.late.share()
	if !m.lastFrame.IsZero() {
		c.Silent = max(0, now.Sub(m.lastFrame))
	}
	c.Quality = c.Rate()
	return c
}

// Phase returns what the screen shows now.
func (m *Model) Phase() Phase {
	switch {
	case m.status.State == link.Closed:
		return PhaseClosed
	case m.pred == nil:
		return PhaseConnecting
	case m.status.State != link.Playing:
		return PhaseReconnecting
	}
	return PhasePlaying
}

// View returns what to draw at local time now. It may be called more often
// than Update (a display faster than the game's tick); positions move
// smoothly between updates.
func (m *Model) View(now time.Time) *View {
	v := &m.view
	v.Bodies, v.Shots, v.Effects, v.Kills, v.Scores, v.Notices =
		v.Bodies[:0], v.Shots[:0], v.Effects[:0], v.Kills[:0], v.Scores[:0], v.Notices[:0]
	v.Self, v.Map = nil, nil
	v.Status, v.Me, v.Phase = m.status, m.me, m.Phase()
	for _, n := range m.notices {
		v.Notices = append(v.Notices, n.text)
	}
	if m.pred == nil {
		return v
	}
	w := m.pred.World()
	v.Map = w.Map
	v.FocusX, v.FocusY = float64(w.Map.Width)*sim.Unit/2, float64(w.Map.Height)*sim.Unit/2

	// Others, interpolated in the past.
	render := m.lastRender
	if m.timeline.Valid() {
		render = math.Max(render, m.serverTicks(now)-m.delay.Ticks())
	}
	m.lastRender = render
	v.Bodies = m.history.Sample(render, v.Bodies)
	n := 0
	for _, b := range v.Bodies {
		if b.ID != m.me {
			v.Bodies[n] = b
			n++
		}
	}
	v.Bodies = v.Bodies[:n]
	v.Shots = m.history.SampleShots(render, w.TickRate, m.me, v.Shots)

	// Self, predicted, between the last two predicted ticks.
	own := m.ownTime(now)
	f := own - float64(w.Tick) + 1 // 0..1 from the tick before to this one
	if self, prev := m.pred.Self(); self != nil {
		b := scene.Body{ID: self.ID, Name: self.Name, X: float64(self.X), Y: float64(self.Y),
			Heading: float64(self.Heading), Alive: self.Alive, Health: self.Health, Me: true}
		if prev != nil && prev.Alive == self.Alive {
			b.X = float64(prev.X) + f*float64(self.X-prev.X)
			b.Y = float64(prev.Y) + f*float64(self.Y-prev.Y)
			b.Heading = float64(prev.Heading) + f*float64(int16(self.Heading-prev.Heading))
		}
		dx, dy, dh := m.smooth.Offset()
		b.X, b.Y, b.Heading = b.X+dx, b.Y+dy, b.Heading+dh
		v.Bodies = append(v.Bodies, b)
		v.Self = &v.Bodies[len(v.Bodies)-1]
		v.FocusX, v.FocusY = b.X, b.Y
	}
	// Own shots, predicted, drawn on the own player's time.
	for i := range w.Projectiles {
		if p := &w.Projectiles[i]; p.Owner == m.me {
			v.Shots = scene.AppendShot(v.Shots, p, w.TickRate, 1-f)
		}
	}

	for _, e := range m.effects.List() {
		t := render
		if e.Own {
			t = own
		}
		p := e.Progress(t, m.tickRate)
		if p < 0 || p > 1 {
			continue
		}
		ev := e.View(p)
		if e.Kind == scene.EffectHit || e.Kind == scene.EffectSpawn || (e.Kind == scene.EffectShot && e.Own) {
			for i := range v.Bodies {
				if v.Bodies[i].ID == e.Player {
					ev.X, ev.Y = v.Bodies[i].X, v.Bodies[i].Y
					if e.Kind == scene.EffectShot {
						ev.Heading = v.Bodies[i].Heading
					}
				}
			}
		}
		v.Effects = append(v.Effects, ev)
	}
	v.Kills = m.feed.Recent(render, m.tickRate, v.Kills)

	c := m.pred.Confirmed()
	v.Scores = Scores(c, m.me, v.Scores)
	h := &v.HUD
	*h = HUD{Tick: c.Tick, Predicted: w.Tick, Players: len(c.Players), Match: m.match, KilledBy: m.killer, Stats: m.Stats()}
	h.Ping, h.PingOK = m.status.RTT, m.status.RTT > 0
	h.Conn = m.connection(now, v.Phase)
	if p := c.Player(m.me); p != nil {
		h.Kills, h.Deaths = p.Kills, p.Deaths
	}
	if self := w.Player(m.me); self != nil {
		h.InWorld, h.Alive, h.Health = true, self.Alive, self.Health
		if !self.Alive {
			h.RespawnIn = float64(self.Respawn) / float64(w.TickRate)
		}
	}
	return v
}
