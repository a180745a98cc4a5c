package game

import (
	"fmt"
	"math"
	"time"

	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/client/predict"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// Conn is what a Model needs of its link; *link.Link implements it, and
// tests fake it.
type Conn interface {
	Poll(dst []*link.Update) []*link.Update
	Release(us []*link.Update)
	Send(gen int, in sim.Input) (seq uint32, ok bool)
	Status() link.Status
	ServerTime() (ms uint32, ok bool)
}

// Options configures a Model. The zero value is the game's default.
type Options struct {
	// NoAutoSpawn keeps the player waiting for R after joining, rather
	// than spawning at once.
	NoAutoSpawn bool
	// InitialLead is the lead, in ticks, until the first confirmed command
	// measures it. Default 2.
	InitialLead float64
}

// Phase is what the screen shows.
type Phase int

// Phases.
const (
	PhaseConnecting   Phase = iota // no world yet
	PhasePlaying                   // the match
	PhaseReconnecting              // the match, frozen, under "reconnecting…"
	PhaseClosed                    // the link closed: why, and a way out
)

// noticeSeconds is how long a notice stays on screen.
const noticeSeconds = 5

// Model is the game as the player sees it: the state behind the picture,
// without the picture. Create one with New; call Update once per game tick
// and View once per drawn frame.
type Model struct {
	conn Conn
	opts Options

	updates []*link.Update
	cmds    []sim.Input

	gen       int
	me        sim.PlayerID
	tickRate  int32
	match     string
	spawnOnce bool // the first automatic spawn is still to come

	pred     *predict.Predictor
	history  scene.History
	delay    Delay
	timeline Timeline
	controls Controls
	smooth   predict.Smoother
	effects  scene.Effects
	feed     scene.Feed

	status      link.Status
	lastTarget  uint32
	lastServer  float64 // server time at the last Update, ticks
	lastRender  float64 // render time of the last View, ticks
	lastUpdate  time.Time
	confirmed   int // frames confirmed
	resyncs     int
	rejects     map[protocol.Reason]int
	notices     []notice
	killer      string // who killed the player last
	worstJump   float64
	hashesMatch int
	hashesDiff  int
	late        lateFrames
	lastFrame   time.Time // when the last frame arrived
	maxShots    int
	maxPlayers  int
	first       *sim.World // the world of the first welcome

	view View
}

type notice struct {
	text  string
	until time.Time
}

// New returns a Model following conn.
func New(conn Conn, o Options) *Model {
	if o.InitialLead <= 0 {
		o.InitialLead = 2
	}
	return &Model{conn: conn, opts: o, spawnOnce: !o.NoAutoSpawn, rejects: map[protocol.Reason]int{}}
}

// Update advances the game to local time now with keys held: it takes what
// arrived on the link, steps the predicted world to the present, and sends
// and predicts the commands that the keys call for.
func (m *Model) Update(now time.Time, keys Keys) {
	m.status = m.conn.Status()
	m.updates = m.conn.Poll(m.updates[:0])
	for _, u := range m.updates {
		m.apply(u, now)
	}
	m.conn.Release(m.updates)
	clear(m.updates)
	if m.pred == nil {
		m.lastUpdate = now
		return
	}
	if ms, ok := m.conn.ServerTime(); ok {
		m.timeline.Update(now, ms)
	}
	server := m.serverTicks(now)
	m.delay.Step(math.Max(0, server-m.lastServer))
	m.lastServer = server
	target := m.pred.Target(server)
	if int32(target-m.lastTarget) < 0 {
		target = m.lastTarget
	}
	m.lastTarget = target
	m.pred.AdvanceTo(target)

	m.cmds = m.controls.Commands(keys, m.pred.World(), m.me, m.cmds[:0])
	for _, in := range m.cmds {
		seq, ok := m.conn.Send(m.gen, in)
		if !ok {
			break // not connected, or the queue is full: the keys are read again next frame
		}
		m.controls.Sent(seq, in)
		m.pred.Issue(seq, in)
		if in.Action == sim.Fire {
			if self := m.pred.World().Player(m.me); self != nil {
				m.effects.Add(scene.Effect{Kind: scene.EffectShot, Own: true, Tick: float64(m.pred.World().Tick),
					X: float64(self.X), Y: float64(self.Y), Heading: float64(self.Heading), Player: m.me})
			}
		}
	}
	m.smooth.Correct(m.pred.TakeCorrection())
	if !m.lastUpdate.IsZero() {
		m.worstJump = max(m.worstJump, m.smooth.Decay(now.Sub(m.lastUpdate)))
	}
	m.lastUpdate = now
	m.effects.Prune(m.lastRender, m.ownTime(now), m.tickRate)
	kept := m.notices[:0]
	for _, n := range m.notices {
		if now.Before(n.until) {
			kept = append(kept, n)
		}
	}
	m.notices = kept
}

// serverTicks returns the server's present at now, in ticks.
func (m *Model) serverTicks(now time.Time) float64 {
	return m.timeline.At(now) * float64(m.tickRate) / 1000
}

// ownTime returns the time at which the own player is drawn at now, in
// ticks: between the last two predicted ticks, one tick behind the
// predicted present.
func (m *Model) ownTime(now time.Time) float64 {
	if m.pred == nil {
		return 0
	}
	n := float64(m.pred.World().Tick)
	f := m.serverTicks(now) + m.pred.Lead().Ticks() - n
	return n - 1 + math.Max(0, math.Min(1, f))
}

func (m *Model) apply(u *link.Update, now time.Time) {
	switch u.Kind {
	case link.Reset:
		m.reset(u, now)
	case link.Frame:
		if u.Gen != m.gen || m.pred == nil {
			return
		}
		prev := m.pred.Confirmed()
		m.effects.Observe(prev, u.World, m.me)
		for _, k := range m.feed.Observe(prev, u.World) {
			if k.VictimID == m.me {
				m.killer = k.Killer
			}
		}
		m.history.Push(u.World)
		m.pred.Confirm(u.World, u.Events)
		m.confirmed++
		m.maxShots = max(m.maxShots, len(u.World.Projectiles))
		m.maxPlayers = max(m.maxPlayers, len(u.World.Players))
		if m.timeline.Valid() {
			// Late: the others are drawn at a time past this tick already.
			server := m.serverTicks(now)
			m.late.observe(server-m.delay.Ticks() > float64(u.World.Tick))
			m.delay.Observe(server, u.World.Tick)
		}
		m.lastFrame = now
		if u.HasHash {
			if u.World.Hash() == u.Hash {
				m.hashesMatch++
			} else {
				m.hashesDiff++
			}
		}
	case link.Reject:
		if u.Gen != m.gen || m.pred == nil {
			return
		}
		m.pred.Reject(u.Seq)
		m.controls.Rejected(u.Seq, u.Reason)
		m.rejects[u.Reason]++
	case link.Notice:
		if u.Notice.Code != protocol.NoticeDesync { // the Reset that follows says it
			m.notices = append(m.notices, notice{u.Notice.Text, now.Add(noticeSeconds * time.Second)})
		}
	}
}

func (m *Model) reset(u *link.Update, now time.Time) {
	newConn := u.Gen != m.gen || m.pred == nil
	if newConn && m.me != 0 && u.Player != m.me {
		m.spawnOnce = !m.opts.NoAutoSpawn // the server forgot us: a new player joins
	}
	m.gen, m.me, m.tickRate, m.match = u.Gen, u.Player, u.TickRate, u.Match
	if m.pred == nil {
		m.pred = predict.New(u.Player, u.World, m.opts.InitialLead)
		m.first = u.World.Clone()
	} else {
		lead := m.pred.Lead().Ticks()
		if newConn {
			lead = m.opts.InitialLead
		}
		m.pred.Reset(u.Player, u.World, lead)
	}
	if newConn {
		m.timeline.Reset()
		m.delay.Reset()
		m.effects.Reset()
		if m.gen > 1 {
			m.notices = append(m.notices, notice{"reconnected", now.Add(2 * time.Second)})
		}
	}
	if u.Desync {
		m.resyncs++
		m.notices = append(m.notices, notice{fmt.Sprintf("world resynchronised at tick %d", u.World.Tick), now.Add(noticeSeconds * time.Second)})
	}
	m.lastFrame = now
	m.history.Reset()
	m.history.Push(u.World)
	m.controls.Reset(u.World.Player(u.Player), m.spawnOnce)
	m.spawnOnce = false
	m.smooth = predict.Smoother{}
	m.lastTarget = u.World.Tick
	m.lastRender = 0
}

// Confirmed returns the last confirmed world, or nil before the first.
func (m *Model) Confirmed() *sim.World {
	if m.pred == nil {
		return nil
	}
	return m.pred.Confirmed()
}

// First returns the world the server welcomed the player with at the
// first connection (a fork's: the forked world, at the fork's tick), or
// nil before it.
func (m *Model) First() *sim.World { return m.first }

// Predicted returns the predicted world, or nil before the first.
func (m *Model) Predicted() *sim.World {
	if m.pred == nil {
		return nil
	}
	return m.pred.World()
}

// Me returns the own player's id (0 before the welcome).
func (m *Model) Me() sim.PlayerID { return m.me }

// Stats are numbers about the netcode, for the HUD's detail line and tests.
type Stats struct {
	Predict      predict.Stats
	Lead         float64 // ticks
	LeadHits     float64 // share of recent commands that landed as predicted
	Delay        float64 // ticks
	Confirmed    int     // frames confirmed
	Resyncs      int
	HashesMatch  int // server hashes equal to the confirmed world's
	HashesDiffer int
	Rejects      map[protocol.Reason]int
	// WorstJump is the largest distance, in world units, the drawn own
	// player moved in a frame because of a correction.
	WorstJump float64
	// MaxShots and MaxPlayers are the most projectiles and players in a
	// confirmed world so far.
	MaxShots, MaxPlayers int
}

// Stats returns the netcode numbers so far.
func (m *Model) Stats() Stats {
	s := Stats{Delay: m.delay.Ticks(), Confirmed: m.confirmed, Resyncs: m.resyncs,
		HashesMatch: m.hashesMatch, HashesDiffer: m.hashesDiff, Rejects: m.rejects, WorstJump: m.worstJump,
		MaxShots: m.maxShots, MaxPlayers: m.maxPlayers}
	if m.pred != nil {
		s.Predict = m.pred.Stats()
		s.Lead = m.pred.Lead().Ticks()
		s.LeadHits = m.pred.Lead().Hits()
	}
	return s
}
