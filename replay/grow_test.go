package replay_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
)

// TestGrow reads a recording as it arrives, chunk by chunk, the way a
// spectator keeps a live stream: each Reader grown from the last holds one
// more chunk, and a cursor rebased onto it plays on to the new end and back,
// to the recorded hashes.
func TestGrow(t *testing.T) {
	t.Parallel()
	rec := small()
	full := openBytes(t, rec.data)
	defer full.Close()

	// The stream: the header, then each chunk's record.
	sr := replay.NewStreamReader(bytes.NewReader(rec.data))
	if _, err := sr.Header(); err != nil {
		t.Fatal(err)
	}
	buf := append([]byte(nil), sr.RawHeader()...)
	r, err := replay.NewReader(bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		t.Fatal(err)
	}
	if in := r.Info(); in.Chunks != 0 || in.Ticks != 0 {
		t.Fatalf("header only: %d chunks, %d ticks", in.Chunks, in.Ticks)
	}
	var cur *replay.Cursor
	grown := 0
	for {
		c, err := sr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		buf = append(buf, c.Raw...)
		before := r
		r, err = r.Grow(bytes.NewReader(buf), int64(len(buf)))
		if err != nil {
			t.Fatal(err)
		}
		grown++
		if got, want := r.Info().LastTick, c.Last; got != want {
			t.Fatalf("grown to chunk %d: last tick %d, want %d", c.Index, got, want)
		}
		if before.Info().Chunks != c.Index {
			t.Fatalf("the reader before chunk %d changed: %d chunks", c.Index, before.Info().Chunks)
		}
		if cur == nil {
			if cur, err = r.Cursor(c.Last); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := cur.Next(); err == nil {
			t.Fatalf("the cursor went past the end of its reader, to %d", cur.Tick())
		}
		if err := cur.Rebase(r); err != nil {
			t.Fatal(err)
		}
		// Forward to the new end, then a few ticks back.
		for cur.Tick() < c.Last {
			if err := cur.Next(); err != nil {
				t.Fatal(err)
			}
			if got, want := cur.World().Hash(), rec.hashes[cur.Tick()]; got != want {
				t.Fatalf("tick %d: hash %016x, want %016x", cur.Tick(), got, want)
			}
		}
		for range 3 {
			if err := cur.Prev(); err != nil {
				t.Fatal(err)
			}
			if got, want := cur.World().Hash(), rec.hashes[cur.Tick()]; got != want {
				t.Fatalf("back to tick %d: hash %016x, want %016x", cur.Tick(), got, want)
			}
		}
		if err := cur.Seek(c.Last); err != nil {
			t.Fatal(err)
		}
	}
	if grown != full.Info().Chunks {
		t.Fatalf("grew %d times, the file has %d chunks", grown, full.Info().Chunks)
	}
	in, want := r.Info(), full.Info()
	if in.LastTick != want.LastTick || in.Keyframes != want.Keyframes || len(in.Players) != len(want.Players) || !in.Recovered {
		t.Errorf("grown: %+v\nfile: %+v", in, want)
	}
	for _, tick := range []uint32{0, 1, 500, in.LastTick} {
		w, err := r.Seek(tick)
		if err != nil {
			t.Fatal(err)
		}
		if w.Hash() != rec.hashes[tick] {
			t.Errorf("seek %d: hash %016x, want %016x", tick, w.Hash(), rec.hashes[tick])
		}
	}

	// A complete file does not grow, and a cursor does not move to an
	// unrelated reader.
	if _, err := full.Grow(bytes.NewReader(rec.data), int64(len(rec.data))); err == nil {
		t.Error("a file with a footer grew")
	}
	other := openBytes(t, record(t, matchOptions(t, 2, 3*time.Second, 99), replay.Options{}).data)
	if err := cur.Rebase(other); err == nil {
		t.Error("rebased onto another recording")
	}
	if _, err := r.Grow(bytes.NewReader(buf[:10]), 10); err == nil {
		t.Error("grew to fewer bytes")
	}
}
