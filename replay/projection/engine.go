package projection

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// ErrStopped is returned by Sync when the engine is not running.
var ErrStopped = errors.New("projection: engine stopped")

// Options configure an Engine. Dir is required; every other zero field
// takes the default documented on it.
type Options struct {
	// Dir is the replay directory: the event store. The engine reads every
	// *.skr file in it and never writes there, except under CheckpointDir.
	Dir string
	// CheckpointDir holds one checkpoint file per projection. Default:
	// Dir/projections.
	CheckpointDir string
	// Poll is how often the directory is scanned for new files and the
	// liveness of followed files is checked. Default 500 ms.
	Poll time.Duration
	// CheckpointEvery is how often changed checkpoints are saved (and once
	// more when Run returns). Default 5 s.
	CheckpointEvery time.Duration
	// Live reports whether the match of a replay file is still running, so
	// that a file without a footer is followed rather than taken for a
	// crashed match. The server passes its running matches. Optional.
	Live func(replayID string) bool
	// LiveWindow: a file without a footer that was modified this recently
	// is followed as live too (Live may not know of a match whose file it
	// has just created, or of another process's matches). A followed file
	// that is neither Live nor modified within LiveWindow is finished:
	// consumed to its last sealed chunk and ended. Default 10 s; negative
	// relies on Live alone.
	LiveWindow time.Duration
	// Logger receives what the engine has to say: unreadable files and
	// checkpoints, crashed matches, removed files, catch-up progress. A
	// file is reported once, until it changes. Default slog.Default().
	Logger *slog.Logger
	// Share is the fraction of one core the engine's work may take, in
	// (0, 1]: it works in slices of a few milliseconds and sleeps between
	// them so that, in a server, its catch-up over history never takes the
	// CPU from the tick loops (see pace.go). Default 0.5; 1 works flat out,
	// yielding between slices.
	Share float64
}

func (o Options) withDefaults() (Options, error) {
	if o.Dir == "" {
		return o, errors.New("projection: no replay directory")
	}
	if o.CheckpointDir == "" {
		o.CheckpointDir = filepath.Join(o.Dir, "projections")
	}
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.CheckpointEvery <= 0 {
		o.CheckpointEvery = 5 * time.Second
	}
	if o.LiveWindow == 0 {
		o.LiveWindow = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Share == 0 {
		o.Share = 0.5
	}
	if !(o.Share > 0 && o.Share <= 1) {
		return o, fmt.Errorf("projection: share %v outside (0, 1]", o.Share)
	}
	return o, nil
}

// publishEvery bounds how often a long catch-up publishes the read models.
const publishEvery = 250 * time.Millisecond

// tailPoll is how often a followed file is checked for new chunks.
const tailPoll = 200 * time.Millisecond

// Engine drives a set of projections over a replay directory: it catches
// up over every file there (history), then follows the files of running
// matches as they are written (live), and checkpoints each projection's
// state with how far it has consumed each file, so that a restart continues
// where it stopped and no tick is applied twice or missed.
//
// One goroutine, Run's, owns every projection's state. Sync and Status are
// safe to call from any goroutine; projections answer queries from what
// they publish (see Publisher).
type Engine struct {
	o     Options
	slots []*slot
	log   *slog.Logger

	// Owned by Run's goroutine.
	dir         *replay.Dir
	pace        *pacer
	dec         chunkDecoder // every feeder's
	files       map[string]*fileState
	tctx        context.Context // the tails' parent
	lastSave    time.Time
	lastPublish time.Time
	ticks       uint64 // ticks simulated
	passes      int

	tailCh   chan tailMsg
	syncCh   chan chan struct{}
	removeMu sync.Mutex
	removed  []string      // replay ids removed, for Run to take back
	removeCh chan struct{} // signals removed; buffered 1
	tails    sync.WaitGroup
	running  atomic.Bool
	done     chan struct{}
	status   atomic.Pointer[Status]
}

// Status is what an engine has done so far.
type Status struct {
	// CaughtUp is set once the first pass over the directory is done: every
	// file there then has been consumed or is being followed.
	CaughtUp bool
	Files    int    // replay files in the directory
	Live     int    // being followed
	Skipped  int    // unreadable or not regular files, skipped until they change
	Ticks    uint64 // ticks simulated since the engine started
}

// fileState is what the engine knows of one replay file.
type fileState struct {
	size int64
	mod  time.Time
	bad  string    // why the file is skipped, until its size or time changes
	live *liveFeed // set while the file is followed
}

// liveFeed is a file being followed: a tail goroutine sends its chunks.
type liveFeed struct {
	id     string
	f      *feeder
	m      *sim.Map
	cancel context.CancelFunc
}

type tailMsg struct {
	lf    *liveFeed
	chunk *replay.Chunk
	err   error // io.EOF at the footer
}

// NewEngine returns an engine for the projections ps, with their state and
// marks loaded from their checkpoints. A checkpoint that cannot be read is
// logged and its projection rebuilt from history. Call Run to start it.
func NewEngine(o Options, ps ...Projection) (*Engine, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, p := range ps {
		n := p.Name()
		if !ValidName(n) {
			return nil, fmt.Errorf("projection: invalid name %q", n)
		}
		if names[n] {
			return nil, fmt.Errorf("projection: two projections named %q", n)
		}
		names[n] = true
	}
	if err := os.MkdirAll(o.CheckpointDir, 0o755); err != nil {
		return nil, fmt.Errorf("projection: checkpoint directory: %w", err)
	}
	e := &Engine{
		o: o, slots: newSlots(ps), log: o.Logger,
		pace:     newPacer(o.Share),
		files:    map[string]*fileState{},
		tailCh:   make(chan tailMsg, 64),
		syncCh:   make(chan chan struct{}),
		removeCh: make(chan struct{}, 1),
		done:     make(chan struct{}),
	}
	for _, s := range e.slots {
		e.load(s)
	}
	e.status.Store(&Status{})
	e.publish()
	return e, nil
}

// load reads a projection's checkpoint, or resets it to rebuild.
func (e *Engine) load(s *slot) {
	name := s.p.Name()
	c, err := loadCheckpoint(e.o.CheckpointDir, name)
	if err == nil && c != nil {
		if err = s.p.UnmarshalState(c.State); err == nil {
			s.marks = c.Files
			s.fresh = true // publish what was loaded
			e.log.Info("projection: checkpoint loaded", "projection", name, "files", len(c.Files), "saved", c.Saved)
			return
		}
	}
	if err != nil {
		e.log.Warn("projection: checkpoint unreadable; rebuilding from history", "projection", name,
			"file", checkpointPath(e.o.CheckpointDir, name), "err", err)
	}
	_ = s.p.UnmarshalState(nil)
	s.marks = map[string]*Mark{}
	s.dirty, s.fresh = true, true
}

// Status returns what the engine has done so far.
func (e *Engine) Status() Status { return *e.status.Load() }

// Sync waits until the engine has completed a pass over the directory that
// began after the call: every file there at that time without a running
// match has been consumed, and the read models are published. It returns
// ErrStopped if Run returns first.
func (e *Engine) Sync(ctx context.Context) error {
	ch := make(chan struct{})
	select {
	case e.syncCh <- ch:
	case <-e.done:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ch:
		return nil
	case <-e.done:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Removed tells the engine that the replay file id has been removed from
// the directory (by retention, say): every projection takes the match back
// (Projection.Remove) and forgets it, as it would at its next scan of the
// directory, but before a new file of the same id could be taken for the
// old one. It returns at once; Sync waits until it is done. Safe to call
// from any goroutine.
func (e *Engine) Removed(id string) {
	e.removeMu.Lock()
	e.removed = append(e.removed, id)
	e.removeMu.Unlock()
	select {
	case e.removeCh <- struct{}{}:
	default: // already signalled
	}
}

// Run catches up over the directory, then follows it until ctx ends; then
// it stops following, saves the checkpoints and returns nil (or the error
// of a checkpoint that could not be saved). It may be called once.
func (e *Engine) Run(ctx context.Context) error {
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("projection: Run called twice")
	}
	defer close(e.done)
	dir, err := replay.OpenDir(e.o.Dir)
	if err != nil {
		return fmt.Errorf("projection: %w", err)
	}
	defer dir.Close()
	e.dir = dir
	tctx, stopTails := context.WithCancel(ctx)
	e.tctx = tctx
	began := time.Now()
	e.lastSave, e.lastPublish = began, began
	timer := time.NewTimer(0)
	defer timer.Stop()
	var syncs []chan struct{}
	for {
		select {
		case <-ctx.Done():
			stopTails()
			e.tails.Wait()
			e.publish()
			return e.save()
		case msg := <-e.tailCh:
			e.pace.begin()
			e.handle(msg)
		case <-e.removeCh:
			e.takeRemovals()
		case ch := <-e.syncCh:
			syncs = append(syncs, ch)
			timer.Reset(0)
		case <-timer.C:
			e.takeRemovals() // so that a Sync after Removed sees them done
			e.pace.begin()
			e.pass(ctx)
			if ctx.Err() != nil {
				continue
			}
			e.publish()
			if time.Since(e.lastSave) >= e.o.CheckpointEvery {
				e.save()
			}
			for _, ch := range syncs {
				close(ch)
			}
			syncs = nil
			if e.passes == 1 {
				st := e.Status()
				e.save()
				e.log.Info("projection: caught up", "files", st.Files, "following", st.Live, "skipped", st.Skipped,
					"ticks", st.Ticks, "took", time.Since(began).Round(time.Millisecond))
			}
			timer.Reset(e.o.Poll)
		}
	}
}

// takeRemovals takes back the matches of the files Removed was told of.
func (e *Engine) takeRemovals() {
	e.removeMu.Lock()
	ids := e.removed
	e.removed = nil
	e.removeMu.Unlock()
	for _, id := range ids {
		e.remove(id)
	}
}

// pass scans the directory once: new and unfinished files are consumed or
// followed, followed files whose match is over are finished, and the
// matches of files that have gone are taken back.
func (e *Engine) pass(ctx context.Context) {
	entries, err := e.dir.List()
	if err != nil {
		e.log.Warn("projection: cannot read the replay directory", "dir", e.o.Dir, "err", err)
		return
	}
	seen := map[string]bool{}   // regular files
	listed := map[string]bool{} // and the names refused
	for _, de := range entries {
		listed[de.ID] = true
		if de.Err != nil {
			e.refuse(de)
			continue
		}
		seen[de.ID] = true
		e.visit(ctx, de.ID, true)
		if ctx.Err() != nil {
			return
		}
	}
	for id, fs := range e.files {
		if fs.live != nil && !seen[id] && (e.o.Live == nil || !e.o.Live(id)) {
			e.stopLive(fs) // its file is gone and its match is over
		}
	}
	e.removeVanished(seen)
	e.passes++
	st := &Status{CaughtUp: true, Files: len(seen), Ticks: e.ticks}
	for id, fs := range e.files {
		if !listed[id] && fs.live == nil {
			delete(e.files, id)
			continue
		}
		if fs.live != nil {
			st.Live++
		}
		if fs.bad != "" {
			st.Skipped++
		}
	}
	e.status.Store(st)
}

// allDone reports whether every projection has ended the match of file id.
func (e *Engine) allDone(id string) bool {
	for _, s := range e.slots {
		if mk := s.marks[id]; mk == nil || !mk.Done {
			return false
		}
	}
	return true
}

func (e *Engine) isLive(id string, st os.FileInfo) bool {
	if e.o.Live != nil && e.o.Live(id) {
		return true
	}
	return e.o.LiveWindow > 0 && time.Since(st.ModTime()) < e.o.LiveWindow
}

// visit brings the projections up to date with file id: a finished file
// (with a footer, or without one and no longer live: a crashed match) is
// consumed and its match ended; a live file is consumed as far as it is
// sealed and then followed. With follow false the file is finished
// whatever its liveness.
func (e *Engine) visit(ctx context.Context, id string, follow bool) {
	if e.allDone(id) {
		return
	}
	fs := e.files[id]
	if fs == nil {
		fs = &fileState{}
		e.files[id] = fs
	}
	st, err := e.dir.Stat(id)
	if err != nil {
		return // gone (or replaced) since the directory was read
	}
	live := follow && e.isLive(id, st)
	if fs.live != nil {
		if live {
			return
		}
		e.stopLive(fs) // the match is over: read the rest with a Reader
	}
	if fs.bad != "" {
		if st.Size() == fs.size && st.ModTime().Equal(fs.mod) {
			return
		}
		fs.bad = ""
	}
	fs.size, fs.mod = st.Size(), st.ModTime()
	r, err := e.dir.OpenWith(id, replay.ReadOptions{Pace: e.pace.pause})
	if err != nil {
		if live && errors.Is(err, replay.ErrTruncated) {
			return // the header is being written
		}
		e.skip(fs, id, err)
		return
	}
	defer r.Close()
	h, in := r.Header(), r.Info()
	if h.SimVersion != sim.Version {
		e.skip(fs, id, fmt.Errorf("recorded with simulation version %d, this build simulates version %d", h.SimVersion, sim.Version))
		return
	}
	f := newFeeder(matchOf(id, h), e.slots)
	f.pace, f.dec = e.pace, &e.dec
	err = f.playReader(ctx, r, e.yield)
	e.ticks += f.ticks
	if ctx.Err() != nil {
		return // stopping: the marks say where to resume
	}
	switch {
	case err != nil && !f.started():
		e.skip(fs, id, err)
	case err != nil:
		e.log.Warn("projection: replay unreadable past a point; its match ends at its last readable tick",
			"file", id+replay.Extension, "tick", f.m.LastTick, "err", err)
		f.end(true)
	case in.Recovered && live:
		e.startLive(fs, id, f, r.Map())
	case in.Recovered:
		e.log.Info("projection: replay without a footer (the match did not end cleanly): consumed its recovered chunks",
			"file", id+replay.Extension, "chunks", in.Chunks, "last_tick", in.LastTick, "lost_bytes", in.Lost, "lost", in.LostReason)
		f.end(true)
	default:
		f.end(false)
	}
}

// skip records that file id is unreadable, and why; it is not read again
// until its size or modification time changes.
func (e *Engine) skip(fs *fileState, id string, err error) {
	fs.bad = err.Error()
	e.log.Warn("projection: skipping unreadable replay", "file", id+replay.Extension, "err", err)
}

// refuse notes a name in the directory that is not a regular file (a
// symbolic link, a named pipe, ...): nothing opens it. It is logged once,
// until it changes.
func (e *Engine) refuse(de replay.DirEntry) {
	fs := e.files[de.ID]
	if fs == nil {
		fs = &fileState{}
		e.files[de.ID] = fs
	}
	if why := de.Err.Error(); fs.bad != why {
		fs.bad, fs.size, fs.mod = why, -1, time.Time{}
		e.log.Warn("projection: ignoring a replay name that is not a regular file", "file", de.ID+replay.Extension, "err", de.Err)
	}
}

// removeVanished takes back the matches whose files have gone from the
// directory (but for a followed file whose match still runs).
func (e *Engine) removeVanished(seen map[string]bool) {
	gone := map[string]bool{}
	for _, s := range e.slots {
		for id := range s.marks {
			if fs := e.files[id]; !seen[id] && (fs == nil || fs.live == nil) {
				gone[id] = true
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(gone)) {
		e.remove(id)
	}
}

// remove takes back the match of file id from every projection that has
// seen it (Projection.Remove) and forgets the file, marks included, so that
// the read models are what they would be had the file never been there.
func (e *Engine) remove(id string) {
	if fs := e.files[id]; fs != nil {
		if fs.live != nil {
			e.stopLive(fs)
		}
		delete(e.files, id)
	}
	taken := false
	for _, s := range e.slots {
		mk := s.marks[id]
		if mk == nil {
			continue
		}
		m := Match{ID: id}
		if mk.Match != nil {
			m = *mk.Match
		}
		s.p.Remove(&m)
		delete(s.marks, id)
		s.dirty, s.fresh = true, true
		taken = true
	}
	if taken {
		e.log.Info("projection: replay file gone; its match is taken back", "file", id+replay.Extension)
	}
}

// yield is called between chunks of a long catch-up: queries see progress
// and a restart does not start over.
func (e *Engine) yield() {
	e.pace.pause()
	now := time.Now()
	if now.Sub(e.lastPublish) >= publishEvery {
		e.publish()
	}
	if now.Sub(e.lastSave) >= e.o.CheckpointEvery {
		e.save()
	}
}

// publish publishes the read models that changed.
func (e *Engine) publish() {
	for _, s := range e.slots {
		if !s.fresh {
			continue
		}
		if p, ok := s.p.(Publisher); ok {
			p.Publish()
		}
		s.fresh = false
	}
	e.lastPublish = time.Now()
}

// save writes the checkpoints that changed; it returns the first error.
//
// A checkpoint is written when its projection's state changed, or a file
// was finished, started or removed; not when only the marks of matches in
// progress moved (a running match whose ticks change nothing, the heatmap
// of a match nobody is alive in). Leaving those marks behind is safe: after
// a restart the ticks since are applied again to the state they left
// unchanged, which MarshalState captures whole, and so leave it unchanged
// again.
func (e *Engine) save() error {
	var first error
	now := time.Now()
	for _, s := range e.slots {
		if !s.dirty {
			continue
		}
		name := s.p.Name()
		state, err := s.p.MarshalState()
		if err != nil {
			e.log.Error("projection: saving checkpoint", "projection", name, "err", err)
			first = firstErr(first, fmt.Errorf("projection: checkpoint of %s: %w", name, err))
			continue
		}
		sum := s.summary(state)
		if sum == s.saved {
			s.dirty = false
			continue
		}
		err = saveCheckpoint(e.o.CheckpointDir, &checkpoint{Format: CheckpointFormat, Projection: name,
			Saved: now.UTC(), Files: s.marks, State: state})
		if err != nil {
			e.log.Error("projection: saving checkpoint", "projection", name, "err", err)
			first = firstErr(first, fmt.Errorf("projection: checkpoint of %s: %w", name, err))
			continue
		}
		s.dirty, s.saved = false, sum
	}
	e.lastSave = now
	return first
}

func firstErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// startLive follows file id from where f is: a tail goroutine sends each
// chunk as it is sealed; handle applies it.
func (e *Engine) startLive(fs *fileState, id string, f *feeder, m *sim.Map) {
	ctx, cancel := context.WithCancel(e.tctx)
	lf := &liveFeed{id: id, f: f, m: m, cancel: cancel}
	fs.live = lf
	e.tails.Add(1)
	go func() {
		defer e.tails.Done()
		tail(ctx, e.dir, lf, e.tailCh)
	}()
}

func (e *Engine) stopLive(fs *fileState) {
	fs.live.cancel()
	fs.live = nil
}

// tail sends every chunk of lf's file in dir, from the first, as it is
// sealed, then io.EOF at the footer, or the error that stops it. It returns
// when ctx ends.
func tail(ctx context.Context, dir *replay.Dir, lf *liveFeed, out chan<- tailMsg) {
	send := func(m tailMsg) bool {
		select {
		case out <- m:
			return true
		case <-ctx.Done():
			return false
		}
	}
	fl, err := dir.Follow(ctx, lf.id, replay.FollowOptions{Poll: tailPoll})
	if err != nil {
		if ctx.Err() == nil {
			send(tailMsg{lf: lf, err: err})
		}
		return
	}
	defer fl.Close()
	for {
		c, err := fl.Next(ctx)
		if err != nil {
			if ctx.Err() == nil {
				send(tailMsg{lf: lf, err: err})
			}
			return
		}
		if !send(tailMsg{lf: lf, chunk: c}) {
			return
		}
	}
}

// handle applies a message of a tail. Messages of a feed that has been
// stopped are stale and ignored: the marks say what was applied.
func (e *Engine) handle(msg tailMsg) {
	lf := msg.lf
	fs := e.files[lf.id]
	if fs == nil || fs.live != lf {
		return
	}
	f := lf.f
	var err error
	switch {
	case msg.chunk != nil:
		err = e.apply(f, lf.m, msg.chunk)
	case errors.Is(msg.err, io.EOF):
		f.end(false)
		e.stopLive(fs)
		return
	default:
		err = msg.err
	}
	if err != nil {
		// Finish the file with a Reader: it recovers what can be read,
		// and the match ends there.
		e.log.Warn("projection: following a replay failed; finishing it", "file", lf.id+replay.Extension, "err", err)
		e.stopLive(fs)
		e.visit(e.tctx, lf.id, false)
	}
}

// apply plays one chunk of a followed file.
func (e *Engine) apply(f *feeder, m *sim.Map, ch *replay.Chunk) error {
	if f.w != nil && ch.Last <= f.w.Tick {
		return nil // consumed already (a tail starts from the first chunk)
	}
	c, err := f.decode(ch)
	if err != nil {
		return err
	}
	f.pace.pause()
	if f.w == nil {
		w, err := restoreFirst(m, c, &f.m)
		if err != nil {
			return err
		}
		f.begin(w)
	}
	before := f.ticks
	err = f.play(c)
	e.ticks += f.ticks - before
	return err
}
