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
	// (the writer's hash of the world at a chunk's last tick), "server
	// hash" (a hash the server sent in a frame), "origin" (a fork's header:
	// its first snapshot is not the world its origin names) or "source"
	// (VerifyOrigin: the source recording's world at the origin's tick).
	What string
}

// Error names the tick and both hashes.
func (e *VerifyError) Error() string {
	switch e.What {
	case "origin":
		return fmt.Sprintf("replay: the first world, at tick %d, hashes to %016x; the origin in the header says %016x", e.Tick, e.Got, e.Want)
	case "source":
		return fmt.Sprintf("replay: the source's world at tick %d hashes to %016x; the fork's origin says %016x", e.Tick, e.Got, e.Want)
	}
	return fmt.Sprintf("replay: world differs from the recording at tick %d (%s hash %016x, simulated %016x)", e.Tick, e.What, e.Want, e.Got)
}

// Verify re-simulates the whole recording from its first keyframe and checks
// the simulated world against every hash the recording holds: each
// keyframe's snapshot (bytes and hash), each chunk's end hash and each
// server hash in the frames. A fork's first snapshot must also hash to its
// origin's hash (the source's world it claims to start from); that the
// source really had that world is VerifyOrigin's to check, with the source
// at hand. It returns a *VerifyError naming the first tick
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
			if o := r.hdr.Origin; i == 0 && o != nil {
				if o.Tick != first {
					return errAt("header", 0, ErrCorrupt, "origin at tick %d, the recording starts at %d", o.Tick, first)
				}
				if c.SnapshotHash != o.Hash {
					return &VerifyError{Tick: first, Want: o.Hash, Got: c.SnapshotHash, What: "origin"}
				}
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

// VerifyOrigin checks a fork's lineage against source, the recording its
// header's origin names: source has the fork's map, and its world at the
// origin's tick (Seek) hashes to the origin's hash, which Verify checks is
// the fork's first world. It returns ErrNotFork for a recording without an
// origin, a *VerifyError (What "source") when the source's world differs,
// or the error that kept source from being played there.
func (r *Reader) VerifyOrigin(source *Reader) error {
	o := r.hdr.Origin
	if o == nil {
		return ErrNotFork
	}
	if source.m.Checksum() != r.m.Checksum() {
		return fmt.Errorf("replay: the source's map %s is not the fork's map %s", source.hdr.Map, r.hdr.Map)
	}
	w, err := source.Seek(o.Tick)
	if err != nil {
		return fmt.Errorf("replay: source at tick %d: %w", o.Tick, err)
	}
	if h := w.Hash(); h != o.Hash {
		return &VerifyError{Tick: o.Tick, Want: o.Hash, Got: h, What: "source"}
	}
	return nil
}
