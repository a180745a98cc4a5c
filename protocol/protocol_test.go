package protocol

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/sim"
	"github.com/vmihailenco/msgpack/v5"
)

// sample is a named message for table tests.
type sample struct {
	name string
	msg  Message
}

// everyAction returns one input of each action, with arguments.
func everyAction(player sim.PlayerID) []sim.Input {
	return []sim.Input{
		{Player: player, Action: sim.Join, Name: "ada"},
		{Player: player, Action: sim.Leave},
		{Player: player, Action: sim.SpawnAt, X: 2, Y: 9},
		{Player: player, Action: sim.MoveStart, Value: -sim.MaxMoveSpeed},
		{Player: player, Action: sim.MoveStop},
		{Player: player, Action: sim.StrafeStart, Value: sim.MaxStrafeSpeed},
		{Player: player, Action: sim.StrafeStop},
		{Player: player, Action: sim.RotateStart, Value: -sim.MaxRotateRate},
		{Player: player, Action: sim.RotateStop},
		{Player: player, Action: sim.Fire},
	}
}

// manyEvents returns n events cycling through every action and through
// players and sequence numbers of every msgpack integer width.
func manyEvents(n int) []Event {
	players := []sim.PlayerID{1, 127, 128, 255, 256, 65535, 65536, math.MaxUint32}
	seqs := []uint32{0, 1, 127, 128, 65536, math.MaxUint32}
	evs := make([]Event, 0, n)
	for i := 0; len(evs) < n; i++ {
		for _, in := range everyAction(players[i%len(players)]) {
			if len(evs) == n {
				break
			}
			evs = append(evs, Event{Seq: seqs[len(evs)%len(seqs)], Input: in})
		}
	}
	return evs
}

// sampleMessages returns representative and edge values of every kind. Each
// is in the form a decoder produces (empty Events nil, empty snapshots
// non-nil), so that a round trip gives back a deep-equal value.
func sampleMessages() []sample {
	const maxU32 = math.MaxUint32
	name16 := strings.Repeat("n", sim.MaxNameLen)
	var s []sample
	add := func(name string, m Message) { s = append(s, sample{name, m}) }

	add("hello", &Hello{Version: Version, Name: "ada"})
	add("hello/empty", &Hello{})
	add("hello/max", &Hello{Version: maxU32, Name: name16,
		Match: strings.Repeat("m", MaxMatchIDLen), Resume: strings.Repeat("r", MaxTokenLen)})
	add("hello/utf8 name", &Hello{Version: 1, Name: "ÉÉÉÉÉÉÉÉ", Match: "m1"})
	add("hello/resume", &Hello{Version: 1, Name: "ada", Match: "m1", Resume: "tok"})

	add("welcome", &Welcome{Player: 7, Match: "m1", Map: "duel", TickRate: 60, Tick: 12, Time: 200,
		HashEvery: 60, Resume: "tok", Snapshot: []byte{1, 2, 3}})
	add("welcome/min", &Welcome{Player: 1, TickRate: sim.MinTickRate, HashEvery: 1, Snapshot: []byte{}})
	add("welcome/max", &Welcome{Player: maxU32, Match: strings.Repeat("m", MaxMatchIDLen),
		Map: strings.Repeat("p", MaxMatchIDLen), TickRate: sim.MaxTickRate, Tick: maxU32, Time: maxU32,
		HashEvery: maxU32, Resume: strings.Repeat("r", MaxTokenLen), Snapshot: bytes.Repeat([]byte{0xc1}, 300)})
	add("welcome/big snapshot", &Welcome{Player: 2, TickRate: 60, HashEvery: 60,
		Snapshot: bytes.Repeat([]byte{0xff}, MaxMessageSize-200)})

	for _, in := range everyAction(0) {
		add("command/"+in.Action.String(), &Command{Seq: 42, Time: 3217, Input: in})
	}
	add("command/max seq and time", &Command{Seq: maxU32, Time: maxU32, Input: sim.Input{Action: sim.Fire}})
	add("command/zero seq and time", &Command{Input: sim.Input{Action: sim.MoveStop}})
	for _, v := range []int32{math.MinInt32, math.MaxInt32, 0, -1, -32, -33, -128, -129, 127, 128, 255, 256, -32768, -32769, 65535, 65536} {
		add(fmt.Sprintf("command/move value %d", v), &Command{Seq: 1, Input: sim.Input{Action: sim.MoveStart, Value: v}})
	}
	add("command/spawn corner", &Command{Seq: 1, Input: sim.Input{Action: sim.SpawnAt, X: sim.MaxMapSize - 1, Y: 0}})
	add("command/join max name", &Command{Seq: 1, Input: sim.Input{Action: sim.Join, Name: name16}})
	add("command/join empty name", &Command{Seq: 1, Input: sim.Input{Action: sim.Join}})

	add("frame/empty", &Frame{Tick: 13})
	add("frame/empty with hash", &Frame{Tick: 60, HasHash: true, Hash: 0x0123456789abcdef})
	add("frame/zero hash", &Frame{Tick: 0, HasHash: true})
	add("frame/max", &Frame{Tick: maxU32, HasHash: true, Hash: math.MaxUint64})
	add("frame/one of each action", &Frame{Tick: 100, Events: manyEvents(10)})
	add("frame/many events with hash", &Frame{Tick: 120, Events: manyEvents(1000), HasHash: true, Hash: 1})
	add("frame/max events", &Frame{Tick: 1, Events: fireEvents(MaxEvents)})

	for _, r := range []Reason{1, Reason(sim.ReasonProjectileLimit), ReasonRateLimited, ReasonNotJoined, 255} {
		add(fmt.Sprintf("reject/%d", r), &Reject{Seq: 5, Reason: r, Text: r.String()})
	}
	add("reject/max", &Reject{Seq: maxU32, Reason: 255, Text: strings.Repeat("t", MaxTextLen)})
	add("reject/no text", &Reject{Reason: 1})

	add("ping", &Ping{ClientTime: 1234567})
	add("ping/zero", &Ping{})
	add("ping/max", &Ping{ClientTime: math.MaxUint64})
	add("pong", &Pong{ClientTime: 1234567, ServerTime: 200})
	add("pong/max", &Pong{ClientTime: math.MaxUint64, ServerTime: maxU32})
	add("hash_report", &HashReport{Tick: 60, Hash: 0xfedcba9876543210})
	add("hash_report/zero", &HashReport{})
	for c := NoticeMatchEnding; c < numNotices; c++ {
		add(fmt.Sprintf("notice/%d", c), &Notice{Code: c, Text: "text"})
	}
	add("notice/max text", &Notice{Code: NoticeDesync, Text: strings.Repeat("t", MaxTextLen)})
	add("snapshot", &Snapshot{Snapshot: []byte{1, 2, 3}})
	add("snapshot/empty", &Snapshot{Snapshot: []byte{}})
	add("snapshot/big", &Snapshot{Snapshot: bytes.Repeat([]byte{7}, MaxMessageSize-5)})
	return s
}

func fireEvents(n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = Event{Seq: uint32(i), Input: sim.Input{Player: sim.PlayerID(i%64 + 1), Action: sim.Fire}}
	}
	return evs
}

// newOfKind returns a zero message of m's type.
func newOfKind(m Message) interface {
	Message
	Decode([]byte) error
} {
	return reflect.New(reflect.TypeOf(m).Elem()).Interface().(interface {
		Message
		Decode([]byte) error
	})
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	kinds := map[Kind]bool{}
	for _, tc := range sampleMessages() {
		kinds[tc.msg.Kind()] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := tc.msg.Append(nil)
			if len(b) > MaxMessageSize {
				t.Fatalf("encoded %d bytes, above MaxMessageSize", len(b))
			}
			if k, err := PeekKind(b); err != nil || k != tc.msg.Kind() {
				t.Fatalf("PeekKind = %v, %v; want %v", k, err, tc.msg.Kind())
			}
			got, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if !reflect.DeepEqual(got, tc.msg) {
				t.Fatalf("Decode = %+v\nwant %+v", got, tc.msg)
			}
			typed := newOfKind(tc.msg)
			if err := typed.Decode(b); err != nil {
				t.Fatalf("%T.Decode: %v", typed, err)
			}
			if !reflect.DeepEqual(typed, tc.msg) {
				t.Fatalf("%T.Decode = %+v\nwant %+v", typed, typed, tc.msg)
			}
			if again := got.Append(nil); !bytes.Equal(again, b) {
				t.Fatalf("re-encoding differs:\n% x\n% x", again, b)
			}
		})
	}
	for k := KindHello; k < numKinds; k++ {
		if !kinds[k] {
			t.Errorf("no sample of kind %v", k)
		}
	}
}

// TestCompactIntegers checks that integers take their shortest msgpack form,
// which the size figures in docs/PROTOCOL.md depend on.
func TestCompactIntegers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    int32
		want string
	}{
		{0, "00"}, {127, "7f"}, {128, "cc80"}, {255, "ccff"}, {256, "cd0100"},
		{65535, "cdffff"}, {65536, "ce00010000"}, {-1, "ff"}, {-32, "e0"}, {-33, "d0df"},
		{-128, "d080"}, {-129, "d1ff7f"}, {-32768, "d18000"}, {-32769, "d2ffff7fff"},
	}
	for _, tc := range tests {
		b := (&Command{Input: sim.Input{Action: sim.MoveStart, Value: tc.v}}).Append(nil)
		// 95 03 00 00 04 <value>
		if got := fmt.Sprintf("%x", b[5:]); got != tc.want {
			t.Errorf("value %d encoded as %s, want %s", tc.v, got, tc.want)
		}
	}
}

func TestNilSnapshotIsEmptyBin(t *testing.T) {
	t.Parallel()
	for _, m := range []Message{&Welcome{Player: 1, TickRate: 60, HashEvery: 1}, &Snapshot{}} {
		b := m.Append(nil)
		if !bytes.HasSuffix(b, []byte{0xc4, 0x00}) {
			t.Errorf("%v with nil snapshot ends % x, want an empty bin (c4 00)", m.Kind(), b)
		}
		if _, err := Decode(b); err != nil {
			t.Errorf("%v with nil snapshot: %v", m.Kind(), err)
		}
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	t.Parallel()
	prefix := []byte("prefix")
	for _, tc := range sampleMessages() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := tc.msg.Append(nil)
			for _, extra := range []int{0, 1, len(want), 2 * len(want)} {
				dst := make([]byte, len(prefix), len(prefix)+extra)
				copy(dst, prefix)
				got := tc.msg.Append(dst)
				if !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(dst, prefix) {
					t.Fatalf("capacity +%d: prefix changed to %q", extra, got[:len(prefix)])
				}
				if !bytes.Equal(got[len(prefix):], want) {
					t.Fatalf("capacity +%d: appended bytes differ from Append(nil)", extra)
				}
				if extra >= len(want) && &got[0] != &dst[0] {
					t.Fatalf("capacity +%d: Append reallocated although dst had room", extra)
				}
			}
		})
	}
}

// raw is a value that pack writes verbatim.
type raw []byte

// pack encodes vs as a msgpack array, with the shortest integers; nested
// []any become arrays and raw values are written as they are.
func pack(vs ...any) []byte {
	var b bytes.Buffer
	e := msgpack.NewEncoder(&b)
	e.UseCompactInts(true)
	packValue(&b, e, vs)
	return b.Bytes()
}

func packValue(b *bytes.Buffer, e *msgpack.Encoder, v any) {
	switch v := v.(type) {
	case raw:
		b.Write(v)
	case []any:
		if err := e.EncodeArrayLen(len(v)); err != nil {
			panic(err)
		}
		for _, x := range v {
			packValue(b, e, x)
		}
	default:
		if err := e.Encode(v); err != nil {
			panic(err)
		}
	}
}

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

type decodeFunc func([]byte) error

func decodeAny(b []byte) error { _, err := Decode(b); return err }

func decodeAs[T any, P interface {
	*T
	Decode([]byte) error
}]() decodeFunc {
	return func(b []byte) error { var m T; return P(&m).Decode(b) }
}

// malformedCase is an input that dec must refuse with an error wrapping want.
type malformedCase struct {
	name string
	in   []byte
	dec  decodeFunc
	want error
}

func malformedCases() []malformedCase {
	validFrame := (&Frame{Tick: 5, Events: manyEvents(3), HasHash: true, Hash: 9}).Append(nil)
	validHello := (&Hello{Version: 1, Name: "ada"}).Append(nil)
	name17 := strings.Repeat("n", sim.MaxNameLen+1)
	gb := raw{0xc6, 0x40, 0x00, 0x00, 0x00}      // bin32 header claiming 1 GiB
	gbStr := raw{0xdb, 0x40, 0x00, 0x00, 0x00}   // str32 header claiming 1 GiB
	gbArray := raw{0xdd, 0x40, 0x00, 0x00, 0x00} // array32 header claiming 2^30 elements
	var (
		anyDec     = decodeAny
		helloDec   = decodeAs[Hello]()
		welcomeDec = decodeAs[Welcome]()
		commandDec = decodeAs[Command]()
		frameDec   = decodeAs[Frame]()
		rejectDec  = decodeAs[Reject]()
		pingDec    = decodeAs[Ping]()
		pongDec    = decodeAs[Pong]()
		hashDec    = decodeAs[HashReport]()
		noticeDec  = decodeAs[Notice]()
		snapDec    = decodeAs[Snapshot]()
	)
	welcome := func(snapshot any) []byte {
		return pack(2, 7, "m1", "duel", 60, 12, 200, 60, "tok", snapshot)
	}
	event := func(vs ...any) []byte { return pack(4, 1, []any{vs}) }
	cmd := func(vs ...any) []byte { return pack(append([]any{3, 1, 100}, vs...)...) }
	m := ErrMalformed
	return []malformedCase{
		{"empty", nil, anyDec, m},
		{"empty/typed", []byte{}, frameDec, m},
		{"garbage/never used code", []byte{0xc1}, anyDec, m},
		{"garbage/bytes", []byte{0xff, 0xfe, 0xfd, 0x00}, anyDec, m},
		{"garbage/text", []byte("hello, world"), anyDec, m},
		{"garbage/json", []byte(`[1,1,"ada","",""]`), helloDec, m},
		{"not an array/map", pack(map[string]any{"kind": 1, "version": 1})[1:], anyDec, m},
		{"not an array/map typed", pack(map[string]any{"kind": 1})[1:], helloDec, m},
		{"not an array/map of fields", pack(map[int]any{0: 1, 1: 1, 2: "ada", 3: "", 4: ""})[1:], helloDec, m},
		{"kind/map", pack(map[string]any{"kind": 1}, 1, "ada", "", ""), anyDec, m},
		{"not an array/int", []byte{0x01}, anyDec, m},
		{"not an array/nil", []byte{0xc0}, anyDec, m},
		{"not an array/str", pack("hello")[1:], anyDec, m},
		{"empty array", pack(), anyDec, m},
		{"empty array typed", pack(), pingDec, m},
		{"wrong kind/hello as welcome", validHello, welcomeDec, m},
		{"wrong kind/frame as command", validFrame, commandDec, m},
		{"wrong kind/ping as pong", pack(6, 1), pongDec, m},
		{"unknown kind/0", pack(0), anyDec, m},
		{"unknown kind/0 with fields", pack(0, 1, 2), anyDec, m},
		{"unknown kind/11", pack(11, 1), anyDec, m},
		{"unknown kind/200", pack(200, "x"), anyDec, m},
		{"unknown kind/negative", pack(-1), anyDec, m},
		{"unknown kind/huge", pack(uint64(1) << 40), anyDec, m},
		{"kind/string", pack("hello", 1, "ada", "", ""), anyDec, m},
		{"kind/float", pack(1.0, 1, "ada", "", ""), anyDec, m},
		{"kind/nil", pack(nil, 1, "ada", "", ""), anyDec, m},
		{"too few fields/hello", pack(1, 1, "ada", ""), anyDec, m},
		{"too few fields/frame", pack(4, 5), anyDec, m},
		{"too few fields/welcome", pack(2, 7, "m1", "duel", 60, 12, 200, 60, "tok"), anyDec, m},
		{"too few fields/command", pack(3, 1), anyDec, m},
		{"too few fields/pong", pack(7, 1), anyDec, m},
		{"too few fields/snapshot", pack(10), anyDec, m},
		{"too many fields/hello", pack(1, 1, "ada", "", "", ""), anyDec, m},
		{"too many fields/ping", pack(6, 1, 2), anyDec, m},
		{"too many fields/frame", pack(4, 5, []any{}, 9, 9), anyDec, m},
		{"too many fields/command", pack(3, 1, 100, 4, 1, 2, 3), anyDec, m},
		{"too many fields/hash report", pack(8, 1, 2, 3), anyDec, m},
		{"too many fields/notice", pack(9, 1, "x", "y"), anyDec, m},
		{"too many fields/reject", pack(5, 1, 1, "x", 0), anyDec, m},
		{"too many fields/welcome", pack(2, 7, "m1", "duel", 60, 12, 200, 60, "tok", []byte{1}, 0), anyDec, m},
		{"wrong type/version string", pack(1, "1", "ada", "", ""), anyDec, m},
		{"wrong type/name int", pack(1, 1, 5, "", ""), anyDec, m},
		{"wrong type/name bin", pack(1, 1, []byte("ada"), "", ""), anyDec, m},
		{"wrong type/name nil", pack(1, 1, nil, "", ""), anyDec, m},
		{"wrong type/snapshot str", welcome("abc"), anyDec, m},
		{"wrong type/snapshot nil", welcome(nil), anyDec, m},
		{"wrong type/snapshot array", welcome([]any{1, 2}), anyDec, m},
		{"wrong type/seq string", pack(3, "1", 100, 10), anyDec, m},
		{"wrong type/seq float", pack(3, 1.0, 100, 10), anyDec, m},
		{"wrong type/seq float32", pack(3, float32(1), 100, 10), anyDec, m},
		{"wrong type/seq nil", pack(3, nil, 100, 10), anyDec, m},
		{"wrong type/seq bool", pack(3, true, 100, 10), anyDec, m},
		{"wrong type/negative seq", pack(3, -1, 100, 10), anyDec, m},
		{"wrong type/negative time", pack(3, 1, -100, 10), anyDec, m},
		{"wrong type/ping float", pack(6, 1.5), anyDec, m},
		{"wrong type/ping negative", pack(6, -1), anyDec, m},
		{"wrong type/ping nil", pack(6, nil), anyDec, m},
		{"wrong type/hash negative", pack(8, 60, int64(math.MinInt64)), anyDec, m},
		{"wrong type/hash nil", pack(4, 60, []any{}, nil), anyDec, m},
		{"wrong type/hash string", pack(4, 60, []any{}, "0"), anyDec, m},
		{"wrong type/events map", pack(4, 5, map[string]any{}), anyDec, m},
		{"wrong type/events nil", pack(4, 5, nil), anyDec, m},
		{"wrong type/event not array", pack(4, 5, []any{1}), anyDec, m},
		{"wrong type/event value float", event(1, 1, 4, 1.0), anyDec, m},
		{"wrong type/event name bin", event(1, 0, 1, []byte("ada")), anyDec, m},
		{"wrong type/reject text int", pack(5, 1, 1, 1), anyDec, m},
		{"wrong type/ext", pack(6, raw{0xd4, 0x01, 0x00}), anyDec, m},
		{"range/tick rate 5", pack(2, 7, "m1", "duel", 5, 12, 200, 60, "tok", []byte{}), anyDec, m},
		{"range/tick rate 129", pack(2, 7, "m1", "duel", 129, 12, 200, 60, "tok", []byte{}), anyDec, m},
		{"range/welcome player 0", pack(2, 0, "m1", "duel", 60, 12, 200, 60, "tok", []byte{}), anyDec, m},
		{"range/hash every 0", pack(2, 7, "m1", "duel", 60, 12, 200, 0, "tok", []byte{}), anyDec, m},
		{"range/welcome tick 2^32", pack(2, 7, "m1", "duel", 60, uint64(1)<<32, 200, 60, "tok", []byte{}), anyDec, m},
		{"range/welcome match 33 bytes", pack(2, 7, strings.Repeat("m", 33), "duel", 60, 1, 1, 60, "", []byte{}), anyDec, m},
		{"range/welcome resume 65 bytes", pack(2, 7, "m1", "duel", 60, 1, 1, 60, strings.Repeat("r", 65), []byte{}), anyDec, m},
		{"range/version 2^32", pack(1, uint64(1)<<32, "ada", "", ""), anyDec, m},
		{"range/hello name 17 bytes", pack(1, 1, name17, "", ""), anyDec, m},
		{"range/hello match 33 bytes", pack(1, 1, "ada", strings.Repeat("m", 33), ""), anyDec, m},
		{"range/hello resume 65 bytes", pack(1, 1, "ada", "", strings.Repeat("r", 65)), anyDec, m},
		{"range/seq 2^32", pack(3, uint64(1)<<32, 100, 10), anyDec, m},
		{"range/seq uint64 max", pack(3, uint64(math.MaxUint64), 100, 10), anyDec, m},
		{"range/command action 0", cmd(0), anyDec, m},
		{"range/command action 11", cmd(11), anyDec, m},
		{"range/command action -1", cmd(-1), anyDec, m},
		{"range/event action 0", event(1, 1, 0), anyDec, m},
		{"range/event action 11", event(1, 1, 11), anyDec, m},
		{"range/event player 0", event(0, 1, 10), anyDec, m},
		{"range/event player 2^32", event(uint64(1)<<32, 1, 10), anyDec, m},
		{"range/join name 17 bytes", cmd(1, name17), anyDec, m},
		{"range/event join name 17 bytes", event(1, 0, 1, name17), anyDec, m},
		{"range/spawn x 500", cmd(3, 500, 2), anyDec, m},
		{"range/spawn x 128", cmd(3, 128, 2), anyDec, m},
		{"range/spawn y -1", cmd(3, 2, -1), anyDec, m},
		{"range/event spawn x 500", event(1, 1, 3, 500, 2), anyDec, m},
		{"range/value 2^31", cmd(4, int64(1)<<31), anyDec, m},
		{"range/value -2^31-1", cmd(4, -int64(1)<<31-1), anyDec, m},
		{"range/reject reason 0", pack(5, 1, 0, ""), anyDec, m},
		{"range/reject reason 256", pack(5, 1, 256, ""), anyDec, m},
		{"range/reject text 201 bytes", pack(5, 1, 1, strings.Repeat("t", MaxTextLen+1)), anyDec, m},
		{"range/notice code 0", pack(9, 0, ""), anyDec, m},
		{"range/notice code 5", pack(9, 5, ""), anyDec, m},
		{"range/pong server time 2^32", pack(7, 1, uint64(1)<<32), anyDec, m},
		{"range/events above MaxEvents", pack(4, 1, raw{0xdc, 0x10, 0x01}), anyDec, m},
		{"arity/join without name", cmd(1), anyDec, m},
		{"arity/join with two arguments", cmd(1, "ada", "bob"), anyDec, m},
		{"arity/move_start without value", cmd(4), anyDec, m},
		{"arity/spawn with one argument", cmd(3, 2), anyDec, m},
		{"arity/fire with an argument", cmd(10, 1), anyDec, m},
		{"arity/leave with an argument", cmd(2, 0), anyDec, m},
		{"arity/event join without name", event(1, 0, 1), anyDec, m},
		{"arity/event fire with argument", event(1, 0, 10, 0), anyDec, m},
		{"arity/event too short", pack(4, 1, []any{[]any{1, 2}}), anyDec, m},
		{"arity/event too long", pack(4, 1, []any{[]any{1, 2, 3, 4, 5, 6}}), anyDec, m},
		{"trailing/zero byte", cat(validHello, []byte{0}), anyDec, m},
		{"trailing/nil", cat(validFrame, []byte{0xc0}), frameDec, m},
		{"trailing/second message", cat(validHello, validHello), helloDec, m},
		{"truncated/array count", pack(6, 1, raw{}), pingDec, m},
		{"huge/bin 1 GiB welcome", welcome(gb), anyDec, m},
		{"huge/bin 1 GiB snapshot", pack(10, gb), snapDec, m},
		{"huge/bin 1 GiB snapshot with bytes", cat(pack(10, gb), make([]byte, 100)), anyDec, m},
		{"huge/str 1 GiB name", pack(1, 1, gbStr, "", ""), anyDec, m},
		{"huge/str 1 GiB text", pack(9, 1, gbStr), noticeDec, m},
		{"huge/array 2^30 events", pack(4, 1, gbArray), anyDec, m},
		{"huge/array 2^30 message", cat([]byte(gbArray), []byte{0x04, 0x01}), anyDec, m},
		{"huge/array 2^30 event fields", pack(4, 1, []any{gbArray}), anyDec, m},
		{"truncated/bin", cat(pack(10, raw{0xc4, 0x10}), []byte{1, 2, 3}), anyDec, m},
		{"truncated/str", pack(5, 1, 1, raw{0xa5, 'a'}), rejectDec, m},
		{"truncated/uint64", pack(8, 1, raw{0xcf, 0, 0, 0}), hashDec, m},
		{"truncated/array header", []byte{0xdc, 0x00}, anyDec, m},
		{"too large/decode", make([]byte, MaxMessageSize+1), anyDec, ErrTooLarge},
		{"too large/typed", make([]byte, MaxMessageSize+1), welcomeDec, ErrTooLarge},
		{"too large/valid prefix", cat(pack(10, raw{0xc6, 0x00, 0x01, 0x00, 0x00}), make([]byte, 1<<16)), snapDec, ErrTooLarge},
	}
}

func TestMalformed(t *testing.T) {
	t.Parallel()
	decoders := []decodeFunc{decodeAny, decodeAs[Hello](), decodeAs[Welcome](), decodeAs[Command](),
		decodeAs[Frame](), decodeAs[Reject](), decodeAs[Ping](), decodeAs[Pong](), decodeAs[HashReport](),
		decodeAs[Notice](), decodeAs[Snapshot]()}
	for _, tc := range malformedCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.dec(tc.in)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want one wrapping %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "protocol: ") {
				t.Errorf("error %q does not name the package", err)
			}
			// Whatever a decoder of another kind makes of it, it must not panic.
			_, _ = PeekKind(tc.in)
			for _, dec := range decoders {
				if err := dec(tc.in); err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLarge) {
					t.Errorf("error %v wraps neither ErrMalformed nor ErrTooLarge", err)
				}
			}
		})
	}
}

// TestHugeLengthDoesNotAllocate decodes headers claiming 1 GiB and checks
// that the decoders allocate only a little, whatever the header says. It is
// not parallel, so no other test allocates meanwhile.
func TestHugeLengthDoesNotAllocate(t *testing.T) {
	var huge [][]byte
	for _, tc := range malformedCases() {
		if strings.HasPrefix(tc.name, "huge/") {
			huge = append(huge, tc.in)
		}
	}
	const runs = 100
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		for _, b := range huge {
			if _, err := Decode(b); err == nil {
				t.Fatal("decoded a message claiming 1 GiB")
			}
		}
	}
	runtime.ReadMemStats(&after)
	perDecode := (after.TotalAlloc - before.TotalAlloc) / uint64(runs*len(huge))
	if perDecode > 4<<10 {
		t.Errorf("%d bytes allocated per decode of a 1 GiB header, want a few hundred", perDecode)
	}
}

func TestTruncated(t *testing.T) {
	t.Parallel()
	for _, tc := range sampleMessages() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := tc.msg.Append(nil)
			typed := newOfKind(tc.msg)
			// Every prefix of messages up to 4 KiB; for larger ones (whose
			// every prefix would take quadratic time) a spread of prefixes
			// and every one of the last 64 bytes.
			step := 1
			if len(b) > 4<<10 {
				step = 251
			}
			for n := 0; n < len(b); n++ {
				if n%step != 0 && n < len(b)-64 {
					continue
				}
				if _, err := Decode(b[:n]); !errors.Is(err, ErrMalformed) {
					t.Fatalf("Decode of the first %d of %d bytes: %v, want ErrMalformed", n, len(b), err)
				}
				if err := typed.Decode(b[:n]); !errors.Is(err, ErrMalformed) {
					t.Fatalf("%T.Decode of the first %d of %d bytes: %v, want ErrMalformed", typed, n, len(b), err)
				}
			}
		})
	}
}

// TestDecodeReusesFrame decodes frames of different shapes into one Frame,
// which must end up equal to each in turn with nothing left of the one before.
func TestDecodeReusesFrame(t *testing.T) {
	t.Parallel()
	frames := []*Frame{
		{Tick: 1, Events: manyEvents(30), HasHash: true, Hash: 5},
		{Tick: 2, Events: manyEvents(3)},
		{Tick: 3},
		{Tick: 4, HasHash: true, Hash: 7},
		{Tick: 5, Events: []Event{{Seq: 1, Input: sim.Input{Player: 1, Action: sim.Fire}}}},
	}
	var f Frame
	for _, want := range frames {
		if err := f.Decode(want.Append(nil)); err != nil {
			t.Fatal(err)
		}
		got := f
		if len(got.Events) == 0 {
			got.Events = nil
		}
		if !reflect.DeepEqual(&got, want) {
			t.Fatalf("got %+v, want %+v", got, *want)
		}
	}
}

// TestDecodedDoesNotAlias checks the aliasing rules of the package doc:
// strings and frames are copies, snapshots are slices of the input.
func TestDecodedDoesNotAlias(t *testing.T) {
	t.Parallel()
	hello := (&Hello{Version: 1, Name: "ada", Match: "m1", Resume: "tok"}).Append(nil)
	frame := (&Frame{Tick: 1, Events: everyEvents()}).Append(nil)
	snap := (&Snapshot{Snapshot: []byte{1, 2, 3}}).Append(nil)
	var h Hello
	var f Frame
	var s Snapshot
	if err := errors.Join(h.Decode(hello), f.Decode(frame), s.Decode(snap)); err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{hello, frame, snap} {
		clear(b)
	}
	if h.Name != "ada" || h.Match != "m1" || h.Resume != "tok" {
		t.Errorf("hello strings changed with the input: %+v", h)
	}
	if !reflect.DeepEqual(f.Events, everyEvents()) {
		t.Errorf("frame events changed with the input: %+v", f.Events)
	}
	if !bytes.Equal(s.Snapshot, []byte{0, 0, 0}) {
		t.Errorf("snapshot = %v, want a slice of the input", s.Snapshot)
	}
	if cap(s.Snapshot) != len(s.Snapshot) {
		t.Errorf("snapshot capacity %d beyond its length %d: appending to it would overwrite the input", cap(s.Snapshot), len(s.Snapshot))
	}
}

func everyEvents() []Event {
	var evs []Event
	for i, in := range everyAction(3) {
		evs = append(evs, Event{Seq: uint32(i), Input: in})
	}
	return evs
}

// TestAllocs checks the behavioural guarantees the server's tick loop relies
// on: encoding a frame into a reused buffer and decoding one (without joins)
// into a reused Frame allocate nothing, nor do the other hot paths.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items, so pooled encoders allocate")
	}
	busy := &Frame{Tick: 1 << 20, HasHash: true, Hash: math.MaxUint64}
	for _, ev := range manyEvents(400) {
		if ev.Input.Action != sim.Join {
			busy.Events = append(busy.Events, ev)
		}
	}
	busyBytes := busy.Append(nil)
	command := &Command{Seq: 9, Time: 3000, Input: sim.Input{Action: sim.MoveStart, Value: -100}}
	commandBytes := command.Append(nil)
	ping := (&Ping{ClientTime: 1 << 40}).Append(nil)
	report := (&HashReport{Tick: 60, Hash: 1 << 63}).Append(nil)

	buf := make([]byte, 0, 64<<10)
	var f Frame
	var c Command
	var p Ping
	var h HashReport
	tests := []struct {
		name string
		fn   func()
	}{
		{"Frame.Append", func() { buf = busy.Append(buf[:0]) }},
		{"Frame.Decode", func() { mustNot(t, f.Decode(busyBytes)) }},
		{"Command.Decode", func() { mustNot(t, c.Decode(commandBytes)) }},
		{"Ping.Decode", func() { mustNot(t, p.Decode(ping)) }},
		{"HashReport.Decode", func() { mustNot(t, h.Decode(report)) }},
		{"PeekKind", func() { _, err := PeekKind(busyBytes); mustNot(t, err) }},
	}
	for _, s := range sampleMessages() {
		tests = append(tests, struct {
			name string
			fn   func()
		}{s.name + ".Append", func() { buf = s.msg.Append(buf[:0]) }})
	}
	for _, tc := range tests {
		tc.fn() // warm up: grow f.Events and fill the pools
		if n := testing.AllocsPerRun(100, tc.fn); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tc.name, n)
		}
	}
}

func mustNot(t *testing.T, err error) {
	if err != nil {
		t.Fatal(err)
	}
}

func TestKindString(t *testing.T) {
	t.Parallel()
	want := []string{"kind(0)", "hello", "welcome", "command", "frame", "reject", "ping", "pong",
		"hash_report", "notice", "snapshot", "kind(11)"}
	for k, w := range want {
		if got := Kind(k).String(); got != w {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, w)
		}
	}
	if got := Kind(200).String(); got != "kind(200)" {
		t.Errorf("Kind(200).String() = %q", got)
	}
}

func TestReasonString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    Reason
		want string
	}{
		{Reason(sim.ReasonUnknownAction), "unknown action"},
		{Reason(sim.ReasonUnknownPlayer), "unknown player"},
		{Reason(sim.ReasonAlreadyJoined), "player already joined"},
		{Reason(sim.ReasonWorldFull), "world is full"},
		{Reason(sim.ReasonBadName), "bad name"},
		{Reason(sim.ReasonDead), "player is dead"},
		{Reason(sim.ReasonAlive), "player is alive"},
		{Reason(sim.ReasonRespawnDelay), "respawn delay not over"},
		{Reason(sim.ReasonNotSpawnPoint), "not a spawn point"},
		{Reason(sim.ReasonSpawnOccupied), "spawn point occupied"},
		{Reason(sim.ReasonSpeed), "speed out of range"},
		{Reason(sim.ReasonRate), "rate out of range"},
		{Reason(sim.ReasonCooldown), "weapon cooling down"},
		{Reason(sim.ReasonBadPlayerID), "bad player id"},
		{Reason(sim.ReasonProjectileLimit), "too many projectiles"},
		{ReasonRateLimited, "rate limited"},
		{ReasonTooOld, "timestamp too old"},
		{ReasonFromFuture, "timestamp in the future"},
		{ReasonNotAllowed, "action not allowed as a command"},
		{ReasonNotJoined, "not joined"},
		{0, "reason(0)"},
		{69, "reason(69)"},
		{255, "reason(255)"},
	}
	for _, tc := range tests {
		if got := tc.r.String(); got != tc.want {
			t.Errorf("Reason(%d).String() = %q, want %q", tc.r, got, tc.want)
		}
	}
	// Every sim reason's text is sim's own, without the package prefix.
	for r := Reason(1); r <= Reason(sim.ReasonProjectileLimit); r++ {
		if want := strings.TrimPrefix(sim.Reason(r).Error(), "sim: "); r.String() != want {
			t.Errorf("Reason(%d).String() = %q, sim says %q", r, r.String(), want)
		}
	}
	// Codes that neither sim nor the server defines still read as something.
	for r := Reason(sim.ReasonProjectileLimit) + 1; r < 64; r++ {
		if r.String() == "" {
			t.Errorf("Reason(%d).String() is empty", r)
		}
	}
}
