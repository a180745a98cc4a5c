package replay_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/sim"
)

func TestInfo(t *testing.T) {
	t.Parallel()
	rec := small()
	r := openBytes(t, rec.data)
	in := r.Info()
	want := replay.Info{
		MatchID: "test", Map: "arena", MapName: "Arena",
		Start:    time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC),
		TickRate: 60, FormatVersion: replay.FormatVersion, SimVersion: sim.Version,
		FirstTick: 0, LastTick: 1200, Ticks: 1200, Duration: 20 * time.Second,
		Players: []replay.PlayerInfo{{1, "bot01"}, {2, "bot02"}, {3, "bot03"}, {4, "bot04"}},
		Size:    int64(len(rec.data)), Chunks: 20, Keyframes: 7,
	}
	in.HeaderSize, in.ChunkBytes, in.KeyframeBytes, in.FooterSize = 0, 0, 0, 0
	if !reflect.DeepEqual(in, want) {
		t.Errorf("Info:\n got %+v\nwant %+v", in, want)
	}
	full := r.Info()
	if sum := full.HeaderSize + full.ChunkBytes + full.FooterSize; sum != full.Size {
		t.Errorf("header %d + chunks %d + footer %d = %d, file %d", full.HeaderSize, full.ChunkBytes, full.FooterSize, sum, full.Size)
	}
}

func TestFrames(t *testing.T) {
	t.Parallel()
	rec := small()
	r := openBytes(t, rec.data)
	tests := []struct {
		name     string
		from, to uint32
	}{
		{"all", 0, 1<<32 - 1},
		{"one tick", 61, 61},
		{"across chunks", 55, 250},
		{"last", 1200, 5000},
		{"empty", 900, 800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []protocol.Frame
			for f, err := range r.Frames(tt.from, tt.to) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, *f)
			}
			var want []protocol.Frame
			for _, f := range rec.frames {
				if f.Tick >= tt.from && f.Tick <= tt.to {
					if len(f.Events) == 0 {
						f.Events = nil
					}
					want = append(want, f)
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %d frames, want %d; first difference at %s", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func firstDiff(a, b []protocol.Frame) string {
	for i := range min(len(a), len(b)) {
		if !reflect.DeepEqual(a[i], b[i]) {
			return fmt.Sprintf("%d: got %+v, want %+v", i, a[i], b[i])
		}
	}
	return "the end"
}

func TestSeek(t *testing.T) {
	t.Parallel()
	rec := small()
	r := openBytes(t, rec.data)
	for _, tick := range []uint32{0, 1, 59, 60, 61, 179, 180, 181, 700, 1199, 1200} {
		t.Run(fmt.Sprint(tick), func(t *testing.T) {
			w, err := r.Seek(tick)
			if err != nil {
				t.Fatal(err)
			}
			if w.Tick != tick || w.Hash() != rec.hashes[tick] {
				t.Errorf("Seek(%d): world at %d hashing %016x, want %016x", tick, w.Tick, w.Hash(), rec.hashes[tick])
			}
		})
	}
	if _, err := r.Seek(1201); !errors.Is(err, replay.ErrRange) {
		t.Errorf("Seek past the end: %v, want ErrRange", err)
	}
}

// TestCursor steps a cursor through the recording forward, backward and
// with jumps, checking the world at every stop.
func TestCursor(t *testing.T) {
	t.Parallel()
	rec := small()
	r := openBytes(t, rec.data)
	c, err := r.Cursor(500)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		if h := c.World().Hash(); c.Tick() != c.World().Tick || h != rec.hashes[c.Tick()] {
			t.Fatalf("%s: at tick %d hash %016x, want %016x", what, c.Tick(), h, rec.hashes[c.Tick()])
		}
	}
	check("start")
	for range 300 {
		if err := c.Prev(); err != nil {
			t.Fatal(err)
		}
		check("prev")
	}
	for range 150 {
		if err := c.Next(); err != nil {
			t.Fatal(err)
		}
		check("next")
	}
	// Reverse all the way to the start, then forward to the end.
	for c.Tick() > 0 {
		if err := c.Prev(); err != nil {
			t.Fatal(err)
		}
		check("prev to start")
	}
	if err := c.Prev(); !errors.Is(err, replay.ErrRange) {
		t.Errorf("Prev at the start: %v, want ErrRange", err)
	}
	for c.Tick() < 1200 {
		if err := c.Next(); err != nil {
			t.Fatal(err)
		}
		check("next to end")
	}
	if err := c.Next(); !errors.Is(err, replay.ErrRange) {
		t.Errorf("Next at the end: %v, want ErrRange", err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		tick := uint32(rng.IntN(1201))
		if err := c.Seek(tick); err != nil {
			t.Fatal(err)
		}
		check("seek")
		if tick > 0 {
			if err := c.Prev(); err != nil {
				t.Fatal(err)
			}
			check("prev after seek")
		}
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	r := openBytes(t, small().data)
	var last, total uint32
	if err := r.Verify(func(done, tot uint32) { last, total = done, tot }); err != nil {
		t.Fatal(err)
	}
	if last != 1200 || total != 1200 {
		t.Errorf("progress ended at %d of %d, want 1200 of 1200", last, total)
	}
}

// TestVerifyDivergence records a world that drifts from its events at tick
// 500 (a command the frames do not hold), and expects Verify to name the
// first recorded hash after it.
func TestVerifyDivergence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		drift    uint32 // the tick the recorded world leaves its events
		wantTick uint32
	}{
		{"at a chunk's last tick", 510, 510},
		{"at a chunk's first tick", 511, 540},
		{"inside a chunk", 1, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			so := matchOptions(t, 4, 15*time.Second, 3)
			mt, err := synth.NewMatch(so)
			if err != nil {
				t.Fatal(err)
			}
			f := &memFile{}
			h := replay.Header{MatchID: "drift", Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate}
			w, err := replay.NewWriter(f, h, mt.World(), replay.Options{ChunkTicks: 30, KeyframeTicks: 60})
			if err != nil {
				t.Fatal(err)
			}
			drift := mt.World().Clone()
			for range 900 {
				fr := mt.Step()
				inputs := make([]sim.Input, 0, len(fr.Events))
				for _, ev := range fr.Events {
					inputs = append(inputs, ev.Input)
				}
				if fr.Tick == tt.drift {
					inputs = append(inputs, sim.Input{Player: 99, Action: sim.Join, Name: "ghost"})
				}
				sim.Step(drift, inputs)
				if err := w.Append(fr, drift); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			r := openBytes(t, f.bytes())
			err = r.Verify(nil)
			var ve *replay.VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("Verify: %v, want a VerifyError", err)
			}
			if ve.Tick != tt.wantTick || ve.What != "chunk end" {
				t.Errorf("Verify: %v; want tick %d (chunk end)", err, tt.wantTick)
			}
		})
	}
}

func TestServerHashes(t *testing.T) {
	t.Parallel()
	so := matchOptions(t, 3, 5*time.Second, 9)
	mt, err := synth.NewMatch(so)
	if err != nil {
		t.Fatal(err)
	}
	f := &memFile{}
	h := replay.Header{MatchID: "hashes", Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate}
	w, err := replay.NewWriter(f, h, mt.World(), replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 300 {
		fr := mt.Step()
		if fr.Tick%20 == 0 {
			fr.HasHash, fr.Hash = true, mt.World().Hash()
			if fr.Tick == 220 {
				fr.Hash++ // a server that disagrees with the simulation
			}
		}
		if err := w.Append(fr, mt.World()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := openBytes(t, f.bytes())
	n := 0
	for fr, err := range r.Frames(0, 300) {
		if err != nil {
			t.Fatal(err)
		}
		if fr.HasHash != (fr.Tick%20 == 0) {
			t.Fatalf("tick %d: HasHash %v", fr.Tick, fr.HasHash)
		}
		if fr.HasHash {
			n++
		}
	}
	if n != 15 {
		t.Errorf("%d frames with a hash, want 15", n)
	}
	var ve *replay.VerifyError
	if err := r.Verify(nil); !errors.As(err, &ve) || ve.Tick != 220 || ve.What != "server hash" {
		t.Errorf("Verify: %v, want a server hash mismatch at tick 220", err)
	}
}

// TestLateStart records from a world already at tick 1000.
func TestLateStart(t *testing.T) {
	t.Parallel()
	so := matchOptions(t, 4, 0, 5)
	mt, err := synth.NewMatch(so)
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		mt.Step()
	}
	f := &memFile{}
	h := replay.Header{MatchID: "late", Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate}
	w, err := replay.NewWriter(f, h, mt.World(), replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[uint32]uint64{1000: mt.World().Hash()}
	for range 250 {
		fr := mt.Step()
		hashes[fr.Tick] = mt.World().Hash()
		if err := w.Append(fr, mt.World()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := openBytes(t, f.bytes())
	in := r.Info()
	if in.FirstTick != 1000 || in.LastTick != 1250 || len(in.Players) != 4 {
		t.Errorf("Info: ticks %d..%d, %d players; want 1000..1250, 4", in.FirstTick, in.LastTick, len(in.Players))
	}
	for _, tick := range []uint32{1000, 1001, 1125, 1250} {
		w, err := r.Seek(tick)
		if err != nil || w.Hash() != hashes[tick] {
			t.Errorf("Seek(%d): %v, hash match %v", tick, err, err == nil && w.Hash() == hashes[tick])
		}
	}
	if _, err := r.Seek(999); !errors.Is(err, replay.ErrRange) {
		t.Errorf("Seek before the start: %v, want ErrRange", err)
	}
	if err := r.Verify(nil); err != nil {
		t.Error(err)
	}
}

func TestWriterErrors(t *testing.T) {
	t.Parallel()
	so := matchOptions(t, 2, 0, 1)
	m, err := sim.ParseMap(so.Map, so.MapSource)
	if err != nil {
		t.Fatal(err)
	}
	world := func(tick uint32) *sim.World {
		w, err := sim.NewWorld(m, 60)
		if err != nil {
			t.Fatal(err)
		}
		w.Tick = tick
		return w
	}
	good := replay.Header{MatchID: "x", Map: "arena", MapSource: so.MapSource, TickRate: 60}
	t.Run("header", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			h    replay.Header
		}{
			{"no map", replay.Header{MatchID: "x", TickRate: 60}},
			{"bad map", replay.Header{Map: "x", MapSource: []byte("##"), TickRate: 60}},
			{"other map", replay.Header{Map: "duel", MapSource: mapSource(t, "duel"), TickRate: 60}},
			{"tick rate", replay.Header{Map: "arena", MapSource: so.MapSource, TickRate: 30}},
			{"long id", replay.Header{MatchID: string(make([]byte, 65)), Map: "arena", MapSource: so.MapSource, TickRate: 60}},
		} {
			if _, err := replay.NewWriter(&memFile{}, tt.h, world(0), replay.Options{}); err == nil {
				t.Errorf("%s: no error", tt.name)
			}
		}
	})
	t.Run("append", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			f    protocol.Frame
			tick uint32
		}{
			{"skipped tick", protocol.Frame{Tick: 2}, 2},
			{"world at another tick", protocol.Frame{Tick: 1}, 2},
			{"player 0", protocol.Frame{Tick: 1, Events: []protocol.Event{{Input: sim.Input{Action: sim.Fire}}}}, 1},
			{"action 0", protocol.Frame{Tick: 1, Events: []protocol.Event{{Input: sim.Input{Player: 1}}}}, 1},
			{"long name", protocol.Frame{Tick: 1, Events: []protocol.Event{{Input: sim.Input{Player: 1, Action: sim.Join, Name: "abcdefghijklmnopq"}}}}, 1},
			{"spawn off map", protocol.Frame{Tick: 1, Events: []protocol.Event{{Input: sim.Input{Player: 1, Action: sim.SpawnAt, X: -1}}}}, 1},
		} {
			w, err := replay.NewWriter(&memFile{}, good, world(0), replay.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Append(&tt.f, world(tt.tick)); err == nil {
				t.Errorf("%s: no error", tt.name)
			}
			if err := w.Close(); err != nil {
				t.Errorf("%s: Close: %v", tt.name, err)
			}
		}
	})
	t.Run("write fails", func(t *testing.T) {
		f := &memFile{failAt: 2000}
		w, err := replay.NewWriter(f, good, world(0), replay.Options{ChunkTicks: 10})
		if err != nil {
			t.Fatal(err)
		}
		w0 := world(0)
		var appendErr error
		for range 10000 {
			sim.Step(w0, nil)
			if appendErr = w.Append(&protocol.Frame{Tick: w0.Tick}, w0); appendErr != nil {
				break
			}
			time.Sleep(10 * time.Microsecond) // let the writer's goroutine fail
		}
		if !errors.Is(appendErr, errDiskFull) {
			t.Errorf("Append: %v, want the write error", appendErr)
		}
		if err := w.Close(); !errors.Is(err, errDiskFull) {
			t.Errorf("Close: %v, want the write error", err)
		}
		if err := w.Close(); !errors.Is(err, errDiskFull) {
			t.Errorf("second Close: %v, want the same error", err)
		}
		if !f.closed {
			t.Error("file not closed")
		}
	})
	t.Run("closed", func(t *testing.T) {
		w, err := replay.NewWriter(&memFile{}, good, world(0), replay.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if err := w.Append(&protocol.Frame{Tick: 1}, world(1)); !errors.Is(err, replay.ErrClosed) {
			t.Errorf("Append after Close: %v, want ErrClosed", err)
		}
	})
}

// TestWriterBehind stalls the disk: Append must go on without blocking,
// report that it is behind, drop nothing, and Close must write it all.
func TestWriterBehind(t *testing.T) {
	t.Parallel()
	so := matchOptions(t, 4, 0, 11)
	mt, err := synth.NewMatch(so)
	if err != nil {
		t.Fatal(err)
	}
	f := &memFile{}
	h := replay.Header{MatchID: "behind", Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate}
	w, err := replay.NewWriter(f, h, mt.World(), replay.Options{QueueLen: 2, OnBehind: func(int) { t.Log("behind") }})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.release = make(chan struct{}) // the disk stalls from now on
	f.mu.Unlock()
	var behind int
	hashes := []uint64{}
	for range 600 {
		fr := mt.Step()
		hashes = append(hashes, mt.World().Hash())
		if err := w.Append(fr, mt.World()); err != nil {
			t.Fatal(err)
		}
	}
	behind = int(w.Stats().Behind)
	if behind == 0 {
		t.Error("Stats().Behind is 0 with a stalled disk")
	}
	close(f.release)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := openBytes(t, f.bytes())
	if in := r.Info(); in.LastTick != 600 || in.Recovered {
		t.Fatalf("Info: last tick %d, recovered %v", in.LastTick, in.Recovered)
	}
	if err := r.Verify(nil); err != nil {
		t.Fatal(err)
	}
	wd, err := r.Seek(600)
	if err != nil || wd.Hash() != hashes[599] {
		t.Errorf("Seek(600): %v", err)
	}
}

func TestSync(t *testing.T) {
	t.Parallel()
	for _, noSync := range []bool{false, true} {
		so := matchOptions(t, 2, 0, 1)
		mt, _ := synth.NewMatch(so)
		f := &memFile{}
		h := replay.Header{Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate}
		w, err := replay.NewWriter(f, h, mt.World(), replay.Options{NoSync: noSync, ChunkTicks: 10})
		if err != nil {
			t.Fatal(err)
		}
		for range 100 {
			if err := w.Append(mt.Step(), mt.World()); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		// Header, ten chunks, footer: 12 syncs; the footer is always synced.
		if want := map[bool]int{false: 12, true: 1}[noSync]; f.syncs != want {
			t.Errorf("NoSync %v: %d syncs, want %d", noSync, f.syncs, want)
		}
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m"+replay.Extension)
	so := matchOptions(t, 2, 2*time.Second, 4)
	if err := synth.Generate(path, so); err != nil {
		t.Fatal(err)
	}
	if err := synth.Generate(path, so); !errors.Is(err, os.ErrExist) {
		t.Errorf("Generate over an existing file: %v, want ErrExist", err)
	}
	r, err := replay.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Verify(nil); err != nil {
		t.Error(err)
	}
	if _, err := replay.Open(filepath.Join(t.TempDir(), "missing.skr")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open of a missing file: %v", err)
	}
}

// TestEmpty closes a Writer before any tick.
func TestEmpty(t *testing.T) {
	t.Parallel()
	so := matchOptions(t, 2, 0, 1)
	mt, _ := synth.NewMatch(so)
	f := &memFile{}
	h := replay.Header{Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate}
	w, err := replay.NewWriter(f, h, mt.World(), replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := openBytes(t, f.bytes())
	if in := r.Info(); in.Chunks != 0 || in.Ticks != 0 || in.Recovered {
		t.Errorf("Info: %+v", in)
	}
	if _, err := r.Seek(0); !errors.Is(err, replay.ErrRange) {
		t.Errorf("Seek: %v, want ErrRange", err)
	}
	if err := r.Verify(nil); err != nil {
		t.Errorf("Verify: %v", err)
	}
	for range r.Frames(0, 100) {
		t.Error("a frame from an empty replay")
	}
}

// TestWriterWithinLimits floods a match with replay.MaxTickEvents events a
// tick, in chunks meant to be ten seconds long: the Writer seals them early,
// so that no chunk holds more than replay.MaxChunkEvents events and the
// file reads back whole; a tick with more events than the limit is refused.
func TestWriterWithinLimits(t *testing.T) {
	t.Parallel()
	so := matchOptions(t, 2, 0, 12)
	so.Flood = replay.MaxTickEvents
	mt, err := synth.NewMatch(so)
	if err != nil {
		t.Fatal(err)
	}
	f := &memFile{}
	h := replay.Header{MatchID: "flood", Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate}
	w, err := replay.NewWriter(f, h, mt.World(), replay.Options{ChunkTicks: 600, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	const ticks = 100
	for range ticks {
		if err := w.Append(mt.Step(), mt.World()); err != nil {
			t.Fatal(err)
		}
	}
	over := mt.Step()
	over.Events = append(over.Events, protocol.Event{Input: sim.Input{Player: 1, Action: sim.Fire}})
	if err := w.Append(over, mt.World()); err == nil || !strings.Contains(err.Error(), "MaxTickEvents") {
		t.Errorf("a tick of %d events: %v, want an error naming MaxTickEvents", len(over.Events), err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := openBytes(t, f.bytes())
	in := r.Info()
	if in.LastTick != ticks || in.Chunks < ticks*replay.MaxTickEvents/replay.MaxChunkEvents {
		t.Fatalf("%d ticks in %d chunks", in.LastTick, in.Chunks)
	}
	for i := range in.Chunks {
		ch, err := r.Chunk(i)
		if err != nil {
			t.Fatal(err)
		}
		c, err := ch.Decode()
		if err != nil {
			t.Fatalf("chunk %d: %v", i, err)
		}
		n := 0
		for _, f := range c.Frames {
			n += len(f.Events)
		}
		if n > replay.MaxChunkEvents {
			t.Errorf("chunk %d: %d events", i, n)
		}
	}
	if err := r.Verify(nil); err != nil {
		t.Fatal(err)
	}
}

// TestWriterBehindWithinLimits floods a match while the disk stalls for 40
// ticks: the chunk waiting for the disk grows until one more tick could
// take it past replay.MaxChunkEvents, and then recording stops with
// ErrBehind rather than write, once the disk is back, a chunk its readers
// would refuse. What was written reads back.
func TestWriterBehindWithinLimits(t *testing.T) {
	t.Parallel()
	so := matchOptions(t, 2, 0, 13)
	so.Flood = replay.MaxTickEvents
	mt, err := synth.NewMatch(so)
	if err != nil {
		t.Fatal(err)
	}
	f := &memFile{}
	h := replay.Header{MatchID: "flood", Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate}
	w, err := replay.NewWriter(f, h, mt.World(), replay.Options{QueueLen: 1, ChunkTicks: 1})
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	f.release = make(chan struct{}) // the disk stalls from now on
	f.mu.Unlock()
	var appendErr error
	for i := range 60 {
		if i == 40 {
			close(f.release)
		}
		if appendErr = w.Append(mt.Step(), mt.World()); appendErr != nil {
			break
		}
	}
	if !errors.Is(appendErr, replay.ErrBehind) {
		t.Errorf("Append: %v, want %v", appendErr, replay.ErrBehind)
	}
	select {
	case <-f.release:
	default:
		close(f.release)
	}
	if err := w.Close(); !errors.Is(err, replay.ErrBehind) {
		t.Errorf("Close: %v, want %v", err, replay.ErrBehind)
	}
	r := openBytes(t, f.bytes())
	if in := r.Info(); in.LostErr != nil {
		t.Errorf("what was written does not read back: %v", in.LostErr)
	}
	if err := r.Verify(nil); err != nil {
		t.Error(err)
	}
}
