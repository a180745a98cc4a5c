package fleet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/skirmishgg/skirmish/server"
)

// The directory is one key-value bucket. Keys:
//
//	nodes.<node id>    a server.FleetNode as JSON
//	matches.<match id> a server.FleetMatch as JSON
//
// Every value expires TTL after it was written (the bucket's max age), so
// each node rewrites its own entries every Refresh; a node that dies stops
// doing so and its entries expire, with a marker that every watcher sees.
// A match entry is created with KV create (fails if the key exists), which
// makes claiming a match id atomic across the fleet, and refreshed with a
// compare-and-set on its revision, so a node notices if another took the
// id while it was cut off.
const (
	nodePrefix  = "nodes."
	matchPrefix = "matches."
)

// watchDirectory keeps the local copy of the directory. Each round
// watches the bucket from its current state (which replaces the copy) and
// then follows its changes, until NATS comes back from an outage: then a
// new round starts, because what expired meanwhile may never be told.
// loaded is closed once the first round's state is in.
func (f *Fleet) watchDirectory(ctx context.Context, loaded chan struct{}) {
	var once sync.Once
	done := func() { once.Do(func() { close(loaded) }) }
	defer done()
	f.rounds(ctx, f.dirResync, func(ctx context.Context) {
		w, err := f.dir.WatchAll(ctx)
		if err != nil {
			f.log.Warn("directory watch", "err", err)
			return
		}
		defer w.Stop()
		nodes, matches := map[string]server.FleetNode{}, map[string]server.FleetMatch{}
		initial := true
		for e := range w.Updates() {
			if e == nil { // the end of the current state
				f.mu.Lock()
				f.nodes, f.matches, initial = nodes, matches, false
				f.mu.Unlock()
				done()
				continue
			}
			if initial {
				f.apply(e, nodes, matches)
			} else {
				f.mu.Lock()
				f.apply(e, f.nodes, f.matches)
				f.mu.Unlock()
			}
		}
	})
}

// rounds runs round until ctx ends, starting it again when it returns or
// when resync signals NATS's return (the round's context is then
// cancelled).
func (f *Fleet) rounds(ctx context.Context, resync chan struct{}, round func(context.Context)) {
	for ctx.Err() == nil {
		rctx, cancel := context.WithCancel(ctx)
		ended := make(chan struct{})
		go func() {
			defer close(ended)
			round(rctx)
		}()
		select {
		case <-resync:
		case <-ended:
			// The watch failed or its subscription closed: pause, then
			// start again.
			select {
			case <-ctx.Done():
			case <-resync:
			case <-time.After(250 * time.Millisecond):
			}
		case <-ctx.Done():
		}
		cancel()
		<-ended
	}
}

// apply puts one directory change into nodes and matches. An entry that
// does not decode is skipped with its reason: the directory is shared,
// and one bad writer must not take down the readers.
func (f *Fleet) apply(e jetstream.KeyValueEntry, nodes map[string]server.FleetNode, matches map[string]server.FleetMatch) {
	key := e.Key()
	del := e.Operation() != jetstream.KeyValuePut
	switch {
	case strings.HasPrefix(key, nodePrefix):
		id := strings.TrimPrefix(key, nodePrefix)
		if del {
			delete(nodes, id)
			return
		}
		var n server.FleetNode
		if err := decodeEntry(e.Value(), &n); err != nil || n.ID != id || n.URL == "" {
			f.badEntry(key, err)
			delete(nodes, id)
			return
		}
		nodes[id] = n
	case strings.HasPrefix(key, matchPrefix):
		id := strings.TrimPrefix(key, matchPrefix)
		if del {
			delete(matches, id)
			return
		}
		var m server.FleetMatch
		if err := decodeEntry(e.Value(), &m); err != nil || m.ID != id || m.Node == "" || m.URL == "" {
			f.badEntry(key, err)
			delete(matches, id)
			return
		}
		matches[id] = m
	default:
		f.badEntry(key, errors.New("unknown key"))
	}
}

func (f *Fleet) badEntry(key string, err error) {
	if err == nil {
		err = errors.New("fields do not match the key")
	}
	f.m.badEntries.Inc()
	f.log.Warn("skipping a bad directory entry", "key", key, "err", err)
}

// decodeEntry decodes a directory value strictly.
func decodeEntry(b []byte, v any) error {
	if len(b) > maxEntry {
		return fmt.Errorf("entry of %d bytes, above %d", len(b), maxEntry)
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("trailing data")
	}
	return nil
}

// maxEntry caps a directory value; real ones are a few hundred bytes.
const maxEntry = 4 << 10

// Matches lists the fleet's matches, ordered by id.
func (f *Fleet) Matches() []server.FleetMatch {
	f.mu.Lock()
	defer f.mu.Unlock()
	return byID(f.matches)
}

// Nodes lists the fleet's live nodes, ordered by id.
func (f *Fleet) Nodes() []server.FleetNode {
	f.mu.Lock()
	defer f.mu.Unlock()
	return byID(f.nodes)
}

// byID returns the entries of a local copy of the directory, which is
// keyed by their ids, in the order of their ids.
func byID[T any](entries map[string]T) []T {
	out := make([]T, 0, len(entries))
	for _, id := range slices.Sorted(maps.Keys(entries)) {
		out = append(out, entries[id])
	}
	return out
}

// Match returns the entry of match id: from the local copy, or, if it is
// not there (another node may have claimed it an instant ago), from the
// bucket itself.
func (f *Fleet) Match(ctx context.Context, id string) (server.FleetMatch, bool, error) {
	f.mu.Lock()
	m, ok := f.matches[id]
	f.mu.Unlock()
	if ok {
		return m, true, nil
	}
	if !f.connected() {
		return server.FleetMatch{}, false, errUnreachable
	}
	e, err := f.dir.Get(ctx, matchPrefix+id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return server.FleetMatch{}, false, nil
	}
	if err != nil {
		return server.FleetMatch{}, false, fmt.Errorf("fleet: directory: %w", err)
	}
	if err := decodeEntry(e.Value(), &m); err != nil {
		f.badEntry(e.Key(), err)
		return server.FleetMatch{}, false, nil
	}
	return m, true, nil
}

var errUnreachable = errors.New("fleet: NATS unreachable")

// Claim makes this node (or m.Node, when set: a match placed there) the
// host of match m.ID, atomically across the fleet.
func (f *Fleet) Claim(ctx context.Context, m server.FleetMatch) (server.FleetMatch, error) {
	if m.Node == "" {
		m.Node, m.URL = f.self.ID, f.self.URL
	}
	mine := m.Node == f.self.ID
	val, err := json.Marshal(m)
	if err != nil {
		return server.FleetMatch{}, err
	}
	if !f.connected() {
		return server.FleetMatch{}, fmt.Errorf("fleet: cannot claim match %s: %w", m.ID, errUnreachable)
	}
	rev, err := f.dir.Create(ctx, matchPrefix+m.ID, val)
	if err == nil {
		f.mu.Lock()
		if mine {
			// A placement on another node is that node's to refresh; if
			// its client never arrives, the entry expires.
			f.owned[m.ID] = rev
		}
		f.matches[m.ID] = m
		f.mu.Unlock()
		f.m.claims.WithLabelValues("won").Inc()
		return m, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		f.m.claims.WithLabelValues("error").Inc()
		return server.FleetMatch{}, fmt.Errorf("fleet: claim match %s: %w", m.ID, err)
	}
	host, ok, err := f.Match(ctx, m.ID)
	switch {
	case err != nil:
		return server.FleetMatch{}, err
	case !ok:
		// It expired between the create and the read: the caller may try
		// again.
		return server.FleetMatch{}, fmt.Errorf("fleet: claim match %s: contended, try again", m.ID)
	case host.Node == f.self.ID && mine:
		// Our own entry: a match another node placed here, or one left by
		// an earlier run of this node that died. Take it over.
		e, err := f.dir.Get(ctx, matchPrefix+m.ID)
		if err != nil {
			return server.FleetMatch{}, fmt.Errorf("fleet: claim match %s: %w", m.ID, err)
		}
		rev, err := f.dir.Update(ctx, matchPrefix+m.ID, val, e.Revision())
		if err != nil {
			return server.FleetMatch{}, fmt.Errorf("fleet: claim match %s: %w", m.ID, err)
		}
		f.mu.Lock()
		f.owned[m.ID] = rev
		f.mu.Unlock()
		f.m.claims.WithLabelValues("won").Inc()
		return m, nil
	}
	f.m.claims.WithLabelValues("lost").Inc()
	return host, server.ErrClaimed
}

// Release removes the entry of a match that ended on this node.
func (f *Fleet) Release(id string) {
	f.mu.Lock()
	rev, ok := f.owned[id]
	delete(f.owned, id)
	f.mu.Unlock()
	if !ok || !f.connected() {
		return // expires on its own
	}
	ctx, cancel := opCtx()
	defer cancel()
	if err := f.dir.Delete(ctx, matchPrefix+id, jetstream.LastRevision(rev)); err != nil {
		f.log.Debug("directory release", "match", id, "err", err)
	}
}

// publishLoop republishes this node's entries every Refresh.
func (f *Fleet) publishLoop(ctx context.Context) {
	t := time.NewTicker(f.o.Refresh)
	defer t.Stop()
	for {
		f.publish()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publish writes this node's entry and those of its matches. Each write is
// bounded by opTimeout; while NATS is unreachable the round is skipped and
// counted, and the next round after its return rewrites everything.
func (f *Fleet) publish() {
	f.mu.Lock()
	report, draining := f.report, f.draining
	f.mu.Unlock()
	if report == nil {
		return
	}
	if !f.connected() {
		f.m.publishSkipped.Inc()
		return
	}
	r := report()
	node := r.Node
	node.ID, node.URL, node.Started, node.Draining = f.self.ID, f.self.URL, f.started, draining
	f.put(nodePrefix+node.ID, node)

	live := make(map[string]bool, len(r.Matches))
	for _, m := range r.Matches {
		live[m.ID] = true
		f.mu.Lock()
		lost := f.lost[m.ID]
		f.mu.Unlock()
		if !lost {
			m.Node, m.URL = f.self.ID, f.self.URL
			f.refreshMatch(m)
		}
	}
	// Entries of matches that ended without a Release (it failed) go now.
	f.mu.Lock()
	var gone []string
	for id := range f.owned {
		if !live[id] {
			gone = append(gone, id)
		}
	}
	for id := range f.lost {
		if !live[id] {
			delete(f.lost, id)
		}
	}
	f.mu.Unlock()
	for _, id := range gone {
		f.Release(id)
	}
}

func (f *Fleet) put(key string, v any) {
	val, err := json.Marshal(v)
	if err != nil {
		f.log.Error("directory encode", "key", key, "err", err)
		return
	}
	ctx, cancel := opCtx()
	defer cancel()
	if _, err := f.dir.Put(ctx, key, val); err != nil {
		f.m.publishErrors.Inc()
		f.log.Debug("directory put", "key", key, "err", err)
		return
	}
	f.m.published.Inc()
	f.m.publishedBytes.Add(float64(len(val)))
}

// refreshMatch rewrites the entry of a match this node hosts with a
// compare-and-set on the revision it last wrote. If the revision moved,
// the entry expired (NATS was out of reach longer than TTL) or another
// node took the id meanwhile: the first is created again, the second is
// reported, and new players go to the other node.
func (f *Fleet) refreshMatch(m server.FleetMatch) {
	val, err := json.Marshal(m)
	if err != nil {
		return
	}
	key := matchPrefix + m.ID
	f.mu.Lock()
	rev, owned := f.owned[m.ID]
	f.mu.Unlock()
	ctx, cancel := opCtx()
	defer cancel()
	if owned {
		rev, err = f.dir.Update(ctx, key, val, rev)
		if err == nil {
			f.wrote(m.ID, rev, len(val))
			return
		}
		if !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			f.m.publishErrors.Inc()
			f.log.Debug("directory refresh", "match", m.ID, "err", err)
			return
		}
	}
	rev, err = f.dir.Create(ctx, key, val)
	if err == nil {
		f.wrote(m.ID, rev, len(val))
		return
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		f.m.publishErrors.Inc()
		f.log.Debug("directory refresh", "match", m.ID, "err", err)
		return
	}
	// The key exists: ours (a write whose answer was lost) or another's.
	e, err := f.dir.Get(ctx, key)
	var host server.FleetMatch
	if err == nil && decodeEntry(e.Value(), &host) == nil && host.Node == f.self.ID {
		if rev, err = f.dir.Update(ctx, key, val, e.Revision()); err == nil {
			f.wrote(m.ID, rev, len(val))
		}
		return
	}
	f.mu.Lock()
	delete(f.owned, m.ID)
	f.lost[m.ID] = true // said once; the match runs on, unlisted
	f.mu.Unlock()
	f.m.conflicts.Inc()
	f.log.Warn("another node took this match's id while NATS was out of reach; new players go there", "match", m.ID, "node", host.Node)
}

func (f *Fleet) wrote(id string, rev uint64, n int) {
	f.mu.Lock()
	f.owned[id] = rev
	f.mu.Unlock()
	f.m.published.Inc()
	f.m.publishedBytes.Add(float64(n))
}

// removeEntries deletes this node's entries when it shuts down cleanly.
func (f *Fleet) removeEntries() {
	f.mu.Lock()
	ids := make([]string, 0, len(f.owned))
	for id := range f.owned {
		ids = append(ids, id)
	}
	f.report = nil // no more refreshes
	f.mu.Unlock()
	for _, id := range ids {
		f.Release(id)
	}
	if !f.connected() {
		return
	}
	ctx, cancel := opCtx()
	defer cancel()
	if err := f.dir.Delete(ctx, nodePrefix+f.self.ID); err != nil {
		f.log.Debug("directory remove node", "err", err)
	}
}
