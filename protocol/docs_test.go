package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/sim"
)

var update = flag.Bool("update", false, "rewrite the examples in docs/PROTOCOL.md from the code")

const protocolDoc = "../docs/PROTOCOL.md"

// duelGrid is the grid of assets/maps/duel.txt, copied so that the examples
// do not change when the map does.
const duelGrid = `################
#..............#
#.S..........S.#
#...##....##...#
#...#......#...#
#......##......#
#......##......#
#...#......#...#
#...##....##...#
#.S..........S.#
#..............#
################
`

// exampleMatch is the match that the examples in docs/PROTOCOL.md come from:
// ada (3) and bob (7) play on duel at 60 Hz; cy (9) joins after tick 12.
type exampleMatch struct {
	at12, at60 *sim.World
	frames     map[uint32]*Frame // the frames with events, and tick 60's
}

func newExampleMatch(t testing.TB) *exampleMatch {
	m, err := sim.ParseMap("duel", []byte(duelGrid))
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(m, 60)
	if err != nil {
		t.Fatal(err)
	}
	in := func(p sim.PlayerID, a sim.Action, args ...int32) sim.Input {
		i := sim.Input{Player: p, Action: a}
		switch a {
		case sim.SpawnAt:
			i.X, i.Y = args[0], args[1]
		case sim.MoveStart, sim.StrafeStart, sim.RotateStart:
			i.Value = args[0]
		}
		return i
	}
	// Before the welcome: not shown in the document.
	history := map[uint32][]sim.Input{
		1:  {{Player: 3, Action: sim.Join, Name: "ada"}, {Player: 7, Action: sim.Join, Name: "bob"}},
		2:  {in(3, sim.SpawnAt, 2, 2), in(7, sim.SpawnAt, 13, 9)},
		3:  {in(3, sim.MoveStart, sim.MaxMoveSpeed), in(7, sim.StrafeStart, -sim.MaxStrafeSpeed)},
		5:  {in(3, sim.RotateStart, sim.FullTurn/4)},
		9:  {in(3, sim.Fire), in(7, sim.RotateStart, -sim.FullTurn/2)},
		11: {in(7, sim.Fire)},
	}
	em := &exampleMatch{frames: map[uint32]*Frame{
		13: {Tick: 13, Events: []Event{
			{Seq: 0, Input: sim.Input{Player: 9, Action: sim.Join, Name: "cy"}},
			{Seq: 17, Input: in(3, sim.RotateStop)},
		}},
		15: {Tick: 15, Events: []Event{
			{Seq: 1, Input: in(9, sim.SpawnAt, 2, 9)},
		}},
		27: {Tick: 27, Events: []Event{
			{Seq: 2, Input: in(9, sim.MoveStart, sim.MaxMoveSpeed)},
			{Seq: 18, Input: in(3, sim.MoveStart, -sim.MaxMoveSpeed/2)},
			{Seq: 23, Input: in(7, sim.Fire)},
		}},
	}}
	for tick := uint32(1); tick <= 60; tick++ {
		inputs := history[tick]
		if f := em.frames[tick]; f != nil {
			for _, ev := range f.Events {
				inputs = append(inputs, ev.Input)
			}
		}
		for _, i := range inputs {
			if err := sim.Apply(w, i); err != nil {
				t.Fatalf("tick %d: %+v: %v", tick, i, err)
			}
		}
		sim.Advance(w)
		if tick == 12 {
			em.at12 = w.Clone()
		}
	}
	em.at60 = w
	em.frames[60] = &Frame{Tick: 60, HasHash: true, Hash: w.Hash()}
	return em
}

// docExample is a message shown in docs/PROTOCOL.md, with a comment for each
// msgpack value of its encoding; {} in a comment stands for the value.
type docExample struct {
	name     string
	msg      Message
	comments []string
}

func docExamples(em *exampleMatch) []docExample {
	cmd := func(seq, time uint32, in sim.Input) *Command { return &Command{Seq: seq, Time: time, Input: in} }
	cmdComments := func(action string, args ...string) []string {
		return append([]string{"array of {}: kind, seq, time, action" + strings.Repeat(", arg", len(args)),
			"kind {}: command", "seq {}", "time {} ms", "action {}: " + action}, args...)
	}
	return []docExample{
		{"hello", &Hello{Version: Version, Name: "cy"},
			[]string{"array of {}", "kind {}: hello", "version {}", "name {}", "match {}: any", "resume {}: none"}},
		{"hello-resume", &Hello{Version: Version, Name: "cy", Match: "m-7f3a", Resume: "8f14e45fceea167a5a36dedd4bea2543"},
			[]string{"array of {}", "kind {}: hello", "version {}", "name {}", "match {}", "resume {}"}},
		{"welcome", &Welcome{Player: 9, Match: "m-7f3a", Map: "duel", TickRate: 60, Tick: 12, Time: 205,
			HashEvery: 60, Resume: "8f14e45fceea167a5a36dedd4bea2543", Snapshot: em.at12.AppendSnapshot(nil)},
			[]string{"array of {}", "kind {}: welcome", "player {}", "match {}", "map {}", "tick rate {} Hz",
				"tick {}", "time {} ms", "hash every {} ticks", "resume {}", "snapshot: bin, {} (the world at tick 12)"}},
		{"command-spawn", cmd(1, 231, sim.Input{Action: sim.SpawnAt, X: 2, Y: 9}),
			cmdComments("spawn", "x {} (tile)", "y {} (tile)")},
		{"command-move", cmd(2, 440, sim.Input{Action: sim.MoveStart, Value: sim.MaxMoveSpeed}),
			cmdComments("move_start", "speed {} units/s")},
		{"command-rotate", cmd(3, 1499, sim.Input{Action: sim.RotateStart, Value: -sim.FullTurn / 4}),
			cmdComments("rotate_start", "rate {} angle units/s")},
		{"command-fire", cmd(4, 1510, sim.Input{Action: sim.Fire}), cmdComments("fire")},
		{"frame-13", em.frames[13], []string{"array of {}: kind, tick, events", "kind {}: frame", "tick {}", "events: array of {}",
			"event: array of {}", "player {}", "seq {}: made by the server", "action {}: join", "name {}",
			"event: array of {}", "player {}", "seq {}", "action {}: rotate_stop"}},
		{"frame-15", em.frames[15], []string{"array of {}: kind, tick, events", "kind {}: frame", "tick {}", "events: array of {}",
			"event: array of {}", "player {}", "seq {}", "action {}: spawn", "x {}", "y {}"}},
		{"frame-empty", &Frame{Tick: 16}, []string{"array of {}: kind, tick, events", "kind {}: frame", "tick {}", "events: array of {}"}},
		{"frame-27", em.frames[27], []string{"array of {}: kind, tick, events", "kind {}: frame", "tick {}", "events: array of {}",
			"event: array of {}", "player {}", "seq {}", "action {}: move_start", "speed {} units/s",
			"event: array of {}", "player {}", "seq {}", "action {}: move_start", "speed {} units/s",
			"event: array of {}", "player {}", "seq {}", "action {}: fire"}},
		{"frame-60", em.frames[60], []string{"array of {}: kind, tick, events, hash", "kind {}: frame", "tick {}",
			"events: array of {}", "hash {}"}},
		{"reject", &Reject{Seq: 4, Reason: Reason(sim.ReasonCooldown), Text: "weapon cooling down"},
			[]string{"array of {}", "kind {}: reject", "seq {}", "reason {}: weapon cooling down", "text {}"}},
		{"reject-server", &Reject{Seq: 5, Reason: ReasonTooOld, Text: "timestamp 310 ms old, limit 1000 ms"},
			[]string{"array of {}", "kind {}: reject", "seq {}", "reason {}: timestamp too old", "text {}"}},
		{"ping", &Ping{ClientTime: 5_000_123}, []string{"array of {}", "kind {}: ping", "client time {}"}},
		{"pong", &Pong{ClientTime: 5_000_123, ServerTime: 1017}, []string{"array of {}", "kind {}: pong", "client time {}", "server time {} ms"}},
		{"hash-report", &HashReport{Tick: 60, Hash: em.frames[60].Hash}, []string{"array of {}", "kind {}: hash_report", "tick {}", "hash {}"}},
		{"notice", &Notice{Code: NoticeDesync, Text: "world hash differs at tick 60"},
			[]string{"array of {}", "kind {}: notice", "code {}: desync", "text {}"}},
		{"snapshot", &Snapshot{Snapshot: em.at60.AppendSnapshot(nil)},
			[]string{"array of {}", "kind {}: snapshot", "snapshot: bin, {} (the world at tick 60)"}},
	}
}

// msgpackToken returns the length of the msgpack value header at b[0], the
// length of its payload (str and bin bytes), and its value as text.
func msgpackToken(b []byte) (head, payload int, value string) {
	c := b[0]
	be := func(n int) uint64 {
		var v uint64
		for _, x := range b[1 : 1+n] {
			v = v<<8 | uint64(x)
		}
		return v
	}
	num := func(v uint64) string {
		if v > 1<<32 {
			return fmt.Sprintf("0x%016x", v)
		}
		return fmt.Sprint(v)
	}
	switch {
	case c <= 0x7f:
		return 1, 0, fmt.Sprint(c)
	case c >= 0xe0:
		return 1, 0, fmt.Sprint(int8(c))
	case c&0xf0 == 0x90:
		return 1, 0, fmt.Sprint(c & 0x0f)
	case c&0xe0 == 0xa0:
		n := int(c & 0x1f)
		return 1, n, fmt.Sprintf("%q", b[1:1+n])
	}
	switch c {
	case 0xcc, 0xcd, 0xce, 0xcf:
		n := 1 << (c - 0xcc)
		return 1 + n, 0, num(be(n))
	case 0xd0, 0xd1, 0xd2, 0xd3:
		n := 1 << (c - 0xd0)
		v := int64(be(n)<<(64-8*n)) >> (64 - 8*n)
		return 1 + n, 0, fmt.Sprint(v)
	case 0xc4, 0xc5, 0xc6:
		n := 1 << (c - 0xc4)
		return 1 + n, int(be(n)), fmt.Sprintf("%d bytes", be(n))
	case 0xd9, 0xda, 0xdb:
		n := 1 << (c - 0xd9)
		return 1 + n, int(be(n)), fmt.Sprintf("%q", b[1+n:1+n+int(be(n))])
	case 0xdc, 0xdd:
		n := 2 << (c - 0xdc)
		return 1 + n, 0, fmt.Sprint(be(n))
	}
	panic(fmt.Sprintf("msgpack code 0x%02x not used by the protocol", c))
}

// annotated is a hex dump, one line per value, with a comment each.
type annotated struct{ lines [][2]string }

func (a *annotated) add(b []byte, comment string) {
	a.lines = append(a.lines, [2]string{hexBytes(b), comment})
}

// addLong adds a header and a payload that may need several lines.
func (a *annotated) addLong(head, payload []byte, comment string) {
	if len(head)+len(payload) <= 16 {
		a.add(append(head[:len(head):len(head)], payload...), comment)
		return
	}
	a.add(head, comment)
	for len(payload) > 0 {
		n := min(16, len(payload))
		a.add(payload[:n], "")
		payload = payload[n:]
	}
}

func (a *annotated) String() string {
	width := 0
	for _, l := range a.lines {
		width = max(width, len(l[0]))
	}
	var sb strings.Builder
	for _, l := range a.lines {
		if l[1] == "" {
			sb.WriteString(l[0] + "\n")
		} else {
			fmt.Fprintf(&sb, "%-*s  # %s\n", width, l[0], l[1])
		}
	}
	return sb.String()
}

func hexBytes(b []byte) string {
	s := make([]string, len(b))
	for i, c := range b {
		s[i] = fmt.Sprintf("%02x", c)
	}
	return strings.Join(s, " ")
}

func annotateMessage(t testing.TB, ex docExample) string {
	b := ex.msg.Append(nil)
	var a annotated
	for i := 0; len(b) > 0; i++ {
		if i >= len(ex.comments) {
			t.Fatalf("%s: more values than comments, at % x", ex.name, b)
		}
		head, payload, value := msgpackToken(b)
		a.addLong(b[:head], b[head:head+payload], strings.ReplaceAll(ex.comments[i], "{}", value))
		b = b[head+payload:]
		if i == len(ex.comments)-1 && len(b) > 0 {
			t.Fatalf("%s: %d comments for more values", ex.name, len(ex.comments))
		}
	}
	return a.String()
}

// annotateSnapshot dumps a sim snapshot field by field, reading it as
// docs/PROTOCOL.md describes the layout, and returns the world it read
// (without its map) so that the caller can check the description.
func annotateSnapshot(t testing.TB, b []byte) (string, *sim.World) {
	var a annotated
	w := &sim.World{}
	take := func(n int, comment string) []byte {
		if len(b) < n {
			t.Fatalf("snapshot truncated at %q", comment)
		}
		a.add(b[:n], comment)
		s := b[:n]
		b = b[n:]
		return s
	}
	uv := func(comment string) uint64 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			t.Fatalf("bad varint at %q", comment)
		}
		take(n, strings.ReplaceAll(comment, "{}", fmt.Sprint(v)))
		return v
	}
	sv := func(comment string) int64 {
		v, n := binary.Varint(b)
		if n <= 0 {
			t.Fatalf("bad varint at %q", comment)
		}
		take(n, strings.ReplaceAll(comment, "{}", fmt.Sprint(v)))
		return v
	}
	u16 := func(comment string) uint16 {
		v := binary.LittleEndian.Uint16(b)
		take(2, strings.ReplaceAll(comment, "{}", fmt.Sprint(v)))
		return v
	}
	tiles := func(v uint64) string { return fmt.Sprintf("%d (%.3f tiles)", v, float64(v)/sim.Unit) }
	turns := func(v uint16) string { return fmt.Sprintf("%d (%.1f°)", v, float64(v)*360/sim.FullTurn) }

	if v := take(1, "u8 simulation version")[0]; v != sim.Version {
		t.Fatalf("version %d", v)
	}
	take(4, fmt.Sprintf("u32 map checksum 0x%08x, little-endian", binary.LittleEndian.Uint32(b)))
	w.TickRate = int32(uv("uv tick rate {} Hz"))
	w.Tick = uint32(uv("uv tick {}"))
	n := uv("uv player count {}")
	for range n {
		var p sim.Player
		p.ID = sim.PlayerID(uv("  uv id {}"))
		nl := int(uv("  uv name length {}"))
		p.Name = string(take(nl, fmt.Sprintf("  name %q", b[:nl])))
		flags := b[0]
		p.Alive = flags&1 != 0
		take(1, fmt.Sprintf("  u8 flags %d: alive = %v", flags, p.Alive))
		x, _ := binary.Uvarint(b)
		p.X = int32(uv("  uv x " + tiles(x)))
		y, _ := binary.Uvarint(b)
		p.Y = int32(uv("  uv y " + tiles(y)))
		p.Heading = u16("  u16 heading " + turns(binary.LittleEndian.Uint16(b)))
		p.Move = int32(sv("  sv move {} units/s"))
		p.Strafe = int32(sv("  sv strafe {} units/s"))
		p.Rotate = int32(sv("  sv rotate {} angle units/s"))
		p.Health = int32(uv("  uv health {}"))
		p.Cooldown = int32(uv("  uv cooldown {} ticks"))
		p.Respawn = int32(uv("  uv respawn {} ticks"))
		p.Kills = int32(uv("  uv kills {}"))
		p.Deaths = int32(uv("  uv deaths {}"))
		w.Players = append(w.Players, p)
	}
	np := uv("uv projectile count {}")
	for range np {
		var pr sim.Projectile
		pr.Owner = sim.PlayerID(uv("  uv owner {}"))
		x, _ := binary.Uvarint(b)
		pr.X = int32(uv("  uv x " + tiles(x)))
		y, _ := binary.Uvarint(b)
		pr.Y = int32(uv("  uv y " + tiles(y)))
		pr.Heading = u16("  u16 heading " + turns(binary.LittleEndian.Uint16(b)))
		pr.Life = int32(uv("  uv life {} ticks"))
		w.Projectiles = append(w.Projectiles, pr)
	}
	if len(b) > 0 {
		t.Fatalf("%d bytes after the snapshot", len(b))
	}
	return a.String(), w
}

var exampleRE = regexp.MustCompile("(?s)<!-- example: ([a-z0-9-]+) -->\n```\n(.*?)```\n")

// TestDocExamples keeps the hex dumps in docs/PROTOCOL.md honest: each must
// be exactly what the code encodes, and decode to the message it shows.
// Run with -update to rewrite them from the code.
func TestDocExamples(t *testing.T) {
	doc, err := os.ReadFile(protocolDoc)
	if err != nil {
		t.Fatal(err)
	}
	em := newExampleMatch(t)
	want := map[string]string{}      // example name -> annotated dump
	wantBytes := map[string][]byte{} // example name -> bytes
	msgs := map[string]Message{}
	for _, ex := range docExamples(em) {
		want[ex.name] = annotateMessage(t, ex)
		wantBytes[ex.name] = ex.msg.Append(nil)
		msgs[ex.name] = ex.msg
	}
	snapDump, snapWorld := annotateSnapshot(t, em.at12.AppendSnapshot(nil))
	want["world-snapshot"] = snapDump
	wantBytes["world-snapshot"] = em.at12.AppendSnapshot(nil)
	got := em.at12.Clone()
	got.Map = nil
	if !reflect.DeepEqual(snapWorld, got) {
		t.Errorf("the snapshot layout as documented reads\n%+v\nthe world is\n%+v", snapWorld, got)
	}

	seen := map[string]bool{}
	var missing []string
	out := exampleRE.ReplaceAllFunc(doc, func(block []byte) []byte {
		m := exampleRE.FindSubmatch(block)
		name, body := string(m[1]), string(m[2])
		seen[name] = true
		dump, ok := want[name]
		if !ok {
			t.Errorf("docs: unknown example %q", name)
			return block
		}
		if *update {
			return []byte("<!-- example: " + name + " -->\n```\n" + dump + "```\n")
		}
		b, err := parseHexDump(body)
		if err != nil {
			t.Errorf("docs: example %s: %v", name, err)
			return block
		}
		if !bytes.Equal(b, wantBytes[name]) {
			t.Errorf("docs: example %s is not what the code encodes; run go test ./protocol -run TestDocExamples -update\ngot  % x\nwant % x", name, b, wantBytes[name])
		}
		if msg := msgs[name]; msg != nil {
			dec, err := Decode(b)
			if err != nil {
				t.Errorf("docs: example %s: %v", name, err)
			} else if !reflect.DeepEqual(dec, msg) {
				t.Errorf("docs: example %s decodes to %+v, want %+v", name, dec, msg)
			}
		}
		return block
	})
	for name := range want {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		t.Errorf("docs: examples missing from %s: %v (add a marker <!-- example: NAME --> followed by an empty ``` block, then run -update)", protocolDoc, missing)
	}
	if *update && !bytes.Equal(out, doc) {
		if err := os.WriteFile(protocolDoc, out, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote the examples in %s", protocolDoc)
	}
}

// parseHexDump reads hex bytes separated by spaces, ignoring # comments.
func parseHexDump(s string) ([]byte, error) {
	var out []byte
	for i, line := range strings.Split(s, "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, f := range strings.Fields(line) {
			b, err := hex.DecodeString(f)
			if err != nil || len(b) != 1 {
				return nil, fmt.Errorf("line %d: %q is not a hex byte", i+1, f)
			}
			out = append(out, b[0])
		}
	}
	return out, nil
}
