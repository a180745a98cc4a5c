package server

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/skirmishgg/skirmish/protocol"
)

// Fleet joins a server to the other nodes of a fleet: a directory of the
// fleet's nodes and matches, atomic claims of match ids, and storage of
// finished replays that every node can read. Package server/fleet
// implements it on NATS JetStream; a nil Fleet (Options.Fleet's zero value)
// is a standalone server that needs no other service.
//
// The server never calls a Fleet on a tick's path. Calls that may wait on
// the network take a context; the rest read a local cache. Implementations
// are safe for concurrent use.
type Fleet interface {
	// Self is this node as the fleet knows it.
	Self() FleetNode
	// Start begins publishing this node and its matches, as report
	// describes them when called, about once a second, and registers the
	// fleet's metrics with reg. It is called once, by New.
	Start(report func() FleetReport, reg prometheus.Registerer)
	// Claim makes this node the host of match id, atomically across the
	// fleet. If another node hosts it, Claim returns that node's entry
	// and ErrClaimed.
	Claim(ctx context.Context, m FleetMatch) (FleetMatch, error)
	// Release gives up the claim on match id: the match has ended.
	Release(id string)
	// Match returns the entry of match id, hosted on any node; false if
	// the fleet has no such match.
	Match(ctx context.Context, id string) (FleetMatch, bool, error)
	// Matches lists the fleet's matches, ordered by id.
	Matches() []FleetMatch
	// Nodes lists the fleet's live nodes, ordered by id.
	Nodes() []FleetNode
	// Drain tells the fleet that this node takes no new matches.
	Drain()

	// StoreReplay queues the finished replay file at path for the fleet's
	// replay store; it returns at once. info describes it for listings.
	StoreReplay(path string, info FleetReplay)
	// Replays lists the fleet's stored replays, newest first.
	Replays() []FleetReplay
	// OpenReplay opens stored replay id for reading. The caller closes it.
	OpenReplay(ctx context.Context, id string) (FleetReplayFile, error)

	// PublishReplay publishes the replay file at path, of replay id and
	// match matchID, to the fleet's event log part by part as it is
	// written, until its footer; it returns at once.
	PublishReplay(id, matchID, path string)
	// PublishFinished makes sure the finished replay files (ids[i] at
	// paths[i]) are whole in the event log, in the background.
	PublishFinished(ids, paths []string)
	// Discard marks replay id as removed in the event log, after its last
	// part: a match nobody played leaves no replay anywhere.
	Discard(id string)
	// ChunkIndex lists what the event log holds of replay id: its header,
	// its chunks from number from on (and always its last), and whether
	// its footer is there; false if it holds no header of it.
	ChunkIndex(ctx context.Context, id string, from int) (ChunkIndex, bool, error)
	// Chunk returns a part of replay id from the event log: "header",
	// "footer" or a chunk's number; and, for a chunk, its ticks
	// ("first-last"). ErrNoPart if the log does not hold it.
	Chunk(ctx context.Context, id, part string) (data []byte, ticks string, err error)

	// Close uploads the queued replays, finishes publishing the ended
	// matches' replays, removes this node's entries from the directory and
	// disconnects, or gives up when ctx ends.
	Close(ctx context.Context) error
}

// ErrClaimed is Fleet.Claim's answer when another node hosts the match.
var ErrClaimed = errors.New("server: match hosted by another node")

// ErrNoPart is Fleet.Chunk's answer for a part the event log does not hold.
var ErrNoPart = errors.New("server: no such part in the fleet's event log")

// ErrNotStored is Fleet.OpenReplay's answer for a replay the fleet's store
// does not hold.
var ErrNotStored = errors.New("server: no such replay in the fleet's store")

// FleetNode is a node's entry in the fleet's directory.
type FleetNode struct {
	ID         string    `json:"id"`
	URL        string    `json:"url"` // the WebSocket URL clients reach it at
	Matches    int       `json:"matches"`
	Sessions   int       `json:"sessions"`
	MaxMatches int       `json:"max_matches"`
	Draining   bool      `json:"draining"`
	Started    time.Time `json:"started"`
}

// FleetMatch is a match's entry in the fleet's directory.
type FleetMatch struct {
	ID         string    `json:"id"`
	Node       string    `json:"node"`
	URL        string    `json:"url"` // the hosting node's WebSocket URL
	Map        string    `json:"map"`
	Players    int       `json:"players"`
	MaxPlayers int       `json:"max_players"`
	State      string    `json:"state"`
	Started    time.Time `json:"started"`
	Tick       uint32    `json:"tick"`
	Replay     string    `json:"replay"`
}

// FleetReport is what a node publishes about itself each second.
type FleetReport struct {
	Node    FleetNode
	Matches []FleetMatch
}

// FleetReplay describes a replay in the fleet's replay store: its summary,
// whose Node is the node that recorded it, and its file's digest.
type FleetReplay struct {
	ReplaySummary
	Digest string `json:"digest"` // SHA-256 of the file, as the store reports it
}

// FleetReplayFile is a stored replay opened for reading, seekable so that
// HTTP range requests can be served from it.
type FleetReplayFile interface {
	io.ReadSeekCloser
	Info() FleetReplay
	ModTime() time.Time
}

// fleetTimeout bounds a directory look-up made while a client waits for
// its welcome.
const fleetTimeout = 2 * time.Second

// route decides where a hello for match id (empty: any match) is
// answered: here (false), or on another node of the fleet, to which the
// client is redirected. Standalone, everything is answered here.
func (s *Server) route(id string) (protocol.Redirect, bool) {
	f := s.opts.Fleet
	if f == nil {
		return protocol.Redirect{}, false
	}
	self := f.Self().ID
	ctx, cancel := context.WithTimeout(context.Background(), fleetTimeout)
	defer cancel()
	if id != "" {
		if s.hostsOrCreates(id) {
			return protocol.Redirect{}, false
		}
		m, ok, err := f.Match(ctx, id)
		switch {
		case err != nil || (ok && m.Node == self):
			// The directory is out of reach, or the match was placed
			// here: it is created here, and the claim decides.
			return protocol.Redirect{}, false
		case ok:
			return s.redirectTo(m.URL, "", "match")
		}
		return s.placeElsewhere(ctx, id)
	}
	// Any match: the fullest with room across the fleet...
	local := s.fullestLocal()
	var best *FleetMatch
	for _, m := range f.Matches() {
		if m.Node == self || m.State != stateRunning || m.Players >= m.MaxPlayers {
			continue
		}
		if best == nil || m.Players > best.Players {
			best = &m
		}
	}
	switch {
	case best != nil && (local == nil || best.Players > int(local.seats.Load())):
		return s.redirectTo(best.URL, best.ID, "fullest")
	case local != nil:
		return protocol.Redirect{}, false
	}
	// ...or a new one on the least-loaded node.
	return s.placeElsewhere(ctx, "m"+randomHex(4))
}

// placeElsewhere puts a new match, id, on the least-loaded node of the fleet. If
// that is another node, the id is claimed for it (so that every node
// sends the match's players there, and no two nodes create it) and the
// client is redirected; the other node takes the claim over when the
// client arrives, or the entry expires if it never does.
func (s *Server) placeElsewhere(ctx context.Context, id string) (protocol.Redirect, bool) {
	f := s.opts.Fleet
	n, other := s.leastLoaded()
	if !other {
		return protocol.Redirect{}, false
	}
	host, err := f.Claim(ctx, FleetMatch{
		ID: id, Node: n.ID, URL: n.URL, Map: s.opts.Map, MaxPlayers: s.opts.MaxPlayers,
		State: stateStarting, Started: time.Now().UTC(),
	})
	switch {
	case err == nil:
		s.placements.add(n.ID)
		return s.redirectTo(n.URL, id, "placement")
	case errors.Is(err, ErrClaimed) && host.Node != f.Self().ID:
		return s.redirectTo(host.URL, id, "match")
	}
	return protocol.Redirect{}, false
}

func (s *Server) redirectTo(url, match, why string) (protocol.Redirect, bool) {
	s.metrics.redirects.WithLabelValues(why).Inc()
	return protocol.Redirect{URL: url, Match: match}, true
}

// hostsOrCreates reports whether match id runs here or is being created.
func (s *Server) hostsOrCreates(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.matches[id] != nil || s.creating[id] != nil
}

// fullestLocal returns this node's fullest running match with room, or nil.
func (s *Server) fullestLocal() *match {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fullestWithRoom()
}

// leastLoaded returns the node where a new match should go, if that is
// another node: the one with the fewest sessions, then the fewest matches,
// among those not draining and with room. This node's own load is counted
// now rather than read from its (up to a second old) directory entry, and
// it wins ties, which saves the client a redirect.
func (s *Server) leastLoaded() (FleetNode, bool) {
	f := s.opts.Fleet
	self := s.fleetReport().Node
	best, other := self, false
	for _, n := range f.Nodes() {
		if n.ID == self.ID || n.Draining || (n.MaxMatches > 0 && n.Matches >= n.MaxMatches) {
			continue
		}
		// Matches placed there a moment ago are not in its entry yet.
		p := s.placements.recent(n.ID)
		n.Matches += p
		n.Sessions += p
		if n.Sessions < best.Sessions || (n.Sessions == best.Sessions && n.Matches < best.Matches) {
			best, other = n, true
		}
	}
	return best, other
}

// fleetReport describes this node and its running matches for the
// directory. It reads atomics only: it never waits on a match.
func (s *Server) fleetReport() FleetReport {
	var r FleetReport
	if s.opts.Fleet != nil {
		r.Node = s.opts.Fleet.Self()
	}
	r.Node.MaxMatches = s.opts.MaxMatches
	for _, m := range s.sortedMatches() {
		r.Node.Matches++
		r.Node.Sessions += int(m.connected.Load())
		if m.state.Load() != stateRunning {
			continue
		}
		r.Matches = append(r.Matches, m.fleetEntry())
	}
	return r
}

func (m *match) fleetEntry() FleetMatch {
	return FleetMatch{
		ID: m.id, Map: m.mapName, Players: int(m.seats.Load()), MaxPlayers: m.srv.opts.MaxPlayers,
		State: m.state.Load().(string), Started: m.start.UTC(), Tick: m.tick.Load(), Replay: m.replayID,
	}
}

// claim makes this node the host of a match about to be created as id,
// on map mapName.
// Another node's claim comes back as a redirect there. For an id this
// node chose itself (join-or-create), an unreachable directory does not
// stop the match: the id is random, and the entry is written when NATS is
// back; a name a client chose needs the claim.
func (s *Server) claim(id string, auto bool, mapName string) error {
	f := s.opts.Fleet
	if f == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), fleetTimeout)
	defer cancel()
	host, err := f.Claim(ctx, FleetMatch{
		ID: id, Map: mapName, MaxPlayers: s.opts.MaxPlayers, State: stateRunning, Started: time.Now().UTC(),
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrClaimed):
		return &redirectError{protocol.Redirect{URL: host.URL}}
	case auto:
		s.opts.Logger.Warn("fleet directory unreachable; the match starts unlisted", "match", id, "err", err)
		return nil
	}
	s.opts.Logger.Warn("cannot claim a match id", "match", id, "err", err)
	return errors.New("the fleet's directory is out of reach; try again shortly")
}

// redirectError is a match that another node hosts.
type redirectError struct{ to protocol.Redirect }

func (e *redirectError) Error() string { return "match hosted on " + e.to.URL }

// httpBase turns a node's WebSocket URL into the base of its HTTP API:
// ws://h:7777/ws → http://h:7777.
func httpBase(wsURL string) string {
	u := strings.TrimSuffix(wsURL, "/ws")
	if rest, ok := strings.CutPrefix(u, "wss://"); ok {
		return "https://" + rest
	}
	return "http://" + strings.TrimPrefix(u, "ws://")
}

// routeResume finds the node that hosts match id for a client resuming
// its player there.
func (s *Server) routeResume(id string) (protocol.Redirect, bool) {
	f := s.opts.Fleet
	if f == nil || !validID(id) {
		return protocol.Redirect{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), fleetTimeout)
	defer cancel()
	m, ok, err := f.Match(ctx, id)
	if err != nil || !ok || m.Node == f.Self().ID {
		return protocol.Redirect{}, false
	}
	return s.redirectTo(m.URL, "", "resume")
}

// publishFinished has the fleet check that every replay in the directory,
// all finished when a server starts, is whole in the fleet's event log.
func (s *Server) publishFinished() {
	entries, err := s.dir.List()
	if err != nil {
		s.opts.Logger.Warn("cannot list the replays to publish", "err", err)
		return
	}
	var ids, paths []string
	for _, e := range entries {
		if e.Err == nil && validReplayID(e.ID) {
			ids, paths = append(ids, e.ID), append(paths, s.replayPath(e.ID))
		}
	}
	s.opts.Fleet.PublishFinished(ids, paths)
}

// releaseClaim gives up a claim whose match could not be created.
func (s *Server) releaseClaim(id string) {
	if f := s.opts.Fleet; f != nil {
		f.Release(id)
	}
}

// placements remembers the matches this node placed on others in the last
// few seconds, until their nodes' directory entries count them.
type placements struct {
	mu   sync.Mutex
	list []placement
}

type placement struct {
	node string
	at   time.Time
}

// placementMemory outlasts a node's refresh interval and the time its
// client takes to arrive.
const placementMemory = 3 * time.Second

func (p *placements) add(node string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune()
	p.list = append(p.list, placement{node, time.Now()})
}

func (p *placements) recent(node string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.prune()
	n := 0
	for _, pl := range p.list {
		if pl.node == node {
			n++
		}
	}
	return n
}

func (p *placements) prune() {
	cut := time.Now().Add(-placementMemory)
	i := 0
	for i < len(p.list) && p.list[i].at.Before(cut) {
		i++
	}
	p.list = p.list[i:]
}

// ChunkIndex is what a fleet's event log holds of a replay.
type ChunkIndex struct {
	Header []byte      // the replay's header, as on disk
	Count  int         // chunks, numbered from 0
	Chunks []ChunkInfo // those asked for
	Footer bool        // the footer is there: the replay is whole
}

// ChunkInfo is a chunk in a ChunkIndex.
type ChunkInfo struct {
	N           int
	First, Last uint32
	Keyframe    bool
	Size        int64
}
