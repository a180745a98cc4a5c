package server_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestQueryAPI(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{AdminToken: "tok"})
	base := ts.http.URL
	s := dial(t, ts, "alice", "q1")
	dial(t, ts, "bob", "q1")
	untilTick(t, s, s.Welcome().Tick+3)

	var matches []struct {
		ID      string    `json:"id"`
		Map     string    `json:"map"`
		Players int       `json:"players"`
		Tick    uint32    `json:"tick"`
		Started time.Time `json:"started"`
		State   string    `json:"state"`
		Replay  string    `json:"replay"`
	}
	getJSON(t, base+"/api/matches", &matches)
	if len(matches) != 1 || matches[0].ID != "q1" || matches[0].Players != 2 || matches[0].State != "running" ||
		matches[0].Map != "arena" || matches[0].Tick == 0 || matches[0].Started.IsZero() {
		t.Fatalf("matches: %+v", matches)
	}

	for _, tc := range []struct {
		path string
		want int
		body string
	}{
		{"/healthz", 200, "ok"},
		{"/readyz", 200, "ready"},
		{"/metrics", 200, "skirmish_tick_duration_seconds"},
		{"/metrics", 200, "skirmish_sessions 2"},
		{"/api/matches/q1", 200, `"name": "alice"`},
		{"/api/matches/nope", 404, ""},
		{"/api/matches/..%2F..%2Fetc", 400, ""},
		{"/api/matches/Q1", 400, ""},
		{"/api/replays/..%2Fsecret", 400, ""},
		{"/api/replays/nope", 404, ""},
		{"/api/replays/" + matches[0].Replay, 409, "still running"},
	} {
		code, body := get(t, base+tc.path)
		if code != tc.want || !strings.Contains(body, tc.body) {
			t.Errorf("GET %s: %d %q, want %d containing %q", tc.path, code, body, tc.want, tc.body)
		}
	}

	// End the match as an admin: its replay is then listed and downloadable.
	req, _ := http.NewRequest("POST", base+"/api/admin/matches/q1/end", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("end match: %s", resp.Status)
	}
	var page struct {
		Total   int `json:"total"`
		Replays []struct {
			ID      string   `json:"id"`
			Map     string   `json:"map"`
			Players []string `json:"player_names"`
			Size    int64    `json:"size"`
			Ticks   uint32   `json:"ticks"`
		} `json:"replays"`
	}
	getJSON(t, base+"/api/replays", &page)
	replays := page.Replays
	if page.Total != 1 || len(replays) != 1 || replays[0].ID != matches[0].Replay || len(replays[0].Players) != 2 || replays[0].Size == 0 {
		t.Fatalf("replays: %+v", page)
	}
	code, body := get(t, base+"/api/replays/"+replays[0].ID)
	if code != 200 || int64(len(body)) != replays[0].Size {
		t.Fatalf("download: %d, %d bytes, want %d", code, len(body), replays[0].Size)
	}
	path := filepath.Join(t.TempDir(), "dl.skr")
	os.WriteFile(path, []byte(body), 0o644)
	r, err := replay.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Verify(nil); err != nil {
		t.Fatalf("verify the downloaded replay: %v", err)
	}
	if info := r.Info(); info.Recovered || info.MatchID != "q1" {
		t.Fatalf("downloaded replay info: %+v", info)
	}
}

func TestShutdownFinalizesReplays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ts := startServer(t, server.Options{ReplayDir: dir})
	for _, m := range []string{"one", "two", "three"} {
		s := dial(t, ts, "p-"+m, m)
		untilTick(t, s, s.Welcome().Tick+10)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if code, _ := get(t, ts.http.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz after shutdown: %d", code)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"+replay.Extension))
	if len(files) != 3 {
		t.Fatalf("replays %v, want 3", files)
	}
	for _, f := range files {
		r, err := replay.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		if r.Info().Recovered {
			t.Errorf("%s: no footer: the replay was not finalized", f)
		}
		if err := r.Verify(nil); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		r.Close()
	}
}

// TestLiveStream spectates a running match over HTTP: the header, then
// chunks as they are sealed, which a spectator plays to the server's world.
func TestLiveStream(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{ChunkTicks: 15, AdminToken: "tok"})
	s := dial(t, ts, "actor", "live")
	untilTick(t, s, s.Welcome().Tick+1)
	play(t, s, []sim.Input{{Action: sim.SpawnAt}, {Action: sim.MoveStart, Value: sim.MaxMoveSpeed / 2}})

	resp, err := http.Get(ts.http.URL + "/api/matches/live/live")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("live: %s, cache-control %q", resp.Status, resp.Header.Get("Cache-Control"))
	}
	sr := replay.NewStreamReader(resp.Body)
	h, err := sr.Header()
	if err != nil {
		t.Fatal(err)
	}
	if h.MatchID != "live" {
		t.Fatalf("header of match %q", h.MatchID)
	}
	m, err := h.ParseMap()
	if err != nil {
		t.Fatal(err)
	}
	var w *sim.World
	for w == nil || w.Tick < s.World().Tick {
		c, err := sr.Next()
		if err != nil {
			t.Fatalf("next chunk: %v", err)
		}
		cc, err := c.Decode()
		if err != nil {
			t.Fatal(err)
		}
		if w == nil {
			if !cc.Keyframe() {
				t.Fatal("the stream does not start with a keyframe")
			}
			if w, err = sim.Restore(m, cc.Snapshot); err != nil {
				t.Fatal(err)
			}
		}
		if err := cc.Play(w, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The spectator's world passes through the player's states: bring the
	// player (one frame at a time) to the spectator's tick and compare.
	untilTick(t, s, w.Tick)
	if s.World().Tick != w.Tick || s.World().Hash() != w.Hash() {
		t.Fatalf("tick %d: spectator hash %x, player %x", w.Tick, w.Hash(), s.World().Hash())
	}
	// When the match ends the stream ends cleanly.
	req, _ := http.NewRequest("POST", ts.http.URL+"/api/admin/matches/live/end", nil)
	req.Header.Set("Authorization", "Bearer tok")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	for {
		_, err := sr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("after the end: %v", err)
		}
	}
}
