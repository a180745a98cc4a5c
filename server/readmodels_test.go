package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// history writes n synthetic matches of players bots into dir, as the
// replays of earlier runs of the server, and returns their paths.
func history(t *testing.T, dir string, n, players int, d time.Duration) []string {
	t.Helper()
	src, err := assets.MapSource("arena")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := range n {
		path := filepath.Join(dir, fmt.Sprintf("old%d-20260101-0000%02d%s", i, i, replay.Extension))
		err := synth.Generate(path, synth.Options{Players: players, Duration: d, Rate: 3, Chasers: players / 2,
			Seed: uint64(i + 1), Map: "arena", MapSource: src, TickRate: 60, MatchID: fmt.Sprintf("old%d", i),
			Start: time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC), Writer: replay.Options{NoSync: true}})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, path)
	}
	return paths
}

type leaderboardResp struct {
	Total    int                    `json:"total"`
	Offset   int                    `json:"offset"`
	Limit    int                    `json:"limit"`
	Sort     string                 `json:"sort"`
	Order    string                 `json:"order"`
	Matches  int64                  `json:"matches"`
	CaughtUp bool                   `json:"caught_up"`
	Players  []projection.PlayerRow `json:"players"`
}

// reference plays files through fresh read models: what the server's must
// equal.
func reference(t *testing.T, paths ...string) (*projection.Leaderboard, *projection.Summaries) {
	t.Helper()
	lb, sum := projection.NewLeaderboard(), projection.NewSummaries()
	for _, p := range paths {
		if err := projection.PlayFile(p, nil, lb, sum); err != nil {
			t.Fatal(err)
		}
	}
	return lb, sum
}

// waitJSON polls url until cond holds for its JSON answer.
func waitJSON[T any](t *testing.T, url string, cond func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var v T
		resp, err := http.Get(url)
		if err == nil {
			if resp.StatusCode == http.StatusOK {
				err = json.NewDecoder(resp.Body).Decode(&v)
			} else {
				err = fmt.Errorf("status %s", resp.Status)
			}
			resp.Body.Close()
		}
		if err == nil && cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: timed out (last: %v, %+v)", url, err, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestReadModelAPI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	paths := history(t, dir, 3, 6, 20*time.Second)
	// A corrupt file among them is skipped, not fatal.
	if err := os.WriteFile(filepath.Join(dir, "junk"+replay.Extension), []byte("not a replay"), 0o644); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, server.Options{ReplayDir: dir})
	base := ts.http.URL
	lb := waitJSON(t, base+"/api/leaderboard", func(r leaderboardResp) bool { return r.CaughtUp && r.Matches == 3 })
	ref, refSum := reference(t, paths...)
	_, want := ref.View().Page(projection.ByKills, true, 0, 50)
	if lb.Total != 6 || lb.Sort != "kills" || lb.Order != "desc" || lb.Limit != 50 || fmt.Sprint(lb.Players) != fmt.Sprint(want) {
		t.Fatalf("leaderboard %+v\nwant players %+v", lb, want)
	}
	var raw []map[string]any
	getJSON(t, base+"/api/leaderboard?limit=1", &struct {
		Players *[]map[string]any `json:"players"`
	}{&raw})
	for _, k := range []string{"name", "kills", "deaths", "kd", "shots", "hits", "accuracy", "time_played_s", "distance_tiles", "matches"} {
		if _, ok := raw[0][k]; !ok {
			t.Errorf("leaderboard entries have no %q: %v", k, raw[0])
		}
	}

	// Sorting and paging.
	var page leaderboardResp
	getJSON(t, base+"/api/leaderboard?sort=deaths&order=asc&limit=2&offset=1", &page)
	if _, want := ref.View().Page(projection.ByDeaths, false, 1, 2); page.Total != 6 || fmt.Sprint(page.Players) != fmt.Sprint(want) {
		t.Errorf("deaths asc, 2 from 1: %+v, want %+v", page.Players, want)
	}
	getJSON(t, base+"/api/leaderboard?sort=name", &page)
	if page.Order != "asc" || page.Players[0].Name != "bot01" {
		t.Errorf("by name: %s, first %s", page.Order, page.Players[0].Name)
	}

	// One player; one match by replay id and by match id; a heatmap.
	var pl struct {
		projection.PlayerRow
		Rank   int                      `json:"rank"`
		Recent []projection.PlayerMatch `json:"recent_matches"`
	}
	getJSON(t, base+"/api/players/bot02", &pl)
	if row, rank, _ := ref.View().Player("bot02"); pl.PlayerRow != row || pl.Rank != rank || len(pl.Recent) != 3 || pl.Recent[0].ID != "old2-20260101-000002" {
		t.Errorf("bot02: %+v, want %+v rank %d", pl, row, rank)
	}
	var sum projection.MatchSummary
	getJSON(t, base+"/api/matches/old1-20260101-000001/summary", &sum)
	wantSum, _ := refSum.View().Get("old1-20260101-000001")
	if fmt.Sprint(sum) != fmt.Sprint(*wantSum) || sum.State != "ended" {
		t.Errorf("summary %+v\nwant %+v", sum, *wantSum)
	}
	getJSON(t, base+"/api/matches/old1/summary", &sum)
	if sum.ID != "old1-20260101-000001" {
		t.Errorf("summary by match id: %+v", sum)
	}
	resp, err := http.Get(base + "/api/maps/arena/heatmap.png")
	if err != nil {
		t.Fatal(err)
	}
	img, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || etag == "" {
		t.Fatalf("heatmap: %s %v", resp.Status, resp.Header)
	}
	if _, err := png.Decode(bytes.NewReader(img)); err != nil {
		t.Errorf("heatmap: %v", err)
	}
	req, _ := http.NewRequest("GET", base+"/api/maps/arena/heatmap.png", nil)
	req.Header.Set("If-None-Match", etag)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %v %v", resp.Status, err)
	} else {
		resp.Body.Close()
	}

	// Bad input gets a clear error.
	for _, tc := range []struct {
		path string
		want int
		body string
	}{
		{"/api/leaderboard?sort=luck", 400, "sort: want one of kills"},
		{"/api/leaderboard?order=up", 400, "order"},
		{"/api/leaderboard?limit=0", 400, "limit: want an integer from 1 to 500"},
		{"/api/leaderboard?limit=501", 400, "limit"},
		{"/api/leaderboard?limit=ten", 400, "limit"},
		{"/api/leaderboard?offset=-1", 400, "offset"},
		{"/api/leaderboard?offset=100", 200, `"players": []`},
		{"/api/players/nobody", 404, "no such player"},
		{"/api/players/%20bot01", 400, "invalid player name"},
		{"/api/players/a%2Fb", 404, "no such player"}, // a slash is a valid name character
		{"/api/players/" + string(bytes.Repeat([]byte("x"), 17)), 400, "invalid player name"},
		{"/api/players/%ff", 400, "invalid player name"},
		{"/api/matches/nope/summary", 404, "no such match"},
		{"/api/matches/NOPE/summary", 400, "invalid match id"},
		{"/api/maps/yard/heatmap.png", 404, "no heatmap"},
		{"/api/maps/Arena/heatmap.png", 400, "invalid map name"},
		{"/api/maps/..%2Fetc/heatmap.png", 400, "invalid map name"},
	} {
		code, body := get(t, base+tc.path)
		if code != tc.want || !bytes.Contains([]byte(body), []byte(tc.body)) {
			t.Errorf("GET %s: %d %q, want %d with %q", tc.path, code, body, tc.want, tc.body)
		}
	}
}

// TestLiveMatchCountedOnce plays a match while the server's projections
// catch up over a history: the match is counted exactly once, across its
// live part (the engine follows its file) and its end (the footer), and
// the whole leaderboard equals one built from the files afterwards.
func TestLiveMatchCountedOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	paths := history(t, dir, 8, 8, 30*time.Second)
	ts := startServer(t, server.Options{ReplayDir: dir, AdminToken: "tok"})
	base := ts.http.URL
	s := dial(t, ts, "alice", "live1")
	var lb leaderboardResp
	getJSON(t, base+"/api/leaderboard", &lb)
	t.Logf("the match started with the projections caught up: %v", lb.CaughtUp)

	untilTick(t, s, s.Welcome().Tick+1)
	p := spawnPoint(t, s)
	ctx := context.Background()
	seq, err := s.Send(ctx, sim.Input{Action: sim.SpawnAt, X: p.X, Y: p.Y})
	if err != nil {
		t.Fatal(err)
	}
	until(t, s, "spawn", func(m protocol.Message) bool { return frameEvent(m, s.Player(), seq) })
	shots := 0
	fire := func(n int) {
		for range n {
			untilTick(t, s, s.World().Tick+uint32(s.Welcome().TickRate)/3) // past the cooldown
			seq, err := s.Send(ctx, sim.Input{Action: sim.Fire})
			if err != nil {
				t.Fatal(err)
			}
			until(t, s, "fire", func(m protocol.Message) bool { return frameEvent(m, s.Player(), seq) })
			shots++
		}
	}
	fire(3)
	// Wait, reading frames all along, until the engine has followed the
	// match this far.
	deadline := time.Now().Add(60 * time.Second)
	for {
		untilTick(t, s, s.World().Tick+6)
		code, body := get(t, base+"/api/players/alice")
		var row projection.PlayerRow
		if code == 200 && json.Unmarshal([]byte(body), &row) == nil && row.Shots == int64(shots) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the live match was not followed: %d %s", code, body)
		}
	}
	var sum projection.MatchSummary
	getJSON(t, base+"/api/matches/live1/summary", &sum)
	if sum.State != projection.StateRunning {
		t.Errorf("live match's summary: %+v", sum)
	}
	fire(2)
	req, _ := http.NewRequest("POST", base+"/api/admin/matches/live1/end", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("ending the match: %v %v", resp, err)
	}
	resp.Body.Close()
	sum = waitJSON(t, base+"/api/matches/live1/summary", func(s projection.MatchSummary) bool { return s.State == projection.StateEnded })
	lb = waitJSON(t, base+"/api/leaderboard?limit=500", func(r leaderboardResp) bool { return r.CaughtUp && r.Matches == 9 })

	var alice *projection.PlayerRow
	for i := range lb.Players {
		if lb.Players[i].Name == "alice" {
			alice = &lb.Players[i]
		}
	}
	if alice == nil || alice.Matches != 1 || alice.Shots != int64(shots) {
		t.Fatalf("alice: %+v, want 1 match and %d shots", alice, shots)
	}
	// Everything equals the read models built from the files afterwards.
	live, err := filepath.Glob(filepath.Join(dir, "live1-*"+replay.Extension))
	if err != nil || len(live) != 1 {
		t.Fatalf("live match's replay: %v %v", live, err)
	}
	ref, _ := reference(t, append(paths, live[0])...)
	if _, want := ref.View().Page(projection.ByKills, true, 0, 500); fmt.Sprint(lb.Players) != fmt.Sprint(want) {
		t.Errorf("leaderboard\n got %+v\nwant %+v", lb.Players, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "projections", "leaderboard.json")); err != nil {
		t.Errorf("no checkpoint: %v", err)
	}
}
