package replay_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/skirmishgg/skirmish/replay"
)

// tailPieces returns what a Tail of b serves: the header, each chunk and,
// once there is one, the footer with the trailer, each read back through
// ReadChunk and ReadFooter.
func tailPieces(t *testing.T, tl *replay.Tail, b []byte) [][]byte {
	t.Helper()
	ra := bytes.NewReader(b)
	out := [][]byte{tl.RawHeader()}
	for i, c := range tl.Chunks() {
		if c.Index != i {
			t.Fatalf("chunk %d listed as %d", i, c.Index)
		}
		raw, err := replay.ReadChunk(ra, c)
		if err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		out = append(out, raw)
	}
	if off, n, ok := tl.Footer(); ok {
		raw, err := replay.ReadFooter(ra, off, n)
		if err != nil {
			t.Fatalf("footer: %v", err)
		}
		out = append(out, raw)
	}
	return out
}

// TestTail grows a replay file a piece at a time, cut anywhere (inside the
// header, a chunk, the footer or the trailer), and checks after each step
// that the Tail lists exactly the chunks complete so far, with their places
// and ticks as a Reader of the whole file has them, and the footer only once
// the trailer is complete; and that the pieces it serves, put end to end,
// are the file.
func TestTail(t *testing.T) {
	t.Parallel()
	rec := small()
	full := openBytes(t, rec.data)
	l := layoutOf(t, rec.data)
	var want []replay.ChunkRef
	for i := range full.Info().Chunks {
		c, err := full.Chunk(i)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, replay.ChunkRef{Index: i, Offset: c.Offset, Size: int64(len(c.Raw)), First: c.First, Last: c.Last, Keyframe: c.Keyframe})
	}
	// Cuts: a few bytes either side of every boundary, and in the middle
	// of every record.
	var cuts []int
	bounds := append([]int{l.header}, l.chunks...)
	bounds = append(bounds, l.footer, l.size-16, l.size)
	for i, b := range bounds {
		cuts = append(cuts, b-1, b, b+1)
		if i+1 < len(bounds) {
			cuts = append(cuts, (b+bounds[i+1])/2)
		}
	}
	if _, err := replay.NewTail(bytes.NewReader(rec.data[:l.header-1]), int64(l.header-1)); !errors.Is(err, replay.ErrTruncated) {
		t.Fatalf("a header cut short: %v, want ErrTruncated", err)
	}
	tl, err := replay.NewTail(bytes.NewReader(rec.data[:l.header]), int64(l.header))
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range cuts {
		if n < l.header || n > l.size {
			continue
		}
		b := rec.data[:n]
		if err := tl.Scan(bytes.NewReader(b), int64(n)); err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		complete := 0
		for complete < len(want) && want[complete].Offset+want[complete].Size <= int64(n) {
			complete++
		}
		got := tl.Chunks()
		if len(got) != complete {
			t.Fatalf("%d bytes: %d chunks listed, %d complete", n, len(got), complete)
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("%d bytes: chunk %d listed as %+v, want %+v", n, i, got[i], want[i])
			}
		}
		if _, _, ok := tl.Footer(); ok != (n == l.size) {
			t.Fatalf("%d bytes of %d: footer %v", n, l.size, ok)
		}
		end := int64(l.header)
		if complete > 0 {
			end = want[complete-1].Offset + want[complete-1].Size
		}
		if n == l.size {
			end = int64(n)
		}
		if !bytes.Equal(bytes.Join(tailPieces(t, tl, b), nil), b[:end]) {
			t.Fatalf("%d bytes: the pieces are not the file's first %d bytes", n, end)
		}
	}
	if !bytes.Equal(bytes.Join(tailPieces(t, tl, rec.data), nil), rec.data) {
		t.Fatal("the header, the chunks and the footer put end to end are not the file")
	}
	if h := tl.Header(); h.MatchID != full.Header().MatchID || h.StartTick != full.Header().StartTick {
		t.Errorf("header %+v", h)
	}
}

// TestTailInProgress: a record whose place is already in the file but whose
// bytes are not all there yet (zeros, as a file system may show them, or a
// write under way) is not listed, and is once it is written, at the same
// file size.
func TestTailInProgress(t *testing.T) {
	t.Parallel()
	rec := small()
	l := layoutOf(t, rec.data)
	end := l.chunks[4]
	b := bytes.Clone(rec.data[:end])
	clear(b[l.chunks[3]+20:]) // chunk 3 half written
	tl, err := replay.NewTail(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tl.Chunks()); n != 3 {
		t.Fatalf("%d chunks listed, want 3", n)
	}
	copy(b, rec.data[:end])
	if err := tl.Scan(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
	if n := len(tl.Chunks()); n != 4 {
		t.Fatalf("%d chunks listed once written, want 4", n)
	}
}

// TestTailStopsAtDamage: a chunk that fails its checks in a file that no
// longer grows ends the list; nothing after it is served.
func TestTailStopsAtDamage(t *testing.T) {
	t.Parallel()
	rec := small()
	l := layoutOf(t, rec.data)
	b := bytes.Clone(rec.data)
	b[l.chunks[5]+30] ^= 1
	tl, err := replay.NewTail(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := tl.Scan(bytes.NewReader(b), int64(len(b))); err != nil {
		t.Fatal(err)
	}
	if n := len(tl.Chunks()); n != 5 {
		t.Errorf("%d chunks listed, want the 5 before the damage", n)
	}
	if _, _, ok := tl.Footer(); ok {
		t.Error("a footer after a damaged chunk")
	}
	// The file changes after the scan: reading the chunk checks it again.
	c := tl.Chunks()[2]
	b[c.Offset+25] ^= 1
	if _, err := replay.ReadChunk(bytes.NewReader(b), c); !errors.Is(err, replay.ErrCorrupt) {
		t.Errorf("a chunk changed since the scan: %v, want ErrCorrupt", err)
	}
}

// FuzzTail indexes arbitrary bytes, grown in two steps: it must never
// panic, and what it lists must read back.
func FuzzTail(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		half := len(b) / 2
		tl, err := replay.NewTail(bytes.NewReader(b[:half]), int64(half))
		if err != nil {
			return
		}
		if err := tl.Scan(bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
		ra := bytes.NewReader(b)
		next := tl.Header().StartTick + 1
		for _, c := range tl.Chunks() {
			if c.First != next {
				t.Fatalf("chunk %d starts at tick %d, want %d", c.Index, c.First, next)
			}
			next = c.Last + 1
			if _, err := replay.ReadChunk(ra, c); err != nil {
				t.Fatalf("listed chunk %d: %v", c.Index, err)
			}
		}
		if off, n, ok := tl.Footer(); ok {
			if _, err := replay.ReadFooter(ra, off, n); err != nil {
				t.Fatalf("footer: %v", err)
			}
		}
	})
}
