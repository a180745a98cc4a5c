package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// A replay's bytes are meant to be read as a stream too: the header, then
// each sealed chunk's exact bytes, in order. The server's live endpoint sends
// what Follow yields; a spectator reads it with NewStreamReader.

// sequence checks that chunks continue each other: in ticks from the
// header's start tick, the first a keyframe.
type sequence struct {
	i    int
	off  int64
	next uint32
}

func (s *sequence) accept(h recordHeader, rec []byte) (*Chunk, error) {
	where := chunkWhere(s.i)
	ci := parseChunkInfo(rec[recordHeaderLen:])
	switch {
	case ci.first != s.next:
		return nil, errAt(where, s.off, ErrCorrupt, "first tick %d, want %d", ci.first, s.next)
	case ci.last < ci.first || ci.last-ci.first >= MaxChunkTicks:
		return nil, errAt(where, s.off, ErrCorrupt, "tick span %d..%d", ci.first, ci.last)
	case s.i == 0 && h.typ != typeKeyframe:
		return nil, errAt(where, s.off, ErrCorrupt, "the first chunk is not a keyframe")
	}
	c := &Chunk{Index: s.i, Offset: s.off, First: ci.first, Last: ci.last, Keyframe: h.typ == typeKeyframe, Raw: rec}
	s.i++
	s.off += int64(len(rec))
	s.next = ci.last + 1
	return c, nil
}

// StreamReader reads a replay as a stream: the header, then chunk after
// chunk, as they arrive (from a spectator's HTTP response, say). It is not
// safe for concurrent use.
type StreamReader struct {
	r      io.Reader
	hdr    Header
	raw    []byte
	err    error // sticky
	header bool  // the header has been read
	seq    sequence
	done   bool
}

// NewStreamReader returns a StreamReader reading from r.
func NewStreamReader(r io.Reader) *StreamReader { return &StreamReader{r: r} }

// Header reads the header, if it has not been read yet, and returns it.
func (s *StreamReader) Header() (Header, error) {
	if !s.header && s.err == nil {
		s.err = s.readHeader()
		s.header = true
	}
	return s.hdr, s.err
}

// RawHeader returns the header's exact bytes, once Header has succeeded.
func (s *StreamReader) RawHeader() []byte { return s.raw }

func (s *StreamReader) readHeader() error {
	prefix := make([]byte, headerPrefixLen)
	if n, err := io.ReadFull(s.r, prefix); err != nil {
		if n >= 8 && [8]byte(prefix[:8]) != magic {
			return errAt("header", 0, ErrCorrupt, "bad magic %q (not a Skirmish replay)", prefix[:8])
		}
		return streamErr("header", 0, err)
	}
	n, err := parseHeaderPrefix(prefix)
	if err != nil {
		return err
	}
	raw := make([]byte, headerPrefixLen+n)
	copy(raw, prefix)
	if _, err := io.ReadFull(s.r, raw[headerPrefixLen:]); err != nil {
		return streamErr("header", 0, err)
	}
	h, err := parseHeaderBody(prefix, raw[headerPrefixLen:])
	if err != nil {
		return err
	}
	if _, err := h.ParseMap(); err != nil {
		return errAt("header", 0, ErrCorrupt, "map: %v", err)
	}
	s.hdr, s.raw = h, raw
	s.seq = sequence{off: int64(len(raw)), next: h.StartTick + 1}
	return nil
}

func streamErr(where string, off int64, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errAt(where, off, ErrTruncated, "the stream ends")
	}
	return fmt.Errorf("replay: reading %s: %w", where, err)
}

// Next reads the next chunk. It returns io.EOF after the footer, or when
// the stream ends between two chunks (a match still being played whose
// stream was cut, or a crashed one); an error wrapping ErrTruncated when it
// ends inside one.
func (s *StreamReader) Next() (*Chunk, error) {
	if _, err := s.Header(); err != nil {
		return nil, err
	}
	if s.done {
		return nil, io.EOF
	}
	where, off := chunkWhere(s.seq.i), s.seq.off
	var hb [recordHeaderLen]byte
	if n, err := io.ReadFull(s.r, hb[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			s.done = true
			return nil, io.EOF
		}
		s.err = streamErr(where, off, err)
		return nil, s.err
	}
	h, detail := parseRecordHeader(hb[:])
	if detail != "" {
		s.err = errAt(where, off, ErrCorrupt, "%s", detail)
		return nil, s.err
	}
	if h.typ == typeNone {
		s.done = true
		return nil, io.EOF
	}
	rec := make([]byte, recordHeaderLen+int(h.length))
	copy(rec, hb[:])
	if _, err := io.ReadFull(s.r, rec[recordHeaderLen:]); err != nil {
		s.err = streamErr(where, off, err)
		return nil, s.err
	}
	if c := recordCRC(rec, rec[recordHeaderLen:]); c != h.crc {
		s.err = errAt(where, off, ErrCorrupt, "CRC %08x, computed %08x", h.crc, c)
		return nil, s.err
	}
	if h.typ == typeFooter {
		s.done = true
		return nil, io.EOF
	}
	c, err := s.seq.accept(h, rec)
	if err != nil {
		s.err = err
		return nil, err
	}
	return c, nil
}

// FollowOptions configure Follow. The zero value is the default.
type FollowOptions struct {
	// Poll is how often the file is checked for new chunks. Default 100ms.
	Poll time.Duration
}

// Follower tails a replay file that is still being written, for live
// spectating: it yields each chunk once it is sealed (complete and
// CRC-valid), and stops at the footer. It is not safe for concurrent use.
type Follower struct {
	f    *os.File
	poll time.Duration
	hdr  Header
	raw  []byte
	seq  sequence
	done bool
	// bad remembers a corrupt record and the file size it was seen at: a
	// record may be read while it is being written, so corruption counts
	// only once the file has stopped growing.
	bad     error
	badSize int64
}

// Follow opens the replay at path for tailing. It waits (polling) until the
// header is complete, or ctx ends. Like Open, it refuses at once a path
// that does not lead to a regular file; Dir.Follow tails a file of a
// replay directory.
func Follow(ctx context.Context, path string, o FollowOptions) (*Follower, error) {
	f, _, err := openFile(path)
	if err != nil {
		return nil, err // an *fs.PathError, which names the file
	}
	return follow(ctx, f, o)
}

// follow tails the open file f; the Follower owns it.
func follow(ctx context.Context, f *os.File, o FollowOptions) (*Follower, error) {
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	fl := &Follower{f: f, poll: o.Poll}
	for {
		r := &Reader{ra: f}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("replay: %w", err)
		}
		r.size = st.Size()
		err = r.readHeader()
		if err == nil {
			fl.hdr, fl.raw = r.hdr, r.rawHdr
			fl.seq = sequence{off: int64(len(r.rawHdr)), next: r.hdr.StartTick + 1}
			return fl, nil
		}
		if !errors.Is(err, ErrTruncated) {
			f.Close()
			return nil, err
		}
		if err := sleep(ctx, o.Poll); err != nil {
			f.Close()
			return nil, err
		}
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Header returns the replay's header.
func (f *Follower) Header() Header { return f.hdr }

// RawHeader returns the header's exact bytes.
func (f *Follower) RawHeader() []byte { return f.raw }

// Next waits for the next sealed chunk and returns it. It returns io.EOF
// once the footer is reached (the match ended), ctx's error when ctx ends,
// and a corruption error for a record that stays corrupt after the file has
// stopped growing.
func (f *Follower) Next(ctx context.Context) (*Chunk, error) {
	if f.done {
		return nil, io.EOF
	}
	for {
		st, err := f.f.Stat()
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		size := st.Size()
		h, rec, err := readRecord(f.f, chunkWhere(f.seq.i), f.seq.off, size-f.seq.off)
		var perr *Error
		switch {
		case err == nil && h.typ == typeFooter:
			f.done = true
			return nil, io.EOF
		case err == nil && rec != nil:
			return f.seq.accept(h, rec)
		case err == nil: // zeros: not written yet
		case errors.As(err, &perr) && errors.Is(err, ErrTruncated):
		case errors.As(err, &perr):
			if f.bad != nil && f.badSize == size {
				return nil, err
			}
			f.bad, f.badSize = err, size
		default:
			return nil, err
		}
		if err := sleep(ctx, f.poll); err != nil {
			return nil, err
		}
	}
}

// Close closes the file.
func (f *Follower) Close() error { return f.f.Close() }
