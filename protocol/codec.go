package protocol

import (
	"fmt"

	"github.com/skirmishgg/skirmish/protocol/mpack"
)

// The msgpack itself, shortest forms out and strict checks in, is package
// mpack's; here is what every message shares: the array that holds it, its
// kind first, the size limit and the errors.

// decode reads a message of kind want from b: fn reads the n fields after
// the kind, and decode checks that it consumed b exactly.
func decode(b []byte, want Kind, fn func(r *mpack.Reader, n int)) error {
	if len(b) > MaxMessageSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(b), MaxMessageSize)
	}
	r := mpack.GetReader(b)
	defer mpack.PutReader(r)
	n := r.ArrayLen("message", 1, 255)
	if k := Kind(r.Int("kind", 0, 255)); r.Err() == nil && k != want {
		r.Fail("message kind %d, want %s", k, want)
	}
	if r.Err() == nil {
		fn(r, n-1)
	}
	if err := r.End("message"); err != nil {
		return fmt.Errorf("protocol: %s: %w: %v", want, ErrMalformed, err)
	}
	return nil
}

// fields checks the number of fields after the kind.
func fields(r *mpack.Reader, n, lo, hi int) {
	if r.Err() == nil && (n < lo || n > hi) {
		if lo == hi {
			r.Fail("%d fields, want %d", n, lo)
		} else {
			r.Fail("%d fields, want %d to %d", n, lo, hi)
		}
	}
}
