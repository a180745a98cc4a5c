package mpack_test

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/protocol/mpack"
)

// TestReaderWidths reads integers and lengths written in every width the
// spec allows, not only the shortest.
func TestReaderWidths(t *testing.T) {
	t.Parallel()
	five := [][]byte{
		{0x05}, {0xcc, 5}, {0xcd, 0, 5}, {0xce, 0, 0, 0, 5}, {0xcf, 0, 0, 0, 0, 0, 0, 0, 5},
		{0xd0, 5}, {0xd1, 0, 5}, {0xd2, 0, 0, 0, 5}, {0xd3, 0, 0, 0, 0, 0, 0, 0, 5},
	}
	for _, b := range five {
		r := mpack.NewReader(b)
		if v := r.Int("v", 5, 5); v != 5 || r.End("input") != nil {
			t.Errorf("Int of % x = %d, %v", b, v, r.Err())
		}
		r.Reset(b)
		if v := r.Uint64("v"); v != 5 || r.End("input") != nil {
			t.Errorf("Uint64 of % x = %d, %v", b, v, r.Err())
		}
		r.Reset(b)
		if v := r.Uint32("v"); v != 5 || r.End("input") != nil {
			t.Errorf("Uint32 of % x = %d, %v", b, v, r.Err())
		}
	}
	minusTwo := [][]byte{{0xfe}, {0xd0, 0xfe}, {0xd1, 0xff, 0xfe}, {0xd2, 0xff, 0xff, 0xff, 0xfe}, {0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}}
	for _, b := range minusTwo {
		r := mpack.NewReader(b)
		if v := r.Int("v", -2, -2); v != -2 || r.End("input") != nil {
			t.Errorf("Int of % x = %d, %v", b, v, r.Err())
		}
	}
	r := mpack.NewReader([]byte{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	if v := r.Uint64("hash"); v != math.MaxUint64 || r.End("input") != nil {
		t.Errorf("Uint64 of max = %d, %v", v, r.Err())
	}
	r.Reset([]byte{0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0})
	if v := r.Int("v", math.MinInt64, 0); v != math.MinInt64 || r.End("input") != nil {
		t.Errorf("Int of min64 = %d, %v", v, r.Err())
	}
	arrays := [][]byte{{0x92, 1, 2}, {0xdc, 0, 2, 1, 2}, {0xdd, 0, 0, 0, 2, 1, 2}}
	for _, b := range arrays {
		r := mpack.NewReader(b)
		if n := r.ArrayLen("a", 2, 2); n != 2 || r.Int("x", 1, 1) != 1 || r.Int("y", 2, 2) != 2 || r.End("input") != nil {
			t.Errorf("array % x: %d, %v", b, n, r.Err())
		}
	}
	strs := [][]byte{{0xa2, 'h', 'i'}, {0xd9, 2, 'h', 'i'}, {0xda, 0, 2, 'h', 'i'}, {0xdb, 0, 0, 0, 2, 'h', 'i'}}
	for _, b := range strs {
		r := mpack.NewReader(b)
		if s := r.Str("s", 2); s != "hi" || r.End("input") != nil {
			t.Errorf("str % x: %q, %v", b, s, r.Err())
		}
	}
	bins := [][]byte{{0xc4, 2, 7, 8}, {0xc5, 0, 2, 7, 8}, {0xc6, 0, 0, 0, 2, 7, 8}}
	for _, b := range bins {
		r := mpack.NewReader(b)
		if p := r.Bin("b", 2); !bytes.Equal(p, []byte{7, 8}) || r.End("input") != nil {
			t.Errorf("bin % x: % x, %v", b, p, r.Err())
		}
	}
}

// TestReaderRefuses reads one value from each input and checks the failure
// and its offset. Every read is of the value at byte 1, after a fixint.
func TestReaderRefuses(t *testing.T) {
	t.Parallel()
	intV := func(r *mpack.Reader) { r.Int("v", -10, 10) }
	u64 := func(r *mpack.Reader) { r.Uint64("v") }
	u32 := func(r *mpack.Reader) { r.Uint32("v") }
	boolV := func(r *mpack.Reader) { r.Bool("v") }
	array := func(r *mpack.Reader) { r.ArrayLen("v", 1, 3) }
	str := func(r *mpack.Reader) { r.Str("v", 4) }
	bin := func(r *mpack.Reader) { r.Bin("v", 4) }
	tests := []struct {
		name   string
		in     []byte
		read   func(r *mpack.Reader)
		detail string
	}{
		{"int/empty", nil, intV, "truncated before v"},
		{"int/nil", []byte{0xc0}, intV, "v: msgpack type 0xc0, want an integer"},
		{"int/float", []byte{0xca, 0, 0, 0, 0}, intV, "want an integer"},
		{"int/str", []byte{0xa1, '1'}, intV, "want an integer"},
		{"int/bool", []byte{0xc3}, intV, "want an integer"},
		{"int/above", []byte{11}, intV, "v 11 outside -10..10"},
		{"int/below", []byte{0xd0, 0xf5}, intV, "v -11 outside -10..10"},
		{"int/uint64 above MaxInt64", []byte{0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0}, intV, "v 9223372036854775808 outside"},
		{"int/truncated", []byte{0xcd, 0}, intV, "v: truncated"},
		{"int/truncated uint64", []byte{0xcf, 0, 0, 0}, intV, "v: truncated"},
		{"uint64/negative", []byte{0xff}, u64, "v -1 is negative"},
		{"uint64/negative int64", []byte{0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}, u64, "is negative"},
		{"uint64/nil", []byte{0xc0}, u64, "want an integer"},
		{"uint32/2^32", []byte{0xcf, 0, 0, 0, 1, 0, 0, 0, 0}, u32, "v 4294967296 outside 0..4294967295"},
		{"uint32/negative", []byte{0xff}, u32, "v -1 outside"},
		{"bool/nil", []byte{0xc0}, boolV, "want a boolean"},
		{"bool/int", []byte{0x01}, boolV, "want a boolean"},
		{"bool/empty", nil, boolV, "truncated before v"},
		{"array/map", []byte{0x81, 1, 1}, array, "want an array"},
		{"array/nil", []byte{0xc0}, array, "want an array"},
		{"array/short", []byte{0x90}, array, "v: array of 0, want 1 to 3"},
		{"array/long", []byte{0x94, 1, 2, 3, 4}, array, "v: array of 4, want 1 to 3"},
		{"array/more than the bytes left", []byte{0x93, 1, 2}, array, "v: array of 3 in 2 bytes"},
		{"array/truncated header", []byte{0xdc, 0}, array, "v: truncated"},
		{"array/huge", []byte{0xdd, 0x40, 0, 0, 0}, array, "array of 1073741824"},
		{"str/bin", []byte{0xc4, 1, 'a'}, str, "want a str"},
		{"str/nil", []byte{0xc0}, str, "want a str"},
		{"str/too long", []byte{0xa5, 'a', 'b', 'c', 'd', 'e'}, str, "v: 5 bytes, limit 4"},
		{"str/truncated", []byte{0xa3, 'a'}, str, "v: truncated"},
		{"str/huge", []byte{0xdb, 0x40, 0, 0, 0}, str, "v: 1073741824 bytes, limit 4"},
		{"str/truncated length", []byte{0xda, 0}, str, "v: truncated"},
		{"bin/str", []byte{0xa1, 'a'}, bin, "want a bin"},
		{"bin/nil", []byte{0xc0}, bin, "want a bin"},
		{"bin/truncated", []byte{0xc4, 3, 1}, bin, "v: truncated"},
		{"bin/huge", []byte{0xc6, 0xff, 0xff, 0xff, 0xff}, bin, "v: 4294967295 bytes, limit 4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := mpack.NewReader(append([]byte{0x07}, tc.in...))
			r.Int("first", 7, 7)
			tc.read(r)
			var e *mpack.Error
			if !errors.As(r.Err(), &e) {
				t.Fatalf("error %v, want an *Error", r.Err())
			}
			if !strings.Contains(e.Detail, tc.detail) {
				t.Errorf("detail %q, want %q in it", e.Detail, tc.detail)
			}
			if e.Offset != 1 {
				t.Errorf("offset %d, want 1 (the value at fault)", e.Offset)
			}
		})
	}
}

// TestReaderSticky checks that a Reader keeps its first failure and that
// every read after it returns zero and consumes nothing.
func TestReaderSticky(t *testing.T) {
	t.Parallel()
	in := []byte{0xc0, 0x01, 0x92, 0xc3, 0xa1, 'a', 0xc4, 1, 2}
	r := mpack.NewReader(in)
	r.Int("first", 0, 10) // nil: fails at byte 0
	first := r.Err()
	if first == nil {
		t.Fatal("nil read as an integer")
	}
	if r.Nil() || r.Int("x", 0, 10) != 0 || r.Uint64("x") != 0 || r.ArrayLen("x", 0, 5) != 0 ||
		r.Bool("x") || r.Str("x", 10) != "" || r.Bin("x", 10) != nil {
		t.Error("a read after a failure returned a value")
	}
	r.Fail("another")
	if r.Err() != first || r.End("input") != first {
		t.Errorf("error %v, want the first, %v", r.Err(), first)
	}
	if r.Offset() != 0 {
		t.Errorf("reads after a failure consumed %d bytes", r.Offset())
	}
	r.Reset(in)
	if r.Err() != nil || !r.Nil() {
		t.Error("Reset did not clear the failure")
	}
}

func TestReaderNil(t *testing.T) {
	t.Parallel()
	r := mpack.NewReader([]byte{0xc0, 0x01})
	if !r.Nil() || r.Offset() != 1 {
		t.Fatal("nil not read")
	}
	if r.Nil() || r.Offset() != 1 {
		t.Fatal("an integer read as nil")
	}
	if r.Int("x", 1, 1) != 1 || r.Nil() || r.End("input") != nil {
		t.Fatalf("after nil: %v", r.Err())
	}
}

func TestReaderEnd(t *testing.T) {
	t.Parallel()
	r := mpack.NewReader([]byte{0x01, 0x02, 0x03})
	r.Int("x", 1, 1)
	err := r.End("record")
	var e *mpack.Error
	if !errors.As(err, &e) || e.Offset != 1 || e.Detail != "2 bytes after the record" {
		t.Fatalf("End: %v", err)
	}
	if err.Error() != "byte 1: 2 bytes after the record" {
		t.Errorf("Error() = %q", err.Error())
	}
}

// TestReaderAliases checks that Bin returns a slice of the input, capped,
// and Str a copy.
func TestReaderAliases(t *testing.T) {
	t.Parallel()
	in := []byte{0xc4, 2, 7, 8, 0xa2, 'h', 'i'}
	r := mpack.GetReader(in)
	p := r.Bin("b", 10)
	s := r.Str("s", 10)
	if err := r.End("input"); err != nil {
		t.Fatal(err)
	}
	mpack.PutReader(r)
	if cap(p) != 2 {
		t.Errorf("bin capacity %d, want 2", cap(p))
	}
	clear(in)
	if !bytes.Equal(p, []byte{0, 0}) {
		t.Errorf("bin %v is not a slice of the input", p)
	}
	if s != "hi" {
		t.Errorf("str %q changed with the input", s)
	}
}

// TestReaderAllocs checks that reading a record with a pooled Reader
// allocates nothing but its strings, whatever the lengths claimed.
func TestReaderAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	good := mpack.Append(nil, func(a *mpack.Appender) {
		a.ArrayLen(6)
		a.Nil()
		a.Bool(true)
		a.Uint(1 << 40)
		a.Int(-1000)
		a.Uint(math.MaxUint64)
		a.Bin(make([]byte, 300))
	})
	read := func(b []byte) {
		r := mpack.GetReader(b)
		r.ArrayLen("a", 6, 6)
		r.Nil()
		r.Bool("b")
		r.Int("u", 0, 1<<50)
		r.Int("i", -1<<20, 0)
		r.Uint64("h")
		r.Bin("bin", 1<<10)
		r.End("input")
		mpack.PutReader(r)
	}
	read(good)
	if n := testing.AllocsPerRun(100, func() { read(good) }); n != 0 {
		t.Errorf("%v allocations per read, want 0", n)
	}
	huge := [][]byte{{0xdd, 0x40, 0, 0, 0}, {0x96, 0xc0, 0xc3, 0x01, 0x01, 0x01, 0xc6, 0x40, 0, 0, 0}}
	for _, b := range huge {
		// Only the error is allocated: its detail and the boxed arguments.
		if n := testing.AllocsPerRun(100, func() { read(b) }); n > 6 {
			t.Errorf("% x: %v allocations per read, want the error's few", b, n)
		}
	}
}
