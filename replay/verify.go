package replay

import (
	"bytes"
	"fmt"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// VerifyError reports that re-simulating the recording diverged from it:
// the simulated world at Tick hashes to Got where the recording says Want.
type VerifyError struct {
	Tick      uint32
	Want, Got uint64
	// What recorded the expected hash: "keyframe" (a snapshot), "chunk end"
	// (the writer's hash of the world at a chunk's last tick) or "server
	// hash" (a hash the server sent in a frame).
	What string
}

// Error names the tick and both hashes.
func (e *VerifyError) Error() string {
	return fmt.Sprintf("replay: world differs from the recording at tick %d (%s hash %016x, simulated %016x)", e.Tick, e.What, e.Want, e.Got)
}

// Verify re-simulates the whole recording from its first keyframe and checks
// the simulated world against every hash the recording holds: each
// keyframe's snapshot (bytes and hash), each chunk's end hash and each
// server hash in the frames. It returns a *VerifyError naming the first tick
// that differs, a corruption error (*Error) for a chunk that cannot be read,
// or nil. A file without a footer fails too when its scan stopped at a
// chunk that is complete but unreadable (Info.LostErr wraps ErrCorrupt),
// even if no chunk came before it; a record cut short or ending in zeros,
// as a crash leaves it, does not fail it, nor does a footer without its
// trailer.
// progress, if not nil, is called after each chunk with the ticks done and
// the total.
func (r *Reader) Verify(progress func(done, total uint32)) error {
	if err := r.verifyChunks(progress); err != nil {
		return err
	}
	if r.lostChunk {
		return r.lostErr
	}
	return nil
}

func (r *Reader) verifyChunks(progress func(done, total uint32)) error {
	if len(r.index) == 0 {
		return nil
	}
	last := r.index[len(r.index)-1].last
	if err := r.checkPlayable(last); err != nil {
		return err
	}
	first := r.index[0].first - 1
	w, err := r.restore(0)
	if err != nil {
		return err
	}
	var snap []byte
	inputs := make([]sim.Input, 0, 64)
	checkFrame := func(f *protocol.Frame, w *sim.World) error {
		if f.HasHash {
			if h := w.Hash(); h != f.Hash {
				return &VerifyError{Tick: f.Tick, Want: f.Hash, Got: h, What: "server hash"}
			}
		}
		return nil
	}
	wk := walker{r: r}
	for i := range r.index {
		c, err := wk.chunk(i)
		if err != nil {
			return err
		}
		if c.Keyframe() {
			if h := sim.HashSnapshot(c.Snapshot); h != c.SnapshotHash {
				return errAt(chunkWhere(i), r.index[i].off, ErrCorrupt, "snapshot hashes to %016x, recorded %016x", h, c.SnapshotHash)
			}
			snap = w.AppendSnapshot(snap[:0])
			if !bytes.Equal(snap, c.Snapshot) {
				return &VerifyError{Tick: c.First - 1, Want: c.SnapshotHash, Got: sim.HashSnapshot(snap), What: "keyframe"}
			}
		}
		if err := c.playTo(w, c.Last, &inputs, checkFrame); err != nil {
			return err
		}
		if h := w.Hash(); h != c.EndHash {
			return &VerifyError{Tick: c.Last, Want: c.EndHash, Got: h, What: "chunk end"}
		}
		if progress != nil {
			progress(c.Last-first, last-first)
		}
	}
	return nil
}
