package replay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/protocol/mpack"
	"github.com/skirmishgg/skirmish/sim"
)

// forkedBytes writes a small recording that starts at tick 40 of a world
// with one player, with origin o, without the Writer's checks of o (the
// header is written here), and returns it without its footer, as a crash
// leaves it: readers scan it.
func forkedBytes(t *testing.T, version uint16, fields int, o *Origin) []byte {
	t.Helper()
	m, err := sim.ParseMap("tiny", []byte(docMap))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := sim.NewWorld(m, 10)
	sim.Step(w, []sim.Input{{Player: 1, Action: sim.Join, Name: "ann"}})
	for w.Tick < 40 {
		sim.Step(w, nil)
	}
	h := Header{MatchID: "f", Map: "tiny", MapSource: []byte(docMap), TickRate: 10}
	f := &bufSyncer{}
	wr, err := NewWriter(f, h, w, Options{ChunkTicks: 5, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for range 12 {
		sim.Step(w, nil)
		if err := wr.Append(&protocol.Frame{Tick: w.Tick}, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	file := f.Bytes()
	oldLen := headerPrefixLen + int(binary.LittleEndian.Uint32(file[10:14]))
	chunks := file[oldLen:]
	// Cut the footer: the first three chunks are whole, the rest goes.
	n := 0
	for range 3 {
		n += recordHeaderLen + int(binary.LittleEndian.Uint32(chunks[n+1:n+5]))
	}
	hdr := append([]byte(nil), magic[:]...)
	hdr = binary.LittleEndian.AppendUint16(hdr, version)
	hdr = append(hdr, make([]byte, 8)...)
	body := mpack.Append(nil, func(a *mpack.Appender) {
		a.ArrayLen(fields)
		a.Uint(uint64(sim.Version))
		a.Uint(10)
		a.Uint(40)
		a.Str("f")
		a.Str("tiny")
		a.Bin([]byte(docMap))
		a.Int(0)
		if fields > 7 {
			if o == nil {
				a.Nil()
			} else {
				a.ArrayLen(3)
				a.Str(o.Replay)
				a.Uint(uint64(o.Tick))
				a.Uint(o.Hash)
			}
		}
	})
	binary.LittleEndian.PutUint32(hdr[10:14], uint32(len(body)))
	c := crc32.Update(0, castagnoli, hdr[:14])
	binary.LittleEndian.PutUint32(hdr[14:18], crc32.Update(c, castagnoli, body))
	return append(append(hdr, body...), chunks[:n]...)
}

// TestOriginHeader reads headers of both format versions, with and
// without an origin, and refuses the ones whose fields do not match their
// version; Verify refuses a fork whose first world is not its origin's.
func TestOriginHeader(t *testing.T) {
	t.Parallel()
	good := forkedBytes(t, 2, 8, nil)
	r0, err := NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	w40, err := r0.Seek(40)
	if err != nil {
		t.Fatal(err)
	}
	hash := w40.Hash()
	for _, c := range []struct {
		name    string
		version uint16
		fields  int
		origin  *Origin
		wantErr string // opening
		verify  string // Verify, if it opens
	}{
		{name: "version 1", version: 1, fields: 7},
		{name: "version 2 without origin", version: 2, fields: 8},
		{name: "version 2 with origin", version: 2, fields: 8, origin: &Origin{Replay: "src", Tick: 40, Hash: hash}},
		{name: "version 1 with 8 fields", version: 1, fields: 8, wantErr: "fields"},
		{name: "version 2 with 7 fields", version: 2, fields: 7, wantErr: "fields"},
		{name: "empty origin id", version: 2, fields: 8, origin: &Origin{Tick: 40, Hash: hash}, wantErr: "empty replay id"},
		{name: "long origin id", version: 2, fields: 8, origin: &Origin{Replay: strings.Repeat("x", MaxOriginIDLen+1), Tick: 40, Hash: hash}, wantErr: "origin replay id"},
		{name: "origin hash not the first world's", version: 2, fields: 8, origin: &Origin{Replay: "src", Tick: 40, Hash: hash ^ 1}, verify: "the origin in the header says"},
		{name: "origin tick not the first world's", version: 2, fields: 8, origin: &Origin{Replay: "src", Tick: 39, Hash: hash}, verify: "origin at tick 39"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := forkedBytes(t, c.version, c.fields, c.origin)
			r, err := NewReader(bytes.NewReader(b), int64(len(b)))
			if c.wantErr != "" {
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("open: %v, want a corrupt header about %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			in := r.Info()
			if in.FormatVersion != c.version || (in.Origin == nil) != (c.origin == nil) || (in.Origin != nil && *in.Origin != *c.origin) {
				t.Errorf("format %d origin %+v, want %d %+v", in.FormatVersion, in.Origin, c.version, c.origin)
			}
			err = r.Verify(nil)
			if c.verify == "" && err != nil {
				t.Errorf("Verify: %v", err)
			}
			if c.verify != "" && (err == nil || !strings.Contains(err.Error(), c.verify)) {
				t.Errorf("Verify: %v, want an error about %q", err, c.verify)
			}
		})
	}
}
