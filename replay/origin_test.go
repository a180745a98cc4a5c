package replay_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// fork records a match forked from src at tick: the world replay.Seek
// gives there, then ticks more ticks played by chase brains, recorded with
// an origin naming src. It returns the fork's bytes.
func fork(t testing.TB, src *replay.Reader, id string, tick uint32, ticks int) []byte {
	t.Helper()
	w, err := src.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	h := src.Header()
	f := &memFile{}
	wr, err := replay.NewWriter(f, replay.Header{MatchID: "fork", Map: h.Map, MapSource: h.MapSource, TickRate: h.TickRate,
		Origin: &replay.Origin{Replay: id, Tick: tick, Hash: w.Hash()}}, w, replay.Options{ChunkTicks: 20, KeyframeTicks: 60})
	if err != nil {
		t.Fatal(err)
	}
	brains := map[sim.PlayerID]brain.Brain{}
	for i, p := range w.Players {
		b, err := brain.New("chase", brain.Seed(7, i), 10)
		if err != nil {
			t.Fatal(err)
		}
		brains[p.ID] = b
	}
	var in []sim.Input
	for range ticks {
		fr := protocol.Frame{Tick: w.Tick + 1}
		in = in[:0]
		for _, p := range w.Players {
			in = brains[p.ID].Think(w, p.ID, in)
		}
		for _, x := range in {
			if sim.Apply(w, x) == nil {
				fr.Events = append(fr.Events, protocol.Event{Input: x})
			}
		}
		sim.Advance(w)
		if err := wr.Append(&fr, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	return f.bytes()
}

// TestForkOrigin records a fork of a recording: its header says where it
// comes from, it starts at the source's tick with the source's world, it
// verifies, and its lineage checks out against its source and not against
// another recording.
func TestForkOrigin(t *testing.T) {
	t.Parallel()
	src := openBytes(t, record(t, matchOptions(t, 4, 20*time.Second, 3), replay.Options{}).data)
	const tick = 700 // between two keyframes of the source
	seek, err := src.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	fk := openBytes(t, fork(t, src, "source-1", tick, 300))
	in := fk.Info()
	want := replay.Origin{Replay: "source-1", Tick: tick, Hash: seek.Hash()}
	if in.Origin == nil || *in.Origin != want {
		t.Fatalf("origin %+v, want %+v", in.Origin, want)
	}
	if in.FormatVersion != replay.FormatVersion || in.FirstTick != tick || in.LastTick != tick+300 {
		t.Errorf("format %d, ticks %d..%d; want format %d, ticks %d..%d", in.FormatVersion, in.FirstTick, in.LastTick, replay.FormatVersion, tick, tick+300)
	}
	first, err := fk.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	if first.Hash() != seek.Hash() || len(first.Players) != len(seek.Players) {
		t.Errorf("the fork's first world hashes to %016x, the source's at %d to %016x", first.Hash(), tick, seek.Hash())
	}
	if err := fk.Verify(nil); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if err := fk.VerifyOrigin(src); err != nil {
		t.Errorf("VerifyOrigin against its source: %v", err)
	}
	other := openBytes(t, record(t, matchOptions(t, 4, 20*time.Second, 4), replay.Options{}).data)
	var ve *replay.VerifyError
	if err := fk.VerifyOrigin(other); !errors.As(err, &ve) || ve.What != "source" || ve.Tick != tick {
		t.Errorf("VerifyOrigin against another match: %v, want a VerifyError of the source at tick %d", err, tick)
	}
	if err := src.VerifyOrigin(other); !errors.Is(err, replay.ErrNotFork) {
		t.Errorf("VerifyOrigin of a recording that is no fork: %v, want ErrNotFork", err)
	}
	short := openBytes(t, record(t, matchOptions(t, 4, 5*time.Second, 3), replay.Options{}).data)
	if err := fk.VerifyOrigin(short); !errors.Is(err, replay.ErrRange) {
		t.Errorf("VerifyOrigin against a source that ends before the tick: %v, want ErrRange", err)
	}

	// A fork is a recording like any other: it streams, and a stream
	// reader sees its origin too.
	sr := replay.NewStreamReader(bytes.NewReader(fork(t, src, "source-1", tick, 30)))
	if h, err := sr.Header(); err != nil || h.Origin == nil || *h.Origin != want {
		t.Errorf("stream header origin %+v (%v), want %+v", h.Origin, err, want)
	}
}

// TestForkOriginRefused: a writer does not record a lineage that its first
// world contradicts.
func TestForkOriginRefused(t *testing.T) {
	t.Parallel()
	src := openBytes(t, record(t, matchOptions(t, 2, 5*time.Second, 3), replay.Options{}).data)
	w, err := src.Seek(100)
	if err != nil {
		t.Fatal(err)
	}
	h := src.Header()
	for _, c := range []struct {
		name   string
		origin replay.Origin
		want   string
	}{
		{"another tick", replay.Origin{Replay: "s", Tick: 99, Hash: w.Hash()}, "origin at tick 99"},
		{"another hash", replay.Origin{Replay: "s", Tick: 100, Hash: w.Hash() + 1}, "origin hash"},
		{"no id", replay.Origin{Tick: 100, Hash: w.Hash()}, "origin replay id"},
		{"long id", replay.Origin{Replay: strings.Repeat("x", replay.MaxOriginIDLen+1), Tick: 100, Hash: w.Hash()}, "origin replay id"},
	} {
		o := c.origin
		_, err := replay.NewWriter(&memFile{}, replay.Header{Map: h.Map, MapSource: h.MapSource, TickRate: h.TickRate, Origin: &o}, w, replay.Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error about %q", c.name, err, c.want)
		}
	}
}

// TestFormatV1 plays testdata/v1-arena-4p-30s.skr, a golden replay as the
// writer of format version 1 wrote it (before the origin), frozen: it
// opens as version 1 without an origin, plays to the hashes recorded for
// the same match in golden.json, verifies, and its chunks are byte for
// byte those of today's writer, whose header alone differs.
func TestFormatV1(t *testing.T) {
	t.Parallel()
	const v1 = "testdata/v1-arena-4p-30s.skr"
	r, err := replay.Open(v1)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in := r.Info()
	if in.FormatVersion != 1 || in.Origin != nil || r.RawHeader()[8] != 1 {
		t.Fatalf("format version %d, origin %+v: want a version 1 file without one", in.FormatVersion, in.Origin)
	}
	if in.SimVersion != sim.Version {
		t.Skipf("%s was recorded by simulation version %d, this build is %d: it opens, and no longer plays", v1, in.SimVersion, sim.Version)
	}
	b, err := os.ReadFile(goldenJSON)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]goldenHashes
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	got := goldenOf(t, v1)
	w := want["arena-4p-30s.skr"]
	if len(got.Keyframes) != len(w.Keyframes) || got.Final != w.Final || len(got.Players) != len(w.Players) {
		t.Fatalf("the version 1 file plays to %+v, want %+v", got, w)
	}
	for i := range got.Keyframes {
		if got.Keyframes[i] != w.Keyframes[i] {
			t.Errorf("keyframe %d: %v, want %v", i, got.Keyframes[i], w.Keyframes[i])
		}
	}
	if err := r.Verify(nil); err != nil {
		t.Errorf("Verify: %v", err)
	}
	c, err := r.Cursor(in.LastTick)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Prev(); err != nil {
		t.Errorf("Cursor.Prev: %v", err)
	}

	cur, err := replay.Open(filepath.Join("testdata", "arena-4p-30s.skr"))
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	if cin := cur.Info(); cin.FormatVersion != replay.FormatVersion || cin.Chunks != in.Chunks {
		t.Fatalf("today's arena golden: format %d, %d chunks; the version 1 file has %d", cin.FormatVersion, cin.Chunks, in.Chunks)
	}
	for i := range in.Chunks {
		a, err := r.Chunk(i)
		if err != nil {
			t.Fatal(err)
		}
		b, err := cur.Chunk(i)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Raw, b.Raw) {
			t.Errorf("chunk %d differs between format 1 and today's", i)
		}
	}
}
