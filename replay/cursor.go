package replay

import (
	"bytes"
	"fmt"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// Cursor plays a replay one tick at a time, forward or backward, for a
// viewer. It keeps checkpoints (copies of the world every blockTicks ticks
// it passes) and, when stepping backward, the world of every tick of the
// current block, so reverse playback costs about one simulated tick per
// frame. A Cursor is not safe for concurrent use.
type Cursor struct {
	r      *Reader
	w      *sim.World
	inputs []sim.Input

	checkpoints map[uint32]*sim.World // worlds at multiples of blockTicks
	spare       []*sim.World          // evicted checkpoints, for reuse

	block      [blockTicks]*sim.World // block[j] is the world at blockStart+j, for j < blockLen
	blockStart uint32
	blockLen   int
}

const (
	blockTicks     = 64
	maxCheckpoints = 512
)

// Cursor returns a cursor at tick.
func (r *Reader) Cursor(tick uint32) (*Cursor, error) {
	c := &Cursor{r: r, inputs: make([]sim.Input, 0, 64), checkpoints: make(map[uint32]*sim.World)}
	if err := c.Seek(tick); err != nil {
		return nil, err
	}
	return c, nil
}

// Rebase moves the cursor onto r, a Reader grown from the cursor's own
// (Reader.Grow): the cursor keeps its tick, its world and what it has
// cached, and can then go as far as r's last tick.
func (c *Cursor) Rebase(r *Reader) error {
	old := c.r
	if r == old {
		return nil
	}
	if !bytes.Equal(r.rawHdr, old.rawHdr) || len(r.index) < len(old.index) ||
		(len(old.index) > 0 && r.index[len(old.index)-1] != old.index[len(old.index)-1]) {
		return fmt.Errorf("replay: the new reader is not a grown copy of the cursor's")
	}
	c.r = r
	return nil
}

// World returns the world at the cursor's tick. It belongs to the cursor:
// the caller must not change it, and it changes with the cursor.
func (c *Cursor) World() *sim.World { return c.w }

// Tick returns the cursor's tick.
func (c *Cursor) Tick() uint32 { return c.w.Tick }

// Seek moves the cursor to tick, starting from the nearest known world at or
// before it: the cursor's own, a checkpoint, or a keyframe.
func (c *Cursor) Seek(tick uint32) error {
	if err := c.r.checkPlayable(tick); err != nil {
		return err
	}
	if c.blockLen > 0 && tick >= c.blockStart && tick < c.blockStart+uint32(c.blockLen) {
		c.set(c.block[tick-c.blockStart])
		return nil
	}
	base := c.base(tick)
	if base == nil {
		k := c.r.keyframeFor(tick)
		w, err := c.r.restore(k)
		if err != nil {
			return err
		}
		c.set(w)
	} else if base != c.w {
		c.set(base)
	}
	return c.forward(tick, nil)
}

// base returns the latest world at or before tick that the cursor holds,
// if it is later than the keyframe a Seek would restore.
func (c *Cursor) base(tick uint32) *sim.World {
	var best *sim.World
	if c.w != nil && c.w.Tick <= tick {
		best = c.w
	}
	cp := tick / blockTicks * blockTicks
	if w := c.checkpoints[cp]; w != nil && (best == nil || w.Tick > best.Tick) {
		best = w
	}
	if best == nil || best.Tick < c.r.index[c.r.keyframeFor(tick)].first-1 {
		return nil
	}
	return best
}

// set makes the cursor's world a copy of w.
func (c *Cursor) set(w *sim.World) {
	if c.w == nil {
		c.w = w.Clone()
		return
	}
	c.w.CopyFrom(w)
}

// forward steps the cursor's world to tick, keeping checkpoints on the way
// and calling fn after each tick.
func (c *Cursor) forward(tick uint32, fn func(f *protocol.Frame, w *sim.World) error) error {
	return c.r.forward(c.w, tick, c.inputs, true, func(f *protocol.Frame, w *sim.World) error {
		if w.Tick%blockTicks == 0 {
			c.checkpoint(w)
		}
		if fn != nil {
			return fn(f, w)
		}
		return nil
	})
}

func (c *Cursor) checkpoint(w *sim.World) {
	if _, ok := c.checkpoints[w.Tick]; ok {
		return
	}
	if len(c.checkpoints) >= maxCheckpoints {
		// Evict the checkpoint farthest from here.
		var far uint32
		var dist uint32
		for t := range c.checkpoints {
			d := max(t, w.Tick) - min(t, w.Tick)
			if d >= dist {
				far, dist = t, d
			}
		}
		c.spare = append(c.spare, c.checkpoints[far])
		delete(c.checkpoints, far)
	}
	c.checkpoints[w.Tick] = c.copyOf(w)
}

// copyOf returns a copy of w, reusing a spare world's storage.
func (c *Cursor) copyOf(w *sim.World) *sim.World {
	if n := len(c.spare); n > 0 {
		s := c.spare[n-1]
		c.spare = c.spare[:n-1]
		s.CopyFrom(w)
		return s
	}
	return w.Clone()
}

// Next steps the cursor one tick forward. At the last tick it returns an
// error wrapping ErrRange.
func (c *Cursor) Next() error {
	t := c.w.Tick + 1
	if t > c.r.index[len(c.r.index)-1].last || t == 0 {
		return fmt.Errorf("%w: no tick after %d, the recording ends there", ErrRange, c.w.Tick)
	}
	if c.blockLen > 0 && t >= c.blockStart && t < c.blockStart+uint32(c.blockLen) {
		c.w.CopyFrom(c.block[t-c.blockStart])
		return nil
	}
	return c.forward(t, nil)
}

// Prev steps the cursor one tick back. At the first tick it returns an
// error wrapping ErrRange.
func (c *Cursor) Prev() error {
	if c.w.Tick <= c.r.index[0].first-1 {
		return fmt.Errorf("%w: no tick before %d, the recording starts there", ErrRange, c.w.Tick)
	}
	t := c.w.Tick - 1
	if c.blockLen == 0 || t < c.blockStart || t >= c.blockStart+uint32(c.blockLen) {
		if err := c.fillBlock(t); err != nil {
			return err
		}
	}
	c.w.CopyFrom(c.block[t-c.blockStart])
	return nil
}

// fillBlock computes the world of every tick of the block that holds t, up
// to t.
func (c *Cursor) fillBlock(t uint32) error {
	start := max(t/blockTicks*blockTicks, c.r.index[0].first-1)
	saved := c.copyOf(c.w)
	defer func() { c.spare = append(c.spare, saved) }()
	if err := c.Seek(start); err != nil {
		c.w.CopyFrom(saved)
		return err
	}
	c.blockLen = 0
	c.blockStart = start
	c.keep(c.w)
	if err := c.forward(t, func(_ *protocol.Frame, w *sim.World) error { c.keep(w); return nil }); err != nil {
		c.blockLen = 0
		c.w.CopyFrom(saved)
		return err
	}
	return nil
}

// keep stores w as the next world of the block.
func (c *Cursor) keep(w *sim.World) {
	j := c.blockLen
	if c.block[j] == nil {
		c.block[j] = w.Clone()
	} else {
		c.block[j].CopyFrom(w)
	}
	c.blockLen++
}
