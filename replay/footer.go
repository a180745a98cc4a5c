package replay

import (
	"encoding/binary"
	"math"

	"github.com/skirmishgg/skirmish/protocol/mpack"
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
	return mpack.Append(b, func(a *mpack.Appender) {
		a.ArrayLen(2)
		a.ArrayLen(3 * len(index))
		for _, e := range index {
			a.Uint(uint64(e.length))
			a.Uint(uint64(e.last - e.first + 1))
			a.Bool(e.keyframe)
		}
		a.ArrayLen(len(players))
		for _, p := range players {
			a.ArrayLen(2)
			a.Uint(uint64(p.ID))
			a.Str(p.Name)
		}
	})
}

func putTrailer(b []byte, footerOff int64) {
	binary.LittleEndian.PutUint64(b[0:8], uint64(footerOff))
	copy(b[8:16], trailerMagic[:])
}

// decodeFooter decodes the footer payload and checks the index against the
// file: chunks contiguous in bytes and in ticks, the first a keyframe that
// starts right after the header's start tick, all before the footer.
func decodeFooter(raw []byte, headerLen, footerOff int64, startTick uint32) ([]indexEntry, []PlayerInfo, string) {
	r := mpack.GetReader(raw)
	defer mpack.PutReader(r)
	r.ArrayLen("footer", 2, 2)
	n := r.ArrayLen("index", 0, len(raw))
	if r.Err() == nil && n%3 != 0 {
		r.Fail("index of %d values, want three per chunk", n)
	}
	var index []indexEntry
	if n > 0 && r.Err() == nil {
		index = make([]indexEntry, 0, n/3)
	}
	off, next := headerLen, startTick+1
	for i := 0; i < n/3 && r.Err() == nil; i++ {
		e := indexEntry{off: off, first: next}
		e.length = r.Int("length", recordHeaderLen+chunkInfoLen, recordHeaderLen+MaxChunkLen)
		ticks := uint32(r.Int("ticks", 1, MaxChunkTicks))
		e.keyframe = r.Bool("keyframe")
		e.last = e.first + ticks - 1
		switch {
		case r.Err() != nil:
		case e.first == 0 || e.last < e.first:
			r.Fail("chunk %d passes the last tick", i)
		case i == 0 && !e.keyframe:
			r.Fail("chunk 0 is not a keyframe")
		case off+e.length > footerOff:
			r.Fail("chunk %d ends at byte %d, after the footer at %d", i, off+e.length, footerOff)
		}
		off += e.length
		next = e.last + 1
		index = append(index, e)
	}
	if r.Err() == nil && off != footerOff {
		r.Fail("chunks end at byte %d, the footer is at %d", off, footerOff)
	}
	np := r.ArrayLen("players", 0, len(raw)/3)
	var players []PlayerInfo
	for i := 0; i < np && r.Err() == nil; i++ {
		r.ArrayLen("player", 2, 2)
		id := sim.PlayerID(r.Int("player id", 1, math.MaxUint32))
		players = append(players, PlayerInfo{ID: id, Name: r.Str("name", sim.MaxNameLen)})
	}
	if err := r.End("footer"); err != nil {
		return nil, nil, "payload " + err.Error()
	}
	return index, players, ""
}
