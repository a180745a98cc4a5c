package brain

import "github.com/skirmishgg/skirmish/sim"

// newRandom returns a brain that plays at random, the way a load-test bot
// should: it spawns when dead (after a human-like delay, at FarthestSpawn or
// at a random free spawn point) and otherwise issues plausible commands —
// mostly moving forward while turning, now and then strafing, stopping or
// backing off a wall, and firing in bursts — at rate commands per second on
// average, counting spawns.
//
// Commands arrive as a Poisson-like stream of rate per second. Spawns and the
// follow-up shots of a burst are sent when they are due and paid for from
// the stream's next arrivals, so the long-run average stays at rate. While
// dead the brain uses its arrivals for motion commands, which the simulation
// accepts then and applies on spawning (a player releasing or pressing keys
// while waiting). A rate of 0 gives a bot that spawns and stands still.
//
// A negative or NaN rate counts as 0, and a rate above MaxRate as MaxRate.
func newRandom(seed uint64, rate float64) Brain {
	return &randomBrain{r: newRNG(seed, saltRandom), rate: rateMicro(rate)}
}

// Limits of the random brain's schedule.
const (
	// maxDebt bounds how far spawns and bursts may run ahead of the
	// schedule, so that a bot at a very low rate is never silent for long.
	maxDebt = 8
	// burstMax is the most follow-up shots of a burst.
	burstMax = 3
)

type randomBrain struct {
	r     rng
	rate  uint64 // millionths of a command per second
	clock clock
	// pending counts commands due (positive) or sent ahead of the schedule
	// (negative, repaid by the next arrivals).
	pending int32
	// burst is the shots still to fire in the current burst.
	burst int32
	// spawnAt is the tick the brain means to spawn at, when spawnPlanned.
	spawnAt      uint32
	spawnPlanned bool
}

func (b *randomBrain) Think(w *sim.World, me sim.PlayerID, dst []sim.Input) []sim.Input {
	p := w.Player(me)
	if p == nil {
		b.spawnPlanned, b.burst = false, 0
		return dst
	}
	for range b.clock.elapsed(w.Tick, w.TickRate) {
		b.pending += arrivals(b.r, b.rate, w.TickRate)
	}
	s := selfOf(w, p)
	var ok bool
	switch {
	case p.Alive:
		b.spawnPlanned = false
	case s.spawnable:
		b.burst = 0
		if !b.spawnPlanned {
			b.spawnPlanned = true
			b.spawnAt = w.Tick + msTicks(w, b.r.between(250, 1000))
		}
		if after(w.Tick, b.spawnAt) {
			var sp sim.Point
			var found bool
			if b.r.below(2) == 0 {
				sp, found = randomSpawn(w, b.r)
			} else {
				sp, found = FarthestSpawn(w, me)
			}
			if found {
				dst, ok = emit(w, me, &s, sim.Input{Action: sim.SpawnAt, X: sp.X, Y: sp.Y}, dst)
				if ok {
					b.pending--
					b.spawnPlanned = false
				}
			}
		}
	default:
		b.burst = 0
	}
	if b.burst > 0 && s.fireable && b.pending > -maxDebt {
		dst, ok = emit(w, me, &s, sim.Input{Action: sim.Fire}, dst)
		if ok {
			b.pending--
			b.burst--
		}
	}
	for ; b.pending > 0; b.pending-- {
		in := pick(b.r, w.Map, &s, false)
		dst, ok = emit(w, me, &s, in, dst)
		if ok && in.Action == sim.Fire {
			b.burst = b.r.between(1, burstMax)
		}
	}
	b.pending = max(b.pending, -maxDebt)
	return dst
}

// choice is a kind of command a random pick can make.
type choice uint8

const (
	chFire choice = iota
	chForward
	chBackward
	chMoveStop
	chRotate
	chRotateStop
	chStrafe
	chStrafeStop
	numChoices
)

// pick chooses a plausible command for a player in state s, one that changes
// something. A calm pick (a Chase brain wandering) never fires and moves and
// turns more slowly. Near a wall ahead it prefers turning away or backing off.
// A dead player only presses or releases movement keys.
func pick(r rng, m *sim.Map, s *self, calm bool) sim.Input {
	var wt [numChoices]uint32
	wall := s.alive && wallAhead(m, s.x, s.y, s.heading, sim.Unit)
	if s.alive {
		if s.fireable && !calm {
			wt[chFire] = 3
		}
		switch {
		case s.move <= 0 && wall:
			wt[chForward] = 1
		case s.move <= 0:
			wt[chForward] = 8
		case !wall:
			wt[chForward] = 1 // a new speed
		}
		switch {
		case s.move == 0 && wall:
			wt[chBackward] = 3
		case s.move == 0, s.move > 0 && wall:
			wt[chBackward] = 1
		}
		switch {
		case s.move < 0:
			wt[chMoveStop] = 3
		case s.move > 0 && wall:
			wt[chMoveStop] = 3
		case s.move > 0:
			wt[chMoveStop] = 1
		}
		if s.rotate == 0 {
			wt[chRotate] = 5
			if wall {
				wt[chRotate] = 16
			}
			wt[chRotateStop] = 0
		} else {
			wt[chRotate] = 1 // a new rate
			wt[chRotateStop] = 5
			if wall {
				wt[chRotate], wt[chRotateStop] = 2, 1
			}
		}
		if s.strafe == 0 {
			wt[chStrafe] = 2
			if calm {
				wt[chStrafe] = 1
			}
		} else {
			wt[chStrafe] = 1 // the other way
			wt[chStrafeStop] = 4
		}
	} else {
		if s.move <= 0 {
			wt[chForward] = 2
		} else {
			wt[chMoveStop] = 3
		}
		if s.move < 0 {
			wt[chMoveStop] = 3
		}
		if s.rotate == 0 {
			wt[chRotate] = 1
		} else {
			wt[chRotateStop] = 3
		}
		if s.strafe != 0 {
			wt[chStrafeStop] = 3
		}
	}
	var total uint32
	for _, v := range wt {
		total += v
	}
	k := uint32(r.below(uint64(total)))
	c := chForward
	for i, v := range wt {
		if k < v {
			c = choice(i)
			break
		}
		k -= v
	}

	switch c {
	case chFire:
		return sim.Input{Action: sim.Fire}
	case chForward:
		lo, hi := int32(sim.MaxMoveSpeed/2), int32(sim.MaxMoveSpeed)
		if calm {
			lo, hi = sim.MaxMoveSpeed/3, sim.MaxMoveSpeed*2/3
		}
		return sim.Input{Action: sim.MoveStart, Value: unlike(r.between(lo, hi), s.move, lo)}
	case chBackward:
		return sim.Input{Action: sim.MoveStart, Value: -r.between(sim.MaxMoveSpeed/4, sim.MaxMoveSpeed/2)}
	case chMoveStop:
		return sim.Input{Action: sim.MoveStop}
	case chRotate:
		lo, hi := int32(sim.MaxRotateRate/8), int32(sim.MaxRotateRate/2)
		switch {
		case calm:
			lo, hi = sim.MaxRotateRate/12, sim.MaxRotateRate/4
		case wall:
			lo, hi = sim.MaxRotateRate/3, sim.MaxRotateRate
		}
		return sim.Input{Action: sim.RotateStart, Value: unlike(r.sign()*r.between(lo, hi), s.rotate, lo)}
	case chRotateStop:
		return sim.Input{Action: sim.RotateStop}
	case chStrafe:
		dir := r.sign()
		if s.strafe != 0 {
			dir = -1
			if s.strafe < 0 {
				dir = 1
			}
		}
		return sim.Input{Action: sim.StrafeStart, Value: dir * r.between(sim.MaxStrafeSpeed/2, sim.MaxStrafeSpeed)}
	default: // chStrafeStop
		return sim.Input{Action: sim.StrafeStop}
	}
}

// unlike returns v, or a neighbour of v closer to lo in magnitude when v
// equals cur, so that a new speed or rate always differs from the current.
func unlike(v, cur, lo int32) int32 {
	if v != cur {
		return v
	}
	if abs32(v) > lo {
		if v > 0 {
			return v - 1
		}
		return v + 1
	}
	if v >= 0 {
		return v + 1
	}
	return v - 1
}
