package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/sim"
)

// Create makes a running, empty match named id (empty: the server chooses
// one) on map mapName (empty: Options.Map), for the client at address
// addr (as the per-address limit on new matches counts it; empty for the
// server's own use), and returns its id. It takes the path of a hello
// that names a new match: the same limits, the fleet's claim, and the
// same end (a match nobody spawns in ends after Options.UnplayedGrace
// without a replay). Errors wrap ErrCreateRequest, ErrMatchExists or
// ErrRefused.
func (s *Server) Create(id, mapName, addr string) (string, error) {
	m, err := s.createMatch(id, mapName, addr)
	if err != nil {
		return "", err
	}
	return m.id, nil
}

func (s *Server) createMatch(id, mapName, addr string) (*match, error) {
	if id != "" && !validID(id) {
		return nil, fmt.Errorf("%w: invalid match id %q: want 1 to 32 lowercase letters, digits and dashes", ErrCreateRequest, id)
	}
	if mapName == "" {
		mapName = s.opts.Map
	}
	if err := s.checkMap(mapName); err != nil {
		return nil, err
	}
	s.mu.Lock()
	if id != "" && (s.matches[id] != nil || s.creating[id] != nil) {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrMatchExists, id)
	}
	newID, err := s.reserve(id, addr)
	s.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	m, err := s.create(newID, addr, id == "", mapName, nil)
	var re *redirectError
	switch {
	case errors.As(err, &re):
		return nil, fmt.Errorf("%w: %s runs on %s", ErrMatchExists, newID, re.to.URL)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	return m, nil
}

// checkMap reports whether this server can play map name: Options.Maps
// has it, and it parses. Checked before an id is reserved, so that a bad
// map costs no reservation and no claim in the fleet.
func (s *Server) checkMap(name string) error {
	if !projection.ValidName(name) {
		return fmt.Errorf("%w: invalid map name %q", ErrCreateRequest, name)
	}
	src, err := s.opts.Maps(name)
	if err != nil {
		return fmt.Errorf("%w: no map %q here (GET /api/maps lists them)", ErrCreateRequest, name)
	}
	if _, err := sim.ParseMap(name, src); err != nil {
		s.opts.Logger.Warn("create: a map does not parse", "map", name, "err", err)
		return fmt.Errorf("%w: map %q cannot be played: %v", ErrCreateRequest, name, err)
	}
	return nil
}

// maxCreateBody caps the body of POST /api/matches: an id and a map name
// take less than a hundred bytes.
const maxCreateBody = 4 << 10

// createBody is the optional JSON body of POST /api/matches.
type createBody struct {
	ID  string `json:"id"`
	Map string `json:"map"`
}

// createRoute answers POST /api/matches: 201 Created with the new match
// as GET /api/matches/{id} shows it, or the status that says why not.
// Anyone may create a match, as any hello may; the per-address limit is
// the guard.
func (s *Server) createRoute(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCreateBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, fmt.Sprintf("body above %d bytes", maxCreateBody), http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	var b createBody
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil || dec.More() {
			http.Error(w, `body: want JSON {"id": "NAME", "map": "MAP"}, both optional`, http.StatusBadRequest)
			return
		}
	}
	m, err := s.createMatch(b.ID, b.Map, addrKey(r.RemoteAddr))
	if err != nil {
		status := http.StatusServiceUnavailable
		switch {
		case errors.Is(err, ErrCreateRequest):
			status = http.StatusBadRequest
		case errors.Is(err, ErrMatchExists):
			status = http.StatusConflict
		}
		http.Error(w, err.Error(), status)
		return
	}
	j, ok := m.detail()
	if !ok { // ended already (a shutdown): it was created all the same
		j = m.summary()
	}
	w.Header().Set("Location", "/api/matches/"+m.id)
	writeJSONStatus(w, http.StatusCreated, j)
}
