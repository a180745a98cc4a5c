package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
)

// Finished replays go to an object store bucket, one object per replay
// named by its replay id, with the listing's fields as JSON in the
// object's metadata (key "info"), so that a listing needs no download.
// The local file stays the node's own record; the object is the copy the
// rest of the fleet reads.
const infoKey = "info"

// uploadQueue holds the replays waiting for upload, oldest first. It is
// unbounded on purpose: an entry is a path, the file is on disk, and a
// long NATS outage must not lose any.
type uploadQueue struct {
	mu      sync.Mutex
	items   []upload
	wake    chan struct{} // a new item, buffered 1
	emptied chan struct{} // closed and replaced each time the queue empties
}

type upload struct {
	path string
	info server.FleetReplay
}

func (q *uploadQueue) init() {
	q.wake = make(chan struct{}, 1)
	q.emptied = make(chan struct{})
	close(q.emptied)
}

func (q *uploadQueue) push(u upload) int {
	q.mu.Lock()
	if len(q.items) == 0 {
		q.emptied = make(chan struct{})
	}
	q.items = append(q.items, u)
	n := len(q.items)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return n
}

func (q *uploadQueue) head() (upload, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.items) == 0 {
		return upload{}, false
	}
	return q.items[0], true
}

func (q *uploadQueue) pop() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.items = q.items[1:]
	if len(q.items) == 0 {
		close(q.emptied)
	}
	return len(q.items)
}

// wait returns when the queue is empty or ctx ends.
func (q *uploadQueue) wait(ctx context.Context) error {
	q.mu.Lock()
	emptied, left := q.emptied, len(q.items)
	q.mu.Unlock()
	select {
	case <-emptied:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("fleet: %d replays not uploaded: %w", left, ctx.Err())
	}
}

// StoreReplay queues a finished replay for the fleet's store.
func (f *Fleet) StoreReplay(path string, info server.FleetReplay) {
	info.Node = f.self.ID
	f.m.uploadQueue.Set(float64(f.uploads.push(upload{path, info})))
}

// uploadLoop uploads queued replays in order, retrying a failed one with
// a growing pause (NATS is out, say) without giving up.
func (f *Fleet) uploadLoop(ctx context.Context) {
	backoff := time.Duration(0)
	for {
		u, ok := f.uploads.head()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-f.uploads.wake:
				continue
			}
		}
		if backoff > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
		}
		err := f.upload(ctx, u)
		switch {
		case err == nil || errors.Is(err, os.ErrNotExist):
			if err != nil {
				// Removed before its upload (retention, or an empty match):
				// there is nothing left to store.
				f.log.Info("replay gone before upload", "replay", u.info.ID)
			}
			f.m.uploads.WithLabelValues("ok").Inc()
			f.m.uploadQueue.Set(float64(f.uploads.pop()))
			backoff = 0
		case ctx.Err() != nil:
			return
		default:
			f.m.uploads.WithLabelValues("error").Inc()
			f.log.Warn("replay upload failed; retrying", "replay", u.info.ID, "err", err)
			backoff = min(max(2*backoff, 250*time.Millisecond), 10*time.Second)
		}
	}
}

func (f *Fleet) upload(ctx context.Context, u upload) error {
	file, err := os.Open(u.path)
	if err != nil {
		return err
	}
	defer file.Close()
	if st, err := file.Stat(); err == nil {
		u.info.Size = st.Size()
	}
	// The listing's fields come from the file itself, as the local
	// listing reads them; a file that does not open as a replay is
	// stored all the same (its bytes are the record), listed bare.
	if rd, err := replay.Open(u.path); err == nil {
		info := rd.Info()
		rd.Close()
		u.info.Ticks, u.info.DurationS, u.info.Recovered = info.Ticks, info.Duration.Seconds(), info.Recovered
		u.info.Players = u.info.Players[:0]
		for _, p := range info.Players {
			u.info.Players = append(u.info.Players, p.Name)
		}
	} else {
		f.log.Warn("stored replay does not open", "replay", u.info.ID, "err", err)
	}
	if u.info.Players == nil {
		u.info.Players = []string{}
	}
	meta, err := json.Marshal(u.info)
	if err != nil {
		return err
	}
	// A long replay takes a while on a slow link; a stalled one must not
	// hold the queue for ever.
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	_, err = f.obj.Put(ctx, jetstream.ObjectMeta{
		Name:     u.info.ID,
		Metadata: map[string]string{infoKey: string(meta)},
	}, file)
	if err != nil {
		return fmt.Errorf("fleet: upload %s: %w", u.info.ID, err)
	}
	f.log.Info("replay stored in the fleet", "replay", u.info.ID, "bytes", u.info.Size)
	return nil
}

// watchReplays keeps the local list of the store's replays, in rounds
// like the directory's. loaded is closed once the first round's list is
// in.
func (f *Fleet) watchReplays(ctx context.Context, loaded chan struct{}) {
	var once sync.Once
	done := func() { once.Do(func() { close(loaded) }) }
	defer done()
	f.rounds(ctx, f.objResync, func(ctx context.Context) {
		w, err := f.obj.Watch(ctx)
		if err != nil {
			f.log.Warn("replay store watch", "err", err)
			return
		}
		defer w.Stop()
		fresh, initial := map[string]server.FleetReplay{}, true
		for info := range w.Updates() {
			switch {
			case info == nil:
				f.mu.Lock()
				f.replays, initial = fresh, false
				f.mu.Unlock()
				done()
			case initial:
				f.applyReplay(info, fresh)
			default:
				f.mu.Lock()
				f.applyReplay(info, f.replays)
				f.mu.Unlock()
			}
		}
	})
}

func (f *Fleet) applyReplay(info *jetstream.ObjectInfo, replays map[string]server.FleetReplay) {
	if info.Deleted {
		delete(replays, info.Name)
		return
	}
	var r server.FleetReplay
	if err := decodeEntry([]byte(info.Metadata[infoKey]), &r); err != nil || r.ID != info.Name {
		f.badEntry("replay "+info.Name, err)
		delete(replays, info.Name)
		return
	}
	r.Size, r.Digest = int64(info.Size), info.Digest
	replays[r.ID] = r
}

// Replays lists the fleet's stored replays, newest first.
func (f *Fleet) Replays() []server.FleetReplay {
	f.mu.Lock()
	out := make([]server.FleetReplay, 0, len(f.replays))
	for _, r := range f.replays {
		out = append(out, r)
	}
	f.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.After(out[j].Started)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// ErrNoReplay is OpenReplay's answer for an id the store does not hold.
var ErrNoReplay = server.ErrNotStored

// OpenReplay opens stored replay id, fetching it into the cache first if
// need be.
func (f *Fleet) OpenReplay(ctx context.Context, id string) (server.FleetReplayFile, error) {
	f.mu.Lock()
	info, ok := f.replays[id]
	f.mu.Unlock()
	if !ok {
		return nil, ErrNoReplay
	}
	path, err := f.cache.fetch(ctx, f.obj, info)
	if err != nil {
		return nil, err
	}
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, err
	}
	return &replayFile{File: file, info: info, mod: st.ModTime()}, nil
}

type replayFile struct {
	*os.File
	info server.FleetReplay
	mod  time.Time
}

func (r *replayFile) Info() server.FleetReplay { return r.info }
func (r *replayFile) ModTime() time.Time       { return r.mod }

// replayCache keeps fetched replays on disk, named by id, up to max bytes
// in all; the least recently opened go first.
type replayCache struct {
	dir string
	max int64

	mu       sync.Mutex
	fetching map[string]*sync.Mutex // one download of an id at a time
}

func (c *replayCache) lock(id string) func() {
	c.mu.Lock()
	if c.fetching == nil {
		c.fetching = map[string]*sync.Mutex{}
	}
	l := c.fetching[id]
	if l == nil {
		l = &sync.Mutex{}
		c.fetching[id] = l
	}
	c.mu.Unlock()
	l.Lock()
	return l.Unlock
}

func (c *replayCache) fetch(ctx context.Context, obj jetstream.ObjectStore, info server.FleetReplay) (string, error) {
	if c.dir == "" {
		return "", errors.New("fleet: no replay cache directory")
	}
	unlock := c.lock(info.ID)
	defer unlock()
	// The digest names the content, so a replay stored again under the
	// same id (it cannot be, but a hand-made object might) is fetched anew.
	path := filepath.Join(c.dir, info.ID+"-"+digestTag(info.Digest)+".skr")
	if st, err := os.Stat(path); err == nil && st.Size() == info.Size {
		now := time.Now()
		os.Chtimes(path, now, now) // recently used
		return path, nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return "", fmt.Errorf("fleet: replay cache: %w", err)
	}
	res, err := obj.Get(ctx, info.ID)
	if err != nil {
		if errors.Is(err, jetstream.ErrObjectNotFound) {
			return "", ErrNoReplay
		}
		return "", fmt.Errorf("fleet: fetch replay %s: %w", info.ID, err)
	}
	defer res.Close()
	tmp, err := os.CreateTemp(c.dir, ".fetch-*")
	if err != nil {
		return "", fmt.Errorf("fleet: replay cache: %w", err)
	}
	defer osRemove(tmp.Name())
	// The object reader checks the digest at the end and fails on a
	// mismatch, so a damaged copy never reaches the cache.
	_, err = tmp.ReadFrom(res)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("fleet: fetch replay %s: %w", info.ID, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("fleet: replay cache: %w", err)
	}
	c.evict(path)
	return path, nil
}

// evict removes the least recently used files until the cache fits,
// keeping keep (just fetched).
func (c *replayCache) evict(keep string) {
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	type file struct {
		path string
		size int64
		used time.Time
	}
	var files []file
	var total int64
	for _, e := range entries {
		st, err := e.Info()
		if err != nil || !st.Mode().IsRegular() || filepath.Ext(e.Name()) != ".skr" {
			continue
		}
		files = append(files, file{filepath.Join(c.dir, e.Name()), st.Size(), st.ModTime()})
		total += st.Size()
	}
	sort.Slice(files, func(i, j int) bool { return files[i].used.Before(files[j].used) })
	for _, fl := range files {
		if total <= c.max {
			return
		}
		if fl.path != keep {
			osRemove(fl.path)
			total -= fl.size
		}
	}
}

// digestTag turns "SHA-256=base64url" into a short file-name-safe tag.
func digestTag(d string) string {
	const n = 12
	out := make([]byte, 0, n)
	for i := len(d) - 1; i >= 0 && len(out) < n; i-- {
		c := d[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			out = append(out, c)
		}
	}
	return string(out)
}
