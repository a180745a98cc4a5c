package replay

import (
	"encoding/binary"
	"math"

	"github.com/skirmishgg/skirmish/sim"
)

// The footer payload, msgpack:
//
//	[ [record length, ticks, keyframe, record length, ticks, keyframe, ...],
//	  [[player id, name], ...] ]
//
// The index holds three values per chunk, in file order: its record's length
// in bytes, the ticks it covers, and whether it is a keyframe. Chunks follow
// each other without gaps, in bytes from the end of the header and in ticks
// from the header's start tick + 1, so offsets and tick spans are running
// sums. Then every player who took part (those of the initial world, then
// each join) in order of appearance.

func appendFooter(b []byte, index []indexEntry, players []PlayerInfo) []byte {
	b = appendArrayLen(b, 2)
	b = appendArrayLen(b, 3*len(index))
	for _, e := range index {
		b = appendUint(b, uint64(e.length))
		b = appendUint(b, uint64(e.last-e.first+1))
		b = appendBool(b, e.keyframe)
	}
	b = appendArrayLen(b, len(players))
	for _, p := range players {
		b = appendArrayLen(b, 2)
		b = appendUint(b, uint64(p.ID))
		b = appendStr(b, p.Name)
	}
	return b
}

func putTrailer(b []byte, footerOff int64) {
	binary.LittleEndian.PutUint64(b[0:8], uint64(footerOff))
	copy(b[8:16], trailerMagic[:])
}

// decodeFooter decodes the footer payload and checks the index against the
// file: chunks contiguous in bytes and in ticks, the first a keyframe that
// starts right after the header's start tick, all before the footer.
func decodeFooter(raw []byte, headerLen, footerOff int64, startTick uint32) ([]indexEntry, []PlayerInfo, string) {
	r := mpReader{b: raw, what: "payload"}
	r.arrayLen("footer", 2, 2)
	n := r.arrayLen("index", 0, len(raw))
	if r.err == nil && n%3 != 0 {
		r.fail("index of %d values, want three per chunk", n)
	}
	var index []indexEntry
	if n > 0 && r.err == nil {
		index = make([]indexEntry, 0, n/3)
	}
	off, next := headerLen, startTick+1
	for i := 0; i < n/3 && r.err == nil; i++ {
		e := indexEntry{off: off, first: next}
		e.length = r.int("length", recordHeaderLen+chunkInfoLen, recordHeaderLen+MaxChunkLen)
		ticks := uint32(r.int("ticks", 1, MaxChunkTicks))
		e.keyframe = r.bool("keyframe")
		e.last = e.first + ticks - 1
		switch {
		case r.err != nil:
		case e.first == 0 || e.last < e.first:
			r.fail("chunk %d passes the last tick", i)
		case i == 0 && !e.keyframe:
			r.fail("chunk 0 is not a keyframe")
		case off+e.length > footerOff:
			r.fail("chunk %d ends at byte %d, after the footer at %d", i, off+e.length, footerOff)
		}
		off += e.length
		next = e.last + 1
		index = append(index, e)
	}
	if r.err == nil && off != footerOff {
		r.fail("chunks end at byte %d, the footer is at %d", off, footerOff)
	}
	np := r.arrayLen("players", 0, len(raw)/3)
	var players []PlayerInfo
	for i := 0; i < np && r.err == nil; i++ {
		r.arrayLen("player", 2, 2)
		id := sim.PlayerID(r.int("player id", 1, math.MaxUint32))
		players = append(players, PlayerInfo{ID: id, Name: r.str("name", sim.MaxNameLen)})
	}
	if r.err == nil && !r.done() {
		r.fail("%d bytes after the footer", len(r.b)-r.off)
	}
	if r.err != nil {
		return nil, nil, r.err.Error()
	}
	return index, players, ""
}
