package viewer

import (
	"fmt"
	"math"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// Stepping policy. Stepping costs one simulated tick per tick (a few
// microseconds with 32 players) and shows every tick's effects; a seek
// costs a restore and up to a keyframe interval of ticks (a few
// milliseconds), whatever the distance. The cursor also keeps what it
// passed: checkpoints going forward, and going back the worlds of the
// block of 64 ticks it is in, so that stepping back costs a copy per tick
// and one block's worth of simulation every 64 ticks.
const (
	// maxStepForward is the most ticks played one by one; a longer jump
	// forward seeks. 16× at 128 Hz is 34 ticks a frame.
	maxStepForward = 64
	// maxStepBack is the most ticks stepped back one by one; a longer jump
	// back seeks.
	maxStepBack = 64
)

// Move says how to take the cursor from one tick to another.
type Move struct {
	Steps int  // ticks to step, negative for back
	Seek  bool // seek instead
}

// PlanMove returns how to go from tick from to tick to.
func PlanMove(from, to uint32) Move {
	d := int64(to) - int64(from)
	switch {
	case d == 0:
		return Move{}
	case d > 0 && d <= maxStepForward, d < 0 && -d <= maxStepBack:
		return Move{Steps: int(d)}
	}
	return Move{Seek: true}
}

// PlaybackStats count the cursor's work, for tests and benchmarks.
type PlaybackStats struct {
	Forward, Back, Seeks int
}

// Playback is a playhead over a recording: a fractional tick, and the
// worlds of the ticks just before and just after it, so that players are
// drawn between them at any speed, forward or back. It is not safe for
// concurrent use.
type Playback struct {
	r        *replay.Reader
	cur      *replay.Cursor
	tickRate int32

	pos         float64
	first, last uint32
	lo, hi      *sim.World // the worlds at floor(pos) and the tick after; hi only if hasHi
	hasHi       bool

	effects      scene.Effects
	obsLo, obsHi uint32 // the ticks whose effects have been observed
	hist         scene.History
	histTick     uint32 // lo's tick when hist was filled
	histN        int    // ticks in hist: 0 (stale), 1 (lo) or 2 (lo and hi)

	stats PlaybackStats
}

// NewPlayback returns a playback of r at tick (clamped to the recording).
func NewPlayback(r *replay.Reader, tick uint32) (*Playback, error) {
	in := r.Info()
	if in.Chunks == 0 {
		return nil, fmt.Errorf("viewer: the recording holds no ticks")
	}
	tick = max(in.FirstTick, min(in.LastTick, tick))
	c, err := r.Cursor(tick)
	if err != nil {
		return nil, err
	}
	p := &Playback{r: r, cur: c, tickRate: in.TickRate, first: in.FirstTick, last: in.LastTick,
		lo: c.World().Clone(), hi: c.World().Clone(), pos: float64(tick)}
	if err := p.loadTick(tick); err != nil {
		return nil, err
	}
	return p, nil
}

// Reader returns the reader played.
func (p *Playback) Reader() *replay.Reader { return p.r }

// Pos returns the playhead, in ticks.
func (p *Playback) Pos() float64 { return p.pos }

// Range returns the first and last tick of the recording.
func (p *Playback) Range() (first, last uint32) { return p.first, p.last }

// TickRate returns the recording's tick rate.
func (p *Playback) TickRate() int32 { return p.tickRate }

// World returns the world at the tick shown: the playhead, rounded down.
// It belongs to the Playback and changes with it.
func (p *Playback) World() *sim.World { return p.lo }

// Stats returns the work done so far.
func (p *Playback) Stats() PlaybackStats { return p.stats }

// Grow moves the playback onto r, a Reader grown from its own as more of a
// live match arrived (replay.Reader.Grow).
func (p *Playback) Grow(r *replay.Reader) error {
	if r == p.r {
		return nil
	}
	if err := p.cur.Rebase(r); err != nil {
		return err
	}
	p.r = r
	last := r.Info().LastTick
	if last > p.last {
		p.last = last
		if !p.hasHi {
			return p.loadTick(p.lo.Tick) // the tick after the old end arrived
		}
	}
	return nil
}

// SetPos moves the playhead to pos (in ticks; clamped to the recording).
// Forward by up to maxStepForward ticks it plays every tick, and shows
// their effects; otherwise it steps back or seeks as PlanMove says. On an
// error (a chunk that cannot be read) the playhead stays where it was.
func (p *Playback) SetPos(pos float64) error {
	pos = math.Max(float64(p.first), math.Min(float64(p.last), pos))
	f := uint32(math.Floor(pos))
	if f != p.lo.Tick || (!p.hasHi && f < p.last) {
		if f > p.lo.Tick && f-p.lo.Tick <= maxStepForward {
			for t := p.lo.Tick + 1; t <= f; t++ {
				if err := p.loadTick(t); err != nil {
					p.pos = float64(p.lo.Tick)
					return err
				}
			}
		} else if err := p.loadTick(f); err != nil {
			p.pos = float64(p.lo.Tick)
			return err
		}
	}
	if pos > p.pos {
		// The effects that are over are dropped, and their ticks will be
		// observed again if they are played again.
		p.effects.Prune(pos, pos, p.tickRate)
		p.obsLo = max(p.obsLo, uint32(max(0, pos-effectTicks*float64(p.tickRate))))
	}
	p.pos = pos
	return nil
}

// effectTicks is, in seconds, longer than any effect lasts.
const effectTicks = 1.0

// loadTick makes lo the world at f and hi the world at f+1 (if f is not
// the last tick), reusing what it holds.
func (p *Playback) loadTick(f uint32) error {
	switch {
	case p.hasHi && p.hi.Tick == f && f != p.lo.Tick: // one forward
		p.lo, p.hi = p.hi, p.lo
		p.hasHi = false
	case f+1 == p.lo.Tick && p.lo.Tick <= p.last: // one back: the old lo is the new hi
		if err := p.moveCursor(f); err != nil {
			return err
		}
		p.lo, p.hi = p.hi, p.lo
		p.lo.CopyFrom(p.cur.World())
		p.hasHi = true
		p.histN = 0
		return nil
	default:
		forward := f > p.lo.Tick
		if err := p.moveCursor(f); err != nil {
			return err
		}
		p.lo.CopyFrom(p.cur.World())
		p.hasHi = false
		p.histN = 0
		if f >= p.last {
			return nil
		}
		if err := p.moveCursor(f + 1); err != nil {
			return err
		}
		p.hi.CopyFrom(p.cur.World())
		p.hasHi = true
		if forward {
			p.observe()
		}
		return nil
	}
	p.histN = 0
	if f >= p.last {
		return nil
	}
	if err := p.moveCursor(f + 1); err != nil {
		return err
	}
	p.hi.CopyFrom(p.cur.World())
	p.hasHi = true
	p.observe()
	return nil
}

// moveCursor takes the cursor to tick t.
func (p *Playback) moveCursor(t uint32) error {
	mv := PlanMove(p.cur.Tick(), t)
	switch {
	case mv.Seek:
		p.stats.Seeks++
		return p.cur.Seek(t)
	case mv.Steps > 0:
		for range mv.Steps {
			p.stats.Forward++
			if err := p.cur.Next(); err != nil {
				return err
			}
		}
	case mv.Steps < 0:
		for range -mv.Steps {
			p.stats.Back++
			if err := p.cur.Prev(); err != nil {
				return err
			}
		}
	}
	return nil
}

// observe adds the effects of the tick from lo to hi, if it follows the
// ticks observed; a jump starts them again.
func (p *Playback) observe() {
	t := p.hi.Tick
	switch {
	case t == p.obsHi+1 && p.obsHi != 0:
		p.effects.Observe(p.lo, p.hi, 0)
		p.obsHi = t
	case t >= p.obsLo && t <= p.obsHi:
	default:
		p.effects.Reset()
		p.obsLo, p.obsHi = t, t
	}
}

// fill makes hist hold the worlds to draw between.
func (p *Playback) fill() {
	n := 1
	if p.hasHi && p.pos > float64(p.lo.Tick) {
		n = 2
	}
	if p.histN == n && p.histTick == p.lo.Tick {
		return
	}
	p.hist.Reset()
	p.hist.Push(p.lo)
	if n == 2 {
		p.hist.Push(p.hi)
	}
	p.histN, p.histTick = n, p.lo.Tick
}

// Bodies appends the players as drawn at the playhead to dst.
func (p *Playback) Bodies(dst []scene.Body) []scene.Body {
	p.fill()
	return p.hist.Sample(p.pos, dst)
}

// Shots appends the projectiles as drawn at the playhead to dst.
func (p *Playback) Shots(dst []scene.Shot) []scene.Shot {
	p.fill()
	return p.hist.SampleShots(p.pos, p.tickRate, 0, dst)
}

// Effects appends the effects playing at the playhead to dst; hits and
// spawns follow the players as drawn (bodies).
func (p *Playback) Effects(bodies []scene.Body, dst []scene.EffectView) []scene.EffectView {
	for _, e := range p.effects.List() {
		pr := e.Progress(p.pos, p.tickRate)
		if pr < 0 || pr > 1 {
			continue
		}
		ev := e.View(pr)
		if e.Kind == scene.EffectHit || e.Kind == scene.EffectSpawn {
			for i := range bodies {
				if bodies[i].ID == e.Player {
					ev.X, ev.Y = bodies[i].X, bodies[i].Y
				}
			}
		}
		dst = append(dst, ev)
	}
	return dst
}
