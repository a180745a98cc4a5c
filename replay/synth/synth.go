// Package synth generates synthetic but plausible matches: bots join, spawn,
// move, strafe, rotate, fire, die and respawn, driven by sim/brain, and the
// result is recorded as a replay. skirmish-replay gen, the replay tests and
// the benchmarks use it.
//
// Use NewMatch to step a match yourself (it returns each tick's frame and
// world, ready for replay.Writer.Append), or Generate to write a whole match
// to a file. The output depends only on the Options (the seed included), so
// the same options give the same bytes on every machine.
package synth

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// Options describe a synthetic match. Map and MapSource are required; the
// other zero values are the documented defaults.
type Options struct {
	Players  int           // bots, 1 to sim.MaxPlayers; default 8
	Duration time.Duration // default one minute
	// Rate is the commands per bot per second, on average (a Random brain's
	// rate; a Chase brain's cap). Zero gives bots that only spawn.
	Rate float64
	// Chasers is how many of the bots (the last ones) play with the
	// "chase" brain (brain.New), hunting each other; the rest play
	// "random".
	Chasers int
	Seed    uint64
	// Map is the map's id and MapSource its text (assets.MapSource).
	Map       string
	MapSource []byte
	TickRate  int32  // default 60
	MatchID   string // default "synth-SEED"
	// Start is stored in the header; the zero time keeps the output
	// independent of the clock.
	Start time.Time
	// Writer configures the replay.Writer. Generate and Write set its Wait,
	// so that the output does not depend on the disk's speed.
	Writer replay.Options
	// Progress, if set, is called now and then with the ticks done and the
	// total.
	Progress func(done, total uint32)
	// Flood adds this many fire commands of the first bot to every tick,
	// as a hostile client would send them and a careless server record
	// them: the world refuses nearly all (the gun's cooldown), so the
	// recording stays valid and plays to its hashes, but every tick carries
	// up to replay.MaxTickEvents events in all, the most a reader must
	// take. It makes the "event bomb" that readers and servers are tested
	// and measured against. Default 0.
	Flood int
}

func (o *Options) defaults() error {
	o.Writer.Wait = true
	if o.Players == 0 {
		o.Players = 8
	}
	if o.Duration == 0 {
		o.Duration = time.Minute
	}
	if o.TickRate == 0 {
		o.TickRate = 60
	}
	if o.MatchID == "" {
		o.MatchID = fmt.Sprintf("synth-%d", o.Seed)
	}
	switch {
	case o.Players < 1 || o.Players > sim.MaxPlayers:
		return fmt.Errorf("synth: %d players, want 1 to %d", o.Players, sim.MaxPlayers)
	case o.Chasers < 0 || o.Chasers > o.Players:
		return fmt.Errorf("synth: %d chasers among %d players", o.Chasers, o.Players)
	case o.Duration < 0 || o.Duration > 24*time.Hour:
		return fmt.Errorf("synth: duration %v outside 0..24h", o.Duration)
	case o.Rate < 0 || o.Rate > brain.MaxRate || o.Rate != o.Rate:
		return fmt.Errorf("synth: rate %v outside 0..%d", o.Rate, brain.MaxRate)
	case o.Map == "" || len(o.MapSource) == 0:
		return errors.New("synth: no map")
	case o.Flood < 0 || o.Flood > replay.MaxTickEvents:
		return fmt.Errorf("synth: flood of %d commands a tick outside 0..%d", o.Flood, replay.MaxTickEvents)
	}
	return nil
}

// Match is a synthetic match in progress. It is not safe for concurrent use.
type Match struct {
	w      *sim.World
	brains []brain.Brain
	seq    []uint32 // the last command sequence number of each bot
	frame  protocol.Frame
	dst    []sim.Input
	joinAt []uint32 // the tick each bot joins at
	names  []string
	flood  int
}

// NewMatch creates the world at tick 0 and the bots, who join one per tick
// from tick 1.
func NewMatch(o Options) (*Match, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	m, err := sim.ParseMap(o.Map, o.MapSource)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	w, err := sim.NewWorld(m, o.TickRate)
	if err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	mt := &Match{w: w, seq: make([]uint32, o.Players), dst: make([]sim.Input, 0, 16), flood: o.Flood}
	for i := range o.Players {
		kind := "random"
		if i >= o.Players-o.Chasers {
			kind = "chase"
		}
		b, err := brain.New(kind, brain.Seed(o.Seed, i), o.Rate)
		if err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		mt.brains = append(mt.brains, b)
		mt.joinAt = append(mt.joinAt, uint32(i+1))
		mt.names = append(mt.names, fmt.Sprintf("bot%02d", i+1))
	}
	return mt, nil
}

// World returns the match's world, after the last Step. The caller must not
// change it.
func (m *Match) World() *sim.World { return m.w }

// Step simulates the next tick as a server would: each bot that is due
// joins; every bot thinks about the world and its commands are applied in
// order with sim.Apply (the accepted ones become the tick's events); then
// the world advances. It returns the tick's frame, valid until the next
// Step.
func (m *Match) Step() *protocol.Frame {
	t := m.w.Tick + 1
	m.frame = protocol.Frame{Tick: t, Events: m.frame.Events[:0]}
	for i, b := range m.brains {
		id := sim.PlayerID(i + 1)
		if m.joinAt[i] == t {
			in := sim.Input{Player: id, Action: sim.Join, Name: m.names[i]}
			if sim.Apply(m.w, in) == nil {
				m.frame.Events = append(m.frame.Events, protocol.Event{Input: in})
			}
		}
		m.dst = b.Think(m.w, id, m.dst[:0])
		for _, in := range m.dst {
			if sim.Apply(m.w, in) != nil {
				continue // a conflict with another bot's command this tick
			}
			m.seq[i]++
			m.frame.Events = append(m.frame.Events, protocol.Event{Seq: m.seq[i], Input: in})
		}
	}
	// The flood is recorded whether the world takes it or not, as a
	// replay's reader applies it: a refused fire changes nothing.
	for range min(m.flood, replay.MaxTickEvents-len(m.frame.Events)) {
		in := sim.Input{Player: 1, Action: sim.Fire}
		_ = sim.Apply(m.w, in)
		m.seq[0]++
		m.frame.Events = append(m.frame.Events, protocol.Event{Seq: m.seq[0], Input: in})
	}
	sim.Advance(m.w)
	return &m.frame
}

// Generate writes a synthetic match to a new replay file at path (which
// must not exist).
func Generate(path string, o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	mt, err := NewMatch(o)
	if err != nil {
		return err
	}
	h := replay.Header{MatchID: o.MatchID, Map: o.Map, MapSource: o.MapSource, TickRate: o.TickRate, Start: o.Start}
	w, err := replay.Create(path, h, mt.World(), o.Writer)
	if err != nil {
		return err
	}
	if err := run(mt, w, o); err != nil {
		w.Close()
		os.Remove(path)
		return err
	}
	return w.Close()
}

// Write records a synthetic match through w, which it closes.
func Write(f replay.WriteSyncer, o Options) error {
	if err := o.defaults(); err != nil {
		return err
	}
	mt, err := NewMatch(o)
	if err != nil {
		return err
	}
	h := replay.Header{MatchID: o.MatchID, Map: o.Map, MapSource: o.MapSource, TickRate: o.TickRate, Start: o.Start}
	w, err := replay.NewWriter(f, h, mt.World(), o.Writer)
	if err != nil {
		return err
	}
	if err := run(mt, w, o); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func run(mt *Match, w *replay.Writer, o Options) error {
	total := uint32(o.Duration * time.Duration(o.TickRate) / time.Second)
	every := max(total/200, 1)
	for t := uint32(1); t <= total; t++ {
		f := mt.Step()
		if err := w.Append(f, mt.World()); err != nil {
			return err
		}
		if o.Progress != nil && (t%every == 0 || t == total) {
			o.Progress(t, total)
		}
	}
	return nil
}
