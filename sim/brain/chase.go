package brain

import (
	"math"

	"github.com/skirmishgg/skirmish/sim"
)

// DefaultChaseRate is the command rate cap, per second, of a Chase brain
// made with maxRate 0: a quick player's key presses.
const DefaultChaseRate = 6

// chaseBurst is the capacity of a Chase brain's token bucket, in commands: a
// person may press two keys at once (stop turning and fire). So fewer than
// maxRate+2 commands fall in any one second, and maxRate per second on
// average.
const chaseBurst = 2

// Distances at which a Chase brain engages, in world units.
const (
	chaseFar   = 4 * sim.Unit     // closes in when farther than this
	chaseNear  = 5 * sim.Unit / 2 // stops closing in when nearer than this
	dodgeRange = 7 * sim.Unit     // may strafe to dodge within this
	lookahead  = 8                // path tiles considered when walking around walls
)

// Aim tolerances, in angle units.
const (
	aimStart = sim.FullTurn / 360 // 1°: a smaller error is not worth turning for
	aimStop  = sim.FullTurn / 720 // 0.5°: a turn ends this close to its target
	// radian is the angle units in one radian, 65536/2π rounded.
	radian = 10430
)

// newChase returns a brain that plays like a person: it picks the nearest
// living opponent (the lower id on a tie), turns towards it at a rate
// proportional to the angle, walks around walls towards it until within a
// few tiles, strafes now and then to dodge, and fires when it is aimed well
// enough to hit and the line of fire is clear. Without an opponent it
// wanders, like newRandom but calmer; when dead it spawns at FarthestSpawn
// after a short delay.
//
// It sends a command only when the command changes something, and at most
// maxRate per second on average and fewer than maxRate+2 in any one second
// (a token bucket counted in ticks, holding two commands). A maxRate of 0
// means DefaultChaseRate; a negative or NaN one counts as 0, and one above
// MaxRate as MaxRate.
func newChase(seed uint64, maxRate float64) Brain {
	rate := rateMicro(maxRate)
	if rate == 0 {
		rate = DefaultChaseRate * micro
	}
	return &chaseBrain{r: newRNG(seed, saltChase), rate: rate}
}

type chaseBrain struct {
	r     rng
	rate  uint64 // millionths of a command per second
	clock clock
	// tokens is the bucket's content: a command costs micro·TickRate, and
	// each tick adds rate.
	tokens uint64

	spawnAt      uint32
	spawnPlanned bool
	// strafeUntil is when the current dodge ends.
	strafeUntil uint32
	// Progress check: where the player was at tick progressAt.
	haveProgress bool
	progressAt   uint32
	progX, progY int32
	// wanderPending counts the calm commands due while there is no target.
	wanderPending int32
	field         pathField
}

func (b *chaseBrain) Think(w *sim.World, me sim.PlayerID, dst []sim.Input) []sim.Input {
	p := w.Player(me)
	if p == nil {
		b.spawnPlanned = false
		return dst
	}
	b.field.reserve(w.Map)
	cost := micro * uint64(w.TickRate)
	if !b.clock.started {
		b.tokens = chaseBurst * cost
	}
	elapsed := b.clock.elapsed(w.Tick, w.TickRate)
	b.tokens = min(b.tokens+b.rate*uint64(elapsed), chaseBurst*cost)
	s := selfOf(w, p)

	if !p.Alive {
		b.haveProgress = false
		if !s.spawnable {
			return dst
		}
		if !b.spawnPlanned {
			b.spawnPlanned = true
			b.spawnAt = w.Tick + msTicks(w, b.r.between(150, 500))
		}
		if after(w.Tick, b.spawnAt) {
			if sp, ok := FarthestSpawn(w, me); ok {
				dst = b.send(w, me, &s, sim.Input{Action: sim.SpawnAt, X: sp.X, Y: sp.Y}, cost, dst)
				b.spawnPlanned = s.spawnable
			}
		}
		return dst
	}
	b.spawnPlanned = false

	t := nearestOpponent(w, me, s.x, s.y)
	if t == nil {
		return b.wander(w, me, &s, elapsed, cost, dst)
	}
	b.wanderPending = 0
	return b.engage(w, me, &s, t, cost, dst)
}

// send appends in if the bucket holds a token for it.
func (b *chaseBrain) send(w *sim.World, me sim.PlayerID, s *self, in sim.Input, cost uint64, dst []sim.Input) []sim.Input {
	if b.tokens < cost {
		return dst
	}
	dst, ok := emit(w, me, s, in, dst)
	if ok {
		b.tokens -= cost
	}
	return dst
}

// engage hunts target t: turn, fire, close in, dodge, in that order of
// priority for the bucket's tokens (except that ending a turn comes first,
// as it cannot wait without overshooting).
func (b *chaseBrain) engage(w *sim.World, me sim.PlayerID, s *self, t *sim.Player, cost uint64, dst []sim.Input) []sim.Input {
	d := int32(isqrt(uint64(dist2(s.x, s.y, t.X, t.Y))))
	los := clearLine(w.Map, s.x, s.y, t.X, t.Y)
	ax, ay := t.X, t.Y
	if !los {
		ax, ay = b.field.waypoint(w.Map, s.x, s.y, t.X, t.Y)
	}
	diff := angleDiff(sim.Atan2(int64(ay-s.y), int64(ax-s.x)), s.heading)
	stuck := b.stuck(w, s)

	// Walking around a wall needs no precision; aiming needs only enough
	// to hit.
	slack := int32(sim.FullTurn / 36)
	if los {
		slack = max(aimStart, fireTolerance(d)/2)
	}
	// A turn lasts at least until the bucket can pay for its stop.
	rot, turn := steer(diff, s.rotate, w.TickRate, slack, b.ticksToAfford(2*cost))
	if turn && rot == 0 {
		dst = b.send(w, me, s, sim.Input{Action: sim.RotateStop}, cost, dst)
	}
	if los && s.fireable && d <= sim.ProjectileRange && abs32(diff) <= fireTolerance(d) && b.spare(s, diff, w.TickRate, cost) {
		dst = b.send(w, me, s, sim.Input{Action: sim.Fire}, cost, dst)
	}
	if turn && rot != 0 {
		dst = b.send(w, me, s, sim.Input{Action: sim.RotateStart, Value: rot}, cost, dst)
	}
	if !b.spare(s, diff, w.TickRate, cost) {
		return dst
	}

	forward := s.move > 0
	switch {
	case !los || d > chaseFar:
		forward = true
	case d < chaseNear:
		forward = false
	}
	switch {
	case forward && s.move <= 0 && abs32(diff) < sim.FullTurn/4:
		dst = b.send(w, me, s, sim.Input{Action: sim.MoveStart, Value: sim.MaxMoveSpeed}, cost, dst)
	case forward && s.move < 0, !forward && s.move != 0:
		dst = b.send(w, me, s, sim.Input{Action: sim.MoveStop}, cost, dst)
	}

	switch {
	case s.strafe != 0 && after(w.Tick, b.strafeUntil):
		dst = b.send(w, me, s, sim.Input{Action: sim.StrafeStop}, cost, dst)
	case s.strafe == 0 && (stuck || los && d < dodgeRange && b.r.chance(2, 5*uint64(w.TickRate))):
		// About 0.4 dodges a second in a fight; and a step aside when stuck.
		v := b.r.sign() * b.r.between(sim.MaxStrafeSpeed*2/3, sim.MaxStrafeSpeed)
		until := w.Tick + msTicks(w, b.r.between(300, 800))
		if dst = b.send(w, me, s, sim.Input{Action: sim.StrafeStart, Value: v}, cost, dst); s.strafe != 0 {
			b.strafeUntil = until
		}
	}
	return dst
}

// ticksToAfford returns the ticks until the bucket holds need.
func (b *chaseBrain) ticksToAfford(need uint64) int32 {
	if b.tokens >= need {
		return 0
	}
	return int32((need - b.tokens + b.rate - 1) / b.rate)
}

// spare reports whether a token may go on something other than turning: no
// turn is under way, or the bucket will have refilled by the time the turn
// must be stopped.
func (b *chaseBrain) spare(s *self, diff, tickRate int32, cost uint64) bool {
	step := abs32(s.rotate / tickRate)
	if step == 0 {
		return true
	}
	return b.ticksToAfford(2*cost) <= abs32(diff)/step
}

// wander plays calmly while there is nobody to chase: about one command a
// second, never firing, and no dodging.
func (b *chaseBrain) wander(w *sim.World, me sim.PlayerID, s *self, elapsed int32, cost uint64, dst []sim.Input) []sim.Input {
	b.haveProgress = false
	if s.strafe != 0 && after(w.Tick, b.strafeUntil) {
		dst = b.send(w, me, s, sim.Input{Action: sim.StrafeStop}, cost, dst)
	}
	rate := min(b.rate, micro)
	for range elapsed {
		b.wanderPending += arrivals(b.r, rate, w.TickRate)
	}
	b.wanderPending = min(b.wanderPending, 1)
	if b.wanderPending > 0 && b.tokens >= cost {
		in := pick(b.r, w.Map, s, true)
		if in.Action == sim.StrafeStart {
			b.strafeUntil = w.Tick + msTicks(w, b.r.between(300, 800))
		}
		dst = b.send(w, me, s, in, cost, dst)
		b.wanderPending--
	}
	return dst
}

// stuck reports whether the player has been trying to move for half a second
// without getting anywhere (against a corner, or another player).
func (b *chaseBrain) stuck(w *sim.World, s *self) bool {
	if s.move == 0 || !b.haveProgress {
		b.haveProgress = true
		b.progressAt, b.progX, b.progY = w.Tick, s.x, s.y
		return false
	}
	if !after(w.Tick, b.progressAt+msTicks(w, 500)) {
		return false
	}
	moved := abs32(s.x-b.progX) + abs32(s.y-b.progY)
	b.progressAt, b.progX, b.progY = w.Tick, s.x, s.y
	return moved < sim.Unit/8
}

// nearestOpponent returns the living player other than me nearest to (x, y),
// the lower id on a tie, or nil.
func nearestOpponent(w *sim.World, me sim.PlayerID, x, y int32) *sim.Player {
	var best *sim.Player
	bestD := int64(math.MaxInt64)
	for i := range w.Players {
		q := &w.Players[i]
		if !q.Alive || q.ID == me {
			continue
		}
		if d := dist2(x, y, q.X, q.Y); d < bestD { // Players is sorted by id
			best, bestD = q, d
		}
	}
	return best
}

// steer decides the turn for a heading error of diff while turning at rate
// cur: change is true when a new rate should be sent, rate 0 meaning stop.
// An error within slack is left alone. A turn is planned to end on its
// target, taking at least minTicks (see turnRate), and is stopped within half
// a tick's turn of it; it is replanned when it goes the wrong way, or when it
// would take more than half a second and could be half as fast again.
func steer(diff, cur, tickRate, slack, minTicks int32) (rate int32, change bool) {
	step := cur / tickRate // what the simulation turns per tick
	a := abs32(diff)
	wrongWay := step == 0 || (step < 0) != (diff < 0)
	switch {
	case cur != 0 && a <= max(aimStop, abs32(step)/2):
		return 0, true
	case a <= slack:
		return 0, cur != 0 && wrongWay
	}
	want := turnRate(diff, tickRate, minTicks)
	if wrongWay || (a > abs32(step)*tickRate/2 && abs32(want) > abs32(cur)*3/2) {
		return want, want != cur
	}
	return 0, false
}

// turnRate returns the rate that turns through diff in a whole number of
// ticks, exactly to the unit where the table allows, taking at least
// minTicks and an eighth of a second (people do not snap), and turning no
// faster than the maximum.
func turnRate(diff, tickRate, minTicks int32) int32 {
	maxStep := int32(sim.MaxRotateRate) / tickRate
	a := abs32(diff)
	n := max(tickRate/8, minTicks, 1, (a+maxStep-1)/maxStep)
	step := max(a/n, 1)
	if diff < 0 {
		step = -step
	}
	return step * tickRate
}

// fireTolerance returns how far off target a shot at distance d may be aimed
// and still hit: three quarters of the angle the target's hit box subtends,
// between 1° and 10°.
func fireTolerance(d int32) int32 {
	const reach = sim.PlayerRadius + sim.ProjectileRadius
	if d <= 0 {
		return sim.FullTurn / 36
	}
	tol := int64(reach) * radian * 3 / 4 / int64(d)
	return int32(min(max(tol, sim.FullTurn/360), sim.FullTurn/36))
}
