package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
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

	mu      sync.Mutex
	matches map[string]*match
	wg      sync.WaitGroup // match goroutines

	shuttingDown atomic.Bool
	replays      replayIndex
	read         *readModels // leaderboard, summaries, heatmaps (readmodels.go)
	dir          *replay.Dir // every reader of the replay directory opens through it
	stopRetain   func()      // stops the retention's goroutine (retention.go) and waits
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
	s := &Server{opts: o, matches: make(map[string]*match), metrics: newMetrics()}
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
	return s, nil
}

// Handler returns the server's HTTP handler: /ws, the API, health and metrics.
func (s *Server) Handler() http.Handler { return s.mux }

func embeddedMap(name string) ([]byte, error) { return assets.MapSource(name) }

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// validID reports whether s may name a match or a replay: lowercase letters,
// digits and dashes, so that an id never reaches the file system as a path.
func validID(s string) bool { return idPattern.MatchString(s) }

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	if s.shuttingDown.Load() {
		http.Error(w, "server shutting down", http.StatusServiceUnavailable)
		return
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: s.opts.Origins})
	if err != nil {
		return // Accept has answered the request
	}
	newSession(s, conn).serve(r.Context())
}

// place puts a session that sent hello into a match: the one its resume
// token names, the one it asks for (created if need be), or any match with
// room (created if none). False means the session was closed.
func (s *Server) place(sess *session, h *protocol.Hello) bool {
	if h.Resume != "" {
		id, _, _ := strings.Cut(h.Resume, ".")
		m := s.match(id)
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
	for attempt := 0; attempt < 3; attempt++ {
		m, err := s.matchFor(h.Match)
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

// matchFor returns the match named id, creating it if it does not exist, or
// for an empty id, the fullest running match with room, or a new one.
func (s *Server) matchFor(id string) (*match, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" {
		if m := s.matches[id]; m != nil {
			return m, nil
		}
	} else {
		var best *match
		for _, m := range s.matches {
			n := m.seats.Load()
			if m.state.Load() == stateRunning && n < int32(s.opts.MaxPlayers) && (best == nil || n > best.seats.Load()) {
				best = m
			}
		}
		if best != nil {
			return best, nil
		}
		id = "m" + randomHex(4)
	}
	if s.shuttingDown.Load() {
		return nil, errors.New("server shutting down")
	}
	if len(s.matches) >= s.opts.MaxMatches {
		return nil, fmt.Errorf("server full: %d matches", len(s.matches))
	}
	m, err := newMatch(s, id)
	if err != nil {
		s.opts.Logger.Error("create match", "match", id, "err", err)
		return nil, errors.New("could not create a match")
	}
	s.matches[id] = m
	s.metrics.matches.Inc()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		m.run()
	}()
	s.opts.Logger.Info("match created", "match", id, "map", m.mapName)
	return m, nil
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
	}
}

// Shutdown stops accepting clients, ends every match (clients are told and
// closed with 1001 going away; replays are finalized) and waits for them,
// or for ctx. http.Server.Shutdown does not close WebSockets: call this first.
func (s *Server) Shutdown(ctx context.Context) error {
	defer s.read.stop() // the projection engine stops last, saving its checkpoints
	s.stopRetain()
	s.shuttingDown.Store(true)
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
		return nil
	case <-ctx.Done():
		return fmt.Errorf("server: shutdown: %w", ctx.Err())
	}
}
