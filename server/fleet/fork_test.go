package fleet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// postFork posts a fork request to a node and returns the status, the
// answer and the node that answered, if another.
func postFork(t *testing.T, n *node, path, body string) (int, []byte, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, n.http+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header.Get("X-Skirmish-Node")
}

// forkOn forks through a node and returns the fork and the node that
// answered, if another.
func forkOn(t *testing.T, n *node, path, body string) (server.Forked, string) {
	t.Helper()
	code, b, by := postFork(t, n, path, body)
	if code != http.StatusCreated {
		t.Fatalf("POST %s%s: %d %s", n.id, path, code, b)
	}
	var f server.Forked
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f, by
}

// TestForkInFleet forks, through node a, a match running on node b (the
// request and its body go to b, where the fork runs), then, once b has
// stored its replays in the fleet, forks that match's replay on a, which
// reads it from the fleet's store. Clients of a reach each fork and are
// welcomed with the world the source had at the fork's tick.
func TestForkInFleet(t *testing.T) {
	nats := startNATS(t, "127.0.0.1:0", "")
	a := startNode(t, nats.ClientURL(), "a", server.Options{AdminToken: "tok", ForkGrace: 20 * time.Second})
	b := startNode(t, nats.ClientURL(), "b", server.Options{AdminToken: "tok", ForkGrace: 20 * time.Second})
	s := dial(t, b.ws, "ada", "src")
	toTick(t, s, s.Welcome().Tick+2)
	spawn := s.World().Map.Spawns()[0]
	for _, in := range []sim.Input{{Action: sim.SpawnAt, X: spawn.X, Y: spawn.Y}, {Action: sim.MoveStart, Value: sim.MaxMoveSpeed / 3}, {Action: sim.RotateStart, Value: 3000}} {
		if _, err := s.Send(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	worlds := map[uint32]uint64{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for s.World().Tick < 100 {
		if _, err := s.Recv(ctx); err != nil {
			t.Fatal(err)
		}
		worlds[s.World().Tick] = s.World().Hash()
	}

	// The body goes along to b, which reads it.
	if code, b, by := postFork(t, a, "/api/matches/src/fork?tick=90", `{"claim": ["nobody"]}`); code != http.StatusBadRequest || by != "b" || !strings.Contains(string(b), `no player "nobody"`) {
		t.Errorf("a fork waiting for nobody, through a: %d %s from %q; want b's 400", code, b, by)
	}
	f, by := forkOn(t, a, "/api/matches/src/fork?tick=90&match=copy", `{"claim": ["ada"]}`)
	if by != "b" || f.Match != "copy" || f.Tick != 90 || f.Origin.Hash != hex(worlds[90]) || !strings.HasPrefix(f.Origin.Replay, "src-") {
		t.Fatalf("fork through a: %+v by %q; want copy on b from src at 90 with %s", f, by, hex(worlds[90]))
	}
	c := dial(t, a.ws, "ada", "copy")
	if !c.Redirected() || c.Welcome().Tick != 90 || c.World().Hash() != worlds[90] || c.World().Player(c.Player()).Name != "ada" {
		t.Errorf("ada on copy: redirected %v, welcomed at %d with %016x as %d; want b's fork at 90 with %016x",
			c.Redirected(), c.Welcome().Tick, c.World().Hash(), c.Player(), worlds[90])
	}
	toTick(t, c, 120)
	src := f.Origin.Replay

	b.stop(t) // ends both matches and stores their replays in the fleet
	c.CloseNow()
	within(t, 10*time.Second, "a lists b's replays", func() bool {
		resp, err := http.Get(a.http + "/api/replays")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct{ Replays []struct{ ID string } }
		json.NewDecoder(resp.Body).Decode(&page)
		return len(page.Replays) == 2
	})
	g, by := forkOn(t, a, "/api/replays/"+src+"/fork?tick=60&match=again", `{"claim": ["ada"]}`)
	if by != "" || g.Origin.Replay != src || g.Tick != 60 || g.Origin.Hash != hex(worlds[60]) {
		t.Fatalf("fork of the stored replay on a: %+v (by %q); want from %s at 60 with %s", g, by, src, hex(worlds[60]))
	}
	d := dial(t, a.ws, "ada", "again")
	if d.Redirected() || d.Welcome().Tick != 60 || d.World().Hash() != worlds[60] {
		t.Errorf("ada on again: redirected %v, at %d with %016x; want a's fork at 60 with %016x", d.Redirected(), d.Welcome().Tick, d.World().Hash(), worlds[60])
	}
	toTick(t, d, 90)
	if d.Desyncs() != 0 || c.Desyncs() != 0 {
		t.Errorf("desyncs: %d, %d", c.Desyncs(), d.Desyncs())
	}
}

func hex(h uint64) string { return fmt.Sprintf("%016x", h) }
