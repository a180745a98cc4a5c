package server_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// dialFrom dials ts from the local address local (any address of
// 127.0.0.0/8 reaches a loopback server on Linux).
func dialFrom(t *testing.T, ts *testServer, local, name, match string) (*session.Session, error) {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := session.Dial(ctx, session.Options{URL: ts.url, Name: name, Match: match,
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}})
	if err == nil {
		t.Cleanup(func() { s.CloseNow() })
	}
	return s, err
}

// metric returns the value of the sample of /metrics whose name and labels
// are exactly sample (`name` or `name{label="value"}`), 0 if absent.
func metric(t *testing.T, ts *testServer, sample string) float64 {
	t.Helper()
	resp, err := ts.http.Client().Get(ts.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", sc.Text(), err)
			}
			return f
		}
	}
	return 0
}

func adminEnd(t *testing.T, ts *testServer, match string) {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.http.URL+"/api/admin/matches/"+match+"/end", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("end %s: %s", match, resp.Status)
	}
}

// TestMatchesPerAddress: one address cannot take every match slot; it
// gets 4002 past its limit, while others still create matches, and joining
// a match is never limited.
func TestMatchesPerAddress(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{MaxMatchesPerIP: 2, AdminToken: "tok"})
	for _, m := range []string{"a1", "a2"} {
		if _, err := dialFrom(t, ts, "127.0.0.1", "p-"+m, m); err != nil {
			t.Fatalf("create %s: %v", m, err)
		}
	}
	for i := range 20 { // 2,000 in the issue; the first refusal is the point
		_, err := dialFrom(t, ts, "127.0.0.1", "greedy", "x"+strconv.Itoa(i))
		if websocket.CloseStatus(err) != protocol.CloseMatchFull || !strings.Contains(err.Error(), "your address") {
			t.Fatalf("third match from one address: %v, want 4002 naming the address", err)
		}
	}
	if _, err := dialFrom(t, ts, "127.0.0.1", "joiner", "a1"); err != nil {
		t.Fatalf("joining a running match: %v", err)
	}
	if _, err := dialFrom(t, ts, "127.0.0.1", "anyone", ""); err != nil {
		t.Fatalf("joining any match: %v", err)
	}
	if _, err := dialFrom(t, ts, "127.0.0.2", "other", "b1"); err != nil {
		t.Fatalf("another address creating a match: %v", err)
	}
	adminEnd(t, ts, "a2")
	if _, err := dialFrom(t, ts, "127.0.0.1", "again", "a3"); err != nil {
		t.Fatalf("creating after one of the address's matches ended: %v", err)
	}
	if got := metric(t, ts, `skirmish_matches_refused_total{limit="address"}`); got != 20 {
		t.Fatalf("refusals counted: %v, want 20", got)
	}
}

// TestUnplayedMatchLeavesNoReplay: a match nobody ever spawned in ends
// soon after its last player goes, and its replay is deleted; a played
// match waits for the (longer) empty grace period and keeps its replay.
func TestUnplayedMatchLeavesNoReplay(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{UnplayedGrace: 300 * time.Millisecond, EmptyGrace: time.Minute})
	var ghost, played struct {
		Replay string `json:"replay"`
	}
	g := dial(t, ts, "ghost", "ghost")
	untilTick(t, g, g.Welcome().Tick+2)
	getJSON(t, ts.http.URL+"/api/matches/ghost", &ghost)
	p := dial(t, ts, "player", "played")
	untilTick(t, p, p.Welcome().Tick+1)
	play(t, p, []sim.Input{{Action: sim.SpawnAt}})
	getJSON(t, ts.http.URL+"/api/matches/played", &played)
	for _, id := range []string{ghost.Replay, played.Replay} {
		if _, err := os.Stat(filepath.Join(ts.dir, id+replay.Extension)); err != nil {
			t.Fatalf("while running: %v", err)
		}
	}
	g.Close()
	p.Close()

	deadline := time.Now().Add(15 * time.Second)
	for code, _ := get(t, ts.http.URL+"/api/matches/ghost"); code != http.StatusNotFound; code, _ = get(t, ts.http.URL+"/api/matches/ghost") {
		if time.Now().After(deadline) {
			t.Fatal("the unplayed match is still running")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(ts.dir, ghost.Replay+replay.Extension)); !os.IsNotExist(err) {
		t.Fatalf("the unplayed match's replay: %v, want it gone", err)
	}
	if code, _ := get(t, ts.http.URL+"/api/matches/played"); code != http.StatusOK {
		t.Fatalf("the played match: %d, want still running", code)
	}
}

// TestMatchIDReusedWithinASecond: a match that ends and is created again
// with the same id within the same second is joined like any other, and
// each keeps its own replay.
func TestMatchIDReusedWithinASecond(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{AdminToken: "tok"})
	var ids []string
	stamp := func(id string) string { return strings.Join(strings.Split(id, "-")[1:3], "-") }
	for len(ids) < 2 || stamp(ids[len(ids)-1]) != stamp(ids[len(ids)-2]) {
		if len(ids) == 50 {
			t.Fatalf("no two creations within a second in %v", ids)
		}
		s := dial(t, ts, "again", "again")
		var m struct {
			Replay string `json:"replay"`
		}
		getJSON(t, ts.http.URL+"/api/matches/again", &m)
		adminEnd(t, ts, "again")
		s.CloseNow()
		ids = append(ids, m.Replay)
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("replay id %s twice in %v", id, ids)
		}
		seen[id] = true
		r, err := replay.Open(filepath.Join(ts.dir, id+replay.Extension))
		if err != nil {
			t.Fatalf("replay %s: %v", id, err)
		}
		r.Close()
	}
}

// TestMatchCreationOutsideTheLock: while one match is being created (its
// map is slow to come, as its replay file may be), other matches are
// created and joined and the API answers; everyone who asked for the slow
// match ends up in it, one match.
func TestMatchCreationOutsideTheLock(t *testing.T) {
	t.Parallel()
	var slow atomic.Bool
	entered, gate := make(chan struct{}, 1), make(chan struct{})
	maps := func(name string) ([]byte, error) {
		if slow.CompareAndSwap(true, false) {
			entered <- struct{}{}
			<-gate
		}
		return assets.MapSource(name)
	}
	ts := startServer(t, server.Options{Maps: maps})
	slow.Store(true)
	const crowd = 6
	var wg sync.WaitGroup
	players := make([]*session.Session, crowd)
	errs := make([]error, crowd)
	start := func(i int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			players[i], errs[i] = session.Dial(ctx, session.Options{URL: ts.url, Name: "p" + strconv.Itoa(i), Match: "slow"})
		}()
	}
	start(0)
	<-entered // the first is creating the match
	for i := 1; i < crowd; i++ {
		start(i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	quick, err := session.Dial(ctx, session.Options{URL: ts.url, Name: "quick", Match: "quick"})
	cancel()
	if err != nil {
		close(gate)
		t.Fatalf("another match while one is being created: %v", err)
	}
	defer quick.CloseNow()
	if code, body := get(t, ts.http.URL+"/api/matches"); code != http.StatusOK || !strings.Contains(string(body), `"quick"`) {
		t.Errorf("the API while a match is being created: %d %s", code, body)
	}
	close(gate)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("player %d: %v", i, err)
		}
		defer players[i].CloseNow()
	}
	var m struct {
		Players int `json:"players"`
	}
	getJSON(t, ts.http.URL+"/api/matches/slow", &m)
	if m.Players != crowd {
		t.Fatalf("the slow match has %d players, want all %d", m.Players, crowd)
	}
}
