package brain

import (
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/skirmishgg/skirmish/sim"
)

// Brain decides one player's commands from its view of the world. A Brain
// plays a single player and keeps state between calls; it is not safe for
// concurrent use.
type Brain interface {
	// Think is called once per simulated tick with the world as the player
	// sees it (after the tick) and returns the inputs to send now, appended
	// to dst. Every returned input has Player == me and passes
	// sim.Validate(w, in) at the time of the call. Think does not change w,
	// and it returns dst unchanged while me is not in the world (brains do
	// not join). With spare capacity in dst it does not allocate, apart from
	// a path-finding buffer the first time a Chase brain sees a map.
	Think(w *sim.World, me sim.PlayerID, dst []sim.Input) []sim.Input
}

// MaxRate is the highest command rate, per second, that the brains accept;
// larger rates are reduced to it.
const MaxRate = 1000

// micro is the fixed-point scale of rates: a rate is held as an integer count
// of millionths of a command per second.
const micro = 1_000_000

// rateMicro converts a rate in commands per second to millionths, clamped to
// [0, MaxRate]; NaN counts as 0. It is the only floating-point arithmetic in
// the package, and it runs once, in a constructor: a single correctly rounded
// IEEE multiplication gives the same result on every machine.
func rateMicro(rate float64) uint64 {
	if !(rate > 0) { // also NaN
		return 0
	}
	if rate > MaxRate {
		return MaxRate * micro
	}
	return uint64(math.Round(rate * micro))
}

// Salts make the brains of different kinds draw different sequences from the
// same seed.
const (
	saltRandom = 0x52414e444f4d2121 // "RANDOM!!"
	saltChase  = 0x4348415345212121 // "CHASE!!!"
)

// rng draws integers from a PCG generator. It reduces the generator's raw
// 64-bit outputs itself, rather than through rand.Rand's helpers, so that the
// sequence of decisions depends only on the PCG algorithm, which is fixed.
type rng struct{ src *rand.PCG }

func newRNG(seed, salt uint64) rng { return rng{rand.NewPCG(seed, seed^salt)} }

// below returns a number in [0, n) for 0 < n < 2³², by multiplying the top
// 32 bits of a draw by n (the bias is below n/2³²).
func (r rng) below(n uint64) uint64 { return (r.src.Uint64() >> 32) * n >> 32 }

// between returns a number in [lo, hi].
func (r rng) between(lo, hi int32) int32 { return lo + int32(r.below(uint64(hi-lo)+1)) }

// chance returns true with probability num/den.
func (r rng) chance(num, den uint64) bool { return r.below(den) < num }

// sign returns +1 or -1 with equal probability.
func (r rng) sign() int32 { return 1 - 2*int32(r.below(2)) }

// msTicks returns the whole ticks in ms milliseconds at the world's rate, at
// least one.
func msTicks(w *sim.World, ms int32) uint32 { return uint32(max(1, ms*w.TickRate/1000)) }

// after reports whether tick has reached deadline, allowing for wrap-around.
func after(tick, deadline uint32) bool { return int32(tick-deadline) >= 0 }

// clock counts the ticks between calls to Think, so that a brain stays on
// schedule if a tick is skipped, is not confused when asked twice about the
// same tick, and does not burst after a jump (a restored snapshot).
type clock struct {
	last    uint32
	started bool
}

// elapsed returns the ticks since the previous call, at most limit: 1 on the
// first call or when time went backwards, 0 for the same tick again.
func (c *clock) elapsed(tick uint32, limit int32) int32 {
	d := tick - c.last
	switch {
	case !c.started || d >= 1<<31:
		d = 1
	case d > uint32(limit):
		d = uint32(limit)
	}
	c.started, c.last = true, tick
	return int32(d)
}

// arrivals returns how many commands of a Poisson-like stream at rate
// (millionths per second) fall in one tick: the whole part of the expected
// count, plus one with the probability of its fraction.
func arrivals(r rng, rate uint64, tickRate int32) int32 {
	den := micro * uint64(tickRate)
	n := int32(rate / den)
	if frac := rate % den; frac > 0 && r.below(den) < frac {
		n++
	}
	return n
}

// self is what a brain believes about its own player during one call to
// Think. It starts as the world says and follows the brain's own commands,
// so that no command repeats or undoes another sent in the same call.
type self struct {
	alive     bool // alive in the world (a spawn sent now does not count)
	spawnable bool // dead and the respawn delay is over
	fireable  bool // alive, weapon ready, and room for a projectile
	x, y      int32
	heading   uint16
	move      int32
	strafe    int32
	rotate    int32
}

func selfOf(w *sim.World, p *sim.Player) self {
	return self{
		alive:     p.Alive,
		spawnable: !p.Alive && p.Respawn == 0,
		fireable:  p.Alive && p.Cooldown == 0 && len(w.Projectiles) < sim.MaxProjectiles,
		x:         p.X, y: p.Y,
		heading: p.Heading,
		move:    p.Move, strafe: p.Strafe, rotate: p.Rotate,
	}
}

// emit appends in, sent by me, to dst and records its effect in s. It checks
// in with sim.Validate first: a brain's reasoning should never produce an
// invalid command, and if it does, the command is dropped rather than sent.
func emit(w *sim.World, me sim.PlayerID, s *self, in sim.Input, dst []sim.Input) ([]sim.Input, bool) {
	in.Player = me
	if sim.Validate(w, in) != nil {
		return dst, false
	}
	switch in.Action {
	case sim.SpawnAt:
		s.spawnable = false
	case sim.MoveStart:
		s.move = in.Value
	case sim.MoveStop:
		s.move = 0
	case sim.StrafeStart:
		s.strafe = in.Value
	case sim.StrafeStop:
		s.strafe = 0
	case sim.RotateStart:
		s.rotate = in.Value
	case sim.RotateStop:
		s.rotate = 0
	case sim.Fire:
		s.fireable = false
	}
	return append(dst, in), true
}

// angleDiff returns the signed turn from heading from to heading to, in
// [-FullTurn/2, FullTurn/2).
func angleDiff(to, from uint16) int32 { return int32(int16(to - from)) }

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

// isqrt returns ⌊√n⌋.
func isqrt(n uint64) uint64 {
	if n < 2 {
		return n
	}
	x := uint64(1) << ((bits.Len64(n) + 1) / 2) // ≥ √n
	for {
		y := (x + n/x) / 2
		if y >= x {
			return x
		}
		x = y
	}
}

// dist2 returns the squared distance between two positions.
func dist2(x0, y0, x1, y1 int32) int64 {
	dx, dy := int64(x1-x0), int64(y1-y0)
	return dx*dx + dy*dy
}

// tileOf returns the tile under a position inside the map (positions there
// are never negative).
func tileOf(x, y int32) sim.Point { return sim.Point{X: x / sim.Unit, Y: y / sim.Unit} }

// sampleStep is the spacing of the points a line of sight is tested at: the
// longest step a projectile takes between its own wall tests.
const sampleStep = sim.Unit / 4

// clearLine reports whether the segment from (x0, y0) to (x1, y1) crosses no
// wall tile, testing points every sampleStep along it.
func clearLine(m *sim.Map, x0, y0, x1, y1 int32) bool {
	dx, dy := int64(x1-x0), int64(y1-y0)
	n := max(abs64(dx), abs64(dy))/sampleStep + 1
	for k := int64(1); k <= n; k++ {
		px, py := int64(x0)+dx*k/n, int64(y0)+dy*k/n
		if px < 0 || py < 0 || m.At(int32(px/sim.Unit), int32(py/sim.Unit)) == sim.Wall {
			return false
		}
	}
	return true
}

// clearPath reports whether a player's box could walk straight from
// (x0, y0) to (x1, y1): the centre line and the two lines along its sides
// are clear of walls.
func clearPath(m *sim.Map, x0, y0, x1, y1 int32) bool {
	if !clearLine(m, x0, y0, x1, y1) {
		return false
	}
	dx, dy := int64(x1-x0), int64(y1-y0)
	l := int64(isqrt(uint64(dx*dx + dy*dy)))
	if l == 0 {
		return true
	}
	// The perpendicular reaching just inside the box, which may touch a wall.
	const side = sim.PlayerRadius - 1
	px, py := int32(-dy*side/l), int32(dx*side/l)
	return clearLine(m, x0+px, y0+py, x1+px, y1+py) && clearLine(m, x0-px, y0-py, x1-px, y1-py)
}

// wallAhead reports whether a wall lies within reach units in front of a
// player at (x, y) facing heading, measured from the front of its box.
func wallAhead(m *sim.Map, x, y int32, heading uint16, reach int32) bool {
	for d := int32(sampleStep); d <= reach; d += sampleStep {
		dx, dy := sim.Direction(heading, sim.PlayerRadius+d)
		if m.At((x+dx)/sim.Unit, (y+dy)/sim.Unit) == sim.Wall {
			return true
		}
	}
	return false
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}
