package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"sync"

	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/sim"
)

// ReadModels is the query side: the projections of package
// replay/projection over a replay directory, the engine that runs them on
// its own goroutine, and the HTTP handlers that read what they publish.
// The engine reads the replay files, never a tick loop: history first, then
// the files of running matches as they are written. A Server runs one over
// its own replays; skirmish-projector runs one over a fleet's, which it
// mirrors from the fleet's event log. Its methods are safe for concurrent
// use.
type ReadModels struct {
	engine *projection.Engine
	lb     *projection.Leaderboard
	sum    *projection.Summaries
	heat   *projection.Heatmap

	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// StartReadModels loads the projections' checkpoints (under
// o.Dir/projections) and starts the engine: it catches up over the replay
// directory in the background and then follows the running matches.
// o.Dir is required; o.Live, o.Logger and o.Share are as in
// projection.Options.
func StartReadModels(o projection.Options) (*ReadModels, error) {
	rm := &ReadModels{
		lb:   projection.NewLeaderboard(),
		sum:  projection.NewSummaries(),
		heat: projection.NewHeatmap(),
		done: make(chan struct{}),
	}
	e, err := projection.NewEngine(o, rm.lb, rm.sum, rm.heat)
	if err != nil {
		return nil, err
	}
	rm.engine = e
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	rm.cancel = cancel
	go func() {
		defer close(rm.done)
		if err := e.Run(ctx); err != nil {
			log.Error("projections", "err", err)
		}
	}()
	return rm, nil
}

// Engine returns the projection engine, for its Status and Removed.
func (rm *ReadModels) Engine() *projection.Engine { return rm.engine }

// Stop stops the engine, which saves the checkpoints, and waits for it.
// Safe to call more than once, and on nil.
func (rm *ReadModels) Stop() {
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

// Routes adds the read models' routes to mux: GET /api/leaderboard,
// /api/players/{name}, /api/matches/{id}/summary and
// /api/maps/{name}/heatmap.png (docs/HTTP-API.md).
func (rm *ReadModels) Routes(mux *http.ServeMux) {
	mux.HandleFunc(readRoutes[0], rm.leaderboard)
	mux.HandleFunc(readRoutes[1], rm.playerStats)
	mux.HandleFunc(readRoutes[2], rm.matchSummary)
	mux.HandleFunc(readRoutes[3], rm.heatmap)
}

// readRoutes are the patterns of the read models' routes.
var readRoutes = [...]string{
	"GET /api/leaderboard",
	"GET /api/players/{name}",
	"GET /api/matches/{id}/summary",
	"GET /api/maps/{name}/heatmap.png",
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
func (rm *ReadModels) leaderboard(w http.ResponseWriter, r *http.Request) {
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
func (rm *ReadModels) playerStats(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !sim.ValidName(name) {
		http.Error(w, "invalid player name", http.StatusBadRequest)
		return
	}
	row, rank, ok := rm.lb.View().Player(name)
	if !ok {
		http.Error(w, "no such player", http.StatusNotFound)
		return
	}
	writeJSON(w, playerStatsJSON{PlayerRow: row, Rank: rank, Recent: rm.sum.View().PlayerMatches(name, 10)})
}

// summaryID matches the ids of match summaries: a replay id (the file name
// without .skr) or a match id.
var summaryID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// matchSummary answers GET /api/matches/{id}/summary, where id is a replay
// id or a match id (then the match's latest replay).
func (rm *ReadModels) matchSummary(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !summaryID.MatchString(id) {
		http.Error(w, "invalid match id", http.StatusBadRequest)
		return
	}
	sum, ok := rm.sum.View().Get(id)
	if !ok {
		http.Error(w, "no such match", http.StatusNotFound)
		return
	}
	writeJSON(w, sum)
}

// heatmap answers GET /api/maps/{name}/heatmap.png, with an ETag that
// changes when the counts do.
func (rm *ReadModels) heatmap(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !projection.ValidName(name) {
		http.Error(w, "invalid map name", http.StatusBadRequest)
		return
	}
	img, tag, ok := rm.heat.PNG(name)
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

// startReadModels starts the read models over the server's replay
// directory, unless Options.Projector names a projector that serves them
// for the fleet: then there is nothing to run here.
func (s *Server) startReadModels() (*ReadModels, error) {
	if s.opts.Projector != "" {
		return nil, nil
	}
	return StartReadModels(projection.Options{Dir: s.opts.ReplayDir, Live: s.replayRunning, Logger: s.opts.Logger})
}

// readModelRoutes serves the read models: from this server's own, or by
// passing the requests to the fleet's projector.
func (s *Server) readModelRoutes(mux *http.ServeMux) {
	if s.read != nil {
		s.read.Routes(mux)
		return
	}
	target, _ := url.Parse(s.opts.Projector) // checked by Options
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			s.opts.Logger.Warn("projector did not answer", "url", r.URL.String(), "err", err)
			http.Error(w, "the fleet's projector did not answer", http.StatusBadGateway)
		},
	}
	for _, p := range readRoutes {
		mux.Handle(p, proxy)
	}
}
