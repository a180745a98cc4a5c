package replay

import (
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/protocol/mpack"
	"github.com/skirmishgg/skirmish/sim"
)

// Chunk is one sealed chunk as it lies in the file: its place, its tick span
// and its exact bytes. Sealed chunks are immutable, so Raw can be served and
// cached as it is. Decode reads its contents.
type Chunk struct {
	Index    int    // the chunk's position in the file, from 0
	Offset   int64  // the byte offset of its record
	First    uint32 // the first tick it covers
	Last     uint32 // the last tick it covers
	Keyframe bool   // it starts with a snapshot of the world at First-1
	Raw      []byte // the record's exact bytes (header, info, compressed payload)
}

// Decode checks and decodes the chunk's payload.
func (c *Chunk) Decode() (*ChunkContent, error) { return c.DecodeReuse(nil) }

// DecodeReuse is Decode reusing the memory of old, a content that an
// earlier DecodeReuse returned (or nil): old, and everything read from it,
// must no longer be used. A reader that walks a recording chunk after chunk
// (projections, tools) allocates nothing per chunk once its buffers have
// grown to the largest chunk, which keeps the garbage collector, and the
// CPU it takes from everything else in the process, out of the way.
func (c *Chunk) DecodeReuse(old *ChunkContent) (*ChunkContent, error) {
	typ := byte(typeFrames)
	if c.Keyframe {
		typ = typeKeyframe
	}
	body := c.Raw[recordHeaderLen:]
	cc, detail := decodeChunkBody(typ, body, old)
	if detail != "" {
		return nil, errAt(chunkWhere(c.Index), c.Offset, ErrCorrupt, "%s", detail)
	}
	return cc, nil
}

// ChunkContent is a decoded chunk.
type ChunkContent struct {
	First, Last uint32
	// Snapshot is the world at First-1 (sim.Restore reads it), for keyframe
	// chunks; nil otherwise. SnapshotHash is its hash as the writer computed
	// it.
	Snapshot     []byte
	SnapshotHash uint64
	// EndHash is the hash of the world at Last, as the writer computed it.
	EndHash uint64
	// Frames holds the ticks that have events or a server hash, in tick
	// order; the other ticks of First..Last had no events.
	Frames []protocol.Frame

	mem    int          // about how many bytes it holds, for the Reader's cache
	keep   chunkScratch // buffers kept for DecodeReuse
	inputs []sim.Input  // Play's scratch
}

// chunkScratch is what decoding a chunk needs besides its content: kept by
// a content that DecodeReuse returned, for the next one.
type chunkScratch struct {
	raw    []byte
	snap   []byte
	events []protocol.Event
	ticks  []uint32
	hashes []tickHash
	seqs   map[sim.PlayerID]uint32
}

type tickHash struct {
	tick uint32
	hash uint64
}

// Keyframe reports whether the chunk holds a snapshot.
func (c *ChunkContent) Keyframe() bool { return c.Snapshot != nil }

// frameIndex returns the index of the first frame at or after tick.
func (c *ChunkContent) frameIndex(tick uint32) int {
	lo, hi := 0, len(c.Frames)
	for lo < hi {
		mid := (lo + hi) / 2
		if c.Frames[mid].Tick < tick {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// Play steps w through the chunk's ticks from w.Tick+1 to Last; w must be at
// a tick in First-1..Last. fn, if not nil, is called after each tick with the
// tick's frame (empty for a tick without events; valid only during the call)
// and the world; an error from fn stops the play. It is not safe to call
// concurrently on one content (it keeps its scratch space there).
func (c *ChunkContent) Play(w *sim.World, fn func(f *protocol.Frame, w *sim.World) error) error {
	return c.playTo(w, c.Last, &c.inputs, fn)
}

// playTo steps w up to tick end (within the chunk), reusing *inputs (and
// growing it, for the next call).
func (c *ChunkContent) playTo(w *sim.World, end uint32, scratch *[]sim.Input, fn func(f *protocol.Frame, w *sim.World) error) error {
	inputs := *scratch
	defer func() { *scratch = inputs }()
	if w.Tick+1 < c.First || w.Tick > c.Last || end > c.Last {
		return fmt.Errorf("replay: world at tick %d cannot play chunk %d..%d to %d", w.Tick, c.First, c.Last, end)
	}
	var empty protocol.Frame
	i := c.frameIndex(w.Tick + 1)
	for w.Tick < end {
		t := w.Tick + 1
		f := &empty
		inputs = inputs[:0]
		if i < len(c.Frames) && c.Frames[i].Tick == t {
			f = &c.Frames[i]
			for k := range f.Events {
				inputs = append(inputs, f.Events[k].Input)
			}
			i++
		} else {
			empty = protocol.Frame{Tick: t}
		}
		sim.Step(w, inputs)
		if fn != nil {
			if err := fn(f, w); err != nil {
				return err
			}
		}
	}
	return nil
}

// The chunk payload, msgpack:
//
//	[ snapshot (bin) or nil, snapshot hash (uint) or nil, end hash (uint),
//	  [tick offset, hash, tick offset, hash, ...],
//	  [tick delta, player, seq delta, action, args..., tick delta, ...] ]
//
// Hash tick offsets are from First. The events are flattened into one array
// of values, five to seven per event: an event's tick delta is from the
// previous event's tick (the first event's from First); its seq delta is
// its seq minus that of the same player's previous event in the chunk (or
// minus 0); the action and its arguments are encoded as in protocol's
// frames (protocol.AppendAction): join a name, spawn x and y, the three
// starts a value, the rest none.
// Flattening and the seq deltas save a fifth of a match's size: most chunks
// are a few hundred bytes, too small for zstd to find much.

// pendingChunk is a chunk being assembled on the caller's goroutine and
// handed to the writer's goroutine to be encoded.
type pendingChunk struct {
	first, last uint32
	keyframe    bool
	snapshot    []byte
	snapHash    uint64
	endHash     uint64
	hashes      []byte // encoded (tick offset, hash) pairs
	nHashes     int
	events      []byte // encoded events
	nValues     int    // values in events
	nEvents     int    // events in events
	lastEvTick  uint32
	seqs        []playerSeq // each player's last seq in the chunk
	raw         []byte      // the payload, composed on the writer's goroutine
	record      []byte      // the record
	enc         *mpack.Appender
}

// appender returns p's Appender, made on first use. add appends a few values
// per frame, so a pooled Appender per call (mpack.Append) would cost about
// as much as the encoding.
func (p *pendingChunk) appender() *mpack.Appender {
	if p.enc == nil {
		p.enc = mpack.NewAppender()
	}
	return p.enc
}

func (p *pendingChunk) reset(first uint32) {
	p.first, p.last = first, first-1
	p.keyframe = false
	p.snapshot = p.snapshot[:0]
	p.snapHash, p.endHash = 0, 0
	p.hashes, p.nHashes = p.hashes[:0], 0
	p.events, p.nValues, p.nEvents = p.events[:0], 0, 0
	p.lastEvTick = first
	p.seqs = p.seqs[:0]
}

// add appends one frame.
func (p *pendingChunk) add(f *protocol.Frame) {
	p.last = f.Tick
	a := p.appender()
	if f.HasHash {
		a.Reset(p.hashes)
		a.Uint(uint64(f.Tick - p.first))
		a.Uint(f.Hash)
		p.hashes = a.Bytes()
		p.nHashes++
	}
	if len(f.Events) == 0 {
		return
	}
	a.Reset(p.events)
	for i := range f.Events {
		ev := &f.Events[i]
		prev := p.swapSeq(ev.Input.Player, ev.Seq)
		appendEvent(a, f.Tick-p.lastEvTick, int64(ev.Seq)-int64(prev), ev)
		p.lastEvTick = f.Tick
		p.nValues += 4 + len(protocol.ActionArgs(ev.Input.Action))
	}
	p.nEvents += len(f.Events)
	p.events = a.Bytes()
}

// Thresholds at which a Writer seals a chunk before its ChunkTicks are
// reached, so that a chunk stays within MaxChunkEvents and MaxRawLen
// however long ChunkTicks is and however busy the match. A Writer that is
// behind lets a chunk grow past them, up to hardFull.
const (
	sealEvents = MaxChunkEvents / 2
	sealBytes  = MaxRawLen / 4
)

// full reports whether the chunk has reached a threshold to seal at.
func (p *pendingChunk) full() bool {
	return p.nEvents >= sealEvents || len(p.events)+len(p.hashes) >= sealBytes
}

// hardFull reports whether the chunk cannot take another tick without
// risking a limit of the format: another MaxTickEvents events, or the
// ticks or bytes of its payload.
func (p *pendingChunk) hardFull() bool {
	return p.nEvents > MaxChunkEvents-MaxTickEvents || int(p.last-p.first+1) >= MaxChunkTicks ||
		len(p.events)+len(p.hashes) >= MaxRawLen/2
}

type playerSeq struct {
	id  sim.PlayerID
	seq uint32
}

// swapSeq records seq as id's last and returns the one before (0 if none).
// A match has at most sim.MaxPlayers players at a time, so a linear search
// is quick and allocates nothing once the slice has grown.
func (p *pendingChunk) swapSeq(id sim.PlayerID, seq uint32) uint32 {
	for i := range p.seqs {
		if p.seqs[i].id == id {
			prev := p.seqs[i].seq
			p.seqs[i].seq = seq
			return prev
		}
	}
	p.seqs = append(p.seqs, playerSeq{id, seq})
	return 0
}

// compose encodes the payload into p.raw.
func (p *pendingChunk) compose() {
	a := p.appender()
	a.Reset(p.raw[:0])
	a.ArrayLen(5)
	if p.keyframe {
		a.Bin(p.snapshot)
		a.Uint(p.snapHash)
	} else {
		a.Nil()
		a.Nil()
	}
	a.Uint(p.endHash)
	a.ArrayLen(2 * p.nHashes)
	a.Raw(p.hashes)
	a.ArrayLen(p.nValues)
	a.Raw(p.events)
	p.raw = a.Bytes()
}

// maxEventValues is the most values an event takes in a chunk: its tick
// delta, player, seq delta and action, and the action's arguments.
const maxEventValues = 4 + protocol.MaxActionArgs

// appendEvent appends an event's values: its tick delta, player, seq delta,
// then its action and arguments as protocol encodes them.
func appendEvent(a *mpack.Appender, dt uint32, seqDelta int64, ev *protocol.Event) {
	a.Uint(uint64(dt))
	a.Uint(uint64(ev.Input.Player))
	a.Int(seqDelta)
	protocol.AppendAction(a, &ev.Input)
}

// decodeChunkBody checks a record body of a frames or keyframe record and
// decodes its payload. The detail string says what is wrong, or is empty.
//
// reuse, if not nil, is a content to decode into, reusing its buffers,
// which the result keeps for the next call; without it, a new content keeps
// nothing but its own data (a Reader caches it).
func decodeChunkBody(typ byte, body []byte, reuse *ChunkContent) (*ChunkContent, string) {
	if len(body) < chunkInfoLen {
		return nil, fmt.Sprintf("body of %d bytes", len(body))
	}
	ci := parseChunkInfo(body)
	if ci.last < ci.first || ci.first == 0 || ci.last-ci.first >= MaxChunkTicks {
		return nil, fmt.Sprintf("tick span %d..%d (at most %d ticks, from tick 1)", ci.first, ci.last, MaxChunkTicks)
	}
	var sc chunkScratch
	c := &ChunkContent{}
	if reuse != nil {
		c, sc = reuse, reuse.keep
		*c = ChunkContent{Frames: reuse.Frames[:0], inputs: reuse.inputs}
	}
	raw, detail := decompress(body, ci, MaxRawLen, sc.raw)
	if detail != "" {
		return nil, detail
	}
	c.First, c.Last = ci.first, ci.last
	r := mpack.GetReader(raw)
	defer mpack.PutReader(r)
	r.ArrayLen("chunk", 5, 5)
	if r.Nil() {
		if typ == typeKeyframe {
			r.Fail("keyframe without a snapshot")
		}
		if !r.Nil() {
			r.Fail("snapshot hash without a snapshot")
		}
	} else {
		if typ != typeKeyframe {
			r.Fail("snapshot in a chunk that is not a keyframe")
		}
		// A copy, so that a cached chunk does not keep the whole
		// decompressed payload alive for its snapshot.
		sc.snap = append(sc.snap[:0], r.Bin("snapshot", MaxRawLen)...)
		if sc.snap == nil {
			sc.snap = []byte{} // an empty snapshot still makes a keyframe
		}
		c.Snapshot = sc.snap
		c.SnapshotHash = r.Uint64("snapshot hash")
	}
	c.EndHash = r.Uint64("end hash")
	span := int64(ci.last - ci.first)
	nh := r.ArrayLen("hashes", 0, 2*MaxChunkTicks)
	switch {
	case r.Err() != nil:
	case nh%2 != 0:
		r.Fail("odd hash list of %d", nh)
	case int64(nh/2) > span+1:
		r.Fail("%d hashes for %d ticks", nh/2, span+1)
	}
	hashes := sc.hashes[:0]
	if nh > 0 && r.Err() == nil {
		hashes = slices.Grow(hashes, nh/2)
	}
	for i := 0; i < nh/2 && r.Err() == nil; i++ {
		t := ci.first + uint32(r.Int("hash tick", 0, span))
		h := r.Uint64("hash")
		if len(hashes) > 0 && t <= hashes[len(hashes)-1].tick {
			r.Fail("hash ticks not ascending")
		}
		hashes = append(hashes, tickHash{t, h})
	}
	nv := r.ArrayLen("events", 0, r.Len())
	if nv > maxEventValues*MaxChunkEvents && r.Err() == nil {
		// Refused before decoding any: the event bomb is turned away at
		// the cost of reading one count.
		r.Fail("%d values: more than %d events in the chunk (MaxChunkEvents)", nv, MaxChunkEvents)
	}
	events, ticks := sc.events[:0], sc.ticks[:0]
	if nv > 0 && r.Err() == nil {
		// Four or more values per event, and no more than MaxChunkEvents
		// events: at most 3 MiB, whatever the count claims.
		events = slices.Grow(events, min(nv/4, MaxChunkEvents))
		ticks = slices.Grow(ticks, min(nv/4, MaxChunkEvents))
	}
	seqs := sc.seqs
	if seqs == nil {
		seqs = make(map[sim.PlayerID]uint32)
	}
	clear(seqs)
	tick, inTick := ci.first, 0
	for left := nv; left > 0 && r.Err() == nil; {
		if left < 4 {
			r.Fail("%d values after the last event", left)
			break
		}
		if len(events) == MaxChunkEvents {
			r.Fail("more than %d events in the chunk (MaxChunkEvents)", MaxChunkEvents)
			break
		}
		dt := uint32(r.Int("tick delta", 0, int64(ci.last-tick)))
		tick += dt
		if dt > 0 {
			inTick = 0
		}
		inTick++
		if inTick > MaxTickEvents {
			r.Fail("more than %d events at tick %d (MaxTickEvents)", MaxTickEvents, tick)
			break
		}
		var ev protocol.Event
		ev.Input.Player = sim.PlayerID(r.Int("player", 1, math.MaxUint32))
		seqDelta := r.Int("seq delta", -math.MaxUint32, math.MaxUint32)
		ev.Input.Action = protocol.ReadAction(r)
		if r.Err() != nil {
			break
		}
		n := 4 + len(protocol.ActionArgs(ev.Input.Action))
		if left < n {
			r.Fail("action %s without its arguments", ev.Input.Action)
			break
		}
		left -= n
		protocol.ReadArgs(r, &ev.Input)
		seq := int64(seqs[ev.Input.Player]) + seqDelta
		if r.Err() == nil && (seq < 0 || seq > math.MaxUint32) {
			r.Fail("seq %d out of range", seq)
			break
		}
		ev.Seq = uint32(seq)
		seqs[ev.Input.Player] = ev.Seq
		events = append(events, ev)
		ticks = append(ticks, tick)
	}
	ne := len(events)
	if err := r.End("payload"); err != nil {
		return nil, "payload " + err.Error()
	}
	// Group events and hashes into frames, one per tick that has either.
	for ei, hi := 0, 0; ei < ne || hi < len(hashes); {
		t := uint32(math.MaxUint32)
		if ei < ne {
			t = ticks[ei]
		}
		if hi < len(hashes) {
			t = min(t, hashes[hi].tick)
		}
		f := protocol.Frame{Tick: t}
		start := ei
		for ei < ne && ticks[ei] == t {
			ei++
		}
		if ei > start {
			f.Events = events[start:ei:ei]
		}
		if hi < len(hashes) && hashes[hi].tick == t {
			f.HasHash, f.Hash = true, hashes[hi].hash
			hi++
		}
		c.Frames = append(c.Frames, f)
	}
	c.mem = len(c.Snapshot) + cap(events)*int(unsafe.Sizeof(protocol.Event{})) +
		cap(c.Frames)*int(unsafe.Sizeof(protocol.Frame{})) + int(unsafe.Sizeof(*c))
	if reuse != nil {
		c.keep = chunkScratch{raw: raw, snap: sc.snap, events: events, ticks: ticks, hashes: hashes, seqs: seqs}
	}
	return c, ""
}
