package server_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// chunkIndex is GET /api/{matches,replays}/{id}/chunks' answer.
type chunkIndex struct {
	Replay    string `json:"replay"`
	Match     string `json:"match"`
	TickRate  int32  `json:"tick_rate"`
	StartTick uint32 `json:"start_tick"`
	State     string `json:"state"`
	Count     int    `json:"count"`
	LastTick  uint32 `json:"last_tick"`
	From      int    `json:"from"`
	Chunks    []struct {
		N        int    `json:"n"`
		First    uint32 `json:"first"`
		Last     uint32 `json:"last"`
		Keyframe bool   `json:"keyframe"`
		Size     int64  `json:"size"`
	} `json:"chunks"`
}

const (
	immutable = "public, max-age=31536000, immutable"
	briefly   = "public, max-age=1"
)

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{Timeout: 10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// getPiece fetches a chunk URL and checks its status and Cache-Control.
func getPiece(t *testing.T, u string, status int, cache string) (*http.Response, []byte) {
	t.Helper()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status || resp.Header.Get("Cache-Control") != cache {
		t.Fatalf("GET %s: %s, Cache-Control %q; want %d, %q (%q)", u, resp.Status, resp.Header.Get("Cache-Control"), status, cache, b[:min(len(b), 80)])
	}
	return resp, b
}

func getIndex(t *testing.T, u, cache string) chunkIndex {
	t.Helper()
	_, b := getPiece(t, u, http.StatusOK, cache)
	var ix chunkIndex
	if err := json.Unmarshal(b, &ix); err != nil {
		t.Fatalf("%s: %v: %s", u, err, b)
	}
	return ix
}

// TestChunkURLs spectates a running match piece by piece: the index, the
// header, each sealed chunk, and once the match has ended the footer. The
// pieces play to the player's world, are exactly the replay file, carry
// the caching headers a cache needs, and the match's URLs lead to them
// only while the match id names that replay.
func TestChunkURLs(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{ChunkTicks: 15, KeyframeTicks: 60, AdminToken: "tok"})
	base := ts.http.URL
	s := dial(t, ts, "actor", "cast")
	untilTick(t, s, s.Welcome().Tick+1)
	play(t, s, []sim.Input{{Action: sim.SpawnAt}, {Action: sim.MoveStart, Value: sim.MaxMoveSpeed / 2}, {Action: sim.RotateStart, Value: 300}})

	var ix chunkIndex
	waitFor(t, "five sealed chunks", func() bool {
		ix = getIndex(t, base+"/api/matches/cast/chunks", briefly)
		return ix.Count >= 5
	})
	var m struct {
		Replay string `json:"replay"`
	}
	getJSON(t, base+"/api/matches/cast", &m)
	if ix.Replay != m.Replay || ix.Match != "cast" || ix.State != "running" || ix.TickRate != 60 || len(ix.Chunks) != ix.Count {
		t.Fatalf("index %+v of match %s", ix, m.Replay)
	}
	rid := ix.Replay
	rbase := base + "/api/replays/" + rid

	// The header and the sealed chunks, immutable, each with a strong ETag.
	resp, hdr := getPiece(t, rbase+"/header", http.StatusOK, immutable)
	etag := resp.Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) {
		t.Errorf("header's ETag %q, want a strong one", etag)
	}
	req, _ := http.NewRequest("GET", rbase+"/header", nil)
	req.Header.Set("If-None-Match", etag)
	if resp, _ := fetch(t, req); resp.StatusCode != http.StatusNotModified || resp.Header.Get("Cache-Control") != immutable {
		t.Errorf("If-None-Match the ETag: %s, Cache-Control %q; want 304", resp.Status, resp.Header.Get("Cache-Control"))
	}
	pieces := [][]byte{hdr}
	next := ix.StartTick + 1
	for i, c := range ix.Chunks {
		_, b := getPiece(t, rbase+"/chunks/"+strconv.Itoa(c.N), http.StatusOK, immutable)
		first, last := binary.LittleEndian.Uint32(b[9:13]), binary.LittleEndian.Uint32(b[13:17])
		if c.N != i || c.First != next || first != c.First || last != c.Last || int64(len(b)) != c.Size || c.Keyframe != (b[0] == 2) {
			t.Fatalf("chunk %d: listed %+v, record of ticks %d..%d, %d bytes, type %d", i, c, first, last, len(b), b[0])
		}
		next = c.Last + 1
		pieces = append(pieces, b)
	}
	if ix.LastTick != next-1 {
		t.Errorf("last tick %d, the chunks end at %d", ix.LastTick, next-1)
	}

	// What is not sealed yet is a 404 that a cache keeps for a second.
	getPiece(t, rbase+"/chunks/"+strconv.Itoa(ix.Count+1000), http.StatusNotFound, briefly)
	getPiece(t, rbase+"/footer", http.StatusNotFound, briefly)

	// The pieces so far play to the player's world.
	sofar := bytes.Join(pieces, nil)
	r, err := replay.NewReader(bytes.NewReader(sofar), int64(len(sofar)))
	if err != nil {
		t.Fatal(err)
	}
	w, err := r.Seek(ix.LastTick)
	if err != nil {
		t.Fatal(err)
	}
	if untilTick(t, s, ix.LastTick); s.World().Tick != w.Tick || s.World().Hash() != w.Hash() {
		t.Fatalf("tick %d: the chunks give %016x, the player has %016x at %d", w.Tick, w.Hash(), s.World().Hash(), s.World().Tick)
	}

	// ?from lists the chunks from that one on.
	if f := getIndex(t, rbase+"/chunks?from=2", briefly); f.From != 2 || len(f.Chunks) == 0 || f.Chunks[0].N != 2 || len(f.Chunks) != f.Count-2 {
		t.Errorf("from=2: %+v", f)
	}
	if f := getIndex(t, rbase+"/chunks?from=100000", briefly); len(f.Chunks) != 0 || f.Count < ix.Count {
		t.Errorf("from past the end: %+v", f)
	}

	// The match's pieces lead to the replay's, for a second.
	for path, to := range map[string]string{"/header": "/header", "/chunks/3": "/chunks/3", "/footer": "/footer"} {
		u := base + "/api/matches/cast" + path
		resp, _ := getPiece(t, u, http.StatusTemporaryRedirect, briefly)
		loc, err := resp.Location()
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := url.Parse(rbase + to); loc.String() != want.String() {
			t.Errorf("%s leads to %s, want %s", path, loc, want)
		}
	}

	// Requests that name nothing are refused.
	for _, path := range []string{"/api/replays/" + rid + "/chunks/01", "/api/replays/" + rid + "/chunks/-1", "/api/replays/" + rid + "/chunks/x",
		"/api/replays/" + rid + "/chunks?from=-1", "/api/matches/cast/chunks?from=x", "/api/replays/Bad!/header", "/api/matches/cast/chunks/+3"} {
		if resp, _ := mustGet(t, base+path); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %s, want 400", path, resp.Status)
		}
	}
	getPiece(t, base+"/api/replays/nothing-here/chunks/0", http.StatusNotFound, briefly)
	getPiece(t, base+"/api/replays/nothing-here/chunks", http.StatusNotFound, briefly)

	// The match ends: the replay's index is final, and with the footer the
	// pieces are the file.
	adminEnd(t, ts, "cast")
	end := getIndex(t, rbase+"/chunks?from="+strconv.Itoa(ix.Count), immutable)
	if end.State != "ended" || end.Count < ix.Count {
		t.Fatalf("after the end: %+v", end)
	}
	for _, c := range end.Chunks {
		_, b := getPiece(t, rbase+"/chunks/"+strconv.Itoa(c.N), http.StatusOK, immutable)
		pieces = append(pieces, b)
	}
	_, footer := getPiece(t, rbase+"/footer", http.StatusOK, immutable)
	file, err := os.ReadFile(filepath.Join(ts.dir, rid+replay.Extension))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.Join(append(pieces, footer), nil), file) {
		t.Fatal("the header, the chunks and the footer put end to end are not the replay file")
	}
	mustGetStatus(t, base+"/api/matches/cast/chunks", http.StatusNotFound)
	mustGetStatus(t, base+"/api/matches/cast/chunks/0", http.StatusNotFound)

	// The match id comes back with another replay: the match's URLs lead
	// there, the old replay's still give the old bytes.
	s2 := dial(t, ts, "again", "cast")
	untilTick(t, s2, s2.Welcome().Tick+1)
	again := getIndex(t, base+"/api/matches/cast/chunks", briefly)
	if again.Replay == rid {
		t.Fatalf("the new match of id cast has the old replay %s", rid)
	}
	if _, b := getPiece(t, rbase+"/chunks/0", http.StatusOK, immutable); !bytes.Equal(b, pieces[1]) {
		t.Error("the old replay's chunk 0 changed")
	}
	waitFor(t, "the new match's first chunk", func() bool {
		return getIndex(t, base+"/api/matches/cast/chunks", briefly).Count > 0
	})
	resp, _ = getPiece(t, base+"/api/matches/cast/chunks/0", http.StatusTemporaryRedirect, briefly)
	if loc, _ := resp.Location(); !strings.Contains(loc.Path, again.Replay) {
		t.Errorf("the match's chunk 0 leads to %s, want the new replay %s", loc, again.Replay)
	}

	// Every request was counted, and the bytes of what was sent.
	// Chunks: those fetched, one not sealed, one of the old replay, one of
	// no replay, three refused.
	if n, made := metric(t, ts, `skirmish_http_chunk_requests_total{kind="chunk"}`), len(pieces)-1+1+1+1+3; int(n) != made {
		t.Errorf("%v chunk requests counted, made %d", n, made)
	}
	// The header once, a 304 (no body), and a refusal.
	if n, sent := metric(t, ts, `skirmish_http_chunk_bytes_total{kind="header"}`), len(hdr)+len("invalid replay id\n"); int(n) != sent {
		t.Errorf("%v header bytes counted, sent %d", n, sent)
	}
}

func mustGetStatus(t *testing.T, u string, status int) {
	t.Helper()
	resp, err := noRedirects.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != status {
		t.Errorf("GET %s: %s, want %d", u, resp.Status, status)
	}
}

// TestChunkURLsOfFiles serves the chunks of replays the server did not
// record this time: a finished one (an index cached for good), one whose
// recording stopped without its footer (a crash: recovered, its index
// brief), and a link to a replay, which is not served.
func TestChunkURLsOfFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	paths := history(t, dir, 2, 3, 4*time.Second)
	b, err := os.ReadFile(paths[1])
	if err != nil {
		t.Fatal(err)
	}
	r, err := replay.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	in := r.Info()
	crashed := b[:in.Size-in.FooterSize]
	if err := os.WriteFile(paths[1], crashed, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Base(paths[0]), filepath.Join(dir, "twin"+replay.Extension)); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, server.Options{ReplayDir: dir})
	id := func(p string) string { return strings.TrimSuffix(filepath.Base(p), replay.Extension) }

	ended := getIndex(t, ts.http.URL+"/api/replays/"+id(paths[0])+"/chunks", immutable)
	if ended.State != "ended" || ended.Count == 0 || ended.Match != "old0" {
		t.Errorf("finished replay: %+v", ended)
	}
	rec := getIndex(t, ts.http.URL+"/api/replays/"+id(paths[1])+"/chunks", briefly)
	if rec.State != "recovered" || rec.Count != in.Chunks {
		t.Errorf("crashed replay: %+v, want %d chunks", rec, in.Chunks)
	}
	pieces := [][]byte{}
	_, h := getPiece(t, ts.http.URL+"/api/replays/"+id(paths[1])+"/header", http.StatusOK, immutable)
	pieces = append(pieces, h)
	for n := range rec.Count {
		_, c := getPiece(t, ts.http.URL+"/api/replays/"+id(paths[1])+"/chunks/"+strconv.Itoa(n), http.StatusOK, immutable)
		pieces = append(pieces, c)
	}
	if !bytes.Equal(bytes.Join(pieces, nil), crashed) {
		t.Error("the crashed replay's pieces are not its file")
	}
	getPiece(t, ts.http.URL+"/api/replays/"+id(paths[1])+"/footer", http.StatusNotFound, briefly)
	for _, p := range []string{"/chunks", "/header", "/chunks/0"} {
		getPiece(t, ts.http.URL+"/api/replays/twin"+p, http.StatusNotFound, briefly)
	}
}

// TestLiveFrom resumes a live stream at chunk N: the header, then chunk N
// and those after it, the same bytes as their chunk URLs.
func TestLiveFrom(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{ChunkTicks: 15})
	s := dial(t, ts, "actor", "resume")
	untilTick(t, s, s.Welcome().Tick+1)
	play(t, s, []sim.Input{{Action: sim.SpawnAt}, {Action: sim.MoveStart, Value: sim.MaxMoveSpeed / 2}})
	var ix chunkIndex
	waitFor(t, "four sealed chunks", func() bool {
		ix = getIndex(t, ts.http.URL+"/api/matches/resume/chunks", briefly)
		return ix.Count >= 4
	})
	rbase := ts.http.URL + "/api/replays/" + ix.Replay

	resp, err := client.Get(ts.http.URL + "/api/matches/resume/live?from=2")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("live?from=2: %s", resp.Status)
	}
	_, hdr := getPiece(t, rbase+"/header", http.StatusOK, immutable)
	got := make([]byte, len(hdr))
	if _, err := io.ReadFull(resp.Body, got); err != nil || !bytes.Equal(got, hdr) {
		t.Fatalf("the resumed stream does not start with the header: %v", err)
	}
	for n := 2; n < 5; n++ {
		var rh [9]byte
		if _, err := io.ReadFull(resp.Body, rh[:]); err != nil {
			t.Fatal(err)
		}
		rec := make([]byte, 9+binary.LittleEndian.Uint32(rh[1:5]))
		copy(rec, rh[:])
		if _, err := io.ReadFull(resp.Body, rec[9:]); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "chunk "+strconv.Itoa(n)+" listed", func() bool {
			return getIndex(t, rbase+"/chunks", briefly).Count > n
		})
		if _, want := getPiece(t, rbase+"/chunks/"+strconv.Itoa(n), http.StatusOK, immutable); !bytes.Equal(rec, want) {
			t.Fatalf("record %d of the resumed stream is not chunk %d", n-2, n)
		}
	}
	for _, q := range []string{"x", "-1", "99999999999"} {
		mustGetStatus(t, ts.http.URL+"/api/matches/resume/live?from="+q, http.StatusBadRequest)
	}
}
