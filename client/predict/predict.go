package predict

import (
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// MaxPending bounds the own commands awaiting confirmation. At the server's
// default command rate (20/s) it is over ten seconds of commands; more means
// the server stopped confirming, and the oldest are forgotten.
const MaxPending = 256

// staleSeconds is how long past its predicted tick an unconfirmed command is
// kept: a command the server neither
// confirmed nor rejected by then is not coming back.
const staleSeconds = 2

// Pending is an own command sent but not yet seen in a frame.
type Pending struct {
	Seq uint32
	// Tick is the tick the command is predicted to take effect in: it is
	// applied just before that tick is simulated, as the server does.
	Tick  uint32
	Input sim.Input
	at    float64 // the server's present, in ticks, when it was issued
}

// Stats counts the rebuilds and how much they moved the own player.
type Stats struct {
	Rebuilds    int // rollbacks and re-simulations
	Corrections int // rebuilds that moved or turned the own player
	// LastCorrection and MaxCorrection are the largest of |dx| and |dy|,
	// in world units, of the latest correction and of all of them.
	LastCorrection, MaxCorrection int32
	Rejected                      int // own commands the server refused
	Dropped                       int // own commands forgotten unconfirmed
}

// Predictor predicts the own player's world ahead of the server. The zero
// value is not usable: create one with New.
type Predictor struct {
	me        sim.PlayerID
	confirmed *sim.World
	world     *sim.World
	pending   []Pending
	dirty     bool // the confirmed world or the pending list changed

	// prev is the own player one tick before world.Tick, for drawing
	// between ticks; prevOK says whether it is there.
	prev   sim.Player
	prevOK bool

	lead  Lead
	now   float64 // the server's present at the last Target, in ticks
	stats Stats
	// shift is the own player's correction since TakeCorrection.
	shift Correction
}

// New returns a Predictor for player me starting from the confirmed world w
// (which it copies), simulating lead ticks ahead of the server's present
// until confirmed commands tell it better.
func New(me sim.PlayerID, w *sim.World, lead float64) *Predictor {
	p := &Predictor{confirmed: w.Clone(), world: w.Clone()}
	p.Reset(me, w, lead)
	return p
}

// Reset starts again from confirmed world w, for player me, forgetting every
// pending command: after a welcome, a reconnection or a snapshot that
// repairs a desync.
func (p *Predictor) Reset(me sim.PlayerID, w *sim.World, lead float64) {
	p.me = me
	p.confirmed.CopyFrom(w)
	p.world.CopyFrom(w)
	p.pending = p.pending[:0]
	p.prevOK = false
	p.dirty = false
	p.shift = Correction{}
	p.lead.Reset(lead)
}

// Me returns the predicted player's id.
func (p *Predictor) Me() sim.PlayerID { return p.me }

// World returns the predicted world. It stays valid, and changes, until the
// Predictor is discarded; do not modify it.
func (p *Predictor) World() *sim.World { return p.world }

// Confirmed returns the last confirmed world.
func (p *Predictor) Confirmed() *sim.World { return p.confirmed }

// Self returns the own player in the predicted world and, if the world has
// been stepped at least once since the last rebuild, the own player one tick
// earlier (for drawing between the two). self is nil while the player is not
// in the world.
func (p *Predictor) Self() (self *sim.Player, prev *sim.Player) {
	self = p.world.Player(p.me)
	if self != nil && p.prevOK {
		prev = &p.prev
	}
	return self, prev
}

// Pending returns the own commands not yet confirmed, oldest first. The
// slice is reused; do not keep it.
func (p *Predictor) Pending() []Pending { return p.pending }

// Correction is how a rebuild moved the own player: the new prediction minus
// the old, at the same tick.
type Correction struct {
	X, Y    int32 // world units
	Heading int32 // angle units, within ±FullTurn/2 per rebuild
	// Jump is set when the player died or spawned in the rebuild: a change
	// to show at once rather than smooth over.
	Jump bool
}

// TakeCorrection returns the sum of the corrections since the last call (for
// a Smoother) and starts a new sum.
func (p *Predictor) TakeCorrection() Correction {
	c := p.shift
	p.shift = Correction{}
	return c
}

// Stats returns the counters of rebuilds and corrections.
func (p *Predictor) Stats() Stats { return p.stats }

// Lead returns the lead estimator.
func (p *Predictor) Lead() *Lead { return &p.lead }

// Target returns the tick to predict to when the server's present is
// serverTicks (its match clock times the tick rate): the present plus the
// lead, never behind the confirmed world.
func (p *Predictor) Target(serverTicks float64) uint32 {
	p.now = serverTicks
	t := serverTicks + p.lead.Ticks()
	if t < float64(p.confirmed.Tick) || t > 1<<32-1 {
		return p.confirmed.Tick
	}
	return uint32(t)
}

// Next returns the tick a command issued now is predicted to take effect in.
func (p *Predictor) Next() uint32 { return p.world.Tick + 1 }

// Issue records an own command that has been sent with sequence number seq
// and applies it to the predicted world at once. It returns the reason the
// predicted world refuses it, if it does (the command is kept all the same:
// the server may judge otherwise, and the next rebuild follows the server).
func (p *Predictor) Issue(seq uint32, in sim.Input) error {
	in.Player = p.me
	if len(p.pending) == MaxPending {
		p.pending = append(p.pending[:0], p.pending[1:]...)
		p.stats.Dropped++
	}
	p.pending = append(p.pending, Pending{Seq: seq, Tick: p.Next(), Input: in, at: p.now})
	return sim.Apply(p.world, in)
}

// Confirm takes the world w after the server's frame for w.Tick, and the
// frame's events: own commands among them are no longer pending, and the
// difference between the tick each took effect in and the tick predicted for
// it tunes the lead. The predicted world is rebuilt at the next AdvanceTo.
func (p *Predictor) Confirm(w *sim.World, events []protocol.Event) {
	p.confirmed.CopyFrom(w)
	p.dirty = true
	for i := range events {
		ev := &events[i]
		if ev.Input.Player != p.me || ev.Seq == 0 {
			continue
		}
		// Commands are judged in the order they were sent, and a refused one
		// is rejected before the frame that confirms a later one: everything
		// up to ev.Seq is settled.
		n := 0
		for n < len(p.pending) && p.pending[n].Seq <= ev.Seq {
			if q := &p.pending[n]; q.Seq == ev.Seq {
				p.lead.Observe(q.at, w.Tick)
			}
			n++
		}
		p.pending = append(p.pending[:0], p.pending[n:]...)
	}
	stale := uint32(staleSeconds * w.TickRate)
	n := 0
	for n < len(p.pending) && int32(w.Tick-p.pending[n].Tick) > int32(stale) {
		n++
	}
	if n > 0 {
		p.stats.Dropped += n
		p.pending = append(p.pending[:0], p.pending[n:]...)
	}
}

// Reject forgets the own command seq, which the server refused.
func (p *Predictor) Reject(seq uint32) {
	for i := range p.pending {
		if p.pending[i].Seq == seq {
			p.pending = append(p.pending[:i], p.pending[i+1:]...)
			p.stats.Rejected++
			p.dirty = true
			return
		}
	}
}

// AdvanceTo brings the predicted world to tick target: it first rebuilds it
// from the confirmed world if a frame or a reject arrived, then steps it.
// The world never goes back in time here: a target behind the predicted
// world leaves it where it is.
func (p *Predictor) AdvanceTo(target uint32) {
	if p.dirty {
		p.rebuild()
	}
	for before(p.world.Tick, target) {
		p.step()
	}
}

// rebuild rolls back to the confirmed world and re-simulates the pending
// commands up to the tick the predicted world had reached, measuring how far
// the own player moved there (the correction).
func (p *Predictor) rebuild() {
	p.dirty = false
	p.stats.Rebuilds++
	old, had := sim.Player{}, false
	if q := p.world.Player(p.me); q != nil {
		old, had = *q, true
	}
	reached := p.world.Tick
	if before(reached, p.confirmed.Tick) {
		reached = p.confirmed.Tick
		had = false // the old prediction is behind the server; nothing to compare
	}
	p.world.CopyFrom(p.confirmed)
	p.prevOK = false
	i := 0
	for {
		next := p.world.Tick + 1
		for i < len(p.pending) && !before(next, p.pending[i].Tick) {
			_ = sim.Apply(p.world, p.pending[i].Input) // the server may refuse it too
			i++
		}
		if !before(p.world.Tick, reached) {
			break
		}
		p.step()
	}
	for ; i < len(p.pending); i++ {
		_ = sim.Apply(p.world, p.pending[i].Input)
	}
	if had {
		if q := p.world.Player(p.me); q != nil {
			d := max(abs32(q.X-old.X), abs32(q.Y-old.Y))
			if d != 0 || q.Heading != old.Heading || q.Alive != old.Alive {
				p.shift.X += q.X - old.X
				p.shift.Y += q.Y - old.Y
				p.shift.Heading += int32(int16(q.Heading - old.Heading))
				p.shift.Jump = p.shift.Jump || q.Alive != old.Alive
				p.stats.Corrections++
				p.stats.LastCorrection = d
				p.stats.MaxCorrection = max(p.stats.MaxCorrection, d)
			}
		}
	}
}

// step advances the predicted world one tick, remembering the own player
// before it.
func (p *Predictor) step() {
	if q := p.world.Player(p.me); q != nil {
		p.prev, p.prevOK = *q, true
	} else {
		p.prevOK = false
	}
	sim.Advance(p.world)
}

// before reports whether tick a comes before tick b, allowing for wrap-around.
func before(a, b uint32) bool { return int32(a-b) < 0 }

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}
