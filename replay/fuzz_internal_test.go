package replay

import (
	"testing"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// The payloads behind the CRCs and the zstd frames, fuzzed directly: random
// bytes rarely get past a CRC, so FuzzOpen alone would not reach these.

func fuzzPayloadSeeds(f *testing.F) {
	src := []byte("##########\n#........#\n#.S....S.#\n#........#\n#........#\n#.S....S.#\n#........#\n##########\n")
	m, err := sim.ParseMap("t", src)
	if err != nil {
		f.Fatal(err)
	}
	w, _ := sim.NewWorld(m, 60)
	var p pendingChunk
	p.reset(1)
	p.keyframe, p.snapshot = true, w.AppendSnapshot(nil)
	for tick := uint32(1); tick <= 10; tick++ {
		fr := protocol.Frame{Tick: tick}
		switch tick {
		case 1:
			fr.Events = []protocol.Event{{Input: sim.Input{Player: 1, Action: sim.Join, Name: "a"}}, {Input: sim.Input{Player: 2, Action: sim.Join, Name: "b"}}}
		case 2:
			fr.Events = []protocol.Event{{Seq: 1, Input: sim.Input{Player: 1, Action: sim.SpawnAt, X: 2, Y: 2}}, {Seq: 1, Input: sim.Input{Player: 2, Action: sim.SpawnAt, X: 7, Y: 5}}}
			fr.HasHash, fr.Hash = true, 12345
		case 5:
			fr.Events = []protocol.Event{{Seq: 2, Input: sim.Input{Player: 1, Action: sim.MoveStart, Value: -300}}, {Seq: 3, Input: sim.Input{Player: 1, Action: sim.Fire}}}
		}
		sim.Step(w, inputsOf(fr.Events))
		p.add(&fr)
	}
	p.endHash = w.Hash()
	p.compose()
	f.Add(true, uint32(1), uint32(10), p.raw)
	f.Add(false, uint32(1), uint32(10), p.raw)
	f.Add(false, uint32(100), uint32(100), []byte{0x95, 0xc0, 0xc0, 0x00, 0x90, 0x90})
	// At the event limits, and one past each.
	f.Add(false, uint32(1), uint32(2), floodPayload(1, 2, MaxTickEvents))
	f.Add(false, uint32(9), uint32(9), floodPayload(9, 1, MaxTickEvents+1))
	f.Add(false, uint32(1), uint32(10), appendFooter(nil, []indexEntry{{length: 100, first: 1, last: 60, keyframe: true}}, []PlayerInfo{{1, "x"}}))
}

func inputsOf(evs []protocol.Event) []sim.Input {
	var in []sim.Input
	for _, ev := range evs {
		in = append(in, ev.Input)
	}
	return in
}

// FuzzDecodeChunk decodes arbitrary payloads as chunks: no panic, and what
// decodes re-encodes to an equivalent chunk.
func FuzzDecodeChunk(f *testing.F) {
	fuzzPayloadSeeds(f)
	f.Fuzz(func(t *testing.T, keyframe bool, first, last uint32, raw []byte) {
		typ := byte(typeFrames)
		if keyframe {
			typ = typeKeyframe
		}
		rec := appendRecord(nil, typ, first, last, raw)
		c, detail := decodeChunkBody(typ, rec[recordHeaderLen:], nil)
		if detail != "" {
			return
		}
		total := 0
		for _, f := range c.Frames {
			if len(f.Events) > MaxTickEvents {
				t.Fatalf("tick %d decoded with %d events", f.Tick, len(f.Events))
			}
			total += len(f.Events)
		}
		if total > MaxChunkEvents {
			t.Fatalf("chunk decoded with %d events", total)
		}
		// Decoded into the memory of other chunks (DecodeReuse), it is
		// the same chunk.
		other := chunkBody(typeKeyframe, 1, 2, otherChunk)
		r1, _ := decodeChunkBody(typeKeyframe, other, nil)
		r2, _ := decodeChunkBody(typ, rec[recordHeaderLen:], r1)
		r3, _ := decodeChunkBody(typeKeyframe, other, r2)
		r4, detail := decodeChunkBody(typ, rec[recordHeaderLen:], r3)
		if detail != "" || !sameContent(c, r4) {
			t.Fatalf("decoded into reused memory: %q, or a different chunk", detail)
		}
		// Re-encode what was decoded and decode it again: the same chunk.
		var p pendingChunk
		p.reset(c.First)
		p.keyframe, p.snapshot, p.snapHash, p.endHash = c.Keyframe(), c.Snapshot, c.SnapshotHash, c.EndHash
		for i := range c.Frames {
			p.add(&c.Frames[i])
		}
		p.last = c.Last
		p.compose()
		rec2 := appendRecord(nil, typ, c.First, c.Last, p.raw)
		c2, detail := decodeChunkBody(typ, rec2[recordHeaderLen:], nil)
		if detail != "" {
			t.Fatalf("re-encoded chunk does not decode: %s", detail)
		}
		if len(c2.Frames) != len(c.Frames) || c2.EndHash != c.EndHash || string(c2.Snapshot) != string(c.Snapshot) {
			t.Fatalf("re-encoded chunk differs")
		}
		for i := range c.Frames {
			a, b := c.Frames[i], c2.Frames[i]
			if a.Tick != b.Tick || a.HasHash != b.HasHash || a.Hash != b.Hash || len(a.Events) != len(b.Events) {
				t.Fatalf("frame %d differs: %+v, %+v", i, a, b)
			}
			for j := range a.Events {
				if a.Events[j] != b.Events[j] {
					t.Fatalf("frame %d event %d differs: %+v, %+v", i, j, a.Events[j], b.Events[j])
				}
			}
		}
	})
}

// FuzzDecodeFooter decodes arbitrary footer payloads.
func FuzzDecodeFooter(f *testing.F) {
	fuzzPayloadSeeds(f)
	f.Fuzz(func(t *testing.T, _ bool, start, _ uint32, raw []byte) {
		index, _, detail := decodeFooter(raw, 100, 1<<20, start)
		if detail != "" {
			return
		}
		off, next := int64(100), start+1
		for i, e := range index {
			if e.off != off || e.first != next || e.last < e.first || (i == 0 && !e.keyframe) {
				t.Fatalf("entry %d: %+v, want offset %d, first tick %d", i, e, off, next)
			}
			off, next = off+e.length, e.last+1
		}
	})
}

// otherChunk is a keyframe payload to decode between two decodings of the
// same chunk into reused memory.
var otherChunk = func() []byte {
	m, err := sim.ParseMap("t", []byte("##########\n#........#\n#.S....S.#\n#........#\n#........#\n#.S....S.#\n#........#\n##########\n"))
	if err != nil {
		panic(err)
	}
	w, err := sim.NewWorld(m, 60)
	if err != nil {
		panic(err)
	}
	return floodKeyframe(1, 2, 3, w)
}()

// sameContent reports whether two decoded chunks are equal.
func sameContent(a, b *ChunkContent) bool {
	if a.First != b.First || a.Last != b.Last || a.Keyframe() != b.Keyframe() || string(a.Snapshot) != string(b.Snapshot) ||
		a.SnapshotHash != b.SnapshotHash || a.EndHash != b.EndHash || len(a.Frames) != len(b.Frames) {
		return false
	}
	for i := range a.Frames {
		fa, fb := a.Frames[i], b.Frames[i]
		if fa.Tick != fb.Tick || fa.HasHash != fb.HasHash || fa.Hash != fb.Hash || len(fa.Events) != len(fb.Events) {
			return false
		}
		for j := range fa.Events {
			if fa.Events[j] != fb.Events[j] {
				return false
			}
		}
	}
	return true
}
