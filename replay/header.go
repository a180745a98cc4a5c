package replay

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"

	"github.com/skirmishgg/skirmish/sim"
)

// Header describes a match. The writer's caller fills the first five fields;
// the writer fills the rest.
type Header struct {
	MatchID string
	// Map is the map's name as in assets/maps; MapSource is its text, so
	// that a replay plays even after the map has changed or gone.
	Map       string
	MapSource []byte
	TickRate  int32
	Start     time.Time // when the recording started; stored to the nanosecond, read back in UTC

	// Filled by the writer.
	FormatVersion uint16
	SimVersion    int    // sim.Version of the recording server
	StartTick     uint32 // the tick of the world the recording starts from
}

// ParseMap parses the map stored in the header.
func (h *Header) ParseMap() (*sim.Map, error) { return sim.ParseMap(h.Map, h.MapSource) }

// check validates the caller's fields before anything is written.
func (h *Header) check() error {
	switch {
	case len(h.MatchID) > MaxMatchIDLen:
		return fmt.Errorf("replay: match id of %d bytes, limit %d", len(h.MatchID), MaxMatchIDLen)
	case h.Map == "" || len(h.Map) > MaxMapNameLen:
		return fmt.Errorf("replay: map name of %d bytes, want 1 to %d", len(h.Map), MaxMapNameLen)
	case len(h.MapSource) == 0 || len(h.MapSource) > MaxMapSourceLen:
		return fmt.Errorf("replay: map source of %d bytes, want 1 to %d", len(h.MapSource), MaxMapSourceLen)
	case h.TickRate < sim.MinTickRate || h.TickRate > sim.MaxTickRate:
		return fmt.Errorf("replay: tick rate %d outside %d..%d", h.TickRate, sim.MinTickRate, sim.MaxTickRate)
	}
	return nil
}

// appendHeader appends the encoded header (prefix and body) to dst.
func appendHeader(dst []byte, h *Header) []byte {
	start := len(dst)
	dst = append(dst, magic[:]...)
	dst = binary.LittleEndian.AppendUint16(dst, FormatVersion)
	dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0) // body length and CRC, filled below
	body := len(dst)
	dst = appendArrayLen(dst, 7)
	dst = appendUint(dst, uint64(h.SimVersion))
	dst = appendUint(dst, uint64(h.TickRate))
	dst = appendUint(dst, uint64(h.StartTick))
	dst = appendStr(dst, h.MatchID)
	dst = appendStr(dst, h.Map)
	dst = appendBin(dst, h.MapSource)
	var nanos int64
	if !h.Start.IsZero() {
		nanos = h.Start.UnixNano()
	}
	dst = appendInt(dst, nanos)
	hdr := dst[start:]
	binary.LittleEndian.PutUint32(hdr[10:14], uint32(len(dst)-body))
	c := crc32.Update(0, castagnoli, hdr[:14])
	c = crc32.Update(c, castagnoli, dst[body:])
	binary.LittleEndian.PutUint32(hdr[14:18], c)
	return dst
}

// parseHeaderPrefix checks the first 18 bytes and returns the body length.
func parseHeaderPrefix(p []byte) (bodyLen int, err error) {
	if [8]byte(p[:8]) != magic {
		return 0, errAt("header", 0, ErrCorrupt, "bad magic %q, want %q (not a Skirmish replay)", p[:8], magic[:])
	}
	v := binary.LittleEndian.Uint16(p[8:10])
	switch {
	case v == 0:
		return 0, errAt("header", 0, ErrCorrupt, "format version 0")
	case v != FormatVersion:
		return 0, errAt("header", 0, ErrVersion, "format version %d, this reader reads %d", v, FormatVersion)
	}
	n := binary.LittleEndian.Uint32(p[10:14])
	if n == 0 || n > MaxHeaderLen {
		return 0, errAt("header", 0, ErrCorrupt, "body length %d outside 1..%d", n, MaxHeaderLen)
	}
	return int(n), nil
}

// parseHeaderBody checks the CRC and decodes the body.
func parseHeaderBody(prefix, body []byte) (Header, error) {
	c := crc32.Update(0, castagnoli, prefix[:14])
	c = crc32.Update(c, castagnoli, body)
	if want := binary.LittleEndian.Uint32(prefix[14:18]); c != want {
		return Header{}, errAt("header", 0, ErrCorrupt, "CRC %08x, computed %08x", want, c)
	}
	r := mpReader{b: body, what: "body"}
	var h Header
	h.FormatVersion = FormatVersion
	r.arrayLen("fields", 7, 7)
	h.SimVersion = int(r.int("sim version", 0, 1<<31-1))
	h.TickRate = int32(r.int("tick rate", sim.MinTickRate, sim.MaxTickRate))
	h.StartTick = r.uint32("start tick")
	h.MatchID = r.str("match id", MaxMatchIDLen)
	h.Map = r.str("map", MaxMapNameLen)
	h.MapSource = append([]byte(nil), r.raw("map source", false, MaxMapSourceLen)...)
	nanos := r.int("start time", -1<<63, 1<<63-1)
	if r.err == nil && !r.done() {
		r.fail("%d bytes after the header", len(r.b)-r.off)
	}
	if r.err != nil {
		return Header{}, errAt("header", 0, ErrCorrupt, "%v", r.err)
	}
	if nanos != 0 {
		h.Start = time.Unix(0, nanos).UTC()
	}
	return h, nil
}
