package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
)

// Server hosts matches: it accepts WebSocket clients on /ws, places them in
// matches, and answers the HTTP query API. Its methods are safe for
// concurrent use.
type Server struct {
	opts    Options
	metrics *metrics
	mux     *http.ServeMux

	mu       sync.Mutex
	matches  map[string]*match
	creating map[string]*creation // matches whose replay files are being created
	byAddr   map[string]int       // running and pending matches by the address that created them
	https    []*http.Server       // started by Serve and ServeTLS
	wg       sync.WaitGroup       // match goroutines

	shuttingDown atomic.Bool
	replays      replayIndex
	tails        chunkTails  // the chunk URLs' indexes of replay files (chunks.go)
	read         *ReadModels // leaderboard, summaries, heatmaps (readmodels.go); nil with Options.Projector
	disk         replayHealth
	dir          *replay.Dir // every reader of the replay directory opens through it
	stopRetain   func()      // stops the retention's goroutine (retention.go) and waits
	placements   placements  // matches placed on other nodes of the fleet
}

// New returns a server configured by opts (see Options for the defaults).
// It creates the replay directory if needed.
func New(opts Options) (*Server, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.ReplayDir, 0o755); err != nil {
		return nil, fmt.Errorf("server: replay directory: %w", err)
	}
	s := &Server{opts: o, matches: map[string]*match{}, creating: map[string]*creation{}, byAddr: map[string]int{},
		metrics: newMetrics()}
	s.metrics.register()
	if s.dir, err = replay.OpenDir(o.ReplayDir); err != nil {
		return nil, fmt.Errorf("server: replay directory: %w", err)
	}
	if s.read, err = s.startReadModels(); err != nil {
		s.dir.Close()
		return nil, fmt.Errorf("server: read models: %w", err)
	}
	s.startRetention()
	s.routes()
	if o.Fleet != nil {
		o.Fleet.Start(s.fleetReport, s.metrics.reg)
		s.publishFinished()
	}
	return s, nil
}

// Handler returns the server's HTTP handler: /ws, the API, health and metrics.
func (s *Server) Handler() http.Handler { return s.mux }

func embeddedMap(name string) ([]byte, error) { return assets.MapSource(name) }

// validID reports whether s may name a match: 1 to 32 lowercase letters,
// digits and dashes, so that an id never reaches the file system as a path.
func validID(s string) bool { return protocol.ValidMatchID(s) }

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if s.shuttingDown.Load() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	sess := newSession(s, addrKey(r.RemoteAddr))
	hw := &hijackWrapper{ResponseWriter: w, budget: sess.byteBudget(), sndbuf: s.opts.SendBuffer}
	conn, err := websocket.Accept(hw, r, &websocket.AcceptOptions{
		OriginPatterns: s.opts.Origins,
		// Control frames cost a read and, for a ping, a write: they count
		// toward the flood limit like messages.
		OnPingReceived: func(context.Context, []byte) bool { return sess.control() },
		OnPongReceived: func(context.Context, []byte) { sess.control() },
	})
	if err != nil {
		return // Accept has answered the request
	}
	sess.conn, sess.raw = conn, hw.conn
	sess.serve(r.Context())
}

// place puts a session that sent hello into a match: the one its resume
// token names, the one it asks for (created if need be), or any match with
// room (created if none). False means the session was closed.
func (s *Server) place(sess *session, h *protocol.Hello) bool {
	if h.Resume != "" {
		id, _, _ := strings.Cut(h.Resume, ".")
		m := s.match(id)
		if m == nil {
			if to, ok := s.routeResume(id); ok {
				sess.redirect(to)
				return false
			}
		}
		var err error = errBadResume
		if m != nil && !m.do(func() { err = m.resume(sess, h.Resume) }) {
			err = errBadResume
		}
		if err != nil {
			sess.closeWith(protocol.CloseBadResume, err.Error())
			return false
		}
		sess.match = m
		return true
	}
	if to, ok := s.route(h.Match); ok {
		sess.redirect(to)
		return false
	}
	for attempt := 0; attempt < 3; attempt++ {
		m, err := s.matchFor(h.Match, sess.addr)
		var re *redirectError
		if errors.As(err, &re) {
			s.metrics.redirects.WithLabelValues("claim").Inc()
			sess.redirect(re.to)
			return false
		}
		if err != nil {
			sess.closeWith(protocol.CloseMatchFull, err.Error())
			return false
		}
		sess.match = m
		err = errMatchFull
		if m.do(func() { err = m.join(sess, h.Name) }) && err == nil {
			return true
		}
		if h.Match != "" && m.seats.Load() >= int32(s.opts.MaxPlayers) {
			sess.closeWith(protocol.CloseMatchFull, fmt.Sprintf("match %s is full", h.Match))
			return false
		}
		// The match filled up or ended between the choice and the join: choose again.
	}
	sess.closeWith(protocol.CloseMatchFull, "no match with room")
	return false
}

// creation is a match being created: its replay file is written outside
// the server's lock, and whoever asks for the same match meanwhile waits.
type creation struct {
	done chan struct{} // closed when m or err is set
	m    *match
	err  error
	auto bool // the server chose the id
}

// matchFor returns the match named id, creating it if it does not exist, or
// for an empty id, the fullest running match with room, or a new one. A new
// match counts against the limits of addr, the address of its creator.
// No disk I/O happens under the server's lock: a match's replay file is
// created outside it, while the id is reserved.
func (s *Server) matchFor(id, addr string) (*match, error) {
	for {
		s.mu.Lock()
		var wait *creation
		if id != "" {
			if m := s.matches[id]; m != nil {
				s.mu.Unlock()
				return m, nil
			}
			wait = s.creating[id]
		} else {
			if m := s.fullestWithRoom(); m != nil {
				s.mu.Unlock()
				return m, nil
			}
			for _, c := range s.creating {
				if c.auto {
					wait = c // the match being made for others who asked for any will do
					break
				}
			}
		}
		if wait != nil {
			s.mu.Unlock()
			<-wait.done
			if id != "" {
				return wait.m, wait.err
			}
			continue // look again: the new match, or another, may have room
		}
		newID, err := s.reserve(id, addr)
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		return s.create(newID, addr, id == "", s.opts.Map, nil)
	}
}

// fullestWithRoom returns the running match with the most players that has
// room for one more, or nil. s.mu is held.
func (s *Server) fullestWithRoom() *match {
	var best *match
	for _, m := range s.matches {
		n := m.seats.Load()
		// A fork that waits for its players is theirs until it starts.
		if m.state.Load() == stateRunning && !m.waiting.Load() && n < int32(s.opts.MaxPlayers) && (best == nil || n > best.seats.Load()) {
			best = m
		}
	}
	return best
}

// reserve checks the limits on new matches and reserves id (chosen here if
// empty) for a match that addr creates. s.mu is held.
func (s *Server) reserve(id, addr string) (string, error) {
	o := &s.opts
	switch n := len(s.matches) + len(s.creating); {
	case s.shuttingDown.Load():
		return "", errors.New("server shutting down")
	case n >= o.MaxMatches:
		s.metrics.matchesRefused.WithLabelValues("total").Inc()
		return "", fmt.Errorf("server full: %d matches", n)
	case o.MaxMatchesPerIP > 0 && s.byAddr[addr] >= o.MaxMatchesPerIP:
		s.metrics.matchesRefused.WithLabelValues("address").Inc()
		return "", fmt.Errorf("your address has created %d running matches, the most it may", s.byAddr[addr])
	}
	auto := id == ""
	for id == "" || s.matches[id] != nil || s.creating[id] != nil {
		id = "m" + randomHex(4)
	}
	s.creating[id] = &creation{done: make(chan struct{}), auto: auto}
	s.byAddr[addr]++
	return id, nil
}

// create makes the match reserved as id, on map mapName (a fork of f's
// world, on f's map, if f is not nil) and starts it, or releases the
// reservation. It runs without s.mu: making a match creates its replay
// file.
func (s *Server) create(id, addr string, auto bool, mapName string, f *forkSpec) (*match, error) {
	if f != nil {
		mapName = f.mapName
	}
	var m *match
	err := s.claim(id, auto, mapName)
	if err == nil {
		if m, err = newMatch(s, id, addr, mapName, f); err != nil {
			s.opts.Logger.Error("create match", "match", id, "err", err)
			err = errors.New("could not create a match")
			s.releaseClaim(id)
		}
	}
	s.mu.Lock()
	c := s.creating[id]
	delete(s.creating, id)
	switch {
	case err != nil:
		s.releaseAddr(addr)
	case s.shuttingDown.Load():
		// Shutdown has already ended the matches it saw; this one never ran.
		s.releaseAddr(addr)
		err = errors.New("server shutting down")
	default:
		s.matches[id] = m
		s.metrics.matches.Inc()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			m.run()
		}()
	}
	s.mu.Unlock()
	if err != nil && m != nil {
		m.writer.Close()
		s.discardReplay(m.replayID)
		s.releaseClaim(id)
		m = nil
	}
	c.m, c.err = m, err
	close(c.done)
	if m != nil {
		s.opts.Logger.Info("match created", "match", id, "map", m.mapName, "replay", m.replayID)
		if f := s.opts.Fleet; f != nil {
			f.PublishReplay(m.replayID, m.id, s.replayPath(m.replayID))
		}
	}
	return m, err
}

// releaseAddr gives back one of addr's matches. s.mu is held.
func (s *Server) releaseAddr(addr string) {
	if s.byAddr[addr]--; s.byAddr[addr] <= 0 {
		delete(s.byAddr, addr)
	}
}

func (s *Server) match(id string) *match {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.matches[id]
}

// sortedMatches returns the running matches ordered by id.
func (s *Server) sortedMatches() []*match {
	s.mu.Lock()
	ms := make([]*match, 0, len(s.matches))
	for _, m := range s.matches {
		ms = append(ms, m)
	}
	s.mu.Unlock()
	sort.Slice(ms, func(i, j int) bool { return ms[i].id < ms[j].id })
	return ms
}

func (s *Server) removeMatch(m *match) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.matches[m.id] == m {
		delete(s.matches, m.id)
		s.metrics.matches.Dec()
		s.releaseAddr(m.creator)
	}
}

// Shutdown stops accepting clients, ends every match (clients are told and
// closed with 1001 going away; replays are finalized) and waits for them,
// then shuts down what Serve and ServeTLS started, waiting for requests in
// progress, or for ctx. http.Server.Shutdown does not close WebSockets: a
// Handler served elsewhere must be shut down after this.
func (s *Server) Shutdown(ctx context.Context) error {
	defer s.read.Stop() // the projection engine stops last, saving its checkpoints
	s.stopRetain()
	s.shuttingDown.Store(true)
	if s.opts.Fleet != nil {
		s.opts.Fleet.Drain() // first: no node sends players here any more
	}
	for _, m := range s.sortedMatches() {
		m.requestEnd("server shutting down")
	}
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("server: shutdown: %w", ctx.Err())
	}
	s.mu.Lock()
	https := s.https
	s.mu.Unlock()
	for _, hs := range https {
		if err := hs.Shutdown(ctx); err != nil {
			return fmt.Errorf("server: shutdown: %w", err)
		}
	}
	return nil
}

// discardReplay removes the replay id, which holds nothing worth keeping
// (a match nobody played), as the retention removes old ones: the file,
// and what the read models counted of it. The file must be closed.
func (s *Server) discardReplay(id string) {
	if err := s.removeReplay(id); err != nil {
		s.opts.Logger.Warn("discard replay", "replay", id, "err", err)
	}
	if f := s.opts.Fleet; f != nil {
		f.Discard(id) // readers of the fleet's event log take it back too
	}
}
