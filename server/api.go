package server

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/sim"
)

func (s *Server) routes() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ws", s.serveWS)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/matches", s.listMatches)
	mux.HandleFunc("POST /api/matches", s.createRoute)
	mux.HandleFunc("GET /api/matches/{id}", s.getMatch)
	mux.HandleFunc("GET /api/matches/{id}/live", s.live)
	mux.HandleFunc("GET /api/nodes", s.listNodes)
	mux.HandleFunc("GET /api/maps", s.listMaps)
	mux.HandleFunc("GET /api/maps/{name}", s.getMap)
	mux.HandleFunc("GET /api/replays", s.listReplays)
	mux.HandleFunc("GET /api/replays/{id}", s.getReplay)
	mux.HandleFunc("POST /api/replays/{id}/fork", s.forkRoute(s.forkReplay))
	mux.HandleFunc("POST /api/matches/{id}/fork", s.forkRoute(s.forkMatch))
	mux.HandleFunc("POST /api/admin/matches/{id}/end", s.admin(s.endMatch))
	mux.HandleFunc("POST /api/admin/matches/{id}/kick/{player}", s.admin(s.kickPlayer))
	s.readModelRoutes(mux)
	s.chunkRoutes(mux)
	s.mux = mux
}

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.shuttingDown.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if err := s.replaysWritable(); err != nil {
		http.Error(w, "cannot write replays: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

// matchJSON is a match as the API shows it. In a fleet, node and url name
// the node that hosts it.
type matchJSON struct {
	ID         string    `json:"id"`
	Map        string    `json:"map"`
	Players    int       `json:"players"`
	MaxPlayers int       `json:"max_players"`
	Tick       uint32    `json:"tick"`
	Started    time.Time `json:"started"`
	State      string    `json:"state"`
	Replay     string    `json:"replay"`
	Node       string    `json:"node,omitempty"`
	URL        string    `json:"url,omitempty"`
	// A forked match's origin; while it holds its first world for its
	// players, waiting (and, for one match, whom it waits for).
	Fork       *ForkOrigin  `json:"fork,omitempty"`
	Waiting    bool         `json:"waiting,omitempty"`
	WaitingFor []string     `json:"waiting_for,omitempty"`
	Roster     []playerJSON `json:"roster,omitempty"`
}

type playerJSON struct {
	ID        sim.PlayerID `json:"id"`
	Name      string       `json:"name"`
	Alive     bool         `json:"alive"`
	Health    int32        `json:"health"`
	Kills     int32        `json:"kills"`
	Deaths    int32        `json:"deaths"`
	Connected bool         `json:"connected"`
	Bot       bool         `json:"bot,omitempty"`  // a forked match's player that a bot plays
	Open      bool         `json:"open,omitempty"` // a forked match's player that no client has taken yet
}

func (m *match) summary() matchJSON {
	j := matchJSON{
		ID: m.id, Map: m.mapName, Players: int(m.seats.Load()), MaxPlayers: m.srv.opts.MaxPlayers,
		Tick: m.tick.Load(), Started: m.start.UTC(), State: m.state.Load().(string), Replay: m.replayID,
		Waiting: m.waiting.Load(),
	}
	if o := m.origin; o != nil {
		j.Fork = &ForkOrigin{Replay: o.Replay, Tick: o.Tick, Hash: fmt.Sprintf("%016x", o.Hash)}
	}
	if f := m.srv.opts.Fleet; f != nil {
		self := f.Self()
		j.Node, j.URL = self.ID, self.URL
	}
	return j
}

// listMatches answers GET /api/matches: this node's matches, and in a
// fleet those of every other node, from the directory.
func (s *Server) listMatches(w http.ResponseWriter, r *http.Request) {
	out := []matchJSON{}
	for _, m := range s.sortedMatches() {
		out = append(out, m.summary())
	}
	if f := s.opts.Fleet; f != nil {
		self := f.Self().ID
		for _, m := range f.Matches() {
			if m.Node != self {
				out = append(out, matchJSON{ID: m.ID, Map: m.Map, Players: m.Players, MaxPlayers: m.MaxPlayers,
					Tick: m.Tick, Started: m.Started, State: m.State, Replay: m.Replay, Node: m.Node, URL: m.URL})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	}
	writeJSON(w, out)
}

func (s *Server) getMatch(w http.ResponseWriter, r *http.Request) {
	m := s.lookup(w, r, forward)
	if m == nil {
		return
	}
	j, ok := m.detail()
	if !ok {
		http.Error(w, "match ended", http.StatusNotFound)
		return
	}
	writeJSON(w, j)
}

// detail is the match as GET /api/matches/{id} shows it: its summary and
// roster, read by its loop. False: the match has ended.
func (m *match) detail() (matchJSON, bool) {
	j := m.summary()
	ok := m.do(func() {
		j.Tick, j.Waiting = m.world.Tick, m.holding
		if m.holding {
			j.WaitingFor = m.waitingFor()
		}
		for i := range m.world.Players {
			p := &m.world.Players[i]
			st := m.players[p.ID]
			j.Roster = append(j.Roster, playerJSON{ID: p.ID, Name: p.Name, Alive: p.Alive, Health: p.Health,
				Kills: p.Kills, Deaths: p.Deaths, Connected: st != nil && st.sess != nil,
				Bot: st != nil && st.bot != nil, Open: st != nil && st.open})
		}
	})
	return j, ok
}

// lookup finds the match named in the URL, answering 400 or 404 itself.
// A match on another node of the fleet is answered there: remote says how.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request, remote remoteMode) *match {
	id := r.PathValue("id")
	if !validID(id) {
		http.Error(w, "invalid match id", http.StatusBadRequest)
		return nil
	}
	m := s.match(id)
	if m == nil && !s.elsewhere(w, r, id, remote) {
		http.Error(w, "no such match", http.StatusNotFound)
	}
	return m
}

// listMaps answers GET /api/maps: the names of the maps this server
// offers for new matches (Options.MapNames).
func (s *Server) listMaps(w http.ResponseWriter, r *http.Request) {
	names := []string{}
	for _, n := range s.opts.MapNames() {
		if projection.ValidName(n) {
			names = append(names, n)
		}
	}
	writeJSON(w, names)
}

// getMap answers GET /api/maps/{name} with the map's text (the format of
// docs/PROTOCOL.md), so that a client can get the map a welcome names
// from the server it plays on.
func (s *Server) getMap(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !projection.ValidName(name) {
		http.Error(w, "invalid map name", http.StatusBadRequest)
		return
	}
	src, err := s.opts.Maps(name)
	if err != nil {
		http.Error(w, "no such map", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", fmt.Sprintf(`"%08x"`, crc32.ChecksumIEEE(src)))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(src))
}

// admin wraps an admin handler: it needs the configured bearer token, and
// the admin API is off when none is configured.
func (s *Server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opts.AdminToken == "" {
			http.Error(w, "admin API disabled: no admin token configured", http.StatusForbidden)
			return
		}
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(s.opts.AdminToken)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="skirmish admin"`)
			http.Error(w, "admin token required", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

func (s *Server) endMatch(w http.ResponseWriter, r *http.Request) {
	m := s.lookup(w, r, forward)
	if m == nil {
		return
	}
	m.requestEnd("ended by an admin")
	<-m.done
	writeJSON(w, m.summary())
}

func (s *Server) kickPlayer(w http.ResponseWriter, r *http.Request) {
	m := s.lookup(w, r, forward)
	if m == nil {
		return
	}
	id, err := strconv.ParseUint(r.PathValue("player"), 10, 32)
	if err != nil {
		http.Error(w, "invalid player id", http.StatusBadRequest)
		return
	}
	reason := r.URL.Query().Get("reason")
	if reason == "" {
		reason = "kicked by an admin"
	}
	if len(reason) > 100 || !utf8.ValidString(reason) {
		http.Error(w, "reason: at most 100 bytes of UTF-8", http.StatusBadRequest)
		return
	}
	var kicked bool
	if !m.do(func() { kicked = m.kick(sim.PlayerID(id), reason) }) || !kicked {
		http.Error(w, "no such player", http.StatusNotFound)
		return
	}
	writeJSON(w, map[string]any{"kicked": id})
}

func writeJSON(w http.ResponseWriter, v any) { writeJSONStatus(w, http.StatusOK, v) }

// writeJSONStatus answers with status and v as JSON.
func writeJSONStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // an error means the client went away; nothing more to tell it
}
