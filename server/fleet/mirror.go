package fleet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/skirmishgg/skirmish/replay"
)

// A Mirror keeps a replay directory in step with the fleet's chunk stream:
// every replay of every node, rebuilt byte for byte as its node wrote it,
// and growing as its match is played. It is the read side's copy of the
// event log (skirmish-projector runs the projections over it), so that the
// read models scale apart from the tick loops and see the whole fleet.
//
// Exactly once, across crashes: each part is written to its file only if
// it is the next one the file lacks (a part the file has is a duplicate,
// dropped), files are synced before the stream position is saved, and a
// restart truncates a file to its last whole record and resumes the stream
// after the saved position. Parts that arrive again are dropped by the same
// rule, so a restart at any moment leaves each file as its node wrote it.
type Mirror struct {
	f   *Fleet
	o   MirrorOptions
	dir *replay.Dir

	mu    sync.Mutex
	files map[string]*mirrored // by replay id
	seq   atomic.Uint64        // the last stream sequence applied and saved
	lag   atomic.Uint64        // messages in the stream after it
	// caughtUp is closed once the mirror has reached the end of the
	// stream for the first time.
	caughtUp     chan struct{}
	caughtUpOnce sync.Once
	// OnRemoved, if set before Run, is called (on Run's goroutine) with
	// the id of each replay removed from the directory.
	OnRemoved func(id string)
}

// MirrorOptions configure Fleet.Mirror. Dir is required.
type MirrorOptions struct {
	// Dir is the replay directory to keep; its position file is
	// Dir/mirror.json.
	Dir string
	// Durable names the stream consumer. Default "skirmish-projector".
	Durable string
	// Batch is how many messages are fetched, written and synced at a
	// time. Default 512.
	Batch int
}

// mirrored is what the mirror knows of one replay file.
type mirrored struct {
	file    *os.File // open while parts may come
	sr      *replay.StreamReader
	buf     bytes.Buffer // what sr reads: each part, checked before it is written
	parts   int          // parts written: the header, then one per chunk
	footer  bool         // the file is whole
	removed bool
	dirty   bool // written since the last sync
}

var replayIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// Mirror opens dir as the mirror of the fleet's chunk stream. Run keeps it.
func (f *Fleet) Mirror(o MirrorOptions) (*Mirror, error) {
	if o.Dir == "" {
		return nil, errors.New("fleet: mirror: no directory")
	}
	if o.Durable == "" {
		o.Durable = "skirmish-projector"
	}
	if o.Batch == 0 {
		o.Batch = 512
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("fleet: mirror: %w", err)
	}
	dir, err := replay.OpenDir(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("fleet: mirror: %w", err)
	}
	m := &Mirror{f: f, o: o, dir: dir, files: map[string]*mirrored{}, caughtUp: make(chan struct{})}
	if err := m.recover(); err != nil {
		dir.Close()
		return nil, err
	}
	return m, nil
}

// position is the mirror's saved place in the stream.
type position struct {
	Seq uint64 `json:"stream_seq"`
}

func (m *Mirror) posPath() string { return filepath.Join(m.o.Dir, "mirror.json") }

// recover reads the saved position and brings every file back to its last
// whole record, ready for the parts that follow.
func (m *Mirror) recover() error {
	if b, err := os.ReadFile(m.posPath()); err == nil {
		var p position
		if err := json.Unmarshal(b, &p); err != nil {
			return fmt.Errorf("fleet: mirror: %s: %w", m.posPath(), err)
		}
		m.seq.Store(p.Seq)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("fleet: mirror: %w", err)
	}
	entries, err := m.dir.List()
	if err != nil {
		return fmt.Errorf("fleet: mirror: %w", err)
	}
	for _, e := range entries {
		if e.Err != nil || !replayIDPattern.MatchString(e.ID) {
			continue
		}
		if err := m.reopen(e.ID); err != nil {
			m.f.log.Warn("mirror: a replay file does not open; it is written again from the stream", "replay", e.ID, "err", err)
			os.Remove(filepath.Join(m.o.Dir, e.ID+replay.Extension))
		}
	}
	return nil
}

// reopen reads the file of replay id as far as it is whole, truncates what
// follows (a write cut short), and keeps it open for the next parts unless
// it has its footer.
func (m *Mirror) reopen(id string) error {
	path := filepath.Join(m.o.Dir, id+replay.Extension)
	rd, err := replay.Open(path)
	if err != nil {
		return err
	}
	in := rd.Info()
	rd.Close()
	if !in.Recovered {
		m.files[id] = &mirrored{parts: in.Chunks + 1, footer: true} // whole: nothing more to read
		return nil
	}
	// Whatever follows the last whole chunk is a torn write: the parts
	// that complete it are in the stream after the saved position.
	whole := in.Size - in.Lost
	if err := os.Truncate(path, whole); err != nil {
		return err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	mf := &mirrored{parts: in.Chunks + 1}
	mf.sr = replay.NewStreamReader(&mf.buf)
	mf.buf.Write(b)
	if _, err := mf.sr.Header(); err != nil {
		return err
	}
	for range in.Chunks {
		if _, err := mf.sr.Next(); err != nil {
			return err
		}
	}
	mf.buf = bytes.Buffer{} // read: its memory can go
	if mf.file, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0); err != nil {
		return err
	}
	m.files[id] = mf
	return nil
}

// Dir is the directory the mirror keeps.
func (m *Mirror) Dir() string { return m.o.Dir }

// Live reports whether replay id may still grow: the mirror has its file
// but not its footer, and it has not been removed.
func (m *Mirror) Live(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	mf := m.files[id]
	return mf != nil && !mf.footer && !mf.removed
}

// CaughtUp is closed once the mirror has reached the end of the stream
// for the first time: every replay in it is then in the directory, as far
// as it had been published.
func (m *Mirror) CaughtUp() <-chan struct{} { return m.caughtUp }

// Position returns the last stream sequence written and saved, and how
// many messages the stream held after it at the last fetch.
func (m *Mirror) Position() (seq, lag uint64) { return m.seq.Load(), m.lag.Load() }

// Run follows the chunk stream from the saved position until ctx ends.
func (m *Mirror) Run(ctx context.Context) error {
	defer m.closeFiles()
	var cons jetstream.Consumer
	for {
		var err error
		if cons, err = m.consumer(ctx); err == nil {
			break
		}
		if ctx.Err() != nil {
			return nil
		}
		m.f.log.Warn("mirror: no consumer yet", "err", err)
		m.f.wait(time.Second)
	}
	for ctx.Err() == nil {
		batch, err := cons.Fetch(m.o.Batch, jetstream.FetchMaxWait(500*time.Millisecond))
		if err != nil {
			if ctx.Err() == nil {
				m.f.log.Debug("mirror: fetch", "err", err)
				m.f.wait(250 * time.Millisecond)
			}
			continue
		}
		var last jetstream.Msg
		var lastSeq uint64
		got := 0
		for msg := range batch.Messages() {
			got++
			meta, err := msg.Metadata()
			if err != nil {
				continue
			}
			if meta.Sequence.Stream <= m.seq.Load() {
				continue // applied before a restart
			}
			m.apply(msg.Subject(), msg.Data())
			last, lastSeq = msg, meta.Sequence.Stream
			m.lag.Store(meta.NumPending)
		}
		if last == nil {
			if got == 0 && batch.Error() == nil {
				m.lag.Store(0)
				m.caughtUpOnce.Do(func() { close(m.caughtUp) })
			}
			continue
		}
		if err := m.save(lastSeq); err != nil {
			m.f.log.Error("mirror: cannot save its position; stopping", "err", err)
			return err
		}
		last.Ack() // all before it too (AckAll): for the stream's view of the lag
		if m.lag.Load() == 0 {
			m.caughtUpOnce.Do(func() { close(m.caughtUp) })
		}
	}
	return nil
}

// consumer creates the durable consumer afresh from the saved position:
// the mirror's files, not the consumer's acknowledgements, say what has
// been applied, so a restart never waits for unacknowledged messages to
// come back.
func (m *Mirror) consumer(ctx context.Context) (jetstream.Consumer, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := m.f.js.DeleteConsumer(ctx, ChunkStream, m.o.Durable)
	if err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
		return nil, err
	}
	cfg := jetstream.ConsumerConfig{
		Durable:       m.o.Durable,
		Description:   "skirmish-projector's mirror of the fleet's replays",
		AckPolicy:     jetstream.AckAllPolicy,
		AckWait:       30 * time.Second,
		FilterSubject: chunkSubjects,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if s := m.seq.Load(); s > 0 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, s+1
	}
	return m.f.js.CreateConsumer(ctx, ChunkStream, cfg)
}

// apply writes one part to its file if it is the next one the file lacks.
// A part that does not fit (a gap, a damaged record, a bad subject) is
// logged and dropped: the stream is written by the fleet's nodes only, and
// one bad message must not stop the mirror.
func (m *Mirror) apply(subject string, data []byte) {
	id, part, n, err := ParseChunkSubject(subject)
	if err == nil && !replayIDPattern.MatchString(id) {
		err = fmt.Errorf("fleet: %q: not a replay id", id)
	}
	if err != nil {
		m.f.m.badEntries.Inc()
		m.f.log.Warn("mirror: skipping a message", "subject", subject, "err", err)
		return
	}
	m.mu.Lock()
	mf := m.files[id]
	m.mu.Unlock()
	switch {
	case part == PartRemoved:
		m.remove(id, mf)
		return
	case mf != nil && (mf.footer || mf.removed):
		return // whole already, or gone
	case part == PartHeader:
		if mf != nil {
			return // a duplicate
		}
		m.create(id, data)
		return
	case mf == nil:
		m.f.log.Warn("mirror: a part before its replay's header; skipped", "subject", subject)
		return
	}
	next := mf.parts - 1 // the chunk number the file lacks
	if part == "" && n < next {
		return // a duplicate
	}
	if part == "" && n > next {
		m.f.log.Warn("mirror: a chunk missing from the stream; this replay stops here", "replay", id, "missing", next, "got", n)
		return
	}
	mf.buf.Reset()
	mf.buf.Write(data)
	_, err = mf.sr.Next()
	switch {
	case part == PartFooter && errors.Is(err, io.EOF):
	case part == "" && err == nil && mf.buf.Len() == 0:
	default:
		m.f.log.Warn("mirror: a damaged part; skipped", "subject", subject, "err", err)
		m.rebuildReader(id, mf)
		return
	}
	if _, err := mf.file.Write(data); err != nil {
		m.f.log.Error("mirror: write", "replay", id, "err", err)
		return
	}
	mf.dirty = true
	if part == PartFooter {
		m.mu.Lock()
		mf.footer = true
		m.mu.Unlock()
		return
	}
	mf.parts++
}

// create starts the file of replay id with its header.
func (m *Mirror) create(id string, header []byte) {
	mf := &mirrored{}
	mf.sr = replay.NewStreamReader(&mf.buf)
	mf.buf.Write(header)
	if _, err := mf.sr.Header(); err != nil || mf.buf.Len() != 0 {
		m.f.log.Warn("mirror: a damaged header; its replay is skipped", "replay", id, "err", err)
		return
	}
	path := filepath.Join(m.o.Dir, id+replay.Extension)
	file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		m.f.log.Error("mirror: create", "replay", id, "err", err)
		return
	}
	if _, err := file.Write(header); err != nil {
		file.Close()
		m.f.log.Error("mirror: write", "replay", id, "err", err)
		return
	}
	mf.file, mf.parts, mf.dirty = file, 1, true
	m.mu.Lock()
	m.files[id] = mf
	m.mu.Unlock()
}

// rebuildReader puts mf's stream reader back at the end of what the file
// holds, after a part it refused.
func (m *Mirror) rebuildReader(id string, mf *mirrored) {
	m.mu.Lock()
	delete(m.files, id)
	m.mu.Unlock()
	mf.file.Close()
	if err := m.reopen(id); err != nil {
		m.f.log.Warn("mirror: a replay file does not open", "replay", id, "err", err)
	}
}

// remove deletes the file of a replay discarded by its node.
func (m *Mirror) remove(id string, mf *mirrored) {
	if mf != nil && mf.file != nil {
		mf.file.Close()
	}
	m.mu.Lock()
	m.files[id] = &mirrored{removed: true}
	m.mu.Unlock()
	if err := m.dir.Remove(id); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.f.log.Warn("mirror: remove", "replay", id, "err", err)
	}
	if m.OnRemoved != nil {
		m.OnRemoved(id)
	}
}

// save syncs the files written since the last save, closes those now
// whole, and then records seq as applied: a crash before the record
// replays the batch, whose parts the files then have.
func (m *Mirror) save(seq uint64) error {
	m.mu.Lock()
	var dirty []*mirrored
	for _, mf := range m.files {
		if mf.dirty {
			dirty = append(dirty, mf)
		}
	}
	m.mu.Unlock()
	for _, mf := range dirty {
		if err := mf.file.Sync(); err != nil {
			return err
		}
		mf.dirty = false
		if mf.footer {
			mf.file.Close()
			mf.file, mf.sr = nil, nil
			mf.buf = bytes.Buffer{}
		}
	}
	b, _ := json.Marshal(position{Seq: seq})
	tmp := m.posPath() + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, m.posPath()); err != nil {
		return err
	}
	m.seq.Store(seq)
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (m *Mirror) closeFiles() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, mf := range m.files {
		if mf.file != nil {
			mf.file.Close()
		}
	}
	m.dir.Close()
}
