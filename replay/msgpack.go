package replay

import (
	"encoding/binary"
	"fmt"
	"math"
)

// The replay's msgpack subset: nil, booleans, integers, strings, binary and
// arrays. Encoders append the shortest form, so equal values give equal
// bytes; the decoder accepts any width the msgpack spec allows, checks every
// type and range, and never allocates more than the input could hold.

func appendNil(b []byte) []byte { return append(b, 0xc0) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0xc3)
	}
	return append(b, 0xc2)
}

func appendUint(b []byte, v uint64) []byte {
	switch {
	case v <= 0x7f:
		return append(b, byte(v))
	case v <= math.MaxUint8:
		return append(b, 0xcc, byte(v))
	case v <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(v))
	case v <= math.MaxUint32:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), v)
}

func appendInt(b []byte, v int64) []byte {
	switch {
	case v >= 0:
		return appendUint(b, uint64(v))
	case v >= -32:
		return append(b, byte(v))
	case v >= math.MinInt8:
		return append(b, 0xd0, byte(v))
	case v >= math.MinInt16:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(v))
	case v >= math.MinInt32:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(v))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(v))
}

func appendArrayLen(b []byte, n int) []byte {
	switch {
	case n <= 15:
		return append(b, 0x90|byte(n))
	case n <= math.MaxUint16:
		return binary.BigEndian.AppendUint16(append(b, 0xdc), uint16(n))
	}
	return binary.BigEndian.AppendUint32(append(b, 0xdd), uint32(n))
}

func appendStr(b []byte, s string) []byte {
	n := len(s)
	switch {
	case n <= 31:
		b = append(b, 0xa0|byte(n))
	case n <= math.MaxUint8:
		b = append(b, 0xd9, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xda), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xdb), uint32(n))
	}
	return append(b, s...)
}

func appendBin(b []byte, p []byte) []byte {
	n := len(p)
	switch {
	case n <= math.MaxUint8:
		b = append(b, 0xc4, byte(n))
	case n <= math.MaxUint16:
		b = binary.BigEndian.AppendUint16(append(b, 0xc5), uint16(n))
	default:
		b = binary.BigEndian.AppendUint32(append(b, 0xc6), uint32(n))
	}
	return append(b, p...)
}

// mpReader decodes msgpack strictly, keeping the first error so that callers
// check once per record. Every read after an error returns zero.
type mpReader struct {
	b    []byte
	off  int
	err  error
	what string // what is being decoded ("payload", "body"), for error messages
}

func (r *mpReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s byte %d: %s", r.what, r.off, fmt.Sprintf(format, args...))
	}
}

func (r *mpReader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.fail("truncated %s", what)
		return nil
	}
	s := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return s
}

func (r *mpReader) peek(what string) byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.fail("truncated before %s", what)
		return 0
	}
	return r.b[r.off]
}

func (r *mpReader) done() bool { return r.err == nil && r.off == len(r.b) }

// isNil consumes a nil if one is next.
func (r *mpReader) isNil() bool {
	if r.err == nil && r.off < len(r.b) && r.b[r.off] == 0xc0 {
		r.off++
		return true
	}
	return false
}

func (r *mpReader) bool(what string) bool {
	switch c := r.peek(what); {
	case r.err != nil:
		return false
	case c == 0xc2 || c == 0xc3:
		r.off++
		return c == 0xc3
	default:
		r.fail("%s: msgpack type 0x%02x, want a boolean", what, c)
		return false
	}
}

// integer reads any msgpack integer as an int64, with ok false for uint64
// values above MaxInt64 (returned in u).
func (r *mpReader) integer(what string) (v int64, u uint64, big bool) {
	c := r.peek(what)
	if r.err != nil {
		return 0, 0, false
	}
	switch {
	case c <= 0x7f:
		r.off++
		return int64(c), 0, false
	case c >= 0xe0:
		r.off++
		return int64(int8(c)), 0, false
	}
	r.off++
	var s []byte
	switch c {
	case 0xcc, 0xd0:
		s = r.take(1, what)
	case 0xcd, 0xd1:
		s = r.take(2, what)
	case 0xce, 0xd2:
		s = r.take(4, what)
	case 0xcf, 0xd3:
		s = r.take(8, what)
	default:
		r.off--
		r.fail("%s: msgpack type 0x%02x, want an integer", what, c)
		return 0, 0, false
	}
	if s == nil {
		return 0, 0, false
	}
	switch c {
	case 0xcc:
		return int64(s[0]), 0, false
	case 0xcd:
		return int64(binary.BigEndian.Uint16(s)), 0, false
	case 0xce:
		return int64(binary.BigEndian.Uint32(s)), 0, false
	case 0xcf:
		u := binary.BigEndian.Uint64(s)
		if u > math.MaxInt64 {
			return 0, u, true
		}
		return int64(u), 0, false
	case 0xd0:
		return int64(int8(s[0])), 0, false
	case 0xd1:
		return int64(int16(binary.BigEndian.Uint16(s))), 0, false
	case 0xd2:
		return int64(int32(binary.BigEndian.Uint32(s))), 0, false
	}
	return int64(binary.BigEndian.Uint64(s)), 0, false
}

// int reads an integer within [lo, hi].
func (r *mpReader) int(what string, lo, hi int64) int64 {
	v, _, big := r.integer(what)
	if r.err != nil {
		return 0
	}
	if big || v < lo || v > hi {
		r.fail("%s out of range %d..%d", what, lo, hi)
		return 0
	}
	return v
}

// uint64 reads a non-negative integer of the whole 64-bit range (hashes).
func (r *mpReader) uint64(what string) uint64 {
	v, u, big := r.integer(what)
	switch {
	case r.err != nil:
		return 0
	case big:
		return u
	case v < 0:
		r.fail("%s is negative", what)
		return 0
	}
	return uint64(v)
}

func (r *mpReader) uint32(what string) uint32 {
	return uint32(r.int(what, 0, math.MaxUint32))
}

// arrayLen reads an array header of lo to hi elements. Each element takes at
// least one byte, so a length above the bytes left is refused before the
// caller allocates for it.
func (r *mpReader) arrayLen(what string, lo, hi int) int {
	c := r.peek(what)
	if r.err != nil {
		return 0
	}
	var n int
	switch {
	case c&0xf0 == 0x90:
		r.off++
		n = int(c & 0x0f)
	case c == 0xdc:
		r.off++
		if s := r.take(2, what); s != nil {
			n = int(binary.BigEndian.Uint16(s))
		}
	case c == 0xdd:
		r.off++
		if s := r.take(4, what); s != nil {
			n = int(binary.BigEndian.Uint32(s))
		}
	default:
		r.fail("%s: msgpack type 0x%02x, want an array", what, c)
		return 0
	}
	if r.err != nil {
		return 0
	}
	if n < lo || n > hi {
		r.fail("%s: array of %d, want %d to %d", what, n, lo, hi)
		return 0
	}
	if n > len(r.b)-r.off {
		r.fail("%s: array of %d in %d bytes", what, n, len(r.b)-r.off)
		return 0
	}
	return n
}

// raw reads a str (asString) or bin of at most maxLen bytes and returns a
// slice of the input.
func (r *mpReader) raw(what string, asString bool, maxLen int) []byte {
	c := r.peek(what)
	if r.err != nil {
		return nil
	}
	var n, hdr int
	switch {
	case asString && c&0xe0 == 0xa0:
		n, hdr = int(c&0x1f), 0
	case asString && c == 0xd9, !asString && c == 0xc4:
		hdr = 1
	case asString && c == 0xda, !asString && c == 0xc5:
		hdr = 2
	case asString && c == 0xdb, !asString && c == 0xc6:
		hdr = 4
	default:
		r.fail("%s: msgpack type 0x%02x", what, c)
		return nil
	}
	r.off++
	if hdr > 0 {
		s := r.take(hdr, what)
		if s == nil {
			return nil
		}
		switch hdr {
		case 1:
			n = int(s[0])
		case 2:
			n = int(binary.BigEndian.Uint16(s))
		default:
			n = int(binary.BigEndian.Uint32(s))
		}
	}
	if n > maxLen {
		r.fail("%s: %d bytes, limit %d", what, n, maxLen)
		return nil
	}
	return r.take(n, what)
}

func (r *mpReader) str(what string, maxLen int) string { return string(r.raw(what, true, maxLen)) }
