package server_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// created is a match as POST /api/matches answers it.
type created struct {
	ID         string `json:"id"`
	Map        string `json:"map"`
	Players    int    `json:"players"`
	MaxPlayers int    `json:"max_players"`
	State      string `json:"state"`
	Replay     string `json:"replay"`
}

// createOK creates a match and decodes the answer, failing on anything
// but 201 with a Location of the match.
func createOK(t *testing.T, ts *testServer, body string) created {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, ts.http.URL+"/api/matches", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var c created
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/matches %s: %s", body, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		t.Fatalf("POST /api/matches %s: %v", body, err)
	}
	if loc := resp.Header.Get("Location"); loc != "/api/matches/"+c.ID {
		t.Errorf("Location %q for match %q", loc, c.ID)
	}
	return c
}

// TestCreateMatch: POST /api/matches creates a running, empty match on
// the map asked for, which a hello naming it joins; the id may be the
// server's choice; the map defaults to the server's.
func TestCreateMatch(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{})
	c := createOK(t, ts, `{"id":"friday","map":"duel"}`)
	if c.ID != "friday" || c.Map != "duel" || c.Players != 0 || c.State != "running" || c.MaxPlayers != 20 || c.Replay == "" {
		t.Fatalf("created %+v, want friday on duel, running, empty", c)
	}
	var got created
	getJSON(t, ts.http.URL+"/api/matches/friday", &got)
	if got != c {
		t.Fatalf("GET the match: %+v, want %+v", got, c)
	}
	s := dial(t, ts, "joiner", "friday")
	if w := s.Welcome(); w.Map != "duel" || w.Match != "friday" {
		t.Fatalf("welcome: match %q map %q, want friday on duel", w.Match, w.Map)
	}
	src, _ := assets.MapSource("duel")
	duel, err := sim.ParseMap("duel", src)
	if err != nil {
		t.Fatal(err)
	}
	if s.World().Map.Checksum() != duel.Checksum() {
		t.Fatalf("the world's map is %q, not duel", s.World().Map.Name)
	}

	for _, body := range []string{"", "{}", `{"map":"yard"}`} {
		c := createOK(t, ts, body)
		want := "arena"
		if body == `{"map":"yard"}` {
			want = "yard"
		}
		if c.ID == "" || c.ID == "friday" || c.Map != want {
			t.Errorf("create %q: %+v, want an id of the server's on %s", body, c, want)
		}
	}

	var maps []string
	getJSON(t, ts.http.URL+"/api/maps", &maps)
	if !slices.Equal(maps, assets.MapNames()) {
		t.Errorf("GET /api/maps: %v, want %v", maps, assets.MapNames())
	}
}

// TestCreateMatchRefused: a bad request is 400 and reserves nothing, an
// id that runs is 409, a server that takes no new match is 503; each
// says why.
func TestCreateMatchRefused(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{MaxMatchesPerIP: 2})
	createOK(t, ts, `{"id":"taken"}`)
	for _, c := range []struct {
		body string
		code int
		why  string
	}{
		{`{"id":"late","map":"nowhere"}`, 400, `no map "nowhere"`},
		{`{"map":"../etc"}`, 400, "invalid map name"},
		{`{"id":"Bad Name"}`, 400, "invalid match id"},
		{`{"id":`, 400, "want JSON"},
		{`{"id":"a","colour":"red"}`, 400, "want JSON"},
		{`{"id":"a"} {"id":"b"}`, 400, "want JSON"},
		{`["a"]`, 400, "want JSON"},
		{`{"id":"` + strings.Repeat("x", 5000) + `"}`, 413, "body above"},
		{`{"id":"taken","map":"duel"}`, 409, "taken"},
	} {
		code, body := post(t, ts.http.URL+"/api/matches", "", c.body)
		if code != c.code || !strings.Contains(body, c.why) {
			t.Errorf("POST %.40s: %d %q, want %d saying %q", c.body, code, body, c.code, c.why)
		}
	}
	// None of those counted against the address: it creates its second.
	createOK(t, ts, `{"id":"second"}`)
	code, body := post(t, ts.http.URL+"/api/matches", "", `{"id":"third"}`)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "your address") {
		t.Fatalf("a third match from one address: %d %q, want 503 naming the address", code, body)
	}
	// A hello that would create one is refused alike.
	if _, err := dialFrom(t, ts, "127.0.0.1", "p", "fourth"); err == nil || !strings.Contains(err.Error(), "your address") {
		t.Fatalf("a hello past the limit: %v", err)
	}
	if _, err := ts.Create("x", "", "127.0.0.9"); err != nil {
		t.Fatalf("Create for another address: %v", err)
	}
	if _, err := ts.Create("x", "", "127.0.0.9"); !errors.Is(err, server.ErrMatchExists) {
		t.Fatalf("Create of a running id: %v, want ErrMatchExists", err)
	}
	if _, err := ts.Create("y", "nowhere", ""); !errors.Is(err, server.ErrCreateRequest) {
		t.Fatalf("Create on an unknown map: %v, want ErrCreateRequest", err)
	}
}

// TestCreatedMatchUnplayed: a match created and never played ends once it
// has been empty for the unplayed grace, and leaves no replay.
func TestCreatedMatchUnplayed(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{UnplayedGrace: 300 * time.Millisecond, EmptyGrace: time.Minute})
	c := createOK(t, ts, `{"id":"nobody","map":"yard"}`)
	path := filepath.Join(ts.dir, c.Replay+replay.Extension)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("while running: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for code, _ := get(t, ts.http.URL+"/api/matches/nobody"); code != http.StatusNotFound; code, _ = get(t, ts.http.URL+"/api/matches/nobody") {
		if time.Now().After(deadline) {
			t.Fatal("the created match nobody joined is still running")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("its replay: %v, want it gone", err)
	}
}

// TestMapNames: GET /api/maps lists Options.MapNames; by default the
// embedded maps that Options.Maps serves, and Options.Map.
func TestMapNames(t *testing.T) {
	t.Parallel()
	only := func(names ...string) func(string) ([]byte, error) {
		return func(n string) ([]byte, error) {
			if !slices.Contains(names, n) {
				return nil, fmt.Errorf("no map %s: %w", n, fs.ErrNotExist)
			}
			return assets.MapSource(n)
		}
	}
	for _, c := range []struct {
		o    server.Options
		want []string
	}{
		{server.Options{Maps: only("arena", "yard")}, []string{"arena", "yard"}},
		{server.Options{Map: "duel", Maps: only("duel")}, []string{"duel"}},
		{server.Options{MapNames: func() []string { return []string{"yard", "Not/A/Name"} }}, []string{"yard"}},
	} {
		ts := startServer(t, c.o)
		var got []string
		getJSON(t, ts.http.URL+"/api/maps", &got)
		if !slices.Equal(got, c.want) {
			t.Errorf("GET /api/maps: %v, want %v", got, c.want)
		}
	}
}
