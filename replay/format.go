package replay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// The file format, documented for other implementations in
// docs/REPLAY-FORMAT.md. Fixed-size fields are little-endian; the payloads
// are msgpack (big-endian inside, as msgpack defines).
//
// File:
//
//	+--------+-------+-------+-----+-------+--------+---------+
//	| header | chunk | chunk | ... | chunk | footer | trailer |
//	+--------+-------+-------+-----+-------+--------+---------+
//
// The footer and trailer are written by a clean Close; a crashed match has
// neither, and its readers recover every complete chunk.
//
// Header:
//
//	0      1      2      3      4      5      6      7      8
//	+------+------+------+------+------+------+------+------+
//	| Magic "SKIRMREP"                                      |
//	+------+------+------+------+------+------+------+------+
//	| Version     | BodyLen                   | CRC ...     |
//	+------+------+------+------+------+------+------+------+
//	| ... CRC     | Body (BodyLen bytes of msgpack) ...
//	+------+------+------+------+------+------+------+------+
//
// Version is read on its own before anything else, so that a file from a
// newer writer is reported as such (ErrVersion) rather than as corrupt. CRC
// is the CRC-32C of bytes 0-13 followed by the body.
//
// Record (chunks and the footer):
//
//	0      1      2      3      4      5      6      7      8      9
//	+------+------+------+------+------+------+------+------+------+
//	| Type | Length                    | CRC                       |
//	+------+------+------+------+------+------+------+------+------+
//	| First tick                | Last tick                 | RawLen ...
//	+------+------+------+------+------+------+------+------+------+
//	  ... RawLen  | zstd frame (Length - 12 bytes) ...
//	+------+------+------+------+
//
// Type 0 means unwritten: nine zero bytes end the data. Length counts the
// bytes after CRC (so 12 + the compressed size); CRC is the CRC-32C of bytes
// 0-4 followed by those Length bytes. RawLen is the decompressed size of the
// zstd frame. Length and RawLen are checked against their caps before
// anything is allocated, and a chunk's events against MaxTickEvents and
// MaxChunkEvents as they are decoded.
//
// Trailer, the last 16 bytes of a cleanly closed file:
//
//	0      1      2      3      4      5      6      7      8
//	+------+------+------+------+------+------+------+------+
//	| Footer offset (u64)                                   |
//	+------+------+------+------+------+------+------+------+
//	| Magic "SKIRMEND"                                      |
//	+------+------+------+------+------+------+------+------+

// FormatVersion is the version of the file format this package writes. It
// reads every version from MinFormatVersion to FormatVersion and refuses
// the others with ErrVersion. Version 2 added the header's origin (the
// lineage of a forked match); a file of version 1 reads as one without.
const FormatVersion = 2

// MinFormatVersion is the oldest format version this package reads.
const MinFormatVersion = 1

// Extension is the file name extension of replays.
const Extension = ".skr"

// Record types.
const (
	typeNone     = 0 // unwritten space: the end of the data
	typeFrames   = 1 // a chunk of frames
	typeKeyframe = 2 // a chunk of frames that starts with a world snapshot
	typeFooter   = 3 // the index written by a clean Close
)

// Limits, checked when reading before any allocation. A Writer never
// writes a file that breaks them: it seals a chunk early when its events
// near a cap, and stops recording (ErrBehind) when it cannot. Together they
// bound what one chunk costs a reader: a few MiB to read and decompress,
// about 12 MiB decoded at most (MaxChunkEvents events, MaxChunkTicks
// hashes), and at most MaxTickEvents inputs for the simulation in one tick.
const (
	headerPrefixLen = 18
	recordHeaderLen = 9
	chunkInfoLen    = 12 // first tick, last tick, raw length
	trailerLen      = 16

	// MaxHeaderLen caps the header body (the map source is most of it).
	MaxHeaderLen = 1 << 20
	// MaxMapSourceLen caps the map text stored in the header.
	MaxMapSourceLen = 512 << 10
	// MaxMatchIDLen caps the match id.
	MaxMatchIDLen = 64
	// MaxMapNameLen caps the map name.
	MaxMapNameLen = 64
	// MaxOriginIDLen caps the origin's replay id: a file name.
	MaxOriginIDLen = 255
	// MaxRawLen caps a chunk's decompressed size. A one-second chunk of a
	// full match is a few KiB.
	MaxRawLen = 4 << 20
	// MaxChunkLen caps a chunk record's Length: the chunk info and a zstd
	// frame of at most MaxRawLen bytes, which zstd never makes more than
	// 1/256 larger (plus a few bytes) even for incompressible data.
	MaxChunkLen = chunkInfoLen + MaxRawLen + 64<<10
	// MaxFooterRawLen caps the footer's decompressed size: room for the
	// index of a match of more than two days in one-second chunks.
	MaxFooterRawLen = 16 << 20
	// MaxFooterLen caps the footer record's Length, as MaxChunkLen does a
	// chunk's.
	MaxFooterLen = chunkInfoLen + MaxFooterRawLen + 256<<10
	// MaxChunkTicks caps the ticks one chunk may span. A Writer whose disk
	// stalls for this long fails with ErrBehind.
	MaxChunkTicks = 1 << 16
	// MaxTickEvents caps the events of one tick: as many as a frame
	// message may carry (protocol.MaxEvents). A server takes at most 1024
	// commands a tick, plus its own events (joins, leaves, and the stops
	// of a lost connection: a few per player), well within it.
	MaxTickEvents = 4096
	// MaxChunkEvents caps the events of one chunk. A Writer seals a chunk
	// once it holds half as many, so that a tick loop that takes 1024
	// commands every tick (61,440 a second at 60 Hz, 131,072 at 128 Hz)
	// still writes chunks a reader accepts, whatever the chunk length in
	// ticks.
	MaxChunkEvents = 1 << 16
)

var (
	magic        = [8]byte{'S', 'K', 'I', 'R', 'M', 'R', 'E', 'P'}
	trailerMagic = [8]byte{'S', 'K', 'I', 'R', 'M', 'E', 'N', 'D'}
	castagnoli   = crc32.MakeTable(crc32.Castagnoli)
)

// Error says where in a replay a problem is and why. It wraps ErrCorrupt,
// ErrTruncated or ErrVersion.
type Error struct {
	Where  string // "header", "chunk 12", "footer", "trailer"
	Offset int64  // byte offset of the header, record or trailer; -1 if unknown
	Err    error  // the sentinel: ErrCorrupt, ErrTruncated, ErrVersion
	Detail string // what is wrong
}

// Error says where and why: "replay: chunk 12 at byte 4567: corrupt: CRC ...".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("replay: ")
	b.WriteString(e.Where)
	if e.Offset >= 0 {
		fmt.Fprintf(&b, " at byte %d", e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "replay: "))
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns the sentinel, for errors.Is.
func (e *Error) Unwrap() error { return e.Err }

func errAt(where string, off int64, sentinel error, format string, args ...any) *Error {
	return &Error{Where: where, Offset: off, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
}

func chunkWhere(i int) string { return fmt.Sprintf("chunk %d", i) }

// recordHeader is the fixed part of a record.
type recordHeader struct {
	typ    byte
	length uint32
	crc    uint32
}

var zeroRecordHeader [recordHeaderLen]byte

// parseRecordHeader checks a record's first nine bytes. An all-zero header
// is typeNone (the end of the data); type 0 with anything else set is
// corrupt, as is an unknown type or a length out of bounds.
func parseRecordHeader(b []byte) (recordHeader, string) {
	h := recordHeader{typ: b[0], length: binary.LittleEndian.Uint32(b[1:5]), crc: binary.LittleEndian.Uint32(b[5:9])}
	switch h.typ {
	case typeNone:
		if !bytes.Equal(b[:recordHeaderLen], zeroRecordHeader[:]) {
			return h, "type 0 with non-zero fields"
		}
		return h, ""
	case typeFrames, typeKeyframe, typeFooter:
	default:
		return h, fmt.Sprintf("unknown record type %d", h.typ)
	}
	limit := uint32(MaxChunkLen)
	if h.typ == typeFooter {
		limit = MaxFooterLen
	}
	if h.length < chunkInfoLen || h.length > limit {
		return h, fmt.Sprintf("length %d outside %d..%d", h.length, chunkInfoLen, limit)
	}
	return h, ""
}

// recordCRC computes a record's CRC from its header and body.
func recordCRC(hdr, body []byte) uint32 {
	c := crc32.Update(0, castagnoli, hdr[:5])
	return crc32.Update(c, castagnoli, body)
}

// chunkInfo is the uncompressed part of a record body.
type chunkInfo struct {
	first, last uint32
	rawLen      uint32
}

func parseChunkInfo(body []byte) chunkInfo {
	return chunkInfo{
		first:  binary.LittleEndian.Uint32(body[0:4]),
		last:   binary.LittleEndian.Uint32(body[4:8]),
		rawLen: binary.LittleEndian.Uint32(body[8:12]),
	}
}

// encoder compresses records. EncodeAll is safe for concurrent use.
var encoder = sync.OnceValue(func() *zstd.Encoder {
	e, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
		zstd.WithEncoderCRC(false), // the record has its own CRC-32C
		zstd.WithEncoderConcurrency(1),
		zstd.WithZeroFrames(true),
	)
	if err != nil {
		panic("replay: zstd encoder: " + err.Error()) // the options are constant
	}
	return e
})

// decoder decompresses records. Its window and memory are limited to the
// largest payload (the footer's); each call also limits its output to the
// record's RawLen (decompress), so a chunk never decompresses to more than
// MaxRawLen. DecodeAll is safe for concurrent use.
var decoder = sync.OnceValue(func() *zstd.Decoder {
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderMaxMemory(MaxFooterRawLen),
		zstd.WithDecoderMaxWindow(MaxFooterRawLen),
		zstd.WithDecodeAllCapLimit(true),
		zstd.WithDecoderConcurrency(0),
	)
	if err != nil {
		panic("replay: zstd decoder: " + err.Error())
	}
	return d
})

// appendRecord appends a whole record: header, chunk info, and raw
// compressed.
func appendRecord(dst []byte, typ byte, first, last uint32, raw []byte) []byte {
	start := len(dst)
	var zero [recordHeaderLen + chunkInfoLen]byte
	dst = append(dst, zero[:]...)
	dst = encoder().EncodeAll(raw, dst)
	rec := dst[start:]
	rec[0] = typ
	binary.LittleEndian.PutUint32(rec[1:5], uint32(len(rec)-recordHeaderLen))
	binary.LittleEndian.PutUint32(rec[9:13], first)
	binary.LittleEndian.PutUint32(rec[13:17], last)
	binary.LittleEndian.PutUint32(rec[17:21], uint32(len(raw)))
	binary.LittleEndian.PutUint32(rec[5:9], recordCRC(rec, rec[recordHeaderLen:]))
	return dst
}

// decompress returns the raw payload of a record body whose CRC has been
// checked, in buf if it has room. The detail string is empty on success.
func decompress(body []byte, ci chunkInfo, maxRaw uint32, buf []byte) ([]byte, string) {
	if ci.rawLen > maxRaw {
		return nil, fmt.Sprintf("raw length %d above %d", ci.rawLen, maxRaw)
	}
	if cap(buf) < int(ci.rawLen) {
		buf = make([]byte, 0, ci.rawLen)
	}
	// The capacity limits the output (WithDecodeAllCapLimit): exactly
	// RawLen, however far the frame claims to expand.
	out, err := decoder().DecodeAll(body[chunkInfoLen:], buf[:0:ci.rawLen])
	switch {
	case err != nil:
		return nil, "zstd: " + err.Error()
	case len(out) != int(ci.rawLen):
		return nil, fmt.Sprintf("decompressed to %d bytes, raw length says %d", len(out), ci.rawLen)
	}
	return out, ""
}

// readFull reads len(b) bytes at off, reporting a short read as truncation.
func readFull(r io.ReaderAt, b []byte, off int64) (truncated bool, err error) {
	n, err := r.ReadAt(b, off)
	if n == len(b) {
		return false, nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return true, nil
	}
	return false, err
}
