package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// The fork API: POST /api/replays/{id}/fork?tick=T&match=ID and POST
// /api/matches/{id}/fork?tick=T&match=ID create a match from the world of
// a replay, or of a running match, at a tick. Both go through Server.Fork.
// They are admin requests (the admin token) unless Options.OpenForks.

// maxForkBody caps a fork request's JSON body: a list of player names.
const maxForkBody = 64 << 10

// forkBody is a fork request's optional JSON body.
type forkBody struct {
	// Claim names the players of the forked world whose clients the
	// match waits for before it starts; empty or absent: all of them.
	Claim []string `json:"claim"`
}

// forkRoute guards a fork handler: the admin token, unless forks are open
// to all.
func (s *Server) forkRoute(h http.HandlerFunc) http.HandlerFunc {
	if s.opts.OpenForks {
		return h
	}
	return s.admin(h)
}

// forkReplay answers POST /api/replays/{id}/fork.
func (s *Server) forkReplay(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validReplayID(id) {
		http.Error(w, "invalid replay id", http.StatusBadRequest)
		return
	}
	req, tick, has, ok := forkParams(w, r)
	if !ok {
		return
	}
	if !has {
		http.Error(w, "tick: required, the tick of the replay's world the match starts from", http.StatusBadRequest)
		return
	}
	for _, m := range s.sortedMatches() {
		if m.replayID == id {
			http.Error(w, "the match is still running: fork it with POST /api/matches/"+m.id+"/fork", http.StatusConflict)
			return
		}
	}
	src, err := s.sourceOf(r.Context(), id)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, replay.ErrNotRegular):
		http.Error(w, "no such replay", http.StatusNotFound)
		return
	case errors.Is(err, replay.ErrVersion):
		http.Error(w, fmt.Errorf("%w: %v", ErrForkVersion, err).Error(), http.StatusUnprocessableEntity)
		return
	case errors.Is(err, replay.ErrCorrupt), errors.Is(err, replay.ErrTruncated), errors.Is(err, ErrForkSource):
		http.Error(w, fmt.Errorf("%w: %v", ErrForkSource, err).Error(), http.StatusUnprocessableEntity)
		return
	case err != nil:
		s.opts.Logger.Warn("fork: source", "replay", id, "err", err)
		http.Error(w, "cannot read the replay", http.StatusInternalServerError)
		return
	}
	defer src.Close()
	req.Source, req.SourceID, req.Tick = src, id, tick
	s.answerFork(w, r, req)
}

// forkMatch answers POST /api/matches/{id}/fork: from the running match's
// replay, at a tick up to its present (once the chunk that holds it is on
// disk), or without a tick at its last keyframe on disk.
func (s *Server) forkMatch(w http.ResponseWriter, r *http.Request) {
	m := s.lookup(w, r, forward)
	if m == nil {
		return
	}
	req, tick, has, ok := forkParams(w, r)
	if !ok {
		return
	}
	src, tick, err := s.liveSource(r.Context(), m, tick, has)
	if err != nil {
		if errors.Is(err, ErrForkRange) || errors.Is(err, ErrRefused) {
			http.Error(w, err.Error(), forkStatus(err))
			return
		}
		s.opts.Logger.Warn("fork: live source", "match", m.id, "err", err)
		http.Error(w, fmt.Errorf("%w: %v", ErrForkSource, err).Error(), http.StatusUnprocessableEntity)
		return
	}
	defer src.Close()
	req.Source, req.SourceID, req.Tick = src, m.replayID, tick
	s.answerFork(w, r, req)
}

// forkParams reads what both fork routes take: tick and match from the
// query, the players to wait for from the body.
func forkParams(w http.ResponseWriter, r *http.Request) (req ForkRequest, tick uint32, has, ok bool) {
	q := r.URL.Query()
	if t := q.Get("tick"); t != "" {
		n, err := strconv.ParseUint(t, 10, 32)
		if err != nil {
			http.Error(w, "tick: want a tick, 0 to 4294967295", http.StatusBadRequest)
			return req, 0, false, false
		}
		tick, has = uint32(n), true
	}
	req.Match = q.Get("match")
	if req.Match != "" && !validID(req.Match) {
		http.Error(w, "match: want 1 to 32 lowercase letters, digits and dashes", http.StatusBadRequest)
		return req, 0, false, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxForkBody+1))
	switch {
	case err != nil:
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return req, 0, false, false
	case len(body) > maxForkBody:
		http.Error(w, fmt.Sprintf("body above %d bytes", maxForkBody), http.StatusRequestEntityTooLarge)
		return req, 0, false, false
	}
	if len(body) > 0 {
		var b forkBody
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil || dec.More() {
			http.Error(w, `body: want JSON {"claim": ["NAME", ...]}`, http.StatusBadRequest)
			return req, 0, false, false
		}
		if len(b.Claim) > sim.MaxPlayers {
			http.Error(w, fmt.Sprintf("claim: at most %d players", sim.MaxPlayers), http.StatusBadRequest)
			return req, 0, false, false
		}
		for _, name := range b.Claim {
			if !sim.ValidName(name) {
				http.Error(w, fmt.Sprintf("claim: %q is not a player name", name), http.StatusBadRequest)
				return req, 0, false, false
			}
		}
		req.Claim = b.Claim
	}
	req.Addr = addrKey(r.RemoteAddr)
	return req, tick, has, true
}

// answerFork forks and answers 201 Created with the new match, or the
// status that says why not.
func (s *Server) answerFork(w http.ResponseWriter, r *http.Request, req ForkRequest) {
	res, err := s.Fork(req)
	if err != nil {
		status := forkStatus(err)
		if status >= 500 {
			s.opts.Logger.Warn("fork refused", "source", req.SourceID, "tick", req.Tick, "err", err)
		}
		http.Error(w, err.Error(), status)
		return
	}
	w.Header().Set("Location", "/api/matches/"+res.Match)
	writeJSONStatus(w, http.StatusCreated, res)
}

// forkStatus is the HTTP status of a Fork error.
func forkStatus(err error) int {
	switch {
	case errors.Is(err, ErrForkRequest):
		return http.StatusBadRequest
	case errors.Is(err, ErrMatchExists):
		return http.StatusConflict
	case errors.Is(err, ErrForkRange), errors.Is(err, ErrForkSource), errors.Is(err, ErrForkVersion), errors.Is(err, ErrForkMap):
		return http.StatusUnprocessableEntity
	}
	return http.StatusServiceUnavailable
}
