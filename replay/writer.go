package replay

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// WriteSyncer is where a Writer writes: a file, or anything that can make
// its writes durable.
type WriteSyncer interface {
	io.Writer
	Sync() error
}

// Options configure a Writer. The zero value is the documented default.
type Options struct {
	// ChunkTicks is how many ticks a chunk covers: a crash loses at most
	// this many. A chunk is sealed sooner when its events near the
	// format's limits (MaxChunkEvents). Default: one second of ticks (the
	// header's TickRate).
	ChunkTicks int
	// KeyframeTicks is the distance between keyframes (chunks that start
	// with a world snapshot); seeking fast-forwards at most this many ticks.
	// It is rounded up to a whole number of chunks. Default:
	// DefaultKeyframeSeconds seconds of ticks.
	KeyframeTicks int
	// QueueLen is how many sealed chunks may wait for the disk before the
	// Writer falls behind. Default 32.
	QueueLen int
	// NoSync skips the fsync after each chunk. By default every sealed
	// chunk is fsynced before the next one is written, so a power loss
	// loses at most the chunks still queued.
	NoSync bool
	// OnBehind, if set, is called on the caller's goroutine when a chunk
	// cannot be handed over because the queue is full (and then once per
	// further chunk of ticks while it stays full), with the number of
	// queued chunks. Nothing is dropped: the chunk keeps growing until the
	// queue has room.
	OnBehind func(queued int)
	// Wait makes Append wait for room in the queue instead of growing the
	// chunk, so that chunk boundaries do not depend on the disk's speed and
	// the same frames always give the same bytes. It is for offline writers
	// (generators, converters, tests); a tick loop must not set it.
	Wait bool
	// OnSeal, if set, is called on the Writer's goroutine after each chunk
	// is written (and fsynced, unless NoSync), with the last tick it holds.
	OnSeal func(lastTick uint32)
}

// DefaultKeyframeSeconds is the default keyframe interval in seconds of
// ticks: the largest that keeps seeking in a 32-player match under 10 ms
// (see docs/PERFORMANCE.md).
const DefaultKeyframeSeconds = 10

const defaultQueueLen = 32

// WriterStats counts what a Writer has done. Safe to read concurrently.
type WriterStats struct {
	Chunks    int64 // chunks written
	Keyframes int64 // of which keyframes
	Bytes     int64 // bytes written, header included
	Behind    int64 // times a seal waited for room in the queue
}

// Writer records a match. Create it with Create or NewWriter, call Append
// once for every tick from the tick loop, and Close at the end. Append and
// Close must be called from one goroutine; Stats may be called from any.
//
// Append never waits for the disk: frames accumulate into the current chunk
// on the caller's goroutine; a sealed chunk is handed through a bounded
// queue to the Writer's own goroutine, which compresses, checksums, writes
// and fsyncs it. If the queue is full the chunk keeps growing (OnBehind is
// called) until there is room.
type Writer struct {
	// Owned by the caller's goroutine.
	opt        Options
	cur        *pendingChunk
	next       uint32 // the tick Append expects
	lastKey    uint32 // the first tick of the last keyframe chunk
	players    []PlayerInfo
	behindAt   uint32    // the chunk span when OnBehind was last called; 0 if not behind
	lastWorld  sim.World // the world after the last tick of an unsealed chunk
	closed     bool
	closeErr   error
	queue      chan *pendingChunk
	free       chan *pendingChunk
	start      uint32
	headerSize int64

	// Owned by the writer's goroutine until done is closed.
	f     WriteSyncer
	off   int64
	index []indexEntry
	done  chan struct{}

	err   atomic.Pointer[error] // the first write error
	stats struct{ chunks, keyframes, bytes, behind atomic.Int64 }
	once  sync.Once
}

// indexEntry locates a chunk.
type indexEntry struct {
	off         int64
	length      int64 // the whole record
	first, last uint32
	keyframe    bool
}

// PlayerInfo names a player who took part.
type PlayerInfo struct {
	ID   sim.PlayerID `json:"id"`
	Name string       `json:"name"`
}

// Create creates a new replay file at path (failing if it exists: a replay
// is never overwritten), writes and fsyncs its header (and the directory
// entry), and starts the Writer's goroutine. initial is the world the
// recording starts from.
func Create(path string, h Header, initial *sim.World, o Options) (*Writer, error) {
	if err := checkStart(&h, initial); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	w, err := NewWriter(f, h, initial, o)
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	if !o.NoSync {
		syncDir(filepath.Dir(path))
	}
	return w, nil
}

// syncDir makes a new directory entry durable. Not every system can sync a
// directory; failing to is not an error.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func checkStart(h *Header, initial *sim.World) error {
	if err := h.check(); err != nil {
		return err
	}
	if initial == nil || initial.Map == nil {
		return errors.New("replay: no initial world")
	}
	m, err := h.ParseMap()
	if err != nil {
		return fmt.Errorf("replay: header map: %w", err)
	}
	if m.Checksum() != initial.Map.Checksum() {
		return fmt.Errorf("replay: header map %s is not the world's map", h.Map)
	}
	if initial.TickRate != h.TickRate {
		return fmt.Errorf("replay: header tick rate %d, world %d", h.TickRate, initial.TickRate)
	}
	if initial.Tick == 1<<32-1 {
		return errors.New("replay: initial world at the last tick")
	}
	if o := h.Origin; o != nil {
		// A fork keeps its source's ticks, and its first world is the
		// source's world at the origin's tick: anything else would be a
		// lineage the recording itself contradicts.
		if o.Tick != initial.Tick {
			return fmt.Errorf("replay: origin at tick %d, the initial world is at %d", o.Tick, initial.Tick)
		}
		if hash := initial.Hash(); o.Hash != hash {
			return fmt.Errorf("replay: origin hash %016x, the initial world hashes to %016x", o.Hash, hash)
		}
	}
	return nil
}

// NewWriter writes the header to f and starts the Writer's goroutine. Close
// closes f if it is an io.Closer.
func NewWriter(f WriteSyncer, h Header, initial *sim.World, o Options) (*Writer, error) {
	if err := checkStart(&h, initial); err != nil {
		return nil, err
	}
	if o.ChunkTicks <= 0 {
		o.ChunkTicks = int(h.TickRate)
	}
	if o.ChunkTicks > MaxChunkTicks/2 {
		return nil, fmt.Errorf("replay: ChunkTicks %d above %d", o.ChunkTicks, MaxChunkTicks/2)
	}
	if o.KeyframeTicks <= 0 {
		o.KeyframeTicks = DefaultKeyframeSeconds * int(h.TickRate)
	}
	if o.QueueLen <= 0 {
		o.QueueLen = defaultQueueLen
	}
	h.FormatVersion = FormatVersion
	h.SimVersion = sim.Version
	if h.Origin != nil {
		o := *h.Origin // the caller's stays the caller's
		h.Origin = &o
	}
	h.StartTick = initial.Tick
	hdr := appendHeader(nil, &h)
	if _, err := f.Write(hdr); err != nil {
		return nil, fmt.Errorf("replay: writing header: %w", err)
	}
	if !o.NoSync {
		if err := f.Sync(); err != nil {
			return nil, fmt.Errorf("replay: syncing header: %w", err)
		}
	}
	w := &Writer{
		opt:        o,
		next:       initial.Tick + 1,
		start:      initial.Tick,
		queue:      make(chan *pendingChunk, o.QueueLen),
		free:       make(chan *pendingChunk, o.QueueLen+2),
		f:          f,
		off:        int64(len(hdr)),
		headerSize: int64(len(hdr)),
		done:       make(chan struct{}),
	}
	w.stats.bytes.Store(int64(len(hdr)))
	for i := range initial.Players {
		w.players = append(w.players, PlayerInfo{initial.Players[i].ID, initial.Players[i].Name})
	}
	w.cur = new(pendingChunk)
	w.cur.reset(w.next)
	w.startKeyframe(w.cur, initial)
	go w.run()
	return w, nil
}

func (w *Writer) startKeyframe(c *pendingChunk, world *sim.World) {
	c.keyframe = true
	c.snapshot = world.AppendSnapshot(c.snapshot[:0])
	c.snapHash = sim.HashSnapshot(c.snapshot)
	w.lastKey = c.first
}

// Append records the frame of tick f.Tick; world is the world after that
// tick. Call it for every tick, with or without events, in order. It copies
// what it needs and never waits for the disk. An error is returned for a
// frame out of order, an event the format cannot hold, a failed write (the
// first one, sticky), or ErrBehind.
func (w *Writer) Append(f *protocol.Frame, world *sim.World) error {
	if w.closed {
		return ErrClosed
	}
	if p := w.err.Load(); p != nil {
		return *p
	}
	if f.Tick != w.next || world.Tick != f.Tick {
		return fmt.Errorf("replay: frame for tick %d with world at %d, want tick %d", f.Tick, world.Tick, w.next)
	}
	if len(f.Events) > MaxTickEvents {
		return fmt.Errorf("replay: tick %d has %d events, limit %d (MaxTickEvents)", f.Tick, len(f.Events), MaxTickEvents)
	}
	for i := range f.Events {
		in := &f.Events[i].Input
		if in.Player == 0 {
			return fmt.Errorf("replay: tick %d: event %d: player 0", f.Tick, i)
		}
		if err := protocol.CheckAction(in); err != nil {
			return fmt.Errorf("replay: tick %d: event %d: %w", f.Tick, i, err)
		}
		if in.Action == sim.Join {
			w.addPlayer(in.Player, in.Name)
		}
	}
	w.cur.add(f)
	w.next++
	if span := int(w.cur.last - w.cur.first + 1); span >= w.opt.ChunkTicks || w.cur.full() {
		if err := w.seal(world, span); err != nil {
			return err
		}
	}
	if w.cur.last >= w.cur.first {
		// The last chunk's end hash is computed at Close, which has no world.
		w.lastWorld.CopyFrom(world)
	}
	return nil
}

func (w *Writer) addPlayer(id sim.PlayerID, name string) {
	for _, p := range w.players {
		if p.ID == id && p.Name == name {
			return
		}
	}
	w.players = append(w.players, PlayerInfo{id, name})
}

// seal hands the current chunk to the goroutine if the queue has room.
func (w *Writer) seal(world *sim.World, span int) error {
	if len(w.queue) == cap(w.queue) && !w.opt.Wait {
		w.stats.behind.Add(1)
		if w.behindAt == 0 || span >= int(w.behindAt)+w.opt.ChunkTicks {
			w.behindAt = uint32(span)
			if w.opt.OnBehind != nil {
				w.opt.OnBehind(len(w.queue))
			}
		}
		if w.cur.hardFull() {
			err := fmt.Errorf("replay: chunk of %d ticks and %d events waiting for the disk: %w", span, w.cur.nEvents, ErrBehind)
			w.err.CompareAndSwap(nil, &err)
			return err
		}
		return nil
	}
	w.behindAt = 0
	c := w.cur
	nc := w.getFree()
	nc.reset(c.last + 1)
	if int(nc.first-w.lastKey) >= w.opt.KeyframeTicks {
		w.startKeyframe(nc, world)
		c.endHash = nc.snapHash
	} else {
		c.endHash = world.Hash()
	}
	w.queue <- c // only this goroutine sends, and there is room (or Wait)
	w.cur = nc
	return nil
}

func (w *Writer) getFree() *pendingChunk {
	select {
	case c := <-w.free:
		return c
	default:
		return new(pendingChunk)
	}
}

// run is the Writer's goroutine: it writes each sealed chunk.
func (w *Writer) run() {
	defer close(w.done)
	for c := range w.queue {
		if w.err.Load() == nil {
			if err := w.writeChunk(c); err != nil {
				w.err.CompareAndSwap(nil, &err)
			}
		}
		select {
		case w.free <- c:
		default:
		}
	}
}

func (w *Writer) writeChunk(c *pendingChunk) error {
	c.compose()
	typ := byte(typeFrames)
	if c.keyframe {
		typ = typeKeyframe
	}
	c.record = appendRecord(c.record[:0], typ, c.first, c.last, c.raw)
	if len(c.raw) > MaxRawLen || len(c.record)-recordHeaderLen > MaxChunkLen {
		return fmt.Errorf("replay: chunk %d..%d of %d bytes exceeds the format's limits: %w", c.first, c.last, len(c.raw), ErrBehind)
	}
	if _, err := w.f.Write(c.record); err != nil {
		return fmt.Errorf("replay: writing chunk %d: %w", len(w.index), err)
	}
	if !w.opt.NoSync {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("replay: syncing chunk %d: %w", len(w.index), err)
		}
	}
	n := int64(len(c.record))
	w.index = append(w.index, indexEntry{off: w.off, length: n, first: c.first, last: c.last, keyframe: c.keyframe})
	w.off += n
	w.stats.chunks.Add(1)
	if c.keyframe {
		w.stats.keyframes.Add(1)
	}
	w.stats.bytes.Add(n)
	if w.opt.OnSeal != nil {
		w.opt.OnSeal(c.last)
	}
	return nil
}

// Stats returns what the Writer has done so far.
func (w *Writer) Stats() WriterStats {
	return WriterStats{
		Chunks:    w.stats.chunks.Load(),
		Keyframes: w.stats.keyframes.Load(),
		Bytes:     w.stats.bytes.Load(),
		Behind:    w.stats.behind.Load(),
	}
}

// Close seals the last chunk, waits for the queue to drain, writes the
// footer and trailer, fsyncs and closes the file. It returns the first error
// the Writer met; calling it again returns the same.
func (w *Writer) Close() error {
	w.once.Do(func() { w.closeErr = w.close() })
	return w.closeErr
}

func (w *Writer) close() error {
	w.closed = true
	if c := w.cur; c.last >= c.first && w.err.Load() == nil {
		c.endHash = w.lastWorld.Hash()
		w.queue <- c // Close may wait for room
	}
	w.cur = nil
	close(w.queue)
	<-w.done
	err := w.finish()
	if c, ok := w.f.(io.Closer); ok {
		if cerr := c.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("replay: closing: %w", cerr)
		}
	}
	return err
}

// finish writes the footer and trailer.
func (w *Writer) finish() error {
	if p := w.err.Load(); p != nil {
		return *p
	}
	first, last := w.start+1, w.start
	if len(w.index) > 0 {
		first, last = w.index[0].first, w.index[len(w.index)-1].last
	}
	raw := appendFooter(nil, w.index, w.players)
	rec := appendRecord(nil, typeFooter, first, last, raw)
	rec = append(rec, make([]byte, trailerLen)...)
	tr := rec[len(rec)-trailerLen:]
	putTrailer(tr, w.off)
	if _, err := w.f.Write(rec); err != nil {
		return fmt.Errorf("replay: writing footer: %w", err)
	}
	w.stats.bytes.Add(int64(len(rec)))
	if err := w.f.Sync(); err != nil && !w.opt.NoSync {
		return fmt.Errorf("replay: syncing footer: %w", err)
	}
	return nil
}
