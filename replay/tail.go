package replay

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// A replay's pieces by number: a server that serves each sealed chunk at a
// URL of its own (so that HTTP caches can keep it) must know where chunk n
// is in a file that is still being written, without decoding the chunks
// and without reading again, at each request, what it has read before. A
// Tail does that: it reads the records as Follow does (complete,
// CRC-valid, continuing the ticks of the one before) and remembers where
// each one is.

// ChunkRef locates a sealed chunk in a replay file.
type ChunkRef struct {
	Index    int    // the chunk's position in the file, from 0
	Offset   int64  // the byte offset of its record
	Size     int64  // the record's length in bytes
	First    uint32 // the first tick it covers
	Last     uint32 // the last tick it covers
	Keyframe bool   // it starts with a snapshot of the world at First-1
}

// Tail indexes the sealed pieces of a replay file that may still be
// growing: its header, every chunk that is complete, CRC-valid and
// continues the ticks of the one before, and the footer and trailer once
// they are written. Scan reads only what the file gained since the last
// Scan; nothing is decompressed. A record that is incomplete or fails its
// checks ends the scan, which starts there again next time: while a match
// is being recorded, the record at the end may be half written. Tail is
// not safe for concurrent use; Chunks' elements never change once listed.
type Tail struct {
	hdr    Header
	raw    []byte
	seq    sequence
	chunks []ChunkRef
	footer int64 // the footer record's offset; 0 until the footer and trailer are complete
	fend   int64 // where the trailer ends
}

// NewTail reads the header of the replay in the first size bytes of ra
// and scans its records. A header that is not all there yet is an error
// wrapping ErrTruncated.
func NewTail(ra io.ReaderAt, size int64) (*Tail, error) {
	r := &Reader{ra: ra, size: size}
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	t := &Tail{hdr: r.hdr, raw: r.rawHdr, seq: sequence{off: r.headerLen(), next: r.hdr.StartTick + 1}}
	if err := t.Scan(ra, size); err != nil {
		return nil, err
	}
	return t, nil
}

// Scan reads the records added to the file since the last Scan, up to
// size bytes, which must hold what was read before. It stops without an
// error at a record that is not complete or not valid (yet); only a
// failure to read is an error.
func (t *Tail) Scan(ra io.ReaderAt, size int64) error {
	if t.footer > 0 {
		return nil
	}
	for t.seq.off < size {
		h, rec, err := readRecord(ra, chunkWhere(t.seq.i), t.seq.off, size-t.seq.off)
		var perr *Error
		switch {
		case errors.As(err, &perr):
			return nil // not written yet, or not valid: the scan stops here
		case err != nil:
			return err
		case rec == nil:
			return nil // zeros: not written yet
		case h.typ == typeFooter:
			return t.trailer(ra, size, int64(len(rec)))
		}
		off := t.seq.off
		c, err := t.seq.accept(h, rec)
		if err != nil {
			return nil // a chunk that does not continue the ticks: the data ends before it
		}
		t.chunks = append(t.chunks, ChunkRef{Index: c.Index, Offset: off, Size: int64(len(rec)), First: c.First, Last: c.Last, Keyframe: c.Keyframe})
	}
	return nil
}

// trailer checks the trailer after the footer record of n bytes at
// t.seq.off. The footer counts only once the trailer after it is complete
// and points to it.
func (t *Tail) trailer(ra io.ReaderAt, size, n int64) error {
	end := t.seq.off + n
	if size < end+trailerLen {
		return nil
	}
	var tr [trailerLen]byte
	if trunc, err := readFull(ra, tr[:], end); err != nil {
		return fmt.Errorf("replay: reading trailer: %w", err)
	} else if trunc {
		return nil
	}
	if [8]byte(tr[8:16]) == trailerMagic && int64(binary.LittleEndian.Uint64(tr[0:8])) == t.seq.off {
		t.footer, t.fend = t.seq.off, end+trailerLen
	}
	return nil
}

// Header returns the replay's header.
func (t *Tail) Header() Header { return t.hdr }

// RawHeader returns the header's exact bytes; the caller must not modify
// them.
func (t *Tail) RawHeader() []byte { return t.raw }

// Chunks returns the sealed chunks found so far, in file order. Later
// Scans only add to the list: the elements returned never change.
func (t *Tail) Chunks() []ChunkRef { return t.chunks[:len(t.chunks):len(t.chunks)] }

// Footer returns where the footer record and the trailer after it are:
// the rest of the file. False until both are complete: the recording is
// still going on, or stopped without them (a crash).
func (t *Tail) Footer() (off, size int64, ok bool) {
	if t.footer == 0 {
		return 0, 0, false
	}
	return t.footer, t.fend - t.footer, true
}

// ReadChunk returns the exact bytes of chunk c, read from ra and checked
// again against their CRC, so that a file changed since the scan is never
// served as it.
func ReadChunk(ra io.ReaderAt, c ChunkRef) ([]byte, error) {
	where := chunkWhere(c.Index)
	h, rec, err := readRecord(ra, where, c.Offset, c.Size)
	switch {
	case err != nil:
		return nil, err
	case rec == nil || h.typ == typeFooter || int64(len(rec)) != c.Size:
		return nil, errAt(where, c.Offset, ErrCorrupt, "not the chunk record the index has")
	}
	if ci := parseChunkInfo(rec[recordHeaderLen:]); ci.first != c.First || ci.last != c.Last || (h.typ == typeKeyframe) != c.Keyframe {
		return nil, errAt(where, c.Offset, ErrCorrupt, "ticks %d..%d, the index has %d..%d", ci.first, ci.last, c.First, c.Last)
	}
	return rec, nil
}

// ReadFooter returns the exact bytes of the footer record and the trailer
// after it, size bytes at off as Tail.Footer located them, checked again.
func ReadFooter(ra io.ReaderAt, off, size int64) ([]byte, error) {
	if size <= trailerLen {
		return nil, errAt("footer", off, ErrCorrupt, "%d bytes cannot hold a footer and a trailer", size)
	}
	h, rec, err := readRecord(ra, "footer", off, size-trailerLen)
	switch {
	case err != nil:
		return nil, err
	case rec == nil || h.typ != typeFooter || int64(len(rec)) != size-trailerLen:
		return nil, errAt("footer", off, ErrCorrupt, "not the footer record the scan found")
	}
	b := make([]byte, size)
	copy(b, rec)
	if trunc, err := readFull(ra, b[len(rec):], off+int64(len(rec))); err != nil {
		return nil, fmt.Errorf("replay: reading trailer: %w", err)
	} else if trunc {
		return nil, errAt("trailer", off+int64(len(rec)), ErrTruncated, "the file is shorter than it was")
	}
	if tr := b[len(rec):]; [8]byte(tr[8:16]) != trailerMagic || int64(binary.LittleEndian.Uint64(tr[0:8])) != off {
		return nil, errAt("trailer", off+int64(len(rec)), ErrCorrupt, "not the trailer the scan found")
	}
	return b, nil
}
