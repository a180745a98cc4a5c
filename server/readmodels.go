package server

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"sync"

	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/sim"
)

// readModels is the query side: the projections of package
// replay/projection over the replay directory, the engine that runs them on
// its own goroutine, and the HTTP handlers that read what they publish.
// The engine reads the replay files, never the tick loop: history first,
// then the files of running matches as they are written.
type readModels struct {
	engine *projection.Engine
	lb     *projection.Leaderboard
	sum    *projection.Summaries
	heat   *projection.Heatmap

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// startReadModels loads the projections' checkpoints (under
// ReplayDir/projections) and starts the engine: it catches up over the
// replay directory in the background and then follows the running matches.
func (s *Server) startReadModels() (*readModels, error) {
	rm := &readModels{
		lb:   projection.NewLeaderboard(),
		sum:  projection.NewSummaries(),
		heat: projection.NewHeatmap(),
		done: make(chan struct{}),
	}
	e, err := projection.NewEngine(projection.Options{
		Dir:    s.opts.ReplayDir,
		Live:   s.replayRunning,
		Logger: s.opts.Logger,
	}, rm.lb, rm.sum, rm.heat)
	if err != nil {
		return nil, err
	}
	rm.engine = e
	ctx, cancel := context.WithCancel(context.Background())
	rm.cancel = cancel
	go func() {
		defer close(rm.done)
		if err := e.Run(ctx); err != nil {
			s.opts.Logger.Error("projections", "err", err)
		}
	}()
	return rm, nil
}

// stop stops the engine, which saves the checkpoints, and waits for it.
// Safe to call more than once.
func (rm *readModels) stop() {
	if rm == nil {
		return
	}
	rm.once.Do(func() {
		rm.cancel()
		<-rm.done
	})
}

// replayRunning reports whether the replay file id belongs to a running
// match: the engine follows such a file instead of taking it for a crash.
func (s *Server) replayRunning(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.matches {
		if m.replayID == id {
			return true
		}
	}
	return false
}

func (s *Server) readModelRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/leaderboard", s.leaderboard)
	mux.HandleFunc("GET /api/players/{name}", s.playerStats)
	mux.HandleFunc("GET /api/matches/{id}/summary", s.matchSummary)
	mux.HandleFunc("GET /api/maps/{name}/heatmap.png", s.heatmap)
}

// Leaderboard paging.
const (
	defaultLimit = 50
	maxLimit     = 500
)

// leaderboardJSON is GET /api/leaderboard's answer.
type leaderboardJSON struct {
	Total    int                    `json:"total"` // players
	Offset   int                    `json:"offset"`
	Limit    int                    `json:"limit"`
	Sort     string                 `json:"sort"`
	Order    string                 `json:"order"`
	Matches  int64                  `json:"matches"`   // matches counted, running ones included
	CaughtUp bool                   `json:"caught_up"` // false while the history is being read
	Players  []projection.PlayerRow `json:"players"`
}

// leaderboard answers GET /api/leaderboard?sort=kills&order=desc&limit=50&offset=0.
func (s *Server) leaderboard(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	by := projection.ByKills
	if v := q.Get("sort"); v != "" {
		var ok bool
		if by, ok = projection.ParseSort(v); !ok {
			http.Error(w, "sort: want one of "+joinNames(projection.SortNames()), http.StatusBadRequest)
			return
		}
	}
	desc := by != projection.ByName
	switch q.Get("order") {
	case "":
	case "asc":
		desc = false
	case "desc":
		desc = true
	default:
		http.Error(w, "order: want asc or desc", http.StatusBadRequest)
		return
	}
	limit, ok := intParam(w, q.Get("limit"), "limit", defaultLimit, 1, maxLimit)
	if !ok {
		return
	}
	offset, ok := intParam(w, q.Get("offset"), "offset", 0, 0, 1<<31-1)
	if !ok {
		return
	}
	rm := s.read
	v := rm.lb.View()
	total, rows := v.Page(by, desc, offset, limit)
	order := "asc"
	if desc {
		order = "desc"
	}
	writeJSON(w, leaderboardJSON{Total: total, Offset: offset, Limit: limit, Sort: by.String(), Order: order,
		Matches: v.Matches, CaughtUp: rm.engine.Status().CaughtUp, Players: rows})
}

// intParam parses an integer query parameter in lo..hi, answering 400
// itself when it is not one.
func intParam(w http.ResponseWriter, s, name string, def, lo, hi int) (int, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		http.Error(w, name+": want an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi), http.StatusBadRequest)
		return 0, false
	}
	return n, true
}

func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}

// playerJSONStats is GET /api/players/{name}'s answer.
type playerStatsJSON struct {
	projection.PlayerRow
	Rank   int                      `json:"rank"` // by kills, from 1
	Recent []projection.PlayerMatch `json:"recent_matches"`
}

// playerStats answers GET /api/players/{name}: the name is URL-decoded
// (so it may hold a slash as %2F) and must be a valid player name.
func (s *Server) playerStats(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !sim.ValidName(name) {
		http.Error(w, "invalid player name", http.StatusBadRequest)
		return
	}
	row, rank, ok := s.read.lb.View().Player(name)
	if !ok {
		http.Error(w, "no such player", http.StatusNotFound)
		return
	}
	writeJSON(w, playerStatsJSON{PlayerRow: row, Rank: rank, Recent: s.read.sum.View().PlayerMatches(name, 10)})
}

// summaryID matches the ids of match summaries: a replay id (the file name
// without .skr) or a match id.
var summaryID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// matchSummary answers GET /api/matches/{id}/summary, where id is a replay
// id or a match id (then the match's latest replay).
func (s *Server) matchSummary(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !summaryID.MatchString(id) {
		http.Error(w, "invalid match id", http.StatusBadRequest)
		return
	}
	sum, ok := s.read.sum.View().Get(id)
	if !ok {
		http.Error(w, "no such match", http.StatusNotFound)
		return
	}
	writeJSON(w, sum)
}

// heatmap answers GET /api/maps/{name}/heatmap.png, with an ETag that
// changes when the counts do.
func (s *Server) heatmap(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !projection.ValidName(name) {
		http.Error(w, "invalid map name", http.StatusBadRequest)
		return
	}
	img, tag, ok := s.read.heat.PNG(name)
	if !ok {
		http.Error(w, "no heatmap for this map", http.StatusNotFound)
		return
	}
	etag := `"` + tag + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "no-cache")
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(img)))
	w.Write(img)
}
