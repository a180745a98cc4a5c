package replay

import (
	"container/list"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// Reader reads a replay: its header and index, its frames, the world at any
// tick. Open a file with Open, anything else with NewReader. A Reader is safe
// for concurrent use; the Cursors it makes are not.
type Reader struct {
	ra      io.ReaderAt
	size    int64
	closer  io.Closer
	hdr     Header
	rawHdr  []byte
	m       *sim.Map
	index   []indexEntry
	keys    []int // indices of the keyframe chunks
	players []PlayerInfo

	recovered  bool
	lost       int64
	lostReason string
	lostErr    error
	lostChunk  bool // the scan stopped at a chunk that is complete but unreadable
	footerLen  int64

	mu    sync.Mutex
	cache *chunkCache
	pace  func() // during the scan; see ReadOptions
}

// Info summarizes a replay.
type Info struct {
	MatchID       string
	Map           string // the map's id, as in assets/maps
	MapName       string // its human name, from the map text
	Start         time.Time
	TickRate      int32
	FormatVersion uint16
	SimVersion    int
	// Origin is where a forked match's first world comes from; nil for a
	// match that was not forked.
	Origin *Origin
	// FirstTick is the tick of the world the recording starts from; frames
	// follow from FirstTick+1 to LastTick. Ticks is LastTick-FirstTick.
	FirstTick, LastTick, Ticks uint32
	Duration                   time.Duration
	Players                    []PlayerInfo
	Size                       int64 // the file
	HeaderSize                 int64
	ChunkBytes                 int64 // all chunk records
	KeyframeBytes              int64 // the keyframe chunk records among them
	FooterSize                 int64 // footer record and trailer; 0 without
	Chunks, Keyframes          int
	// Recovered is true for a file without a footer (a crashed or
	// unfinished match): its chunks were found by scanning. Lost counts the
	// bytes after the last complete chunk, and LostReason says what they
	// were (a torn write, zeros, ...). LostErr is the error that ended the
	// scan: it wraps ErrTruncated for a record cut short (what a crash
	// leaves) and ErrCorrupt for one that is complete but unreadable.
	Recovered  bool
	Lost       int64
	LostReason string
	LostErr    error
}

// Open opens the replay file at path. Symbolic links are followed, but a
// path that does not lead to a regular file (a named pipe, a device, a
// directory) fails at once with ErrNotRegular. Files of a replay directory
// are opened with a Dir instead, which follows no link.
func Open(path string) (*Reader, error) {
	f, st, err := openFile(path)
	if err != nil {
		return nil, err // an *fs.PathError, which names the file
	}
	return newFileReader(f, st, ReadOptions{})
}

// newFileReader reads the open file f; the Reader owns it.
func newFileReader(f *os.File, st os.FileInfo, o ReadOptions) (*Reader, error) {
	r, err := newReader(f, st.Size(), o)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads the replay in the first size bytes of ra. It reads the
// header and the footer's index, or, when there is no footer, scans the file
// and recovers every complete chunk.
func NewReader(ra io.ReaderAt, size int64) (*Reader, error) {
	return newReader(ra, size, ReadOptions{})
}

// ReadOptions configure how a file is read (Dir.OpenWith). The zero value
// is the default.
type ReadOptions struct {
	// Pace, if set, is called after each chunk while a file without a
	// footer is scanned (which decodes every chunk), so that a caller
	// reading in the background can spread the work; it may sleep.
	Pace func()
}

func newReader(ra io.ReaderAt, size int64, o ReadOptions) (*Reader, error) {
	r := &Reader{ra: ra, size: size, cache: newChunkCache(), pace: o.Pace}
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	hasTrailer, err := r.hasTrailer()
	if err != nil {
		return nil, err
	}
	if hasTrailer {
		err = r.readFooter()
	} else {
		err = r.scan()
	}
	if err != nil {
		return nil, err
	}
	for i, e := range r.index {
		if e.keyframe {
			r.keys = append(r.keys, i)
		}
	}
	return r, nil
}

func (r *Reader) readHeader() error {
	prefix := make([]byte, headerPrefixLen)
	if trunc, err := readFull(r.ra, prefix, 0); err != nil {
		return fmt.Errorf("replay: reading header: %w", err)
	} else if trunc {
		if r.size >= 8 && [8]byte(prefix[:8]) != magic {
			return errAt("header", 0, ErrCorrupt, "bad magic %q (not a Skirmish replay)", prefix[:8])
		}
		return errAt("header", 0, ErrTruncated, "file of %d bytes", r.size)
	}
	n, err := parseHeaderPrefix(prefix)
	if err != nil {
		return err
	}
	if int64(headerPrefixLen+n) > r.size {
		return errAt("header", 0, ErrTruncated, "body of %d bytes in a file of %d", n, r.size)
	}
	raw := make([]byte, headerPrefixLen+n)
	copy(raw, prefix)
	if trunc, err := readFull(r.ra, raw[headerPrefixLen:], headerPrefixLen); err != nil {
		return fmt.Errorf("replay: reading header: %w", err)
	} else if trunc {
		return errAt("header", 0, ErrTruncated, "body of %d bytes", n)
	}
	h, err := parseHeaderBody(prefix, raw[headerPrefixLen:])
	if err != nil {
		return err
	}
	m, err := h.ParseMap()
	if err != nil {
		return errAt("header", 0, ErrCorrupt, "map: %v", err)
	}
	r.hdr, r.rawHdr, r.m = h, raw, m
	return nil
}

func (r *Reader) headerLen() int64 { return int64(len(r.rawHdr)) }

// hasTrailer reports whether the file ends in a trailer.
func (r *Reader) hasTrailer() (bool, error) {
	if r.size < r.headerLen()+trailerLen {
		return false, nil
	}
	var tr [trailerLen]byte
	if _, err := readFull(r.ra, tr[:], r.size-trailerLen); err != nil {
		return false, fmt.Errorf("replay: reading trailer: %w", err)
	}
	return [8]byte(tr[8:16]) == trailerMagic, nil
}

// readRecord reads and checks the record at off, of at most limit bytes,
// and returns its header and its exact bytes. A record of type 0 (nine zero
// bytes) comes back with a nil record and no error.
func readRecord(ra io.ReaderAt, where string, off, limit int64) (recordHeader, []byte, error) {
	if limit < recordHeaderLen {
		return recordHeader{}, nil, errAt(where, off, ErrTruncated, "%d bytes left, a record header takes %d", max(limit, 0), recordHeaderLen)
	}
	var hb [recordHeaderLen]byte
	if trunc, err := readFull(ra, hb[:], off); err != nil {
		return recordHeader{}, nil, fmt.Errorf("replay: reading %s: %w", where, err)
	} else if trunc {
		return recordHeader{}, nil, errAt(where, off, ErrTruncated, "record header")
	}
	h, detail := parseRecordHeader(hb[:])
	if detail != "" {
		return h, nil, errAt(where, off, ErrCorrupt, "%s", detail)
	}
	if h.typ == typeNone {
		return h, nil, nil
	}
	if int64(h.length) > limit-recordHeaderLen {
		return h, nil, errAt(where, off, ErrTruncated, "record of %d bytes, %d left", h.length, limit-recordHeaderLen)
	}
	rec := make([]byte, recordHeaderLen+int(h.length))
	copy(rec, hb[:])
	if trunc, err := readFull(ra, rec[recordHeaderLen:], off+recordHeaderLen); err != nil {
		return h, nil, fmt.Errorf("replay: reading %s: %w", where, err)
	} else if trunc {
		return h, nil, errAt(where, off, ErrTruncated, "record of %d bytes", h.length)
	}
	if c := recordCRC(rec, rec[recordHeaderLen:]); c != h.crc {
		return h, nil, errAt(where, off, ErrCorrupt, "CRC %08x, computed %08x", h.crc, c)
	}
	return h, rec, nil
}

func (r *Reader) readFooter() error {
	var tr [trailerLen]byte
	if _, err := readFull(r.ra, tr[:], r.size-trailerLen); err != nil {
		return fmt.Errorf("replay: reading trailer: %w", err)
	}
	off := int64(binary.LittleEndian.Uint64(tr[0:8]))
	end := r.size - trailerLen
	if off < r.headerLen() || off > end-recordHeaderLen-chunkInfoLen {
		return errAt("trailer", end, ErrCorrupt, "footer offset %d outside %d..%d", off, r.headerLen(), end)
	}
	h, rec, err := readRecord(r.ra, "footer", off, end-off)
	var perr *Error
	if errors.As(err, &perr) && perr.Err == ErrTruncated {
		// The trailer says the file is complete: a footer that runs past
		// it is corrupt, not cut short.
		perr.Err = ErrCorrupt
	}
	if err != nil {
		return err
	}
	body := rec[recordHeaderLen:]
	switch {
	case h.typ != typeFooter:
		return errAt("footer", off, ErrCorrupt, "record type %d, want %d", h.typ, typeFooter)
	case off+recordHeaderLen+int64(h.length) != end:
		return errAt("footer", off, ErrCorrupt, "record ends at byte %d, the trailer is at %d", off+recordHeaderLen+int64(h.length), end)
	}
	ci := parseChunkInfo(body)
	raw, detail := decompress(body, ci, MaxFooterRawLen, nil)
	if detail != "" {
		return errAt("footer", off, ErrCorrupt, "%s", detail)
	}
	index, players, detail := decodeFooter(raw, r.headerLen(), off, r.hdr.StartTick)
	if detail != "" {
		return errAt("footer", off, ErrCorrupt, "%s", detail)
	}
	first, last := r.hdr.StartTick+1, r.hdr.StartTick
	if len(index) > 0 {
		first, last = index[0].first, index[len(index)-1].last
	}
	if ci.first != first || ci.last != last {
		return errAt("footer", off, ErrCorrupt, "ticks %d..%d, the index has %d..%d", ci.first, ci.last, first, last)
	}
	r.index, r.players = index, players
	r.footerLen = r.size - off
	return nil
}

// scan recovers the chunks of a file without a footer: every complete,
// CRC-valid chunk that continues the ticks of the one before, up to the
// first that is not.
func (r *Reader) scan() error {
	r.recovered = true
	return r.scanFrom(r.headerLen(), r.hdr.StartTick+1, map[PlayerInfo]bool{})
}

// scanFrom scans from byte off, where a chunk starting at tick next is
// expected, appending to the index; seen holds the players already listed.
func (r *Reader) scanFrom(off int64, next uint32, seen map[PlayerInfo]bool) error {
	var scratch *ChunkContent // each chunk is decoded into the last one's memory
	for off < r.size {
		i := len(r.index)
		where := chunkWhere(i)
		h, rec, err := readRecord(r.ra, where, off, r.size-off)
		unread := err != nil // the record's own checks failed (not its content's)
		if err == nil && h.typ == typeNone {
			err = errAt(where, off, ErrTruncated, "zeros where a record should begin")
		}
		if err == nil && h.typ == typeFooter {
			err = errAt(where, off, ErrCorrupt, "footer without a trailer")
		}
		var c *ChunkContent
		if err == nil {
			var detail string
			c, detail = decodeChunkBody(h.typ, rec[recordHeaderLen:], scratch)
			if c != nil {
				scratch = c
			}
			switch {
			case detail != "":
				err = errAt(where, off, ErrCorrupt, "%s", detail)
			case c.First != next:
				err = errAt(where, off, ErrCorrupt, "first tick %d, want %d", c.First, next)
			case i == 0 && !c.Keyframe():
				err = errAt(where, off, ErrCorrupt, "the first chunk is not a keyframe")
			}
		}
		if err != nil {
			perr, ok := err.(*Error)
			if !ok {
				return err // an I/O error, not the file's content
			}
			if unread && h.typ != typeFooter && r.tornTail(off, h) {
				perr.Err = ErrTruncated
				perr.Detail += " (a torn write: the file ends in zeros inside the record)"
			}
			r.lost, r.lostReason, r.lostErr = r.size-off, err.Error(), err
			// A footer without its trailer loses no chunk; anything else
			// but a write cut short is a chunk that cannot be read.
			r.lostChunk = h.typ != typeFooter && errors.Is(err, ErrCorrupt)
			break
		}
		if i == 0 {
			if w, err := sim.Restore(r.m, c.Snapshot); err == nil {
				for _, p := range w.Players {
					r.addPlayer(seen, PlayerInfo{p.ID, p.Name})
				}
			}
		}
		for _, f := range c.Frames {
			for _, ev := range f.Events {
				if ev.Input.Action == sim.Join {
					r.addPlayer(seen, PlayerInfo{ev.Input.Player, ev.Input.Name})
				}
			}
		}
		n := int64(recordHeaderLen) + int64(h.length)
		r.index = append(r.index, indexEntry{off: off, length: n, first: c.First, last: c.Last, keyframe: c.Keyframe()})
		off += n
		next = c.Last + 1
		if r.pace != nil {
			r.pace()
		}
	}
	return nil
}

// tornTail reports whether the record at off, which failed its checks, is
// what a crash in the middle of writing it leaves: a record that reaches
// exactly to the end of the file and whose last bytes are zeros (file
// systems extend a file before its data reaches the disk). A record that
// fails otherwise is corrupt.
func (r *Reader) tornTail(off int64, h recordHeader) bool {
	const zeros = 8
	if h.typ == typeNone || off+recordHeaderLen+int64(h.length) != r.size || h.length < zeros {
		return false
	}
	var b [zeros]byte
	if trunc, err := readFull(r.ra, b[:], r.size-zeros); err != nil || trunc {
		return false
	}
	return b == [zeros]byte{}
}

// Grow returns a Reader of the same recording that also holds the chunks
// sealed after r's: those in the first size bytes of ra, which must hold
// the bytes r was read from as its prefix. It is how a recording that is
// still being written is read as it grows (a live stream kept in memory, a
// file being written): only the new bytes are scanned, as for a file
// without a footer. r is not changed and stays valid; Cursor.Rebase moves a
// cursor onto the grown Reader. The grown Reader does not own ra: its Close
// closes nothing. A Reader of a file with a footer does not grow.
func (r *Reader) Grow(ra io.ReaderAt, size int64) (*Reader, error) {
	if !r.recovered {
		return nil, fmt.Errorf("replay: the recording is complete (it has a footer) and does not grow")
	}
	off, next := r.headerLen(), r.hdr.StartTick+1
	if n := len(r.index); n > 0 {
		off, next = r.index[n-1].off+r.index[n-1].length, r.index[n-1].last+1
	}
	if size < off {
		return nil, fmt.Errorf("replay: %d bytes, fewer than the %d already read", size, off)
	}
	g := &Reader{ra: ra, size: size, hdr: r.hdr, rawHdr: r.rawHdr, m: r.m, recovered: true,
		// Clipped, so that appending copies: r and any other Reader grown
		// from it keep their own.
		index: slices.Clip(r.index), keys: slices.Clip(r.keys), players: slices.Clip(r.players),
		cache: newChunkCache()}
	seen := make(map[PlayerInfo]bool, len(g.players))
	for _, p := range g.players {
		seen[p] = true
	}
	n := len(g.index)
	if err := g.scanFrom(off, next, seen); err != nil {
		return nil, err
	}
	for i := n; i < len(g.index); i++ {
		if g.index[i].keyframe {
			g.keys = append(g.keys, i)
		}
	}
	return g, nil
}

func (r *Reader) addPlayer(seen map[PlayerInfo]bool, p PlayerInfo) {
	if !seen[p] {
		seen[p] = true
		r.players = append(r.players, p)
	}
}

// Header returns the replay's header.
func (r *Reader) Header() Header { return r.hdr }

// RawHeader returns the header's exact bytes; the caller must not modify
// them.
func (r *Reader) RawHeader() []byte { return r.rawHdr }

// Map returns the replay's map, parsed from the header.
func (r *Reader) Map() *sim.Map { return r.m }

// Info summarizes the replay.
func (r *Reader) Info() Info {
	in := Info{
		MatchID:       r.hdr.MatchID,
		Map:           r.hdr.Map,
		MapName:       r.m.Name,
		Start:         r.hdr.Start,
		TickRate:      r.hdr.TickRate,
		FormatVersion: r.hdr.FormatVersion,
		SimVersion:    r.hdr.SimVersion,
		Origin:        r.hdr.Origin,
		FirstTick:     r.hdr.StartTick,
		LastTick:      r.hdr.StartTick,
		Players:       append([]PlayerInfo(nil), r.players...),
		Size:          r.size,
		HeaderSize:    r.headerLen(),
		FooterSize:    r.footerLen,
		Chunks:        len(r.index),
		Keyframes:     len(r.keys),
		Recovered:     r.recovered,
		Lost:          r.lost,
		LostReason:    r.lostReason,
		LostErr:       r.lostErr,
	}
	if n := len(r.index); n > 0 {
		in.LastTick = r.index[n-1].last
	}
	in.Ticks = in.LastTick - in.FirstTick
	in.Duration = time.Duration(in.Ticks) * time.Second / time.Duration(r.hdr.TickRate)
	for _, e := range r.index {
		in.ChunkBytes += e.length
		if e.keyframe {
			in.KeyframeBytes += e.length
		}
	}
	return in
}

// KeyframeTicks returns the ticks of the worlds the keyframes hold (each
// keyframe chunk's first tick - 1), in order: the ticks Seek reaches
// without simulating.
func (r *Reader) KeyframeTicks() []uint32 {
	ticks := make([]uint32, len(r.keys))
	for i, k := range r.keys {
		ticks[i] = r.index[k].first - 1
	}
	return ticks
}

// Close closes the file opened by Open.
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// Chunk returns chunk i's place and exact bytes, checked against its CRC.
func (r *Reader) Chunk(i int) (*Chunk, error) {
	if i < 0 || i >= len(r.index) {
		return nil, fmt.Errorf("%w: chunk %d of %d", ErrRange, i, len(r.index))
	}
	e := r.index[i]
	where := chunkWhere(i)
	h, rec, err := readRecord(r.ra, where, e.off, r.size-e.off)
	if err != nil {
		return nil, err
	}
	want := byte(typeFrames)
	if e.keyframe {
		want = typeKeyframe
	}
	switch {
	case h.typ != want:
		return nil, errAt(where, e.off, ErrCorrupt, "record type %d, the index says %d", h.typ, want)
	case int64(len(rec)) != e.length:
		return nil, errAt(where, e.off, ErrCorrupt, "record of %d bytes, the index says %d", len(rec), e.length)
	}
	ci := parseChunkInfo(rec[recordHeaderLen:])
	if ci.first != e.first || ci.last != e.last {
		return nil, errAt(where, e.off, ErrCorrupt, "ticks %d..%d, the index says %d..%d", ci.first, ci.last, e.first, e.last)
	}
	return &Chunk{Index: i, Offset: e.off, First: e.first, Last: e.last, Keyframe: e.keyframe, Raw: rec}, nil
}

// content returns chunk i decoded, from the cache when it can, and keeps
// it there.
func (r *Reader) content(i int) (*ChunkContent, error) {
	r.mu.Lock()
	c := r.cache.get(i)
	r.mu.Unlock()
	if c != nil {
		return c, nil
	}
	ch, err := r.Chunk(i)
	if err != nil {
		return nil, err
	}
	c, err = ch.Decode()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.cache.put(i, c)
	r.mu.Unlock()
	return c, nil
}

// walker reads the chunks of a walk through the whole recording (Verify,
// Play): what is not in the cache is decoded into the memory of the last
// chunk it decoded, and not cached, since the walk will not come back to
// it. It holds one chunk at a time.
type walker struct {
	r       *Reader
	scratch *ChunkContent
}

func (w *walker) chunk(i int) (*ChunkContent, error) {
	w.r.mu.Lock()
	c := w.r.cache.get(i)
	w.r.mu.Unlock()
	if c != nil {
		return c, nil // the cache's: never decoded into
	}
	ch, err := w.r.Chunk(i)
	if err != nil {
		return nil, err
	}
	if c, err = ch.DecodeReuse(w.scratch); err != nil {
		return nil, err
	}
	w.scratch = c
	return c, nil
}

// chunkAt returns the index of the chunk that holds tick.
func (r *Reader) chunkAt(tick uint32) int {
	return sort.Search(len(r.index), func(i int) bool { return r.index[i].last >= tick })
}

// keyframeFor returns the index of the last keyframe chunk whose snapshot
// (the world at its first tick - 1) is at or before tick.
func (r *Reader) keyframeFor(tick uint32) int {
	k := sort.Search(len(r.keys), func(j int) bool { return r.index[r.keys[j]].first-1 > tick })
	if k == 0 {
		return 0 // not reached: chunk 0 is a keyframe and callers check the tick
	}
	return r.keys[k-1]
}

func (r *Reader) checkPlayable(tick uint32) error {
	if r.hdr.SimVersion != sim.Version {
		return fmt.Errorf("%w: recorded with simulation version %d, this build simulates version %d", ErrVersion, r.hdr.SimVersion, sim.Version)
	}
	if len(r.index) == 0 {
		return fmt.Errorf("%w: tick %d: the recording has no ticks", ErrRange, tick)
	}
	if first, last := r.index[0].first-1, r.index[len(r.index)-1].last; tick < first || tick > last {
		return fmt.Errorf("%w: tick %d is outside the recording, %d..%d", ErrRange, tick, first, last)
	}
	return nil
}

// restore returns the world of keyframe chunk k's snapshot.
func (r *Reader) restore(k int) (*sim.World, error) {
	c, err := r.content(k)
	if err != nil {
		return nil, err
	}
	w, err := sim.Restore(r.m, c.Snapshot)
	if err != nil {
		return nil, errAt(chunkWhere(k), r.index[k].off, ErrCorrupt, "snapshot: %v", err)
	}
	if w.Tick != c.First-1 || w.TickRate != r.hdr.TickRate {
		return nil, errAt(chunkWhere(k), r.index[k].off, ErrCorrupt, "snapshot of tick %d at %d Hz, want tick %d at %d Hz", w.Tick, w.TickRate, c.First-1, r.hdr.TickRate)
	}
	return w, nil
}

// Seek returns the world at tick: the nearest keyframe at or before it,
// restored and fast-forwarded.
func (r *Reader) Seek(tick uint32) (*sim.World, error) {
	if err := r.checkPlayable(tick); err != nil {
		return nil, err
	}
	k := r.keyframeFor(tick)
	w, err := r.restore(k)
	if err != nil {
		return nil, err
	}
	if err := r.forward(w, tick, nil, true, nil); err != nil {
		return nil, err
	}
	return w, nil
}

// forward steps w to tick, calling fn after each tick; keep says whether
// the chunks it decodes are cached (not for a walk through the whole
// recording).
func (r *Reader) forward(w *sim.World, tick uint32, inputs []sim.Input, keep bool, fn func(f *protocol.Frame, w *sim.World) error) error {
	if inputs == nil {
		inputs = make([]sim.Input, 0, 64)
	}
	wk := walker{r: r}
	for w.Tick < tick {
		i := r.chunkAt(w.Tick + 1)
		var c *ChunkContent
		var err error
		if keep {
			c, err = r.content(i)
		} else {
			c, err = wk.chunk(i)
		}
		if err != nil {
			return err
		}
		if err := c.playTo(w, min(tick, c.Last), &inputs, fn); err != nil {
			return err
		}
	}
	return nil
}

// Play replays the whole recording from its first keyframe, calling fn
// after every tick with the tick's frame (empty when the tick had no events;
// valid only during the call) and the world after it. It is how
// projections are built.
func (r *Reader) Play(fn func(f *protocol.Frame, w *sim.World) error) error {
	if len(r.index) == 0 {
		return nil
	}
	last := r.index[len(r.index)-1].last
	if err := r.checkPlayable(last); err != nil {
		return err
	}
	w, err := r.restore(0)
	if err != nil {
		return err
	}
	return r.forward(w, last, nil, false, fn)
}

// Frames yields the frame of every tick from from to to (clamped to
// FirstTick+1..LastTick), empty frames included, in order. The frames are
// the caller's. A chunk that cannot be read yields its error and ends the
// sequence.
func (r *Reader) Frames(from, to uint32) iter.Seq2[*protocol.Frame, error] {
	return func(yield func(*protocol.Frame, error) bool) {
		if len(r.index) == 0 {
			return
		}
		from = max(from, r.index[0].first)
		to = min(to, r.index[len(r.index)-1].last)
		for t := from; t <= to && t >= from; {
			i := r.chunkAt(t)
			c, err := r.content(i)
			if err != nil {
				yield(nil, err)
				return
			}
			fi := c.frameIndex(t)
			for ; t <= min(to, c.Last); t++ {
				f := &protocol.Frame{Tick: t}
				if fi < len(c.Frames) && c.Frames[fi].Tick == t {
					src := &c.Frames[fi]
					f.HasHash, f.Hash = src.HasHash, src.Hash
					f.Events = append([]protocol.Event(nil), src.Events...)
					fi++
				}
				if !yield(f, nil) {
					return
				}
				if t == 1<<32-1 {
					return
				}
			}
		}
	}
}

// Bounds of a Reader's cache of decoded chunks: a viewer scrubbing back and
// forth finds the chunks it just played, and a file of chunks at the
// format's limits (several MiB each once decoded) cannot make a Reader hold
// more than cacheBytes.
const (
	cacheChunks = 64
	cacheBytes  = 32 << 20
)

// chunkCache keeps recently decoded chunks, at most max of them and, but
// for the last one, at most maxBytes of them.
type chunkCache struct {
	max, maxBytes int
	bytes         int
	ll            *list.List
	items         map[int]*list.Element
}

type cacheItem struct {
	i int
	c *ChunkContent
}

func newChunkCache() *chunkCache {
	return &chunkCache{max: cacheChunks, maxBytes: cacheBytes, ll: list.New(), items: make(map[int]*list.Element)}
}

func (c *chunkCache) get(i int) *ChunkContent {
	if e, ok := c.items[i]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*cacheItem).c
	}
	return nil
}

func (c *chunkCache) put(i int, cc *ChunkContent) {
	if e, ok := c.items[i]; ok {
		c.ll.MoveToFront(e)
		return
	}
	c.items[i] = c.ll.PushFront(&cacheItem{i, cc})
	c.bytes += cc.mem
	for c.ll.Len() > 1 && (c.ll.Len() > c.max || c.bytes > c.maxBytes) {
		e := c.ll.Back()
		c.ll.Remove(e)
		it := e.Value.(*cacheItem)
		delete(c.items, it.i)
		c.bytes -= it.c.mem
	}
}
