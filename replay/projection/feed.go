package projection

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"path/filepath"
	"strings"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// Mark is how far a projection has consumed one replay file: the unit of
// exactly-once delivery. The engine checkpoints it with the projection's
// state.
type Mark struct {
	// Tick is the last tick applied (the recording's first tick, for a
	// match started with no tick applied yet).
	Tick uint32 `json:"tick"`
	// Done is set once End has been called.
	Done bool `json:"done,omitempty"`
	// Match is the match as Start saw it, kept until End, so that a match
	// whose file disappears can still be ended.
	Match *Match `json:"match,omitempty"`
}

// slot is a projection and its marks, by replay id.
type slot struct {
	p     Projection
	marks map[string]*Mark
	dirty bool         // changed since the last checkpoint
	fresh bool         // changed since the last publish
	saved savedSummary // what the last checkpoint written held
}

// savedSummary sums up a checkpoint for save: a hash of the state, and
// one of which files are marked and which of them are finished (the ticks
// of the marks left out).
type savedSummary struct {
	state, files uint64
	n            int
}

func (s *slot) summary(state []byte) savedSummary {
	h := fnv.New64a()
	h.Write(state)
	sum := savedSummary{state: h.Sum64(), n: len(s.marks)}
	for id, mk := range s.marks {
		h.Reset()
		h.Write([]byte(id))
		if mk.Done {
			h.Write([]byte{1})
		}
		sum.files ^= h.Sum64() // in any order
	}
	return sum
}

func newSlots(ps []Projection) []*slot {
	slots := make([]*slot, len(ps))
	for i, p := range ps {
		slots[i] = &slot{p: p, marks: map[string]*Mark{}}
	}
	return slots
}

// feeder plays one replay through a set of projections, giving each only
// the ticks past its mark. It is not safe for concurrent use.
type feeder struct {
	m         Match
	slots     []*slot
	marks     []*Mark // marks[i] is slots[i]'s mark for m.ID; nil until started
	w, before *sim.World
	an        replay.TickAnalyzer
	tick      Tick
	ticks     uint64 // ticks simulated
	progress  func(tick uint32)
	pace      *pacer        // nil: never pauses
	dec       *chunkDecoder // shared by the feeders of an engine
}

// chunkDecoder decodes chunks into the memory of the last chunk it decoded:
// a chunk is played whole before the next is decoded, so one buffer serves
// every file of an engine, and catch-up allocates nothing per chunk.
type chunkDecoder struct {
	scratch *replay.ChunkContent
}

// decode decodes ch into the memory of the chunk decoded before it.
func (f *feeder) decode(ch *replay.Chunk) (*replay.ChunkContent, error) {
	if f.dec == nil {
		f.dec = &chunkDecoder{}
	}
	c, err := ch.DecodeReuse(f.dec.scratch)
	if err == nil {
		f.dec.scratch = c
	}
	return c, err
}

func newFeeder(m Match, slots []*slot) *feeder {
	f := &feeder{m: m, slots: slots, marks: make([]*Mark, len(slots))}
	for i, s := range slots {
		f.marks[i] = s.marks[m.ID]
	}
	return f
}

// from returns the tick the world must be at to feed every projection what
// it has not seen: the recording's first tick if one has not started the
// match, math.MaxUint32 if all have ended it.
func (f *feeder) from() uint32 {
	from := uint32(math.MaxUint32)
	for _, mk := range f.marks {
		switch {
		case mk == nil:
			return f.m.FirstTick
		case !mk.Done:
			from = min(from, mk.Tick)
		}
	}
	return from
}

// started reports whether some projection has started the match.
func (f *feeder) started() bool {
	for _, mk := range f.marks {
		if mk != nil {
			return true
		}
	}
	return false
}

// begin starts feeding from w, which must be at from(). Projections that
// have not started the match start it now.
func (f *feeder) begin(w *sim.World) {
	f.w, f.before = w, w.Clone()
	for i, s := range f.slots {
		if f.marks[i] != nil {
			continue
		}
		m := f.m
		mk := &Mark{Tick: w.Tick, Match: &m}
		s.marks[f.m.ID], f.marks[i] = mk, mk
		s.p.Start(&f.m, w)
		s.dirty, s.fresh = true, true
	}
}

// step is the callback of replay.ChunkContent.Play: it feeds the tick to
// every projection whose mark is behind it.
func (f *feeder) step(fr *protocol.Frame, w *sim.World) error {
	t := w.Tick
	need := false
	for _, mk := range f.marks {
		if !mk.Done && mk.Tick < t {
			need = true
			break
		}
	}
	if need {
		f.m.LastTick = t
		f.tick = Tick{Match: &f.m, Frame: fr, Before: f.before, World: w, Facts: f.an.Analyze(f.before, fr, w)}
		for i, mk := range f.marks {
			if mk.Done || mk.Tick >= t {
				continue
			}
			s := f.slots[i]
			s.p.Apply(&f.tick)
			mk.Tick = t
			s.dirty, s.fresh = true, true
		}
	}
	f.before.CopyFrom(w)
	f.ticks++
	f.pace.tick(len(fr.Events))
	if f.progress != nil {
		f.progress(t)
	}
	return nil
}

// play plays a chunk from the feed's world, skipping the ticks it has
// passed.
func (f *feeder) play(c *replay.ChunkContent) error {
	if c.Last <= f.w.Tick {
		return nil
	}
	return c.Play(f.w, f.step)
}

// end ends the match for every projection that started it and has not
// ended it. A projection that never started it (an empty recording) is
// marked done without hearing of it.
func (f *feeder) end(recovered bool) {
	for i, s := range f.slots {
		mk := f.marks[i]
		switch {
		case mk == nil:
			mk = &Mark{Tick: f.m.FirstTick, Done: true}
			s.marks[f.m.ID], f.marks[i] = mk, mk
		case !mk.Done:
			m := f.m
			if mk.Match != nil {
				m = *mk.Match
			}
			m.LastTick, m.Recovered = mk.Tick, recovered
			s.p.End(&m)
			mk.Done, mk.Match = true, nil
		default:
			continue
		}
		s.dirty, s.fresh = true, true
	}
}

// playReader feeds the projections every tick of r that they have not
// seen. after, if set, is called after each chunk; ctx is checked there
// too. It returns ctx's error or the error of a chunk that cannot be read.
func (f *feeder) playReader(ctx context.Context, r *replay.Reader, after func()) error {
	in := r.Info()
	from := f.from()
	if in.Chunks == 0 || from > in.LastTick {
		return nil // nothing recorded, or every projection has ended the match
	}
	if from > in.FirstTick {
		// Resuming: from the keyframe at or before the lowest mark. A
		// match not started yet begins with the first chunk's snapshot,
		// below, decoded once.
		w, err := r.Seek(from)
		if err != nil {
			return err
		}
		f.begin(w)
	}
	for i := range in.Chunks {
		ch, err := r.Chunk(i)
		if err != nil {
			return err
		}
		if f.w != nil && ch.Last <= f.w.Tick {
			continue
		}
		c, err := f.decode(ch)
		if err != nil {
			return err
		}
		if f.w == nil {
			w, err := restoreFirst(r.Map(), c, &f.m)
			if err != nil {
				return err
			}
			f.begin(w)
		}
		f.pace.pause() // decoding a chunk can be a slice's worth of work
		if err := f.play(c); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if after != nil {
			after()
		}
	}
	return nil
}

// ReplayID returns the replay id of the file at path: its base name
// without the .skr extension.
func ReplayID(path string) string {
	return strings.TrimSuffix(filepath.Base(path), replay.Extension)
}

// PlayFile plays the replay file at path through ps as one match, from its
// first tick to its last, and ends it; then it publishes the projections
// that are Publishers. A file without a footer is played over its recovered
// chunks. Unlike an Engine it keeps no checkpoint and stops at the first
// error. progress, if set, is called now and then with the ticks done and
// the total. The match's id is ReplayID(path).
func PlayFile(path string, progress func(done, total uint32), ps ...Projection) error {
	r, err := replay.Open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	in := r.Info()
	f := newFeeder(matchOf(ReplayID(path), r.Header()), newSlots(ps))
	if progress != nil {
		every := max(in.Ticks/200, 1)
		f.progress = func(t uint32) {
			if done := t - in.FirstTick; done%every == 0 || t == in.LastTick {
				progress(done, in.Ticks)
			}
		}
	}
	if err := f.playReader(context.Background(), r, nil); err != nil {
		return err
	}
	f.end(in.Recovered)
	for _, p := range ps {
		if pub, ok := p.(Publisher); ok {
			pub.Publish()
		}
	}
	return nil
}

// restoreFirst returns the world of chunk c's snapshot, which must be the
// first chunk of match m's recording, on map mp.
func restoreFirst(mp *sim.Map, c *replay.ChunkContent, m *Match) (*sim.World, error) {
	first := m.FirstTick
	if !c.Keyframe() || c.First != first+1 {
		return nil, fmt.Errorf("projection: first chunk covers ticks %d..%d (keyframe %v), want a keyframe from tick %d", c.First, c.Last, c.Keyframe(), first+1)
	}
	w, err := sim.Restore(mp, c.Snapshot)
	if err != nil {
		return nil, fmt.Errorf("projection: first chunk's snapshot: %w", err)
	}
	if w.Tick != first || w.TickRate != m.TickRate {
		return nil, fmt.Errorf("projection: first chunk's snapshot is of tick %d at %d Hz, want tick %d at %d Hz", w.Tick, w.TickRate, first, m.TickRate)
	}
	return w, nil
}
