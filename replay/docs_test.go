package replay

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/protocol/mpack"
	"github.com/skirmishgg/skirmish/sim"
)

const formatDoc = "../docs/REPLAY-FORMAT.md"

// docMap is the example's map.
const docMap = "##########\n#........#\n#.S....S.#\n#........#\n#........#\n#.S....S.#\n#........#\n##########\n"

// docReplay writes the example replay of docs/REPLAY-FORMAT.md.
func docReplay(t *testing.T) []byte {
	t.Helper()
	m, err := sim.ParseMap("tiny", []byte(docMap))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := sim.NewWorld(m, 10)
	f := &bufSyncer{}
	h := Header{MatchID: "doc", Map: "tiny", MapSource: []byte(docMap), TickRate: 10, Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	wr, err := NewWriter(f, h, w, Options{ChunkTicks: 2, KeyframeTicks: 4})
	if err != nil {
		t.Fatal(err)
	}
	script := map[uint32][]protocol.Event{
		1: {{Seq: 0, Input: sim.Input{Player: 1, Action: sim.Join, Name: "ann"}}},
		2: {{Seq: 1, Input: sim.Input{Player: 1, Action: sim.SpawnAt, X: 2, Y: 2}}},
		3: {{Seq: 2, Input: sim.Input{Player: 1, Action: sim.MoveStart, Value: 4096}}},
	}
	for tick := uint32(1); tick <= 5; tick++ {
		fr := protocol.Frame{Tick: tick, Events: script[tick]}
		var in []sim.Input
		for _, ev := range fr.Events {
			in = append(in, ev.Input)
		}
		sim.Step(w, in)
		if tick == 4 {
			fr.HasHash, fr.Hash = true, w.Hash()
		}
		if err := wr.Append(&fr, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	return f.Bytes()
}

type bufSyncer struct{ bytes.Buffer }

func (*bufSyncer) Sync() error { return nil }

// dumper writes an annotated hex dump and keeps the bytes it has shown, so
// that the test can check that the dump is the whole file.
type dumper struct {
	out   strings.Builder
	shown []byte
}

func (d *dumper) line(indent int, b []byte, format string, args ...any) {
	d.shown = append(d.shown, b...)
	const per = 16
	for i := 0; i < len(b) || i == 0; i += per {
		chunk := b[i:min(i+per, len(b))]
		hex := fmt.Sprintf("% x", chunk)
		comment := ""
		if i == 0 {
			comment = "# " + strings.Repeat("  ", indent) + fmt.Sprintf(format, args...)
		}
		fmt.Fprintln(&d.out, strings.TrimRight(fmt.Sprintf("%-48s %s", hex, comment), " "))
		if len(b) == 0 {
			break
		}
	}
}

func (d *dumper) note(format string, args ...any) {
	if format == "" {
		d.out.WriteString("\n")
		return
	}
	fmt.Fprintf(&d.out, "%-48s # %s\n", "", fmt.Sprintf(format, args...))
}

// payload dumps a decompressed payload (not part of the file's bytes).
func (d *dumper) payload(fn func(p *dumper)) {
	var p dumper
	fn(&p)
	for _, l := range strings.Split(strings.TrimRight(p.out.String(), "\n"), "\n") {
		d.out.WriteString(strings.TrimRight("    "+l, " ") + "\n")
	}
}

func u32(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }

// dumpFile annotates a replay, field by field.
func dumpFile(t *testing.T, file []byte) string {
	t.Helper()
	var d dumper
	d.note("header")
	d.line(1, file[0:8], "magic %q", file[0:8])
	d.line(1, file[8:10], "u16 format version %d", binary.LittleEndian.Uint16(file[8:10]))
	bodyLen := int(u32(file[10:14]))
	d.line(1, file[10:14], "u32 body length %d", bodyLen)
	d.line(1, file[14:18], "u32 CRC-32C 0x%08x", u32(file[14:18]))
	h, err := parseHeaderBody(file[:18], file[18:18+bodyLen])
	if err != nil {
		t.Fatal(err)
	}
	body := file[18 : 18+bodyLen]
	r := mpack.NewReader(body)
	field := func(what string, read func()) {
		start := r.Offset()
		read()
		d.line(2, body[start:r.Offset()], "%s", what)
	}
	field("array of 8", func() { r.ArrayLen("", 8, 8) })
	field(fmt.Sprintf("uint simulation version %d", h.SimVersion), func() { r.Int("", 0, 1<<31-1) })
	field(fmt.Sprintf("uint tick rate %d", h.TickRate), func() { r.Int("", 0, 1<<31-1) })
	field(fmt.Sprintf("uint start tick %d", h.StartTick), func() { r.Int("", 0, 1<<32-1) })
	field(fmt.Sprintf("str match id %q", h.MatchID), func() { r.Str("", 1<<20) })
	field(fmt.Sprintf("str map %q", h.Map), func() { r.Str("", 1<<20) })
	field(fmt.Sprintf("bin map source, %d bytes of text", len(h.MapSource)), func() { r.Bin("", 1<<20) })
	field(fmt.Sprintf("int start time %d ns (%s)", h.Start.UnixNano(), h.Start.Format(time.RFC3339)), func() { r.Int("", -1<<63, 1<<63-1) })
	if h.Origin != nil {
		t.Fatal("the example is not a fork")
	}
	field("nil: no origin (not a fork)", func() { r.Nil() })
	off := 18 + bodyLen
	for i := 0; ; i++ {
		typ := file[off]
		length := int(u32(file[off+1:]))
		rec := file[off : off+9+length]
		names := map[byte]string{typeFrames: "frames chunk", typeKeyframe: "keyframe chunk", typeFooter: "footer"}
		d.note("")
		if typ == typeFooter {
			d.note("footer at byte %d", off)
		} else {
			d.note("chunk %d at byte %d", i, off)
		}
		d.line(1, rec[0:1], "type %d: %s", typ, names[typ])
		d.line(1, rec[1:5], "u32 length %d", length)
		d.line(1, rec[5:9], "u32 CRC-32C 0x%08x", u32(rec[5:9]))
		ci := parseChunkInfo(rec[9:])
		d.line(1, rec[9:13], "u32 first tick %d", ci.first)
		d.line(1, rec[13:17], "u32 last tick %d", ci.last)
		d.line(1, rec[17:21], "u32 raw length %d", ci.rawLen)
		d.line(1, rec[21:], "zstd frame, %d bytes", len(rec)-21)
		raw, detail := decompress(rec[9:], ci, MaxFooterRawLen, nil)
		if detail != "" {
			t.Fatal(detail)
		}
		d.note("the zstd frame decompresses to:")
		if typ == typeFooter {
			d.payload(func(p *dumper) { dumpFooter(t, p, raw) })
			off += len(rec)
			break
		}
		c, detail := decodeChunkBody(typ, rec[9:], nil)
		if detail != "" {
			t.Fatal(detail)
		}
		d.payload(func(p *dumper) { dumpChunk(t, p, raw, c) })
		off += len(rec)
	}
	d.note("")
	d.note("trailer")
	d.line(1, file[off:off+8], "u64 footer offset %d", binary.LittleEndian.Uint64(file[off:]))
	d.line(1, file[off+8:off+16], "magic %q", file[off+8:off+16])
	if !bytes.Equal(d.shown, file) {
		t.Fatalf("the dump shows %d bytes that are not the file's %d", len(d.shown), len(file))
	}
	return d.out.String()
}

func dumpChunk(t *testing.T, p *dumper, raw []byte, c *ChunkContent) {
	r := mpack.NewReader(raw)
	take := func(indent int, what string, read func()) {
		start := r.Offset()
		read()
		p.line(indent, raw[start:r.Offset()], "%s", what)
	}
	take(0, "array of 5", func() { r.ArrayLen("", 5, 5) })
	if c.Keyframe() {
		take(1, fmt.Sprintf("bin snapshot, %d bytes: the world at tick %d (PROTOCOL.md §10)", len(c.Snapshot), c.First-1), func() { r.Bin("", 1<<20) })
		take(1, fmt.Sprintf("uint snapshot hash 0x%016x", c.SnapshotHash), func() { r.Uint64("") })
	} else {
		take(1, "nil: no snapshot", func() { r.Nil() })
		take(1, "nil: no snapshot hash", func() { r.Nil() })
	}
	take(1, fmt.Sprintf("uint end hash 0x%016x: the world at tick %d", c.EndHash, c.Last), func() { r.Uint64("") })
	var hashes []protocol.Frame
	for _, f := range c.Frames {
		if f.HasHash {
			hashes = append(hashes, f)
		}
	}
	take(1, fmt.Sprintf("array of %d: server hashes", 2*len(hashes)), func() { r.ArrayLen("", 0, 1<<20) })
	for _, f := range hashes {
		take(2, fmt.Sprintf("uint tick offset %d: tick %d", f.Tick-c.First, f.Tick), func() { r.Int("", 0, 1<<32) })
		take(2, fmt.Sprintf("uint hash 0x%016x", f.Hash), func() { r.Uint64("") })
	}
	n := 0
	for _, f := range c.Frames {
		for _, ev := range f.Events {
			n += 4 + len(protocol.ActionArgs(ev.Input.Action))
		}
	}
	take(1, fmt.Sprintf("array of %d values: the events", n), func() { r.ArrayLen("", 0, 1<<20) })
	last := c.First
	seqs := map[sim.PlayerID]uint32{}
	for _, f := range c.Frames {
		for _, ev := range f.Events {
			in := ev.Input
			args := ""
			switch in.Action {
			case sim.Join:
				args = fmt.Sprintf(" %q", in.Name)
			case sim.SpawnAt:
				args = fmt.Sprintf(" at (%d, %d)", in.X, in.Y)
			case sim.MoveStart, sim.StrafeStart, sim.RotateStart:
				args = fmt.Sprintf(" %d", in.Value)
			}
			take(2, fmt.Sprintf("tick +%d = %d, player %d, seq %+d = %d, %s%s", f.Tick-last, f.Tick, in.Player,
				int64(ev.Seq)-int64(seqs[in.Player]), ev.Seq, in.Action, args), func() {
				r.Int("", 0, 1<<32)
				r.Int("", 0, 1<<32)
				r.Int("", -1<<32, 1<<32)
				r.Int("", 0, 255)
				for _, g := range protocol.ActionArgs(in.Action) {
					if g == protocol.ArgName {
						r.Str("", 99)
					} else {
						r.Int("", -1<<32, 1<<32)
					}
				}
			})
			last, seqs[in.Player] = f.Tick, ev.Seq
		}
	}
	if !bytes.Equal(p.shown, raw) || r.Err() != nil {
		t.Fatalf("the payload dump does not show the payload: %v", r.Err())
	}
}

func dumpFooter(t *testing.T, p *dumper, raw []byte) {
	r := mpack.NewReader(raw)
	take := func(indent int, what string, read func()) {
		start := r.Offset()
		read()
		p.line(indent, raw[start:r.Offset()], "%s", what)
	}
	take(0, "array of 2", func() { r.ArrayLen("", 2, 2) })
	var n int
	take(1, "array: the index, three values per chunk", func() { n = r.ArrayLen("", 0, 1<<20) })
	for i := range n / 3 {
		var length int64
		var ticks int64
		var key bool
		start := r.Offset()
		length, ticks, key = r.Int("", 0, 1<<40), r.Int("", 0, 1<<40), r.Bool("")
		p.line(2, raw[start:r.Offset()], "chunk %d: %d bytes, %d ticks, keyframe %v", i, length, ticks, key)
	}
	take(1, "array: the players", func() { n = r.ArrayLen("", 0, 1<<20) })
	for range n {
		var id int64
		var name string
		start := r.Offset()
		r.ArrayLen("", 2, 2)
		id, name = r.Int("", 0, 1<<40), r.Str("", 99)
		p.line(2, raw[start:r.Offset()], "[id %d, name %q]", id, name)
	}
	if !bytes.Equal(p.shown, raw) || r.Err() != nil {
		t.Fatalf("the footer dump does not show the footer: %v", r.Err())
	}
}

// docOrigin is the origin of the example in §3.
var docOrigin = Origin{Replay: "duel-20250101-120000-ab12", Tick: 6000, Hash: 0x3a1f00c29b44e107}

// dumpOrigin annotates the header's element 7 for o, as the writer
// encodes it, and checks that the header's reader reads it back.
func dumpOrigin(t *testing.T, o Origin) string {
	t.Helper()
	h := Header{MatchID: "x", Map: "tiny", MapSource: []byte(docMap), TickRate: 10, Origin: &o}
	file := appendHeader(nil, &h)
	back, err := parseHeaderBody(file[:18], file[18:])
	if err != nil || back.Origin == nil || *back.Origin != o {
		t.Fatalf("the origin reads back as %+v (%v)", back.Origin, err)
	}
	raw := mpack.Append(nil, func(a *mpack.Appender) {
		a.ArrayLen(3)
		a.Str(o.Replay)
		a.Uint(uint64(o.Tick))
		a.Uint(o.Hash)
	})
	if !bytes.HasSuffix(file, raw) {
		t.Fatal("the header does not end with the origin as dumped")
	}
	var d dumper
	r := mpack.NewReader(raw)
	take := func(indent int, what string, read func()) {
		start := r.Offset()
		read()
		d.line(indent, raw[start:r.Offset()], "%s", what)
	}
	take(0, "array of 3", func() { r.ArrayLen("", 3, 3) })
	take(1, fmt.Sprintf("str %q", o.Replay), func() { r.Str("", 255) })
	take(1, fmt.Sprintf("uint tick %d", o.Tick), func() { r.Uint32("") })
	take(1, fmt.Sprintf("uint hash 0x%016x", o.Hash), func() { r.Uint64("") })
	if !bytes.Equal(d.shown, raw) {
		t.Fatal("the origin's dump does not show the origin")
	}
	return d.out.String()
}

// TestFormatDoc checks the examples in docs/REPLAY-FORMAT.md against the
// code; -update rewrites them.
func TestFormatDoc(t *testing.T) {
	file := docReplay(t)
	rd, err := NewReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.Verify(nil); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(formatDoc)
	if err != nil {
		t.Fatal(err)
	}
	out, changed := doc, false
	for _, ex := range []struct{ name, dump string }{{"file", dumpFile(t, file)}, {"origin", dumpOrigin(t, docOrigin)}} {
		re := regexp.MustCompile("(?s)(<!-- example: " + ex.name + " -->\\n```\\n)(.*?)(```)")
		m := re.FindSubmatchIndex(out)
		if m == nil {
			t.Fatalf("%s has no <!-- example: %s --> block", formatDoc, ex.name)
		}
		if string(out[m[4]:m[5]]) != ex.dump {
			out = append(append(append([]byte(nil), out[:m[4]]...), ex.dump...), out[m[5]:]...)
			changed = true
		}
	}
	if !changed {
		return
	}
	// The -update flag is defined by the golden test of package replay_test,
	// which shares this test binary.
	if f := flag.Lookup("update"); f == nil || f.Value.String() != "true" {
		t.Fatalf("the examples in %s are not what the code writes; run go test ./replay -run TestFormatDoc -update "+
			"(a new version of github.com/klauspost/compress may compress differently: then that is all there is to do)", formatDoc)
	}
	if err := os.WriteFile(formatDoc, out, 0o644); err != nil {
		t.Fatal(err)
	}
}
