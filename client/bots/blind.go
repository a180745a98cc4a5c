package bots

import (
	"math/rand/v2"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// blindBrain decides the commands of a bot that keeps no world (a
// session.Tracker): it plays like the random brain (spawning, moving,
// turning, strafing, firing, at a rate a second on average) from what it
// can know without simulating, its own commands' events and rejects. It
// learns that it is alive from its spawn's event, and that it died from a
// shot refused because it is dead; it fires only once its last shot's
// cooldown is over. A few of its commands are refused where a brain with a
// world would not have sent them (a shot after an unseen death, a spawn on
// a point just taken), which the results count by reason like any other.
type blindBrain struct {
	r        *rand.Rand
	perTick  float64 // commands per tick on average
	debt     float64 // commands due, fractions included
	spawns   []sim.Point
	tickRate int32
	tick     uint32 // the latest frame's

	alive        bool
	spawnPlanned bool
	spawnAt      uint32
	spawnSent    bool   // a spawn is waiting for its answer
	fireReady    uint32 // the first tick it may fire at
	fireSent     bool   // a shot is waiting for its answer
	move         int32
	strafe       int32
	rotate       int32

	recent [16]struct { // the last commands sent, to read rejects by
		seq uint32
		act sim.Action
	}
}

func newBlindBrain(seed uint64, rate float64, tickRate int32, spawns []sim.Point) *blindBrain {
	return &blindBrain{
		r:        rand.New(rand.NewPCG(seed, seed^0x424c494e44212121)), // "BLIND!!!"
		perTick:  rate / float64(tickRate),
		spawns:   spawns,
		tickRate: tickRate,
	}
}

// ticks converts milliseconds to ticks, at least one.
func (b *blindBrain) ticks(ms int) uint32 { return uint32(max(1, ms*int(b.tickRate)/1000)) }

// think returns the commands to send after the frame of tick, appended to
// dst.
func (b *blindBrain) think(tick uint32, dst []sim.Input) []sim.Input {
	b.tick = tick
	b.debt = min(b.debt+b.perTick, 8) // a bot held up does not burst afterwards
	if !b.alive && !b.spawnSent && len(b.spawns) > 0 {
		if !b.spawnPlanned {
			b.spawnPlanned, b.spawnAt = true, tick+b.ticks(250+b.r.IntN(750))
		}
		if int32(tick-b.spawnAt) >= 0 {
			p := b.spawns[b.r.IntN(len(b.spawns))]
			dst = append(dst, sim.Input{Action: sim.SpawnAt, X: p.X, Y: p.Y})
			b.spawnSent, b.spawnPlanned = true, false
			b.debt--
		}
	}
	for ; b.debt >= 1 || b.debt > 0 && b.r.Float64() < b.debt; b.debt-- {
		dst = append(dst, b.pick())
	}
	b.debt = max(b.debt, -8)
	return dst
}

// pick chooses a command that changes something, weighted like the random
// brain's choices; a dead bot only presses and releases movement keys.
func (b *blindBrain) pick() sim.Input {
	type choice struct {
		w  int
		in func() sim.Input
	}
	r := b.r
	between := func(lo, hi int32) int32 { return lo + r.Int32N(hi-lo+1) }
	sign := func() int32 { return 1 - 2*r.Int32N(2) }
	forward := func() sim.Input {
		return sim.Input{Action: sim.MoveStart, Value: between(sim.MaxMoveSpeed/2, sim.MaxMoveSpeed)}
	}
	backward := func() sim.Input {
		return sim.Input{Action: sim.MoveStart, Value: -between(sim.MaxMoveSpeed/4, sim.MaxMoveSpeed/2)}
	}
	rotate := func() sim.Input {
		return sim.Input{Action: sim.RotateStart, Value: sign() * between(sim.MaxRotateRate/8, sim.MaxRotateRate/2)}
	}
	strafe := func() sim.Input {
		return sim.Input{Action: sim.StrafeStart, Value: sign() * between(sim.MaxStrafeSpeed/2, sim.MaxStrafeSpeed)}
	}
	stop := func(a sim.Action) func() sim.Input { return func() sim.Input { return sim.Input{Action: a} } }
	either := func(c bool, yes, no int) int {
		if c {
			return yes
		}
		return no
	}
	cs := make([]choice, 0, 8)
	if b.alive {
		if !b.fireSent && int32(b.tick-b.fireReady) >= 0 {
			cs = append(cs, choice{3, stop(sim.Fire)})
		}
		cs = append(cs, choice{either(b.move <= 0, 8, 1), forward}, choice{1, backward})
		if b.move != 0 {
			cs = append(cs, choice{3, stop(sim.MoveStop)})
		}
		cs = append(cs, choice{either(b.rotate == 0, 5, 1), rotate})
		if b.rotate != 0 {
			cs = append(cs, choice{5, stop(sim.RotateStop)})
		}
		cs = append(cs, choice{either(b.strafe == 0, 2, 1), strafe})
		if b.strafe != 0 {
			cs = append(cs, choice{4, stop(sim.StrafeStop)})
		}
	} else {
		cs = append(cs, choice{2, forward}, choice{1, rotate})
		if b.move != 0 {
			cs = append(cs, choice{3, stop(sim.MoveStop)})
		}
		if b.rotate != 0 {
			cs = append(cs, choice{3, stop(sim.RotateStop)})
		}
		if b.strafe != 0 {
			cs = append(cs, choice{3, stop(sim.StrafeStop)})
		}
	}
	total := 0
	for _, c := range cs {
		total += c.w
	}
	k := r.IntN(total)
	for _, c := range cs {
		if k < c.w {
			in := c.in()
			if in.Action == sim.Fire {
				b.fireSent = true
			}
			return in
		}
		k -= c.w
	}
	panic("unreachable")
}

// sent records the sequence number a command went out with.
func (b *blindBrain) sent(seq uint32, in sim.Input) {
	e := &b.recent[seq%uint32(len(b.recent))]
	e.seq, e.act = seq, in.Action
}

// event takes in one of its own commands as an event of the frame of tick.
func (b *blindBrain) event(tick uint32, in sim.Input) {
	switch in.Action {
	case sim.SpawnAt:
		b.alive, b.spawnSent, b.spawnPlanned = true, false, false
		b.fireReady = tick
	case sim.Fire:
		b.fireSent = false
		b.fireReady = tick + b.ticks(sim.FireCooldownMs) + 1
	case sim.MoveStart:
		b.move = in.Value
	case sim.MoveStop:
		b.move = 0
	case sim.StrafeStart:
		b.strafe = in.Value
	case sim.StrafeStop:
		b.strafe = 0
	case sim.RotateStart:
		b.rotate = in.Value
	case sim.RotateStop:
		b.rotate = 0
	}
}

// rejected takes in the refusal of the command seq.
func (b *blindBrain) rejected(seq uint32, r protocol.Reason) {
	e := b.recent[seq%uint32(len(b.recent))]
	if e.seq != seq {
		return
	}
	switch e.act {
	case sim.SpawnAt:
		b.spawnSent = false
		switch sim.Reason(r) {
		case sim.ReasonAlive:
			b.alive = true
		case sim.ReasonRespawnDelay:
			b.spawnPlanned, b.spawnAt = true, b.tick+b.ticks(500)
		default: // the point was taken: another, soon
			b.spawnPlanned, b.spawnAt = true, b.tick+b.ticks(100+b.r.IntN(200))
		}
	case sim.Fire:
		b.fireSent = false
		switch sim.Reason(r) {
		case sim.ReasonDead:
			b.alive = false
		case sim.ReasonCooldown, sim.ReasonProjectileLimit:
			b.fireReady = b.tick + b.ticks(sim.FireCooldownMs)
		}
	}
}
