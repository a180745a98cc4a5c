package replay

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"time"
	"unicode/utf8"

	"github.com/skirmishgg/skirmish/protocol/mpack"
	"github.com/skirmishgg/skirmish/sim"
)

// Header describes a match. The writer's caller fills the first six fields;
// the writer fills the rest.
type Header struct {
	MatchID string
	// Map is the map's name as in assets/maps; MapSource is its text, so
	// that a replay plays even after the map has changed or gone.
	Map       string
	MapSource []byte
	TickRate  int32
	Start     time.Time // when the recording started; stored to the nanosecond, read back in UTC
	// Origin is set for the recording of a match forked from another
	// recording: where its first world comes from. Nil otherwise, and in
	// every file of format version 1.
	Origin *Origin

	// Filled by the writer.
	FormatVersion uint16
	SimVersion    int    // sim.Version of the recording server
	StartTick     uint32 // the tick of the world the recording starts from
}

// Origin is the lineage of a forked match: the recording its first world
// was taken from. A fork keeps its source's tick numbering, so Tick is
// also the fork's StartTick, and Hash is the hash of the fork's first
// snapshot: Verify checks that, and VerifyOrigin checks it against the
// source recording itself.
type Origin struct {
	// Replay is the source recording's id: its file name without the
	// extension, as a server lists it (at most MaxOriginIDLen bytes).
	Replay string `json:"replay"`
	// Tick is the tick of the source's world the fork starts from.
	Tick uint32 `json:"tick"`
	// Hash is the source's world hash at Tick (sim.World.Hash).
	Hash uint64 `json:"hash"`
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
	case h.Origin != nil && (h.Origin.Replay == "" || len(h.Origin.Replay) > MaxOriginIDLen || !utf8.ValidString(h.Origin.Replay)):
		return fmt.Errorf("replay: origin replay id of %d bytes, want 1 to %d of UTF-8", len(h.Origin.Replay), MaxOriginIDLen)
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
	var nanos int64
	if !h.Start.IsZero() {
		nanos = h.Start.UnixNano()
	}
	dst = mpack.Append(dst, func(a *mpack.Appender) {
		a.ArrayLen(8)
		a.Uint(uint64(h.SimVersion))
		a.Uint(uint64(h.TickRate))
		a.Uint(uint64(h.StartTick))
		a.Str(h.MatchID)
		a.Str(h.Map)
		a.Bin(h.MapSource)
		a.Int(nanos)
		if o := h.Origin; o != nil {
			a.ArrayLen(3)
			a.Str(o.Replay)
			a.Uint(uint64(o.Tick))
			a.Uint(o.Hash)
		} else {
			a.Nil()
		}
	})
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
	case v < MinFormatVersion || v > FormatVersion:
		return 0, errAt("header", 0, ErrVersion, "format version %d, this reader reads %d to %d", v, MinFormatVersion, FormatVersion)
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
	r := mpack.GetReader(body)
	defer mpack.PutReader(r)
	var h Header
	h.FormatVersion = binary.LittleEndian.Uint16(prefix[8:10])
	// Version 1 has the first 7 fields; version 2 adds the origin.
	fields := 7
	if h.FormatVersion >= 2 {
		fields = 8
	}
	r.ArrayLen("fields", fields, fields)
	h.SimVersion = int(r.Int("sim version", 0, 1<<31-1))
	h.TickRate = int32(r.Int("tick rate", sim.MinTickRate, sim.MaxTickRate))
	h.StartTick = r.Uint32("start tick")
	h.MatchID = r.Str("match id", MaxMatchIDLen)
	h.Map = r.Str("map", MaxMapNameLen)
	h.MapSource = append([]byte(nil), r.Bin("map source", MaxMapSourceLen)...)
	nanos := r.Int("start time", -1<<63, 1<<63-1)
	if fields == 8 && !r.Nil() {
		r.ArrayLen("origin", 3, 3)
		h.Origin = &Origin{
			Replay: r.Str("origin replay id", MaxOriginIDLen),
			Tick:   r.Uint32("origin tick"),
			Hash:   r.Uint64("origin hash"),
		}
		if h.Origin.Replay == "" && r.Err() == nil {
			return Header{}, errAt("header", 0, ErrCorrupt, "body: origin with an empty replay id")
		}
	}
	if err := r.End("header"); err != nil {
		return Header{}, errAt("header", 0, ErrCorrupt, "body %v", err)
	}
	if nanos != 0 {
		h.Start = time.Unix(0, nanos).UTC()
	}
	return h, nil
}
