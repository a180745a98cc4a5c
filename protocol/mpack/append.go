package mpack

import (
	"sync"

	"github.com/vmihailenco/msgpack/v5"
)

// Appender appends msgpack values to a byte slice through a msgpack.Encoder
// that writes into the slice. The writer never fails, so neither do the
// methods. An Appender is not safe for concurrent use.
type Appender struct {
	buf []byte
	enc *msgpack.Encoder
}

// sink is the Appender as the encoder's writer. A separate type keeps Write
// and WriteByte, which append bytes that need not be msgpack, out of the
// Appender's methods.
type sink Appender

func (s *sink) Write(p []byte) (int, error) { s.buf = append(s.buf, p...); return len(p), nil }
func (s *sink) WriteByte(c byte) error      { s.buf = append(s.buf, c); return nil }

// NewAppender returns an Appender with an empty buffer.
func NewAppender() *Appender {
	a := new(Appender)
	a.enc = msgpack.NewEncoder((*sink)(a))
	return a
}

var appenders = sync.Pool{New: func() any { return NewAppender() }}

// Append runs fn with a pooled Appender that appends to dst, and returns the
// extended slice. It allocates nothing beyond growing dst.
func Append(dst []byte, fn func(a *Appender)) []byte {
	a := appenders.Get().(*Appender)
	a.buf = dst
	fn(a)
	dst, a.buf = a.buf, nil
	appenders.Put(a)
	return dst
}

// Reset makes a append to dst.
func (a *Appender) Reset(dst []byte) { a.buf = dst }

// Bytes returns the buffer: the slice given to Reset, extended.
func (a *Appender) Bytes() []byte { return a.buf }

// Nil appends nil.
func (a *Appender) Nil() { a.enc.EncodeNil() }

// Bool appends true or false.
func (a *Appender) Bool(v bool) { a.enc.EncodeBool(v) }

// Uint appends v as a positive fixint or a uint 8, 16, 32 or 64, whichever
// is shortest.
func (a *Appender) Uint(v uint64) {
	if v <= 0x7f { // a fixint is its own byte; see the package doc
		a.buf = append(a.buf, byte(v))
		return
	}
	a.enc.EncodeUint(v)
}

// Int appends v as Uint does if it is not negative, else as a negative
// fixint or an int 8, 16, 32 or 64, whichever is shortest.
func (a *Appender) Int(v int64) {
	if v >= -32 && v <= 0x7f { // a fixint is its own byte; see the package doc
		a.buf = append(a.buf, byte(v))
		return
	}
	a.enc.EncodeInt(v)
}

// ArrayLen appends the header of an array of n elements; the caller appends
// the elements.
func (a *Appender) ArrayLen(n int) { a.enc.EncodeArrayLen(n) }

// Str appends s as a fixstr or a str 8, 16 or 32.
func (a *Appender) Str(s string) { a.enc.EncodeString(s) }

// Bin appends b as a bin 8, 16 or 32. A nil b is an empty bin: the
// library's EncodeBytes would write nil, which is not a bin.
func (a *Appender) Bin(b []byte) {
	a.enc.EncodeBytesLen(len(b))
	a.buf = append(a.buf, b...)
}

// Raw appends b as it is: values that were encoded earlier, for example
// into a buffer of their own while their count was not yet known.
func (a *Appender) Raw(b []byte) { a.buf = append(a.buf, b...) }
