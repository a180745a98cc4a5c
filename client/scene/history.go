package scene

import (
	"math"

	"github.com/skirmishgg/skirmish/sim"
)

// Body is a player as drawn: a position in world units and a heading in
// angle units, both fractional because they are interpolated.
type Body struct {
	ID      sim.PlayerID
	Name    string
	X, Y    float64
	Heading float64 // angle units, 0 = +X, clockwise; not wrapped
	Alive   bool
	Health  int32
	Me      bool
}

// HeadingRadians returns the heading in radians, clockwise from +X (the
// screen's Y axis points down).
func (b *Body) HeadingRadians() float64 { return b.Heading * 2 * math.Pi / sim.FullTurn }

// History keeps the players of the last confirmed ticks, to draw other
// players between two of them. It reuses its storage. The zero value is
// ready to use.
type History struct {
	ticks [historyLen]historyTick
	n     int // ticks pushed since Reset
}

// historyLen is how many confirmed ticks are kept: at 60 Hz a second,
// beyond any sensible render delay.
const historyLen = 64

type historyTick struct {
	tick        uint32
	players     []sim.Player
	projectiles []sim.Projectile
}

// Reset forgets every tick.
func (h *History) Reset() { h.n = 0 }

// Push records the players of a confirmed world. A world that does not
// follow the last one (a gap after a reset) starts the history again.
func (h *History) Push(w *sim.World) {
	if h.n > 0 && w.Tick != h.ticks[(h.n-1)%historyLen].tick+1 {
		h.n = 0
	}
	t := &h.ticks[h.n%historyLen]
	t.tick = w.Tick
	t.players = append(t.players[:0], w.Players...)
	t.projectiles = append(t.projectiles[:0], w.Projectiles...)
	h.n++
}

// Len returns how many ticks are held.
func (h *History) Len() int { return min(h.n, historyLen) }

// Latest returns the newest tick held and whether there is one.
func (h *History) Latest() (uint32, bool) {
	if h.n == 0 {
		return 0, false
	}
	return h.ticks[(h.n-1)%historyLen].tick, true
}

// Oldest returns the oldest tick held and whether there is one.
func (h *History) Oldest() (uint32, bool) {
	if h.n == 0 {
		return 0, false
	}
	return h.ticks[(h.n-h.Len())%historyLen].tick, true
}

func (h *History) at(tick uint32) *historyTick {
	latest, ok := h.Latest()
	if !ok || int32(latest-tick) < 0 || int(latest-tick) >= h.Len() {
		return nil
	}
	return &h.ticks[(h.n-1-int(latest-tick))%historyLen]
}

// Sample appends the players as they were at time at (in ticks, fractional)
// to dst: between the two confirmed ticks around it, linearly. A time past
// the newest tick holds at it (extrapolating would show guesses that turn
// back), a time before the oldest at the oldest. Players that appear,
// disappear, die, spawn or jump (more than a tile in a tick) between the
// two ticks are taken from the later one as they are.
func (h *History) Sample(at float64, dst []Body) []Body {
	latest, ok := h.Latest()
	if !ok {
		return dst
	}
	oldest, _ := h.Oldest()
	if at >= float64(latest) {
		return appendBodies(dst, h.at(latest), nil, 0)
	}
	if at <= float64(oldest) {
		return appendBodies(dst, h.at(oldest), nil, 0)
	}
	t0 := uint32(math.Floor(at))
	a, b := h.at(t0), h.at(t0+1)
	return appendBodies(dst, b, a, at-float64(t0))
}

// Shot is a projectile as drawn.
type Shot struct {
	X, Y    float64 // world units
	Heading uint16
	Owner   sim.PlayerID
}

// SampleShots appends to dst the projectiles as they were at time at (in
// ticks), except those of player skip: each projectile of the confirmed
// tick after at, moved back along its path by the time between, but never
// behind the point it was fired from.
func (h *History) SampleShots(at float64, tickRate int32, skip sim.PlayerID, dst []Shot) []Shot {
	latest, ok := h.Latest()
	if !ok {
		return dst
	}
	oldest, _ := h.Oldest()
	t := uint32(math.Floor(at)) + 1
	switch {
	case at >= float64(latest):
		t = latest
	case at < float64(oldest):
		t = oldest
	}
	back := math.Max(0, float64(t)-at)
	return appendShots(dst, h.at(t).projectiles, tickRate, back, skip)
}

// appendShots appends projectiles ps drawn back ticks before their state,
// except player skip's.
func appendShots(dst []Shot, ps []sim.Projectile, tickRate int32, back float64, skip sim.PlayerID) []Shot {
	for i := range ps {
		if ps[i].Owner != skip {
			dst = AppendShot(dst, &ps[i], tickRate, back)
		}
	}
	return dst
}

// AppendShot appends projectile p as drawn back ticks before its state
// (at tickRate), but not behind the point it was fired from: the game draws
// the own player's shots with it, on the own player's predicted time.
func AppendShot(dst []Shot, p *sim.Projectile, tickRate int32, back float64) []Shot {
	speed := sim.ProjectileSpeed / tickRate
	maxLife := sim.ProjectileRange / speed
	age := float64(maxLife - p.Life) // ticks flown
	b := math.Min(back, age)
	dx, dy := sim.Direction(p.Heading, speed)
	return append(dst, Shot{X: float64(p.X) - b*float64(dx), Y: float64(p.Y) - b*float64(dy), Heading: p.Heading, Owner: p.Owner})
}

// appendBodies appends the players of b, each drawn at fraction f of the way
// from its state in a (if any and comparable) to its state in b.
func appendBodies(dst []Body, b, a *historyTick, f float64) []Body {
	j := 0
	for i := range b.players {
		q := &b.players[i]
		body := Body{ID: q.ID, Name: q.Name, X: float64(q.X), Y: float64(q.Y), Heading: float64(q.Heading), Alive: q.Alive, Health: q.Health}
		if a != nil {
			// Both lists are sorted by id.
			for j < len(a.players) && a.players[j].ID < q.ID {
				j++
			}
			if j < len(a.players) && a.players[j].ID == q.ID {
				p := &a.players[j]
				if p.Alive == q.Alive && abs32(q.X-p.X) <= sim.Unit && abs32(q.Y-p.Y) <= sim.Unit {
					body.X = float64(p.X) + f*float64(q.X-p.X)
					body.Y = float64(p.Y) + f*float64(q.Y-p.Y)
					body.Heading = float64(p.Heading) + f*float64(int16(q.Heading-p.Heading))
				}
			}
		}
		dst = append(dst, body)
	}
	return dst
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}
