package protocol

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sync"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// encoder appends msgpack to a byte slice. Encoders are pooled so that
// appending a message allocates nothing beyond growing dst.
type encoder struct {
	buf []byte
	enc *msgpack.Encoder
}

func (e *encoder) Write(p []byte) (int, error) { e.buf = append(e.buf, p...); return len(p), nil }
func (e *encoder) WriteByte(c byte) error      { e.buf = append(e.buf, c); return nil }

var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = msgpack.NewEncoder(e)
	return e
}}

// appendMsg runs fn with an encoder that appends to dst. The writer never
// fails, so the encoder's errors cannot happen and are not returned.
func appendMsg(dst []byte, fn func(e *msgpack.Encoder)) []byte {
	e := encoders.Get().(*encoder)
	e.buf = dst
	fn(e.enc)
	dst, e.buf = e.buf, nil
	encoders.Put(e)
	return dst
}

// decoder reads one message strictly: every value must have the expected
// msgpack type and range, and the first problem is kept in err so that
// callers check once at the end.
type decoder struct {
	src []byte
	r   bytes.Reader
	dec *msgpack.Decoder
	err error
}

var decoders = sync.Pool{New: func() any {
	d := &decoder{}
	d.dec = msgpack.NewDecoder(&d.r)
	return d
}}

// decode runs fn over b and checks that it consumed b exactly.
func decode(b []byte, want Kind, fn func(d *decoder, n int)) error {
	if len(b) > MaxMessageSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), MaxMessageSize)
	}
	d := decoders.Get().(*decoder)
	defer decoders.Put(d)
	d.src, d.err = b, nil
	d.r.Reset(b)
	n := d.arrayLen(1, 255)
	if k := Kind(d.uint("kind", 0, 255)); d.err == nil && k != want {
		d.fail("message kind %d, want %s", k, want)
	}
	if d.err == nil {
		fn(d, n-1)
	}
	if d.err == nil && d.r.Len() != 0 {
		d.fail("%d bytes after the message", d.r.Len())
	}
	err := d.err
	d.src, d.err = nil, nil
	if err != nil {
		return fmt.Errorf("protocol: %s: %w", want, err)
	}
	return nil
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
}

// fields checks the number of fields after the kind.
func (d *decoder) fields(n, lo, hi int) {
	if d.err == nil && (n < lo || n > hi) {
		if lo == hi {
			d.fail("%d fields, want %d", n, lo)
		} else {
			d.fail("%d fields, want %d to %d", n, lo, hi)
		}
	}
}

func (d *decoder) peek(what string) byte {
	if d.err != nil {
		return 0
	}
	c, err := d.dec.PeekCode()
	if err != nil {
		d.fail("truncated before %s", what)
		return 0
	}
	return c
}

func isInt(c byte) bool {
	return msgpcode.IsFixedNum(c) || (c >= msgpcode.Uint8 && c <= msgpcode.Int64)
}

// int reads an integer of any msgpack width within [lo, hi].
func (d *decoder) int(what string, lo, hi int64) int64 {
	c := d.peek(what)
	if d.err != nil {
		return 0
	}
	if !isInt(c) {
		d.fail("%s: msgpack type 0x%02x, want an integer", what, c)
		return 0
	}
	if c == msgpcode.Uint64 {
		u, err := d.dec.DecodeUint64()
		if err != nil || u > math.MaxInt64 {
			d.fail("%s: out of range", what)
			return 0
		}
		return d.check(what, int64(u), lo, hi)
	}
	v, err := d.dec.DecodeInt64()
	if err != nil {
		d.fail("%s: %v", what, err)
		return 0
	}
	return d.check(what, v, lo, hi)
}

func (d *decoder) check(what string, v, lo, hi int64) int64 {
	if v < lo || v > hi {
		d.fail("%s %d outside %d..%d", what, v, lo, hi)
		return 0
	}
	return v
}

func (d *decoder) uint(what string, lo, hi int64) int64 { return d.int(what, lo, hi) }

// uint64 reads an unsigned 64-bit integer (hashes use the whole range).
func (d *decoder) uint64(what string) uint64 {
	c := d.peek(what)
	if d.err != nil {
		return 0
	}
	if !isInt(c) {
		d.fail("%s: msgpack type 0x%02x, want an integer", what, c)
		return 0
	}
	if c == msgpcode.Int8 || c == msgpcode.Int16 || c == msgpcode.Int32 || c == msgpcode.Int64 || c >= msgpcode.NegFixedNumLow {
		v, err := d.dec.DecodeInt64()
		if err != nil || v < 0 {
			d.fail("%s: negative", what)
			return 0
		}
		return uint64(v)
	}
	u, err := d.dec.DecodeUint64()
	if err != nil {
		d.fail("%s: %v", what, err)
	}
	return u
}

func (d *decoder) arrayLen(lo, hi int) int {
	c := d.peek("array")
	if d.err != nil {
		return 0
	}
	if !msgpcode.IsFixedArray(c) && c != msgpcode.Array16 && c != msgpcode.Array32 {
		d.fail("msgpack type 0x%02x, want an array", c)
		return 0
	}
	n, err := d.dec.DecodeArrayLen()
	if err != nil {
		d.fail("array: %v", err)
		return 0
	}
	if n < lo || n > hi {
		d.fail("array of %d, want %d to %d", n, lo, hi)
		return 0
	}
	return n
}

// raw reads a str (asString) or bin value of at most maxLen bytes and returns
// a slice of the input: no copy, valid as long as the caller's buffer.
func (d *decoder) raw(what string, asString bool, maxLen int) []byte {
	c := d.peek(what)
	if d.err != nil {
		return nil
	}
	isStr := msgpcode.IsFixedString(c) || c == msgpcode.Str8 || c == msgpcode.Str16 || c == msgpcode.Str32
	isBin := c == msgpcode.Bin8 || c == msgpcode.Bin16 || c == msgpcode.Bin32
	if (asString && !isStr) || (!asString && !isBin) {
		d.fail("%s: msgpack type 0x%02x", what, c)
		return nil
	}
	n, err := d.dec.DecodeBytesLen()
	switch {
	case err != nil:
		d.fail("%s: %v", what, err)
		return nil
	case n > maxLen:
		d.fail("%s: %d bytes, limit %d", what, n, maxLen)
		return nil
	case n > d.r.Len():
		d.fail("%s: truncated", what)
		return nil
	}
	off := len(d.src) - d.r.Len()
	if _, err := d.r.Seek(int64(n), io.SeekCurrent); err != nil {
		d.fail("%s: %v", what, err)
		return nil
	}
	return d.src[off : off+n : off+n]
}

func (d *decoder) str(what string, maxLen int) string { return string(d.raw(what, true, maxLen)) }
