package server_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/server"
)

// replaysPage is GET /api/replays' answer.
type replaysPage struct {
	Total   int `json:"total"`
	Offset  int `json:"offset"`
	Limit   int `json:"limit"`
	Replays []struct {
		ID      string    `json:"id"`
		Match   string    `json:"match"`
		Started time.Time `json:"started"`
		Size    int64     `json:"size"`
	} `json:"replays"`
}

// lockedBuffer collects a server's log.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// count counts the log lines that hold every one of subs.
func (l *lockedBuffer) count(subs ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for line := range strings.Lines(l.b.String()) {
		all := true
		for _, s := range subs {
			all = all && strings.Contains(line, s)
		}
		if all {
			n++
		}
	}
	return n
}

// client is an HTTP client whose every request gives up after 10 s: a
// request that blocks on a named pipe fails the test instead of hanging it.
var client = &http.Client{Timeout: 10 * time.Second}

func fetch(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func mustGet(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fetch(t, req)
}

// mkfifo makes a named pipe, and releases any reader left blocked on it
// when the test ends.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	t.Cleanup(func() {
		for range 100 { // one writer releases every blocked reader
			f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
			if err != nil {
				return // no reader left
			}
			f.Close()
		}
	})
}

// TestReplayFilesHostile serves a replay directory in which names that are
// not regular files sit beside the replays: links to /etc/passwd and to a
// replay, a named pipe, a directory. None is served, listed, streamed or
// counted by the read models; nothing blocks; each is logged once.
func TestReplayFilesHostile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	paths := history(t, dir, 2, 4, 5*time.Second)
	good := strings.TrimSuffix(filepath.Base(paths[0]), replay.Extension)
	for name, target := range map[string]string{"passwd.skr": "/etc/passwd", "twin.skr": filepath.Base(paths[0])} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	mkfifo(t, filepath.Join(dir, "fifo.skr"))
	if err := os.Mkdir(filepath.Join(dir, "sub.skr"), 0o755); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	ts := startServer(t, server.Options{ReplayDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	base := ts.http.URL

	for _, id := range []string{"passwd", "twin", "fifo", "sub"} {
		resp, body := mustGet(t, base+"/api/replays/"+id)
		if resp.StatusCode != http.StatusNotFound || bytes.Contains(body, []byte("root:")) {
			t.Errorf("GET /api/replays/%s: %s %q, want 404", id, resp.Status, body[:min(len(body), 40)])
		}
	}
	for range 20 {
		var page replaysPage
		getJSON(t, base+"/api/replays", &page)
		if page.Total != 2 {
			t.Fatalf("listed %d replays, want the 2 regular ones: %+v", page.Total, page)
		}
	}
	for _, tc := range []struct{ file, what string }{
		{"passwd.skr", "a symbolic link"}, {"twin.skr", "a symbolic link"}, {"fifo.skr", "a named pipe"}, {"sub.skr", "a directory"},
	} {
		if n := logs.count("unreadable replay; not listed", "file="+tc.file, tc.what); n != 1 {
			t.Errorf("%s: logged %d times by 20 listings, want once", tc.file, n)
		}
	}
	if resp, _ := mustGet(t, base+"/api/replays/"+good); resp.StatusCode != http.StatusOK {
		t.Errorf("GET the good replay: %s", resp.Status)
	}
	lb := waitJSON(t, base+"/api/leaderboard", func(v leaderboardResp) bool { return v.CaughtUp })
	if lb.Matches != 2 {
		t.Errorf("the read models count %d matches, want 2 (a link is not another match)", lb.Matches)
	}

	// A running match whose file is swapped for a pipe: its live stream
	// answers at once.
	s := dial(t, ts, "alice", "swap")
	untilTick(t, s, s.Welcome().Tick+2)
	var matches []struct{ Replay string }
	getJSON(t, base+"/api/matches", &matches)
	live := filepath.Join(dir, matches[0].Replay+replay.Extension)
	if err := os.Rename(live, live+".moved"); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, live)
	if resp, _ := mustGet(t, base+"/api/matches/swap/live"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("live stream of a pipe: %s, want 404", resp.Status)
	}
}

// TestReplayListPages: GET /api/replays pages like the leaderboard, newest
// first, and logs an unreadable file once, not at every listing.
func TestReplayListPages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	history(t, dir, 7, 2, 2*time.Second) // old0 (oldest) .. old6
	if err := os.WriteFile(filepath.Join(dir, "junk.skr"), []byte("not a replay"), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	ts := startServer(t, server.Options{ReplayDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	base := ts.http.URL + "/api/replays"
	for _, tc := range []struct {
		query         string
		offset, limit int
		ids           []string
	}{
		{"", 0, 50, []string{"old6", "old5", "old4", "old3", "old2", "old1", "old0"}},
		{"?limit=3", 0, 3, []string{"old6", "old5", "old4"}},
		{"?limit=3&offset=3", 3, 3, []string{"old3", "old2", "old1"}},
		{"?offset=6", 6, 50, []string{"old0"}},
		{"?offset=7", 7, 50, nil},
	} {
		var page replaysPage
		getJSON(t, base+tc.query, &page)
		var ids []string
		for _, r := range page.Replays {
			ids = append(ids, r.Match)
		}
		if page.Total != 7 || page.Offset != tc.offset || page.Limit != tc.limit || fmt.Sprint(ids) != fmt.Sprint(tc.ids) {
			t.Errorf("GET /api/replays%s: total %d, offset %d, limit %d, %v; want 7, %d, %d, %v",
				tc.query, page.Total, page.Offset, page.Limit, ids, tc.offset, tc.limit, tc.ids)
		}
		if page.Replays == nil {
			t.Errorf("GET /api/replays%s: replays is null, want a list", tc.query)
		}
	}
	for _, q := range []string{"?limit=0", "?limit=501", "?offset=-1", "?limit=x"} {
		if code, _ := get(t, base+q); code != http.StatusBadRequest {
			t.Errorf("GET /api/replays%s: %d, want 400", q, code)
		}
	}
	for range 50 {
		get(t, base)
	}
	if n := logs.count("unreadable replay; not listed", "file=junk.skr"); n != 1 {
		t.Errorf("junk.skr logged %d times by 55 listings, want once", n)
	}
	// Once it changes it is read again: now a replay.
	other := history(t, t.TempDir(), 1, 2, time.Second)[0]
	b, err := os.ReadFile(other)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "junk.skr"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	var page replaysPage
	getJSON(t, base, &page)
	if page.Total != 8 {
		t.Errorf("after junk.skr became a replay: %d replays, want 8", page.Total)
	}
}

// TestReplayRanges: ranges of a replay are merged, and a request that
// would make the answer larger than the file gets the file.
func TestReplayRanges(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	paths := history(t, dir, 1, 8, 20*time.Second)
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	size := len(data)
	ts := startServer(t, server.Options{ReplayDir: dir})
	url := ts.http.URL + "/api/replays/" + strings.TrimSuffix(filepath.Base(paths[0]), replay.Extension)
	ranges := func(spans ...[2]int) string {
		var parts []string
		for _, s := range spans {
			parts = append(parts, fmt.Sprintf("%d-%d", s[0], s[1]))
		}
		return "bytes=" + strings.Join(parts, ",")
	}
	var bytewise, scattered [][2]int
	for i := range 200 {
		bytewise = append(bytewise, [2]int{i, i})
	}
	if size < 20*200 {
		t.Fatalf("a replay of %d bytes is too small for this test", size)
	}
	for i := range 20 { // 20 parts, too far apart to merge
		scattered = append(scattered, [2]int{i * size / 20, i * size / 20})
	}
	for _, tc := range []struct {
		name   string
		header string
		status int
		// parts are the byte spans the answer must hold, in order; nil
		// for the whole file.
		parts [][2]int
	}{
		{"200 one-byte ranges in a row", ranges(bytewise...), 206, [][2]int{{0, 199}}},
		{"20 one-byte ranges all over", ranges(scattered...), 200, nil},
		{"overlapping", ranges([2]int{10, 30}, [2]int{20, 40}, [2]int{0, 5}), 206, [][2]int{{0, 40}}},
		{"two far apart", ranges([2]int{0, 9}, [2]int{size - 10, size - 1}), 206, [][2]int{{0, 9}, {size - 10, size - 1}}},
		{"the last 16 bytes", "bytes=-16", 206, [][2]int{{size - 16, size - 1}}},
		{"from 100 on", "bytes=100-", 206, [][2]int{{100, size - 1}}},
		{"beyond the file", fmt.Sprintf("bytes=%d-", size+10), 416, nil},
	} {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Range", tc.header)
		resp, body := fetch(t, req)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %s, want %d", tc.name, resp.Status, tc.status)
			continue
		}
		if len(body) > size+300 {
			t.Errorf("%s: %d bytes answered for a file of %d", tc.name, len(body), size)
		}
		switch {
		case tc.status == 200 && !bytes.Equal(body, data):
			t.Errorf("%s: the answer is not the file", tc.name)
		case tc.status != 206:
		case len(tc.parts) == 1:
			if want := data[tc.parts[0][0] : tc.parts[0][1]+1]; !bytes.Equal(body, want) {
				t.Errorf("%s: %d bytes, not bytes %v", tc.name, len(body), tc.parts[0])
			}
		default:
			_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			if err != nil {
				t.Fatal(err)
			}
			mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
			for i, want := range tc.parts {
				p, err := mr.NextPart()
				if err != nil {
					t.Fatalf("%s: part %d: %v", tc.name, i, err)
				}
				got, _ := io.ReadAll(p)
				if !bytes.Equal(got, data[want[0]:want[1]+1]) {
					t.Errorf("%s: part %d is not bytes %v", tc.name, i, want)
				}
			}
			if _, err := mr.NextPart(); err != io.EOF {
				t.Errorf("%s: more parts than %d", tc.name, len(tc.parts))
			}
		}
	}
}

// TestEventBombKeepsTicking plays a match, then fills its replay directory
// with event bombs (replay/testdata/bomb.skr, 819,000 events in one chunk,
// with and without its footer) and floods within the limits (4096 events
// every tick): the read models catch up over them while the match plays.
// The bombs are refused and logged, the floods are counted, and no tick of
// the match ran late by a whole period while they did (the server's overrun
// counter, read before the files came and once they are in): at most one,
// which a machine shared with other tests (make test runs packages side by
// side under the race detector) can cause by itself; the code before the
// event limits and the pacing had 11 here under the race detector.
func TestEventBombKeepsTicking(t *testing.T) {
	t.Parallel()
	dir, files := t.TempDir(), t.TempDir()
	bomb, err := os.ReadFile(filepath.Join("..", "replay", "testdata", "bomb.skr"))
	if err != nil {
		t.Fatal(err)
	}
	footer := binary.LittleEndian.Uint64(bomb[len(bomb)-16:])
	for i := range 4 {
		if err := os.WriteFile(filepath.Join(files, fmt.Sprintf("bomb-%d.skr", i)), bomb, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(files, fmt.Sprintf("crashed-bomb-%d.skr", i)), bomb[:footer], 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := assets.MapSource("arena")
	if err != nil {
		t.Fatal(err)
	}
	const floods = 2
	for i := range floods {
		err := synth.Generate(filepath.Join(files, fmt.Sprintf("flood-%d.skr", i)), synth.Options{Players: 2, Duration: 5 * time.Second,
			Rate: 2, Seed: uint64(i), Map: "arena", MapSource: src, Flood: replay.MaxTickEvents, Writer: replay.Options{NoSync: true}})
		if err != nil {
			t.Fatal(err)
		}
	}
	var logs lockedBuffer
	// At 10 Hz a tick overruns when it is 100 ms late: the race detector
	// makes a tick of 4096 events take tens of milliseconds to catch up.
	ts := startServer(t, server.Options{ReplayDir: dir, TickRate: 10, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	s := dial(t, ts, "honest", "fair")
	untilTick(t, s, s.Welcome().Tick+10)
	overruns := func() string {
		_, body := mustGet(t, ts.http.URL+"/metrics")
		for line := range strings.Lines(string(body)) {
			if v, ok := strings.CutPrefix(line, "skirmish_tick_overruns_total "); ok {
				return strings.TrimSpace(v)
			}
		}
		t.Fatal("no skirmish_tick_overruns_total in /metrics")
		return ""
	}
	before, err := strconv.Atoi(overruns())
	if err != nil {
		t.Fatal(err)
	}

	old := time.Now().Add(-time.Hour) // history, not live matches
	entries, _ := os.ReadDir(files)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(files, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, e.Name())
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, old, old)
	}
	waitJSON(t, ts.http.URL+"/api/leaderboard", func(v leaderboardResp) bool {
		return v.Matches == floods+1 // the floods and the running match
	})
	untilTick(t, s, s.World().Tick+10) // and a second more of play
	if after, _ := strconv.Atoi(overruns()); after-before > 1 {
		t.Errorf("ticks ran late while the read models caught up: %d overruns before, %d after", before, after)
	}
	if n := logs.count("MaxChunkEvents"); n < 8 {
		t.Errorf("%d log lines name MaxChunkEvents, want one per bomb (8):\n%s", n, logs.b.String())
	}
}
