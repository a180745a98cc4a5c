package server

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skirmishgg/skirmish/replay"
)

// The replay HTTP API: the list of finished replays, their files, and the
// live stream of a running match's replay. Every file is opened through
// the server's replay.Dir, so nothing but a regular file of the replay
// directory is ever read (no symbolic link, no named pipe).

// replayIDPattern matches the ids of replays: a match id (up to 32
// characters) and what the server adds to it to make each replay's name
// unique, so longer than a match id.
var replayIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// replayPath is where the replay id is written. Readers open it through
// s.dir instead, which refuses anything but a regular file.
func (s *Server) replayPath(id string) string {
	return filepath.Join(s.opts.ReplayDir, id+replay.Extension)
}

// validReplayID reports whether s may name a replay in a URL: lowercase
// letters, digits and dashes, at most 64, so that an id never reaches the
// file system as a path.
func validReplayID(s string) bool { return replayIDPattern.MatchString(s) }

// live streams the running match's replay file: the header, then each chunk
// as it is sealed, byte for byte as on disk. A spectator reads it with
// replay.NewStreamReader. ?from=N resumes a stream that broke off: the
// header, then chunk N and those after it.
func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	from, ok := intParam(w, r.URL.Query().Get("from"), "from", 0, 0, maxChunkNumber)
	if !ok {
		return
	}
	m := s.lookup(w, r, redirect)
	if m == nil {
		return
	}
	f, err := s.dir.Follow(r.Context(), m.replayID, replay.FollowOptions{})
	if err != nil {
		if r.Context().Err() == nil {
			s.opts.Logger.Warn("live stream", "match", m.id, "err", err)
			http.Error(w, "the match's replay cannot be read", http.StatusNotFound)
		}
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", replayContentType)
	w.Header().Set("Cache-Control", "no-store")
	if err := stream(w, r, f, from); err != nil && r.Context().Err() == nil {
		s.opts.Logger.Warn("live stream", "match", m.id, "err", err)
	}
}

// stream writes the header and then every sealed chunk from chunk from on
// until the footer.
func stream(w http.ResponseWriter, r *http.Request, f *replay.Follower, from int) error {
	ctx := r.Context()
	flusher, _ := w.(http.Flusher)
	write := func(b []byte) error {
		if _, err := w.Write(b); err != nil {
			return err
		}
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	}
	if err := write(f.RawHeader()); err != nil {
		return err
	}
	for {
		c, err := f.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil // the match ended: the stream is complete
		}
		if err != nil {
			return err
		}
		if c.Index < from {
			continue
		}
		if err := write(c.Raw); err != nil {
			return err
		}
	}
}

// replayContentType is the media type of replay files and live streams.
const replayContentType = "application/vnd.skirmish.replay"

// ReplaySummary is a finished match's replay as GET /api/replays lists it
// (docs/HTTP-API.md); in a fleet, also what the replay store keeps of it
// (FleetReplay).
type ReplaySummary struct {
	ID        string    `json:"id"`
	Match     string    `json:"match"`
	Map       string    `json:"map"`
	Players   []string  `json:"player_names"`
	Started   time.Time `json:"started"`
	DurationS float64   `json:"duration_s"`
	Ticks     uint32    `json:"ticks"`
	Size      int64     `json:"size"`
	Recovered bool      `json:"recovered"`
	Node      string    `json:"node,omitempty"` // in a fleet: the node that recorded it
}

// replaysJSON is GET /api/replays' answer: a page of the finished replays,
// newest first.
type replaysJSON struct {
	Total   int             `json:"total"` // finished replays listed
	Offset  int             `json:"offset"`
	Limit   int             `json:"limit"`
	Replays []ReplaySummary `json:"replays"`
}

// replayIndex caches the summaries of replay files by id, size and
// modification time, so that listing opens only new or changed files, and
// an unreadable file is logged once, until it changes.
type replayIndex struct {
	mu    sync.Mutex
	cache map[string]cachedReplay
	// open serializes the opening of files not yet cached: a file
	// without a footer is scanned (every chunk decoded), and concurrent
	// listings must not each take a core to do it.
	open sync.Mutex
}

type cachedReplay struct {
	size      int64
	mod       time.Time
	irregular bool // not a regular file
	info      ReplaySummary
	err       error
}

// listReplays answers GET /api/replays?limit=50&offset=0.
func (s *Server) listReplays(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, ok := intParam(w, q.Get("limit"), "limit", defaultLimit, 1, maxLimit)
	if !ok {
		return
	}
	offset, ok := intParam(w, q.Get("offset"), "offset", 0, 0, 1<<31-1)
	if !ok {
		return
	}
	entries, err := s.dir.List()
	if err != nil {
		http.Error(w, "cannot read the replay directory", http.StatusInternalServerError)
		return
	}
	out := []ReplaySummary{}
	for _, e := range entries {
		if !validReplayID(e.ID) || s.replayRunning(e.ID) {
			continue
		}
		if info, err := s.replays.get(s, e); err == nil {
			out = append(out, info)
		}
	}
	s.replays.prune(entries)
	out = s.withFleetReplays(out)
	slices.SortFunc(out, func(a, b ReplaySummary) int {
		return cmp.Or(b.Started.Compare(a.Started), strings.Compare(a.ID, b.ID))
	})
	page := replaysJSON{Total: len(out), Offset: offset, Limit: limit, Replays: []ReplaySummary{}}
	if offset < len(out) {
		page.Replays = out[offset:min(len(out), offset+limit)]
	}
	writeJSON(w, page)
}

// get returns the summary of the replay file e, from the cache when the
// file has not changed. A file that cannot be read is logged when it is
// first found so, not at every listing.
func (x *replayIndex) get(s *Server, e replay.DirEntry) (ReplaySummary, error) {
	x.mu.Lock()
	c, ok := x.cache[e.ID]
	x.mu.Unlock()
	if ok && c.size == e.Size && c.mod.Equal(e.ModTime) && c.irregular == (e.Err != nil) {
		return c.info, c.err
	}
	c = cachedReplay{size: e.Size, mod: e.ModTime, irregular: e.Err != nil, err: e.Err}
	if e.Err == nil {
		c.info, c.err = x.load(s.dir, e.ID)
	}
	if c.err != nil {
		s.opts.Logger.Warn("unreadable replay; not listed until it changes", "file", e.ID+replay.Extension, "err", c.err)
	}
	x.mu.Lock()
	if x.cache == nil {
		x.cache = map[string]cachedReplay{}
	}
	x.cache[e.ID] = c
	x.mu.Unlock()
	return c.info, c.err
}

// load reads the summary of replay id.
func (x *replayIndex) load(dir *replay.Dir, id string) (ReplaySummary, error) {
	x.open.Lock()
	defer x.open.Unlock()
	rd, err := dir.OpenWith(id, replay.ReadOptions{Pace: runtime.Gosched})
	if err != nil {
		return ReplaySummary{}, err
	}
	info := rd.Info()
	rd.Close()
	j := ReplaySummary{ID: id, Match: info.MatchID, Map: info.Map, Started: info.Start.UTC(),
		DurationS: info.Duration.Seconds(), Ticks: info.Ticks, Size: info.Size, Recovered: info.Recovered,
		Players: []string{}}
	for _, p := range info.Players {
		j.Players = append(j.Players, p.Name)
	}
	return j, nil
}

// prune forgets the files that are no longer in the directory.
func (x *replayIndex) prune(entries []replay.DirEntry) {
	present := make(map[string]bool, len(entries))
	for _, e := range entries {
		present[e.ID] = true
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for id := range x.cache {
		if !present[id] {
			delete(x.cache, id)
		}
	}
}

// forget drops replay id from the cache.
func (x *replayIndex) forget(id string) {
	x.mu.Lock()
	delete(x.cache, id)
	x.mu.Unlock()
}

// getReplay answers GET /api/replays/{id} with the replay file. Ranges are
// served, merged first (see coalesceRanges).
func (s *Server) getReplay(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !validReplayID(id) {
		http.Error(w, "invalid replay id", http.StatusBadRequest)
		return
	}
	for _, m := range s.sortedMatches() {
		if m.replayID == id {
			http.Error(w, "match still running; use /api/matches/"+m.id+"/live", http.StatusConflict)
			return
		}
	}
	f, st, err := s.dir.OpenFile(id)
	switch {
	case errors.Is(err, fs.ErrNotExist) && s.opts.Fleet != nil:
		s.serveFleetReplay(w, r, id)
		return
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, replay.ErrNotRegular):
		http.Error(w, "no such replay", http.StatusNotFound)
		return
	case err != nil:
		http.Error(w, "cannot read replay", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	if rg := r.Header.Get("Range"); rg != "" {
		if merged, ok := coalesceRanges(rg, st.Size()); ok {
			r.Header.Set("Range", merged)
		} else {
			r.Header.Del("Range") // the whole file is the better answer
		}
	}
	w.Header().Set("Content-Type", replayContentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+replay.Extension+`"`)
	http.ServeContent(w, r, id+replay.Extension, st.ModTime(), f)
}

// Range requests. A client may ask for many small or overlapping ranges;
// served as they are, each becomes a part of a multipart answer with its
// own headers, so 200 one-byte ranges of a 1 KB file made a 30 KB answer.
// Ranges are merged where they overlap or nearly touch, and a request that
// still asks for more than maxRanges parts, or whose parts would cost more
// than the whole file, gets the whole file (RFC 9110 lets a server ignore
// Range). An answer is thus never much larger than the file.
const (
	maxRanges = 16
	// rangeGap is the largest gap merged away between two ranges: sending
	// the bytes between them costs less than another part's headers.
	rangeGap = 128
	// partCost is about what a multipart part costs beyond its bytes:
	// a boundary, Content-Type and Content-Range.
	partCost = 128
	// maxParsed bounds the ranges read from one header.
	maxParsed = 64 * maxRanges
)

// coalesceRanges returns the Range header h for a file of size bytes with
// its ranges merged, in order, as absolute byte ranges, or false when the
// whole file should be sent instead: too many ranges, or parts that would
// cost more than the file. A header it cannot parse, or whose ranges are
// all beyond the file, is returned as it is, for http.ServeContent to
// answer (416, or the whole file).
func coalesceRanges(h string, size int64) (string, bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok || size <= 0 {
		return h, true
	}
	type span struct{ start, end int64 } // [start, end)
	var spans []span
	for part := range strings.SplitSeq(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		first, last, ok := strings.Cut(part, "-")
		if !ok {
			return h, true
		}
		first, last = strings.TrimSpace(first), strings.TrimSpace(last)
		var sp span
		switch {
		case first == "": // the last N bytes
			n, err := strconv.ParseInt(last, 10, 64)
			if err != nil || n < 0 {
				return h, true
			}
			if n == 0 {
				continue
			}
			sp = span{max(size-n, 0), size}
		default:
			a, err := strconv.ParseInt(first, 10, 64)
			if err != nil || a < 0 {
				return h, true
			}
			b := size - 1
			if last != "" {
				if b, err = strconv.ParseInt(last, 10, 64); err != nil || b < a {
					return h, true
				}
			}
			if a >= size {
				continue // unsatisfiable: left out
			}
			sp = span{a, min(b, size-1) + 1}
		}
		spans = append(spans, sp)
		if len(spans) > maxParsed { // not worth merging: the whole file
			return "", false
		}
	}
	if len(spans) == 0 {
		return h, true
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.start, b.start) })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		if last := &merged[len(merged)-1]; sp.start <= last.end+rangeGap {
			last.end = max(last.end, sp.end)
		} else {
			merged = append(merged, sp)
		}
	}
	cost := int64(0)
	for _, sp := range merged {
		cost += sp.end - sp.start
	}
	if len(merged) > 1 {
		cost += int64(len(merged)) * partCost
	}
	if len(merged) > maxRanges || (len(merged) > 1 && cost >= size) {
		return "", false
	}
	var b strings.Builder
	b.WriteString("bytes=")
	for i, sp := range merged {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d-%d", sp.start, sp.end-1)
	}
	return b.String(), true
}
