package protocol

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/skirmishgg/skirmish/sim"
)

// FuzzDecode decodes arbitrary bytes. Whatever decodes must encode to bytes
// that decode to an equal message (decode, encode, decode, compare), and
// encoding that again must give the same bytes; whatever does not decode must
// be refused with ErrMalformed or ErrTooLarge. Neither Decode nor PeekKind
// may panic.
func FuzzDecode(f *testing.F) {
	for _, s := range sampleMessages() {
		if b := s.msg.Append(nil); len(b) <= 4<<10 {
			f.Add(b)
		}
	}
	for _, c := range malformedCases() {
		if len(c.in) <= 4<<10 {
			f.Add(c.in)
		}
	}
	// Messages of each kind filled with other values, to decode into: the
	// typed decoders must leave nothing of them behind.
	dirty := map[Kind]func() Message{
		KindHello: func() Message { return &Hello{Version: 9, Name: "x", Match: "y", Resume: "z"} },
		KindWelcome: func() Message {
			return &Welcome{Player: 9, Match: "x", Map: "y", TickRate: 30, Tick: 9, Time: 9, HashEvery: 9, Resume: "z", Snapshot: []byte{9}}
		},
		KindCommand: func() Message {
			return &Command{Seq: 9, Time: 9, Input: sim.Input{Player: 9, Action: sim.Join, Value: 9, X: 9, Y: 9, Name: "x"}}
		},
		KindFrame:      func() Message { return &Frame{Tick: 9, Events: manyEvents(20), HasHash: true, Hash: 9} },
		KindReject:     func() Message { return &Reject{Seq: 9, Reason: 9, Text: "x"} },
		KindPing:       func() Message { return &Ping{ClientTime: 9} },
		KindPong:       func() Message { return &Pong{ClientTime: 9, ServerTime: 9} },
		KindHashReport: func() Message { return &HashReport{Tick: 9, Hash: 9} },
		KindNotice:     func() Message { return &Notice{Code: 1, Text: "x"} },
		KindSnapshot:   func() Message { return &Snapshot{Snapshot: []byte{9}} },
	}

	f.Fuzz(func(t *testing.T, b []byte) {
		kind, peekErr := PeekKind(b)
		m, err := Decode(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v wraps neither ErrMalformed nor ErrTooLarge", err)
			}
			return
		}
		if peekErr != nil || kind != m.Kind() {
			t.Fatalf("Decode gave a %v, PeekKind %v, %v", m.Kind(), kind, peekErr)
		}
		enc := m.Append(nil)
		m2, err := Decode(enc)
		if err != nil {
			t.Fatalf("decoding the re-encoding of %+v: %v\n% x", m, err, enc)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip changed the message:\n%+v\n%+v", m, m2)
		}
		if enc2 := m2.Append(nil); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not stable:\n% x\n% x", enc, enc2)
		}
		if len(enc) > len(b) {
			t.Fatalf("re-encoding is longer (%d bytes) than the input (%d): not the shortest form", len(enc), len(b))
		}
		reused := dirty[m.Kind()]().(interface{ Decode([]byte) error })
		if err := reused.Decode(b); err != nil {
			t.Fatalf("typed decoder refused what Decode accepted: %v", err)
		}
		if !reflect.DeepEqual(normalized(m), normalized(reused.(Message))) {
			t.Fatalf("decoding into a used message left something behind:\n%+v\n%+v", m, reused)
		}
	})
}

// normalized returns m with an empty event list as nil, since a Frame
// decoded into reuses its (then empty) storage.
func normalized(m Message) Message {
	if f, ok := m.(*Frame); ok && len(f.Events) == 0 {
		c := *f
		c.Events = nil
		return &c
	}
	return m
}

// FuzzEncode builds a message of every kind from arbitrary field values,
// brought within the ranges the protocol allows, and checks that what Append
// writes decodes to the same message: the encoders and decoders agree on
// every valid message, not only on those the unit tests list.
func FuzzEncode(f *testing.F) {
	f.Add(uint8(0), uint32(1), uint32(2), uint64(3), int32(-4), "ada", []byte{1})
	f.Add(uint8(8), uint32(1<<32-1), uint32(0), uint64(1<<64-1), int32(-1<<31), "", []byte(nil))
	f.Add(uint8(3), uint32(200), uint32(7), uint64(60), int32(1<<31-1), "a name too long for a player", []byte{})
	f.Fuzz(func(t *testing.T, kind uint8, a, b uint32, c uint64, v int32, s string, bin []byte) {
		clip := func(s string, n int) string { return s[:min(len(s), n)] }
		nonzero := func(u uint32) uint32 { return max(u, 1) }
		input := func(action uint32, v int32, s string) sim.Input {
			in := sim.Input{Action: sim.Action(action%uint32(sim.Fire) + 1)}
			switch in.Action {
			case sim.Join:
				in.Name = clip(s, sim.MaxNameLen)
			case sim.SpawnAt:
				in.X, in.Y = int32(uint32(v)%sim.MaxMapSize), int32(uint32(v)>>16%sim.MaxMapSize)
			case sim.MoveStart, sim.StrafeStart, sim.RotateStart:
				in.Value = v
			}
			return in
		}
		if len(bin) == 0 && a&1 == 1 {
			bin = nil // the fuzzer's empty slices are not nil
		}
		var m Message
		switch Kind(kind%uint8(numKinds-1) + 1) {
		case KindHello:
			m = &Hello{Version: a, Name: clip(s, sim.MaxNameLen), Match: clip(s, MaxMatchIDLen), Resume: clip(s, MaxTokenLen)}
		case KindWelcome:
			m = &Welcome{Player: sim.PlayerID(nonzero(a)), Match: clip(s, MaxMatchIDLen), Map: clip(s, MaxMatchIDLen),
				TickRate: int32(b%(sim.MaxTickRate-sim.MinTickRate+1) + sim.MinTickRate), Tick: b, Time: uint32(c),
				HashEvery: nonzero(uint32(c >> 32)), Resume: clip(s, MaxTokenLen), Snapshot: bin}
		case KindCommand:
			m = &Command{Seq: a, Time: b, Input: input(uint32(c), v, s)}
		case KindFrame:
			fr := &Frame{Tick: a, HasHash: b&1 == 1, Hash: c}
			for i := range int(b>>1) % 50 {
				in := input(uint32(i)+uint32(c), v+int32(i), s)
				in.Player = sim.PlayerID(nonzero(a + uint32(i)))
				fr.Events = append(fr.Events, Event{Seq: b + uint32(i), Input: in})
			}
			m = fr
		case KindReject:
			m = &Reject{Seq: a, Reason: Reason(max(uint8(b), 1)), Text: clip(s, MaxTextLen)}
		case KindPing:
			m = &Ping{ClientTime: c}
		case KindPong:
			m = &Pong{ClientTime: c, ServerTime: a}
		case KindHashReport:
			m = &HashReport{Tick: a, Hash: c}
		case KindNotice:
			// The codes as the documentation lists them, not as numNotices
			// bounds them: the decoder's range must cover every one.
			codes := []NoticeCode{NoticeMatchEnding, NoticeKicked, NoticeShutdown, NoticeDesync}
			m = &Notice{Code: codes[b%uint32(len(codes))], Text: clip(s, MaxTextLen)}
		case KindSnapshot:
			m = &Snapshot{Snapshot: bin}
		}
		enc := m.Append(nil)
		got, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(%+v.Append()): %v\n% x", m, err, enc)
		}
		// What a decoder gives back: empty snapshots are non-nil, frames
		// without events have nil Events, a frame without a hash has Hash 0.
		switch w := m.(type) {
		case *Welcome:
			w.Snapshot = append([]byte{}, w.Snapshot...)
		case *Snapshot:
			w.Snapshot = append([]byte{}, w.Snapshot...)
		case *Frame:
			if !w.HasHash {
				w.Hash = 0
			}
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("round trip changed the message:\n%+v\n%+v", m, got)
		}
	})
}
