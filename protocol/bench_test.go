package protocol

import (
	"bytes"
	"testing"

	"github.com/skirmishgg/skirmish/sim"
	"github.com/vmihailenco/msgpack/v5"
)

// benchFrames are the frames of a 20-player match at 60 Hz: a typical tick
// has one event (most ticks have none or one), a busy one has an event from
// every player and carries the hash.
func benchFrames() []struct {
	name  string
	frame *Frame
} {
	busy := &Frame{Tick: 54_000, HasHash: true, Hash: 0x9e3779b97f4a7c15} // 15 minutes in
	for p := range 20 {
		in := sim.Input{Player: sim.PlayerID(p + 1)}
		switch p % 5 {
		case 0:
			in.Action, in.Value = sim.MoveStart, sim.MaxMoveSpeed
		case 1:
			in.Action, in.Value = sim.RotateStart, -sim.MaxRotateRate/2
		case 2:
			in.Action = sim.Fire
		case 3:
			in.Action, in.Value = sim.StrafeStart, -sim.MaxStrafeSpeed
		case 4:
			in.Action = sim.MoveStop
		}
		busy.Events = append(busy.Events, Event{Seq: uint32(2000 + p), Input: in})
	}
	return []struct {
		name  string
		frame *Frame
	}{
		{"typical", &Frame{Tick: 54_001, Events: []Event{
			{Seq: 2345, Input: sim.Input{Player: 7, Action: sim.MoveStart, Value: sim.MaxMoveSpeed}},
		}}},
		{"busy", busy},
	}
}

func BenchmarkFrameAppend(b *testing.B) {
	for _, bf := range benchFrames() {
		b.Run(bf.name, func(b *testing.B) {
			buf := bf.frame.Append(nil)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf = bf.frame.Append(buf[:0])
			}
		})
	}
}

func BenchmarkFrameDecode(b *testing.B) {
	for _, bf := range benchFrames() {
		b.Run(bf.name, func(b *testing.B) {
			buf := bf.frame.Append(nil)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			var f Frame
			for b.Loop() {
				if err := f.Decode(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCommandDecode(b *testing.B) {
	buf := (&Command{Seq: 2345, Time: 900_000, Input: sim.Input{Action: sim.MoveStart, Value: sim.MaxMoveSpeed}}).Append(nil)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	var c Command
	for b.Loop() {
		if err := c.Decode(buf); err != nil {
			b.Fatal(err)
		}
	}
}

// The same data as a Frame, as msgpack maps with field names: what the
// protocol would look like with msgpack's default struct encoding.
type (
	mapFrame struct {
		Kind   uint8      `msgpack:"kind"`
		Tick   uint32     `msgpack:"tick"`
		Events []mapEvent `msgpack:"events"`
		Hash   *uint64    `msgpack:"hash,omitempty"`
	}
	mapEvent struct {
		Player uint32 `msgpack:"player"`
		Seq    uint32 `msgpack:"seq"`
		Action uint8  `msgpack:"action"`
		Value  int32  `msgpack:"value,omitempty"`
		X      int32  `msgpack:"x,omitempty"`
		Y      int32  `msgpack:"y,omitempty"`
		Name   string `msgpack:"name,omitempty"`
	}
)

func asMaps(f *Frame) []byte {
	m := mapFrame{Kind: uint8(KindFrame), Tick: f.Tick}
	if f.HasHash {
		m.Hash = &f.Hash
	}
	for _, ev := range f.Events {
		in := ev.Input
		m.Events = append(m.Events, mapEvent{Player: uint32(in.Player), Seq: ev.Seq, Action: uint8(in.Action),
			Value: in.Value, X: in.X, Y: in.Y, Name: in.Name})
	}
	var b bytes.Buffer
	e := msgpack.NewEncoder(&b)
	e.UseCompactInts(true) // as small as map encoding gets
	if err := e.Encode(&m); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// TestFrameSizeArraysVsMaps logs the size of frames as the protocol encodes
// them (arrays) and as msgpack maps with field names; docs/PROTOCOL.md
// quotes the figures. It measures and asserts nothing but that arrays are
// smaller.
func TestFrameSizeArraysVsMaps(t *testing.T) {
	t.Parallel()
	frames := benchFrames()
	frames = append(frames, struct {
		name  string
		frame *Frame
	}{"empty", &Frame{Tick: 54_002}}, struct {
		name  string
		frame *Frame
	}{"empty with hash", &Frame{Tick: 54_060, HasHash: true, Hash: 0x9e3779b97f4a7c15}})
	for _, bf := range frames {
		arrays, maps := len(bf.frame.Append(nil)), len(asMaps(bf.frame))
		t.Logf("%-16s %3d events: arrays %4d bytes, maps %4d bytes, arrays/maps %.2f",
			bf.name, len(bf.frame.Events), arrays, maps, float64(arrays)/float64(maps))
		if arrays >= maps {
			t.Errorf("%s: arrays %d bytes, maps %d", bf.name, arrays, maps)
		}
	}
}
