package mpack

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// Error is a decoding failure: the first one a Reader met.
type Error struct {
	// Offset is the byte offset in the input of the value at fault; for a
	// caller's Fail, the offset reading had reached.
	Offset int
	Detail string // what is wrong, naming the value ("tick 70000 outside 0..60")
}

// Error returns "byte Offset: Detail".
func (e *Error) Error() string { return fmt.Sprintf("byte %d: %s", e.Offset, e.Detail) }

// Reader decodes msgpack strictly, value by value, from a byte slice; see
// the package doc. It keeps the first failure: every read after one returns
// the zero value and consumes nothing (the failing read itself may have
// consumed its value, found out of range). The what argument of each method
// names the value in error details. A Reader is not safe for concurrent use.
type Reader struct {
	in  input
	dec *msgpack.Decoder
	err *Error
}

// input is the Reader's input as the decoder reads it. It is an
// io.ByteScanner, so the decoder reads it directly, with no buffer of its
// own: the decoder's position is off. (A bytes.Reader would do as well, a
// little more slowly, and would hide the slice.)
type input struct {
	src []byte
	off int
}

func (in *input) Read(p []byte) (int, error) {
	if in.off >= len(in.src) {
		return 0, io.EOF
	}
	n := copy(p, in.src[in.off:])
	in.off += n
	return n, nil
}

func (in *input) ReadByte() (byte, error) {
	if in.off >= len(in.src) {
		return 0, io.EOF
	}
	c := in.src[in.off]
	in.off++
	return c, nil
}

func (in *input) UnreadByte() error {
	if in.off == 0 {
		return io.EOF
	}
	in.off--
	return nil
}

// NewReader returns a Reader of b.
func NewReader(b []byte) *Reader {
	r := new(Reader)
	r.dec = msgpack.NewDecoder(&r.in)
	r.Reset(b)
	return r
}

var readers = sync.Pool{New: func() any { return NewReader(nil) }}

// GetReader returns a pooled Reader of b. Give it back with PutReader.
func GetReader(b []byte) *Reader {
	r := readers.Get().(*Reader)
	r.Reset(b)
	return r
}

// PutReader returns r to the pool. Neither r nor an error it returned may be
// used after; the slices it returned stay valid, being the caller's input.
func PutReader(r *Reader) {
	r.Reset(nil)
	readers.Put(r)
}

// Reset makes r read b from the start, with no error.
func (r *Reader) Reset(b []byte) { r.in, r.err = input{src: b}, nil }

// Err returns the first failure, an *Error, or nil.
func (r *Reader) Err() error {
	if r.err == nil {
		return nil
	}
	return r.err
}

// Offset returns the number of bytes read.
func (r *Reader) Offset() int { return r.in.off }

// Len returns the number of bytes left.
func (r *Reader) Len() int { return len(r.in.src) - r.in.off }

// Fail records a failure found by the caller, at the current offset, unless
// r already has one.
func (r *Reader) Fail(format string, args ...any) { r.failAt(r.Offset(), format, args...) }

func (r *Reader) failAt(off int, format string, args ...any) {
	if r.err == nil {
		r.err = &Error{Offset: off, Detail: fmt.Sprintf(format, args...)}
	}
}

// End checks that r has read all of its input and returns Err. what names
// the input ("payload", "message") for the error detail.
func (r *Reader) End(what string) error {
	if r.err == nil && r.Len() != 0 {
		r.Fail("%d bytes after the %s", r.Len(), what)
	}
	return r.Err()
}

// peek returns the first byte of the next value, without consuming it.
// The input is at hand, so the decoder's PeekCode (a read and an unread
// through the io.ByteScanner) is not needed for it.
func (r *Reader) peek(what string) (byte, bool) {
	if r.err != nil {
		return 0, false
	}
	if r.in.off >= len(r.in.src) {
		r.failAt(r.in.off, "truncated before %s", what)
		return 0, false
	}
	return r.in.src[r.in.off], true
}

// decodeErr records an error of the decoder, which is only ever the input
// ending inside a value: the type of every value is checked first.
func (r *Reader) decodeErr(off int, what string, err error) {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		r.failAt(off, "%s: truncated", what)
	} else {
		r.failAt(off, "%s: %v", what, err)
	}
}

// integer reads an integer of any width. It returns a uint 64 above
// MaxInt64 in u with big set, anything else in v.
//
// Integers are decoded here rather than with the decoder's DecodeInt64,
// which reads every multi-byte value through io.ReadFull into a scratch
// buffer: integers are most of what the formats hold, and that path made
// replay.Open, which reads an index of three values per chunk, 60% slower.
// The codes and widths are the library's (msgpcode) and the spec's.
func (r *Reader) integer(what string) (v int64, u uint64, big bool) {
	c, ok := r.peek(what)
	if !ok {
		return 0, 0, false
	}
	off := r.in.off
	if msgpcode.IsFixedNum(c) {
		r.in.off++
		return int64(int8(c)), 0, false
	}
	var n int
	switch c {
	case msgpcode.Uint8, msgpcode.Int8:
		n = 1
	case msgpcode.Uint16, msgpcode.Int16:
		n = 2
	case msgpcode.Uint32, msgpcode.Int32:
		n = 4
	case msgpcode.Uint64, msgpcode.Int64:
		n = 8
	default:
		r.failAt(off, "%s: msgpack type 0x%02x, want an integer", what, c)
		return 0, 0, false
	}
	if r.Len() < 1+n {
		r.failAt(off, "%s: truncated", what)
		return 0, 0, false
	}
	b := r.in.src[off+1 : off+1+n]
	r.in.off += 1 + n
	switch c {
	case msgpcode.Uint8:
		return int64(b[0]), 0, false
	case msgpcode.Int8:
		return int64(int8(b[0])), 0, false
	case msgpcode.Uint16:
		return int64(binary.BigEndian.Uint16(b)), 0, false
	case msgpcode.Int16:
		return int64(int16(binary.BigEndian.Uint16(b))), 0, false
	case msgpcode.Uint32:
		return int64(binary.BigEndian.Uint32(b)), 0, false
	case msgpcode.Int32:
		return int64(int32(binary.BigEndian.Uint32(b))), 0, false
	case msgpcode.Uint64:
		if u := binary.BigEndian.Uint64(b); u > math.MaxInt64 {
			return 0, u, true
		}
	}
	return int64(binary.BigEndian.Uint64(b)), 0, false
}

// Int reads an integer of any width within lo..hi.
func (r *Reader) Int(what string, lo, hi int64) int64 {
	off := r.Offset()
	v, u, big := r.integer(what)
	switch {
	case r.err != nil:
		return 0
	case big:
		r.failAt(off, "%s %d outside %d..%d", what, u, lo, hi)
		return 0
	case v < lo || v > hi:
		r.failAt(off, "%s %d outside %d..%d", what, v, lo, hi)
		return 0
	}
	return v
}

// Uint64 reads a non-negative integer of any width: the whole uint64 range,
// for hashes.
func (r *Reader) Uint64(what string) uint64 {
	off := r.Offset()
	v, u, big := r.integer(what)
	switch {
	case r.err != nil:
		return 0
	case big:
		return u
	case v < 0:
		r.failAt(off, "%s %d is negative", what, v)
		return 0
	}
	return uint64(v)
}

// Uint32 reads an integer of any width within 0..MaxUint32.
func (r *Reader) Uint32(what string) uint32 { return uint32(r.Int(what, 0, math.MaxUint32)) }

// Bool reads true or false.
func (r *Reader) Bool(what string) bool {
	c, ok := r.peek(what)
	if !ok {
		return false
	}
	if c != msgpcode.False && c != msgpcode.True {
		r.Fail("%s: msgpack type 0x%02x, want a boolean", what, c)
		return false
	}
	v, err := r.dec.DecodeBool()
	if err != nil {
		r.decodeErr(r.Offset(), what, err)
	}
	return v
}

// Nil reads a nil if one is next and reports whether it did; anything else
// it leaves to be read.
func (r *Reader) Nil() bool {
	if r.err != nil || r.Len() == 0 || r.in.src[r.in.off] != msgpcode.Nil {
		return false
	}
	if err := r.dec.DecodeNil(); err != nil {
		r.decodeErr(r.Offset(), "nil", err)
		return false
	}
	return true
}

// ArrayLen reads the header of an array of lo to hi elements and returns
// its length; the caller reads the elements. Each element takes at least one
// byte, so a length above the bytes left is refused too: the caller may
// allocate for the length it gets.
func (r *Reader) ArrayLen(what string, lo, hi int) int {
	c, ok := r.peek(what)
	if !ok {
		return 0
	}
	off := r.Offset()
	if !msgpcode.IsFixedArray(c) && c != msgpcode.Array16 && c != msgpcode.Array32 {
		r.failAt(off, "%s: msgpack type 0x%02x, want an array", what, c)
		return 0
	}
	n, err := r.dec.DecodeArrayLen()
	switch {
	case err != nil:
		r.decodeErr(off, what, err)
		return 0
	case n < lo || n > hi:
		r.failAt(off, "%s: array of %d, want %d to %d", what, n, lo, hi)
		return 0
	case n > r.Len():
		r.failAt(off, "%s: array of %d in %d bytes", what, n, r.Len())
		return 0
	}
	return n
}

// Str reads a str of at most maxLen bytes, copied.
func (r *Reader) Str(what string, maxLen int) string {
	return string(r.raw(what, true, maxLen))
}

// Bin reads a bin of at most maxLen bytes and returns it as a slice of the
// input, with its capacity cut to its length: appending to it copies.
func (r *Reader) Bin(what string, maxLen int) []byte {
	return r.raw(what, false, maxLen)
}

// raw reads the length of a str (asString) or bin through the decoder,
// checks it, and slices the body out of the input.
func (r *Reader) raw(what string, asString bool, maxLen int) []byte {
	c, ok := r.peek(what)
	if !ok {
		return nil
	}
	off := r.Offset()
	isStr := msgpcode.IsFixedString(c) || c == msgpcode.Str8 || c == msgpcode.Str16 || c == msgpcode.Str32
	isBin := c == msgpcode.Bin8 || c == msgpcode.Bin16 || c == msgpcode.Bin32
	switch {
	case asString && !isStr:
		r.failAt(off, "%s: msgpack type 0x%02x, want a str", what, c)
		return nil
	case !asString && !isBin:
		r.failAt(off, "%s: msgpack type 0x%02x, want a bin", what, c)
		return nil
	}
	n, err := r.dec.DecodeBytesLen()
	switch {
	case err != nil:
		r.decodeErr(off, what, err)
		return nil
	case n > maxLen:
		r.failAt(off, "%s: %d bytes, limit %d", what, n, maxLen)
		return nil
	case n > r.Len():
		r.failAt(off, "%s: truncated", what)
		return nil
	}
	start := r.in.off
	r.in.off += n
	return r.in.src[start:r.in.off:r.in.off]
}
