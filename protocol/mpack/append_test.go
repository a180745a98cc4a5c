package mpack_test

import (
	"bytes"
	"encoding/hex"
	"math"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/protocol/mpack"
)

// TestAppendShortest pins the bytes of every form on both sides of every
// width boundary: the protocol's and the replay's documents and golden files
// depend on them.
func TestAppendShortest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(a *mpack.Appender)
		want string // hex
	}{
		{"nil", func(a *mpack.Appender) { a.Nil() }, "c0"},
		{"false", func(a *mpack.Appender) { a.Bool(false) }, "c2"},
		{"true", func(a *mpack.Appender) { a.Bool(true) }, "c3"},
		{"uint 0", func(a *mpack.Appender) { a.Uint(0) }, "00"},
		{"uint 127", func(a *mpack.Appender) { a.Uint(127) }, "7f"},
		{"uint 128", func(a *mpack.Appender) { a.Uint(128) }, "cc80"},
		{"uint 255", func(a *mpack.Appender) { a.Uint(255) }, "ccff"},
		{"uint 256", func(a *mpack.Appender) { a.Uint(256) }, "cd0100"},
		{"uint 65535", func(a *mpack.Appender) { a.Uint(65535) }, "cdffff"},
		{"uint 65536", func(a *mpack.Appender) { a.Uint(65536) }, "ce00010000"},
		{"uint max32", func(a *mpack.Appender) { a.Uint(math.MaxUint32) }, "ceffffffff"},
		{"uint max32+1", func(a *mpack.Appender) { a.Uint(math.MaxUint32 + 1) }, "cf0000000100000000"},
		{"uint max64", func(a *mpack.Appender) { a.Uint(math.MaxUint64) }, "cfffffffffffffffff"},
		{"int 0", func(a *mpack.Appender) { a.Int(0) }, "00"},
		{"int 200", func(a *mpack.Appender) { a.Int(200) }, "ccc8"},
		{"int max64", func(a *mpack.Appender) { a.Int(math.MaxInt64) }, "cf7fffffffffffffff"},
		{"int -1", func(a *mpack.Appender) { a.Int(-1) }, "ff"},
		{"int -32", func(a *mpack.Appender) { a.Int(-32) }, "e0"},
		{"int -33", func(a *mpack.Appender) { a.Int(-33) }, "d0df"},
		{"int -128", func(a *mpack.Appender) { a.Int(-128) }, "d080"},
		{"int -129", func(a *mpack.Appender) { a.Int(-129) }, "d1ff7f"},
		{"int -32768", func(a *mpack.Appender) { a.Int(-32768) }, "d18000"},
		{"int -32769", func(a *mpack.Appender) { a.Int(-32769) }, "d2ffff7fff"},
		{"int min32", func(a *mpack.Appender) { a.Int(math.MinInt32) }, "d280000000"},
		{"int min32-1", func(a *mpack.Appender) { a.Int(math.MinInt32 - 1) }, "d3ffffffff7fffffff"},
		{"int min64", func(a *mpack.Appender) { a.Int(math.MinInt64) }, "d38000000000000000"},
		{"array 0", func(a *mpack.Appender) { a.ArrayLen(0) }, "90"},
		{"array 15", func(a *mpack.Appender) { a.ArrayLen(15) }, "9f"},
		{"array 16", func(a *mpack.Appender) { a.ArrayLen(16) }, "dc0010"},
		{"array 65535", func(a *mpack.Appender) { a.ArrayLen(65535) }, "dcffff"},
		{"array 65536", func(a *mpack.Appender) { a.ArrayLen(65536) }, "dd00010000"},
		{"str empty", func(a *mpack.Appender) { a.Str("") }, "a0"},
		{"str ada", func(a *mpack.Appender) { a.Str("ada") }, "a3616461"},
		{"str 31", func(a *mpack.Appender) { a.Str(strings.Repeat("x", 31)) }, "bf" + strings.Repeat("78", 31)},
		{"str 32", func(a *mpack.Appender) { a.Str(strings.Repeat("x", 32)) }, "d920" + strings.Repeat("78", 32)},
		{"str 256", func(a *mpack.Appender) { a.Str(strings.Repeat("x", 256)) }, "da0100" + strings.Repeat("78", 256)},
		{"bin nil", func(a *mpack.Appender) { a.Bin(nil) }, "c400"},
		{"bin empty", func(a *mpack.Appender) { a.Bin([]byte{}) }, "c400"},
		{"bin 2", func(a *mpack.Appender) { a.Bin([]byte{1, 2}) }, "c4020102"},
		{"bin 256", func(a *mpack.Appender) { a.Bin(make([]byte, 256)) }, "c50100" + strings.Repeat("00", 256)},
		{"bin 65536", func(a *mpack.Appender) { a.Bin(make([]byte, 65536)) }, "c600010000" + strings.Repeat("00", 65536)},
		{"raw", func(a *mpack.Appender) { a.Raw([]byte{0x92, 1, 2}) }, "920102"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			prefix := []byte{0xaa}
			got := mpack.Append(prefix, tc.fn)
			if want := "aa" + tc.want; hex.EncodeToString(got) != want {
				t.Errorf("got %x, want %s", got, want)
			}
			a := mpack.NewAppender()
			a.Reset(nil)
			tc.fn(a)
			if hex.EncodeToString(a.Bytes()) != tc.want {
				t.Errorf("own Appender: got %x, want %s", a.Bytes(), tc.want)
			}
		})
	}
}

// TestAppendStr32 checks the str 32 and bin 32 headers, whose values are
// too long for the table.
func TestAppendStr32(t *testing.T) {
	t.Parallel()
	s := strings.Repeat("x", 65536)
	got := mpack.Append(nil, func(a *mpack.Appender) { a.Str(s) })
	if !bytes.HasPrefix(got, []byte{0xdb, 0, 1, 0, 0}) || len(got) != 5+len(s) {
		t.Errorf("str of 65536 bytes starts % x, %d bytes long", got[:5], len(got))
	}
}

// TestAppendAllocs checks that appending into a buffer with room allocates
// nothing, through the pool and through an Appender of one's own.
func TestAppendAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	buf := make([]byte, 0, 1024)
	snap := make([]byte, 100)
	fn := func(a *mpack.Appender) {
		a.ArrayLen(7)
		a.Nil()
		a.Bool(true)
		a.Uint(1 << 40)
		a.Int(-1000)
		a.Str("a name")
		a.Bin(snap)
		a.Raw(snap[:3])
	}
	own := mpack.NewAppender()
	for name, run := range map[string]func(){
		"Append": func() { buf = mpack.Append(buf[:0], fn) },
		"own":    func() { own.Reset(buf[:0]); fn(own); buf = own.Bytes() },
	} {
		run()
		if n := testing.AllocsPerRun(100, run); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, n)
		}
	}
}
