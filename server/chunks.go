package server

import (
	"bytes"
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
)

// Chunk URLs. Every sealed piece of a replay has a URL of its own: the
// header, each chunk by number, and the footer once the match has ended,
// each exactly the bytes of the file. A piece never changes once it is
// written, and a replay id is never used twice, so the replay-scoped URLs
// (/api/replays/{id}/...) are served immutable and any HTTP cache can keep
// them for good: a crowd of spectators costs the server one request per
// piece per cache (deploy/nginx/spectators.conf).
//
// A match id, though, is used again: a match that ended can be created
// anew under the same id, with another replay. So the match-scoped URLs
// (/api/matches/{id}/...) are only ways in: the index names the match's
// replay and is fresh for a second, and a piece redirects, for a second
// too, to the replay-scoped URL. A cache can thus never serve one match's
// chunk as another's.
//
// Where the pieces come from is decided in one place, chunkIndex and
// chunkPiece: this node's replay directory, read through the Dir.

// Kinds of requests to the chunk URLs, as the metrics label them.
const (
	pieceHeader = "header"
	pieceChunk  = "chunk"
	pieceFooter = "footer"
	kindIndex   = "index"
	// kindRedirect: a match-scoped piece sent on to its replay's URL.
	kindRedirect = "redirect"
)

// piece names a part of a replay that has a URL of its own.
type piece struct {
	kind string // pieceHeader, pieceChunk or pieceFooter
	n    int    // the chunk's number, for pieceChunk
}

// Cache-Control of the chunk URLs.
const (
	// cacheImmutable: bytes that never change under this URL.
	cacheImmutable = "public, max-age=31536000, immutable"
	// cacheBriefly: an answer that may change within the second: the
	// index of a replay still being written, a match's way to its
	// replay, a piece not sealed yet. A cache asks again after a second,
	// so a thousand spectators polling cost the server one request a
	// second.
	cacheBriefly = "public, max-age=1"
)

// chunkIndexJSON is what a spectator can fetch of a replay: the answer of
// GET /api/matches/{id}/chunks and /api/replays/{id}/chunks.
type chunkIndexJSON struct {
	Replay    string `json:"replay"`
	Match     string `json:"match"`
	TickRate  int32  `json:"tick_rate"`
	StartTick uint32 `json:"start_tick"`
	// State is running (still being written), ended (the footer is
	// written: Count is final) or recovered (the recording stopped
	// without its footer: a crash; Count is final too), the states of
	// the read models' summaries.
	State string `json:"state"`
	// Count is how many chunks are sealed: they are numbered 0 to
	// Count-1. LastTick is the last tick of the last of them (StartTick
	// without any).
	Count    int    `json:"count"`
	LastTick uint32 `json:"last_tick"`
	// From is the first chunk listed (the query's from); Chunks lists
	// From to Count-1.
	From   int         `json:"from"`
	Chunks []chunkJSON `json:"chunks"`
}

// chunkJSON is a sealed chunk in an index.
type chunkJSON struct {
	N        int    `json:"n"`
	First    uint32 `json:"first"`
	Last     uint32 `json:"last"`
	Keyframe bool   `json:"keyframe"`
	Size     int64  `json:"size"`
}

// chunkIndex returns the index of replay id from chunk from on:
// errNoReplay if there is no such replay.
func (s *Server) chunkIndex(ctx context.Context, id string, from int) (chunkIndexJSON, error) {
	ix, err := s.localIndex(id, from)
	if errors.Is(err, errNoReplay) && s.opts.Fleet != nil {
		return s.fleetIndex(ctx, id, from)
	}
	return ix, err
}

// chunkPiece returns the exact bytes of a piece of replay id:
// errNoReplay if there is no such replay, errNotSealed if the piece is not
// written yet.
func (s *Server) chunkPiece(ctx context.Context, id string, p piece) ([]byte, error) {
	b, err := s.localPiece(id, p)
	if errors.Is(err, errNoReplay) && s.opts.Fleet != nil {
		return s.fleetPiece(ctx, id, p)
	}
	return b, err
}

// localIndex is chunkIndex for a replay of this node's directory.
func (s *Server) localIndex(id string, from int) (chunkIndexJSON, error) {
	// Whether the match runs is asked before the file is read: a match
	// ends by writing its footer, then leaving the list of running
	// matches, so a file read after a match was seen running holds the
	// footer if the match has ended since.
	running := s.replayRunning(id)
	f, v, err := s.openLocal(id)
	if err != nil {
		return chunkIndexJSON{}, err
	}
	f.Close()
	ix := chunkIndexJSON{Replay: id, Match: v.hdr.MatchID, TickRate: v.hdr.TickRate, StartTick: v.hdr.StartTick,
		State: projection.StateRunning, Count: len(v.chunks), LastTick: v.hdr.StartTick, From: from, Chunks: []chunkJSON{}}
	switch {
	case v.footerSize > 0:
		ix.State = projection.StateEnded
	case !running:
		ix.State = projection.StateRecovered
	}
	if n := len(v.chunks); n > 0 {
		ix.LastTick = v.chunks[n-1].Last
	}
	for _, c := range v.chunks[min(from, len(v.chunks)):] {
		ix.Chunks = append(ix.Chunks, chunkJSON{N: c.Index, First: c.First, Last: c.Last, Keyframe: c.Keyframe, Size: c.Size})
	}
	return ix, nil
}

// localPiece is chunkPiece for a replay of this node's directory.
func (s *Server) localPiece(id string, p piece) ([]byte, error) {
	f, v, err := s.openLocal(id)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	switch p.kind {
	case pieceHeader:
		return v.raw, nil
	case pieceChunk:
		if p.n >= len(v.chunks) {
			return nil, errNotSealed
		}
		return replay.ReadChunk(f, v.chunks[p.n])
	default:
		if v.footerSize == 0 {
			return nil, errNotSealed
		}
		return replay.ReadFooter(f, v.footerOff, v.footerSize)
	}
}

// tailView is what a replay's Tail had found at one moment. Its slices
// are shared and never change.
type tailView struct {
	hdr                   replay.Header
	raw                   []byte
	chunks                []replay.ChunkRef
	footerOff, footerSize int64
}

// openLocal opens the file of replay id and brings its index up to date.
// The caller closes the file.
func (s *Server) openLocal(id string) (*os.File, tailView, error) {
	f, st, err := s.dir.OpenFile(id)
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrInvalid), errors.Is(err, replay.ErrNotRegular):
		return nil, tailView{}, errNoReplay
	case err != nil:
		return nil, tailView{}, err
	}
	v, err := s.tails.view(id, f, st)
	if err != nil {
		f.Close()
		var rerr *replay.Error
		switch {
		case errors.Is(err, replay.ErrTruncated):
			return nil, tailView{}, errNotSealed // a header being written
		case errors.As(err, &rerr):
			return nil, tailView{}, errNoReplay // not a replay this server reads
		}
		return nil, tailView{}, err
	}
	return f, v, nil
}

// chunkTails keeps the Tails of the replays whose chunks were asked for
// lately, so that a request reads only what the file gained since the
// last one. It holds at most maxTails, the least recently used going
// first. Its methods are safe for concurrent use.
type chunkTails struct {
	mu sync.Mutex
	m  map[string]*list.Element // of *tailEntry
	ll list.List                // most recently used first
}

// maxTails bounds the Tails kept: one for each running match that has
// spectators, and the finished replays asked for lately. A Tail holds the
// header (the map's text: a few KiB) and about 50 bytes a chunk.
const maxTails = 128

type tailEntry struct {
	id   string
	mu   sync.Mutex // held while the file is scanned
	fi   fs.FileInfo
	tail *replay.Tail
}

// view returns what replay id's Tail has found in f (whose description is
// st), scanning what f gained since the last view.
func (c *chunkTails) view(id string, f *os.File, st fs.FileInfo) (tailView, error) {
	e := c.entry(id)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.tail != nil && !os.SameFile(e.fi, st) {
		e.tail = nil // another file under the same name: start again
	}
	var err error
	if e.tail == nil {
		e.tail, err = replay.NewTail(f, st.Size())
		e.fi = st
	} else {
		err = e.tail.Scan(f, st.Size())
	}
	if err != nil {
		e.tail = nil
		return tailView{}, err
	}
	t := e.tail
	v := tailView{hdr: t.Header(), raw: t.RawHeader(), chunks: t.Chunks()}
	v.footerOff, v.footerSize, _ = t.Footer()
	return v, nil
}

// entry returns replay id's entry, made if need be, as the most recently
// used.
func (c *chunkTails) entry(id string) *tailEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*list.Element{}
	}
	if el, ok := c.m[id]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*tailEntry)
	}
	e := &tailEntry{id: id}
	c.m[id] = c.ll.PushFront(e)
	for c.ll.Len() > maxTails {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.m, old.Value.(*tailEntry).id)
	}
	return e
}

// forget drops replay id's Tail: its file was removed.
func (c *chunkTails) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[id]; ok {
		c.ll.Remove(el)
		delete(c.m, id)
	}
}

// Handlers.

func (s *Server) chunkRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/replays/{id}/chunks", s.replayChunkIndex)
	mux.HandleFunc("GET /api/replays/{id}/header", s.replayPieceHandler(pieceHeader))
	mux.HandleFunc("GET /api/replays/{id}/chunks/{n}", s.replayPieceHandler(pieceChunk))
	mux.HandleFunc("GET /api/replays/{id}/footer", s.replayPieceHandler(pieceFooter))
	mux.HandleFunc("GET /api/matches/{id}/chunks", s.matchChunkIndex)
	mux.HandleFunc("GET /api/matches/{id}/header", s.matchPiece(pieceHeader))
	mux.HandleFunc("GET /api/matches/{id}/chunks/{n}", s.matchPiece(pieceChunk))
	mux.HandleFunc("GET /api/matches/{id}/footer", s.matchPiece(pieceFooter))
}

// replayChunkIndex answers GET /api/replays/{id}/chunks?from=N. The index
// of an ended replay never changes; the others may within the second.
func (s *Server) replayChunkIndex(w http.ResponseWriter, r *http.Request) {
	cw := s.countChunks(w, kindIndex)
	id := r.PathValue("id")
	if !validReplayID(id) {
		http.Error(cw, "invalid replay id", http.StatusBadRequest)
		return
	}
	from, ok := intParam(cw, r.URL.Query().Get("from"), "from", 0, 0, maxChunkNumber)
	if !ok {
		return
	}
	ix, err := s.chunkIndex(r.Context(), id, from)
	if err != nil {
		s.chunkError(cw, r, "replay "+id, err)
		return
	}
	cache := cacheBriefly
	if ix.State == projection.StateEnded {
		cache = cacheImmutable
	}
	serveIndex(cw, r, ix, cache)
}

// matchChunkIndex answers GET /api/matches/{id}/chunks?from=N: the index
// of the running match's replay, fresh for a second only, since the match
// id may name another replay later.
func (s *Server) matchChunkIndex(w http.ResponseWriter, r *http.Request) {
	cw := s.countChunks(w, kindIndex)
	from, ok := intParam(cw, r.URL.Query().Get("from"), "from", 0, 0, maxChunkNumber)
	if !ok {
		return
	}
	id, replayID, ok := s.matchReplay(cw, r)
	if !ok {
		return
	}
	ix, err := s.chunkIndex(r.Context(), replayID, from)
	if err != nil {
		s.chunkError(cw, r, "match "+id, err)
		return
	}
	serveIndex(cw, r, ix, cacheBriefly)
}

// matchReplay finds the replay of the running match named in the URL,
// answering 400 or 404 itself: a match of this node, or in a fleet of any
// node (whose replay this node serves from the fleet's event log).
func (s *Server) matchReplay(w http.ResponseWriter, r *http.Request) (id, replayID string, ok bool) {
	id = r.PathValue("id")
	if !validID(id) {
		http.Error(w, "invalid match id", http.StatusBadRequest)
		return "", "", false
	}
	if m := s.match(id); m != nil {
		return id, m.replayID, true
	}
	if f := s.opts.Fleet; f != nil {
		if fm, found, err := f.Match(r.Context(), id); err == nil && found && fm.Replay != "" {
			return id, fm.Replay, true
		}
	}
	w.Header().Set("Cache-Control", cacheBriefly)
	http.Error(w, "no such match", http.StatusNotFound)
	return "", "", false
}

// maxChunkNumber bounds the chunk numbers of URLs and queries: a match of
// a year in chunks of a second has fewer.
const maxChunkNumber = 1<<31 - 1

func serveIndex(w http.ResponseWriter, r *http.Request, ix chunkIndexJSON, cache string) {
	b, err := json.Marshal(ix)
	if err != nil {
		http.Error(w, "cannot encode the index", http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	w.Header().Set("Content-Type", "application/json")
	servePiece(w, r, b, cache)
}

// replayPieceHandler answers GET /api/replays/{id}/header, /chunks/{n}
// and /footer with the piece's bytes, immutable.
func (s *Server) replayPieceHandler(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cw := s.countChunks(w, kind)
		id := r.PathValue("id")
		if !validReplayID(id) {
			http.Error(cw, "invalid replay id", http.StatusBadRequest)
			return
		}
		p, ok := pieceOf(cw, r, kind)
		if !ok {
			return
		}
		b, err := s.chunkPiece(r.Context(), id, p)
		if err != nil {
			s.chunkError(cw, r, "replay "+id, err)
			return
		}
		cw.Header().Set("Content-Type", "application/octet-stream")
		servePiece(cw, r, b, cacheImmutable)
	}
}

// matchPiece answers GET /api/matches/{id}/header, /chunks/{n} and
// /footer with a redirect (307) to the running match's replay's URL,
// valid for a second: the match id may name another replay later, and
// only the replay's URL names bytes that never change.
func (s *Server) matchPiece(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		cw := s.countChunks(w, kindRedirect)
		p, ok := pieceOf(cw, r, kind)
		if !ok {
			return
		}
		_, replayID, ok := s.matchReplay(cw, r)
		if !ok {
			return
		}
		// A relative reference, so that a path prefix added by a proxy in
		// front (https://host/skirmish/api/...) is kept.
		to := "../../replays/" + replayID + "/" + kind
		if kind == pieceChunk {
			to = "../../../replays/" + replayID + "/chunks/" + strconv.Itoa(p.n)
		}
		cw.Header().Set("Location", to)
		cw.Header().Set("Cache-Control", cacheBriefly)
		cw.WriteHeader(http.StatusTemporaryRedirect)
	}
}

// pieceOf reads the piece a URL names. A chunk's number must be written
// as plain decimal, so that each chunk has one URL (and one cache entry).
func pieceOf(w http.ResponseWriter, r *http.Request, kind string) (piece, bool) {
	if kind != pieceChunk {
		return piece{kind: kind}, true
	}
	s := r.PathValue("n")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > maxChunkNumber || strconv.Itoa(n) != s {
		http.Error(w, "invalid chunk number", http.StatusBadRequest)
		return piece{}, false
	}
	return piece{kind: kind, n: n}, true
}

// castagnoli makes the ETags: CRC-32C, the checksum of the replay format.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// servePiece sends b with a strong ETag (its CRC-32C and length), which
// http.ServeContent checks against If-None-Match (304).
func servePiece(w http.ResponseWriter, r *http.Request, b []byte, cache string) {
	w.Header().Set("Cache-Control", cache)
	w.Header().Set("ETag", fmt.Sprintf(`"%08x-%x"`, crc32.Checksum(b, castagnoli), len(b)))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b))
}

// chunkError answers a chunk URL that cannot be served. What is not there
// (yet) is a 404 that caches keep for a second only: the chunk may be
// sealed by then.
func (s *Server) chunkError(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch {
	case errors.Is(err, errNoReplay):
		w.Header().Set("Cache-Control", cacheBriefly)
		http.Error(w, "no such replay", http.StatusNotFound)
	case errors.Is(err, errNotSealed):
		w.Header().Set("Cache-Control", cacheBriefly)
		http.Error(w, "not sealed yet", http.StatusNotFound)
	default:
		if r.Context().Err() == nil {
			s.opts.Logger.Warn("chunk URL", "of", what, "path", r.URL.Path, "err", err)
		}
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "cannot read the replay", http.StatusInternalServerError)
	}
}

// countChunks counts a request to a chunk URL of kind, and the bytes of
// its answer.
func (s *Server) countChunks(w http.ResponseWriter, kind string) http.ResponseWriter {
	s.metrics.chunkRequests.WithLabelValues(kind).Inc()
	return &countingWriter{ResponseWriter: w, bytes: s.metrics.chunkBytes.WithLabelValues(kind)}
}

// countingWriter counts the body bytes written through it.
type countingWriter struct {
	http.ResponseWriter
	bytes prometheus.Counter
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.ResponseWriter.Write(b)
	c.bytes.Add(float64(n))
	return n, err
}
