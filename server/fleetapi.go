package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
)

// remoteMode is how the API answers for a match that another node of the
// fleet hosts.
type remoteMode int

const (
	// forward asks the hosting node and passes its answer on: for short
	// answers, so that any node answers for the whole fleet.
	forward remoteMode = iota
	// redirect sends the client there (307): for streams, which should
	// not flow through two nodes.
	redirect
)

// forwardClient asks other nodes of the fleet. Its timeout bounds what a
// slow node can cost an API client of this one.
var forwardClient = &http.Client{Timeout: 5 * time.Second}

// elsewhere answers a request for match id if another node of the fleet
// hosts it, and reports whether it did.
func (s *Server) elsewhere(w http.ResponseWriter, r *http.Request, id string, mode remoteMode) bool {
	f := s.opts.Fleet
	if f == nil {
		return false
	}
	m, ok, err := f.Match(r.Context(), id)
	if err != nil || !ok || m.Node == f.Self().ID {
		return false
	}
	target := httpBase(m.URL) + r.URL.RequestURI()
	if mode == redirect {
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, target, http.StatusTemporaryRedirect)
		return true
	}
	// A POST's body goes along (a fork's players), within the limit the
	// handler there reads.
	var body io.Reader
	if r.Method == http.MethodPost {
		body = io.LimitReader(r.Body, maxForkBody+1)
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, target, body)
	if err != nil {
		http.Error(w, "cannot ask node "+m.Node, http.StatusBadGateway)
		return true
	}
	for _, h := range []string{"Authorization", "Content-Type"} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v) // admin requests: the fleet shares its token
		}
	}
	resp, err := forwardClient.Do(req)
	if err != nil {
		http.Error(w, "node "+m.Node+" did not answer", http.StatusBadGateway)
		return true
	}
	defer resp.Body.Close()
	for _, h := range []string{"Content-Type", "WWW-Authenticate", "Location"} {
		if v := resp.Header.Get(h); v != "" {
			w.Header().Set(h, v)
		}
	}
	w.Header().Set("X-Skirmish-Node", m.Node)
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, io.LimitReader(resp.Body, maxForwarded))
	return true
}

// maxForwarded caps a forwarded answer: a match with its roster is a few
// KiB.
const maxForwarded = 1 << 20

// nodesJSON is GET /api/nodes's answer.
type nodesJSON struct {
	Self  string      `json:"self"`
	Nodes []FleetNode `json:"nodes"`
}

// listNodes answers GET /api/nodes: the fleet's live nodes and their
// load. A standalone server is not in a fleet: 404.
func (s *Server) listNodes(w http.ResponseWriter, r *http.Request) {
	f := s.opts.Fleet
	if f == nil {
		http.Error(w, "this server is not part of a fleet", http.StatusNotFound)
		return
	}
	self := s.fleetReport().Node // fresher than its directory entry
	self.Draining = s.shuttingDown.Load()
	out := nodesJSON{Self: self.ID, Nodes: []FleetNode{self}}
	for _, n := range f.Nodes() {
		if n.ID != self.ID {
			out.Nodes = append(out.Nodes, n)
		}
	}
	writeJSON(w, out)
}

// withFleetReplays adds to this node's replays (out) those of the fleet's
// store that it does not have, each naming the node that recorded it.
func (s *Server) withFleetReplays(out []ReplaySummary) []ReplaySummary {
	f := s.opts.Fleet
	if f == nil {
		return out
	}
	self := f.Self().ID
	have := make(map[string]bool, len(out))
	for i := range out {
		have[out[i].ID] = true
		out[i].Node = self
	}
	for _, r := range f.Replays() {
		if !have[r.ID] {
			out = append(out, r.ReplaySummary)
		}
	}
	return out
}

// serveFleetReplay answers GET /api/replays/{id} for a replay recorded on
// another node, from the fleet's store, with ranges and an ETag made of
// its digest (the bytes never change).
func (s *Server) serveFleetReplay(w http.ResponseWriter, r *http.Request, id string) {
	f, err := s.opts.Fleet.OpenReplay(r.Context(), id)
	switch {
	case errors.Is(err, ErrNotStored):
		http.Error(w, "no such replay", http.StatusNotFound)
		return
	case err != nil:
		s.opts.Logger.Warn("fleet replay", "replay", id, "err", err)
		http.Error(w, "the fleet's replay store did not answer", http.StatusBadGateway)
		return
	}
	defer f.Close()
	if rg := r.Header.Get("Range"); rg != "" {
		if merged, ok := coalesceRanges(rg, f.Info().Size); ok {
			r.Header.Set("Range", merged)
		} else {
			r.Header.Del("Range")
		}
	}
	w.Header().Set("ETag", `"`+f.Info().Digest+`"`)
	w.Header().Set("Content-Type", replayContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+replay.Extension+`"`)
	w.Header().Set("X-Skirmish-Node", f.Info().Node)
	http.ServeContent(w, r, id+replay.Extension, f.ModTime(), f)
}

// fleetIndex is chunkIndex for a replay recorded on another node of the
// fleet, from the fleet's event log: any node serves any replay's chunks,
// running or finished, whatever became of the node that recorded it.
func (s *Server) fleetIndex(ctx context.Context, id string, from int) (chunkIndexJSON, error) {
	fi, ok, err := s.opts.Fleet.ChunkIndex(ctx, id, from)
	if err != nil {
		return chunkIndexJSON{}, err
	}
	if !ok {
		return chunkIndexJSON{}, errNoReplay
	}
	h, err := replay.NewStreamReader(bytes.NewReader(fi.Header)).Header()
	if err != nil {
		return chunkIndexJSON{}, fmt.Errorf("server: the event log's header of %s: %w", id, err)
	}
	ix := chunkIndexJSON{Replay: id, Match: h.MatchID, TickRate: h.TickRate, StartTick: h.StartTick,
		State: projection.StateRunning, Count: fi.Count, LastTick: h.StartTick, From: from, Chunks: []chunkJSON{}}
	switch {
	case fi.Footer:
		ix.State = projection.StateEnded
	case !s.fleetRunning(id):
		ix.State = projection.StateRecovered // its node died with it
	}
	for _, c := range fi.Chunks {
		ix.LastTick = c.Last
		if c.N >= from {
			ix.Chunks = append(ix.Chunks, chunkJSON{N: c.N, First: c.First, Last: c.Last, Keyframe: c.Keyframe, Size: c.Size})
		}
	}
	return ix, nil
}

// fleetPiece is chunkPiece for a replay recorded on another node.
func (s *Server) fleetPiece(ctx context.Context, id string, p piece) ([]byte, error) {
	part := p.kind
	if p.kind == pieceChunk {
		part = strconv.Itoa(p.n)
	}
	b, _, err := s.opts.Fleet.Chunk(ctx, id, part)
	if errors.Is(err, ErrNoPart) {
		if _, _, herr := s.opts.Fleet.Chunk(ctx, id, pieceHeader); herr == nil {
			return nil, errNotSealed
		}
		return nil, errNoReplay
	}
	return b, err
}

// fleetRunning reports whether replay id is the replay of a match running
// on a node of the fleet.
func (s *Server) fleetRunning(id string) bool {
	for _, m := range s.opts.Fleet.Matches() {
		if m.Replay == id {
			return true
		}
	}
	return false
}

// maxFleetSource caps a replay of the fleet's store read into memory to be
// forked: hours of a full match.
const maxFleetSource = 256 << 20

// fleetSource opens replay id of the fleet's store for a fork. The store's
// files are read as a stream, so the replay is read into memory whole.
func (s *Server) fleetSource(ctx context.Context, id string) (*replay.Reader, error) {
	f, err := s.opts.Fleet.OpenReplay(ctx, id)
	if errors.Is(err, ErrNotStored) {
		return nil, fs.ErrNotExist
	}
	if err != nil {
		return nil, fmt.Errorf("the fleet's replay store: %w", err)
	}
	defer f.Close()
	if size := f.Info().Size; size > maxFleetSource {
		return nil, fmt.Errorf("%w: a replay of %d bytes, more than the %d a fork reads from the fleet's store", ErrForkSource, size, maxFleetSource)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFleetSource+1))
	if err != nil {
		return nil, fmt.Errorf("the fleet's replay store: %w", err)
	}
	return replay.NewReader(bytes.NewReader(b), int64(len(b)))
}
