package replay

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/protocol/mpack"
	"github.com/skirmishgg/skirmish/sim"
)

// floodPayload composes the payload of a chunk from tick first whose ticks
// each carry perTick fire events of player 1: the "event bomb", here built
// past the Writer, which would not write one beyond the limits.
func floodPayload(first uint32, ticks, perTick int) []byte {
	return floodKeyframe(first, ticks, perTick, nil)
}

// floodKeyframe is floodPayload as a keyframe starting from world w (at
// tick first-1), with its snapshot and the hash of the world after the
// chunk, so that it plays and verifies; with w nil, a chunk without a
// snapshot, whose end hash is left zero.
func floodKeyframe(first uint32, ticks, perTick int, w *sim.World) []byte {
	var p pendingChunk
	p.reset(first)
	if w != nil {
		p.keyframe, p.snapshot = true, w.AppendSnapshot(nil)
		p.snapHash = sim.HashSnapshot(p.snapshot)
	}
	evs := make([]protocol.Event, perTick)
	inputs := make([]sim.Input, perTick)
	seq := uint32(0)
	for t := range ticks {
		for i := range evs {
			seq++
			evs[i] = protocol.Event{Seq: seq, Input: sim.Input{Player: 1, Action: sim.Fire}}
			inputs[i] = evs[i].Input
		}
		p.add(&protocol.Frame{Tick: first + uint32(t), Events: evs})
		if w != nil {
			sim.Step(w, inputs)
		}
	}
	if w != nil {
		p.endHash = w.Hash()
	}
	p.compose()
	return p.raw
}

func chunkBody(typ byte, first, last uint32, raw []byte) []byte {
	return appendRecord(nil, typ, first, last, raw)[recordHeaderLen:]
}

// TestChunkEventLimits: a chunk at the limits decodes; one event more in a
// tick or in the chunk is refused with an error that names the limit, and
// so is a hash list longer than the chunk.
func TestChunkEventLimits(t *testing.T) {
	t.Parallel()
	hashes := mpack.Append(nil, func(a *mpack.Appender) {
		a.ArrayLen(5)
		a.Nil()
		a.Nil()
		a.Uint(0)
		a.ArrayLen(4)
		a.Uint(0)
		a.Uint(1)
		a.Uint(0)
		a.Uint(2)
		a.ArrayLen(0)
	})
	perChunkTicks := MaxChunkEvents / MaxTickEvents
	for _, tc := range []struct {
		name        string
		first, last uint32
		raw         []byte
		wantEvents  int
		wantErr     string
	}{
		{"at both limits", 1, uint32(perChunkTicks), floodPayload(1, perChunkTicks, MaxTickEvents), MaxChunkEvents, ""},
		{"a tick over", 5, 5, floodPayload(5, 1, MaxTickEvents+1), 0, "more than 4096 events at tick 5 (MaxTickEvents)"},
		{"a chunk over", 1, uint32(perChunkTicks + 1), floodPayload(1, perChunkTicks+1, MaxTickEvents), 0, "more than 65536 events in the chunk (MaxChunkEvents)"},
		{"the old bomb", 1, 200, floodPayload(1, 200, 4095), 0, "(MaxChunkEvents)"},
		{"more hashes than ticks", 7, 7, hashes, 0, "2 hashes for 1 ticks"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, detail := decodeChunkBody(typeFrames, chunkBody(typeFrames, tc.first, tc.last, tc.raw), nil)
			if tc.wantErr != "" {
				if !strings.Contains(detail, tc.wantErr) {
					t.Fatalf("decoded with %q, want an error with %q", detail, tc.wantErr)
				}
				return
			}
			if detail != "" {
				t.Fatal(detail)
			}
			n := 0
			for _, f := range c.Frames {
				n += len(f.Events)
			}
			if n != tc.wantEvents {
				t.Errorf("%d events, want %d", n, tc.wantEvents)
			}
		})
	}
}

// bombFile is testdata/bomb.skr: a replay whose one chunk is the event
// bomb of issue 11 (819,000 events, within the byte limits but past
// MaxChunkEvents), for the tests of the readers of replay directories
// (server, projections, tools). TestEventBombFile keeps it what this code
// makes; -update rewrites it.
const bombFile = "testdata/bomb.skr"

// TestEventBombFile reads a whole file whose one chunk is the old event
// bomb: it opens (its footer is fine), the chunk is refused with an error
// that says where and why, and Verify fails; as a crashed file (no footer)
// the scan stops at it and Verify fails too.
func TestEventBombFile(t *testing.T) {
	t.Parallel()
	src := []byte("##########\n#........#\n#.S....S.#\n#........#\n#........#\n#.S....S.#\n#........#\n##########\n")
	m, err := sim.ParseMap("t", src)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(m, 60)
	if err != nil {
		t.Fatal(err)
	}
	h := Header{MatchID: "bomb", Map: "t", MapSource: src, TickRate: 60, FormatVersion: FormatVersion, SimVersion: sim.Version}
	raw := floodKeyframe(1, 200, 4095, w)
	file := appendHeader(nil, &h)
	hdrLen := len(file)
	file = appendRecord(file, typeKeyframe, 1, 200, raw)
	chunkEnd := len(file)
	index := []indexEntry{{off: int64(hdrLen), length: int64(chunkEnd - hdrLen), first: 1, last: 200, keyframe: true}}
	file = appendRecord(file, typeFooter, 1, 200, appendFooter(nil, index, nil))
	file = append(file, make([]byte, trailerLen)...)
	putTrailer(file[len(file)-trailerLen:], int64(chunkEnd))
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(bombFile, file, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := os.ReadFile(bombFile); err != nil || !bytes.Equal(b, file) {
		t.Errorf("%s is not the bomb this code makes (%v): run go test ./replay -run TestEventBombFile -update", bombFile, err)
	}

	r, err := NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatalf("the bomb's footer does not open: %v", err)
	}
	ch, err := r.Chunk(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.Decode(); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "chunk 0") || !strings.Contains(err.Error(), "MaxChunkEvents") {
		t.Errorf("Decode: %v; want corrupt, chunk 0, MaxChunkEvents", err)
	}
	if err := r.Verify(nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify: %v, want %v", err, ErrCorrupt)
	}

	crashed := file[:chunkEnd]
	r, err = NewReader(bytes.NewReader(crashed), int64(len(crashed)))
	if err != nil {
		t.Fatal(err)
	}
	if in := r.Info(); in.Chunks != 0 || !errors.Is(in.LostErr, ErrCorrupt) || !strings.Contains(in.LostReason, "MaxChunkEvents") {
		t.Errorf("crashed bomb: %d chunks, lost %v", in.Chunks, in.LostErr)
	}
	if err := r.Verify(nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Verify of the crashed bomb, its only chunk unreadable: %v, want %v", err, ErrCorrupt)
	}
}

// TestCacheBounded reads every frame of a flooded recording of 65 chunks of
// 32,768 events (about 1.6 MB each, decoded): the Reader's cache of decoded
// chunks stays within cacheBytes, where a cache bounded by count alone
// would hold more than 100 MB. Verify, which walks the recording once,
// keeps nothing.
func TestCacheBounded(t *testing.T) {
	t.Parallel()
	src := []byte("##########\n#........#\n#.S....S.#\n#........#\n#........#\n#.S....S.#\n#........#\n##########\n")
	m, err := sim.ParseMap("t", src)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(m, 60)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	wr, err := NewWriter(nopSyncer{&out}, Header{Map: "t", MapSource: src, TickRate: 60}, w, Options{ChunkTicks: 600, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]protocol.Event, MaxTickEvents)
	inputs := make([]sim.Input, MaxTickEvents)
	for i := range evs {
		evs[i] = protocol.Event{Seq: uint32(i + 1), Input: sim.Input{Player: 1, Action: sim.Fire}}
		inputs[i] = evs[i].Input
	}
	const ticks = 65 * sealEvents / MaxTickEvents
	for range ticks {
		sim.Step(w, inputs)
		if err := wr.Append(&protocol.Frame{Tick: w.Tick, Events: evs}, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if n := r.Info().Chunks; n != 65 {
		t.Fatalf("%d chunks, want 65", n)
	}
	if err := r.Verify(nil); err != nil {
		t.Fatal(err)
	}
	if r.cache.ll.Len() > 1 {
		t.Errorf("Verify left %d chunks in the cache", r.cache.ll.Len())
	}
	for _, err := range r.Frames(0, ticks) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if r.cache.bytes > cacheBytes || r.cache.bytes < cacheBytes/2 || r.cache.ll.Len() >= 64 {
		t.Errorf("cache holds %d chunks, %d bytes; want at most %d bytes", r.cache.ll.Len(), r.cache.bytes, cacheBytes)
	}
}

type nopSyncer struct{ *bytes.Buffer }

func (nopSyncer) Sync() error { return nil }
