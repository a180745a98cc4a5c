package bots_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/bots"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// TestPlay: Play's bots join their match and play; a bot the server drops
// comes back as a new player; when the context ends, Play returns and the
// bots leave the match.
func TestPlay(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{AdminToken: "tok", ResumeGrace: 100 * time.Millisecond})
	var team []bots.Bot
	for i := range 3 {
		b, err := brain.New("random", brain.Seed(1, i), 4)
		if err != nil {
			t.Fatal(err)
		}
		team = append(team, bots.Bot{Name: fmt.Sprintf("ann%d", i), Brain: b})
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- bots.Play(ctx, bots.PlayOptions{URL: ts.url, Match: "crowd", Bots: team}) }()

	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	w, err := session.Dial(wctx, session.Options{URL: ts.url, Name: "watcher", Match: "crowd"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.CloseNow()
	joins := map[string][]sim.PlayerID{} // every player id each name joined as
	for _, p := range w.World().Players {
		joins[p.Name] = append(joins[p.Name], p.ID)
	}
	left := map[sim.PlayerID]bool{}
	// recv reads frames until cond holds.
	recv := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			m, err := w.Recv(wctx)
			if err != nil {
				t.Fatalf("waiting for %s: %v", what, err)
			}
			if f, ok := m.(*protocol.Frame); ok {
				for _, ev := range f.Events {
					switch ev.Input.Action {
					case sim.Join:
						joins[ev.Input.Name] = append(joins[ev.Input.Name], ev.Input.Player)
					case sim.Leave:
						left[ev.Input.Player] = true
					}
				}
			}
		}
	}
	// Every bot is in and has spawned and moved.
	start := map[sim.PlayerID][2]int32{}
	moved := map[sim.PlayerID]bool{}
	recv("the bots to play", func() bool {
		for _, p := range w.World().Players {
			if p.ID == w.Player() || !p.Alive {
				continue
			}
			if s, ok := start[p.ID]; !ok {
				start[p.ID] = [2]int32{p.X, p.Y}
			} else if s != [2]int32{p.X, p.Y} {
				moved[p.ID] = true
			}
		}
		return len(moved) == len(team)
	})

	// The server drops ann0: she comes back as a new player.
	first := joins["ann0"][0]
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/admin/matches/crowd/kick/%d", ts.http.URL, first), nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("kick: %s", resp.Status)
	}
	recv("ann0 to come back", func() bool { return left[first] && len(joins["ann0"]) == 2 })

	// The context ends: Play returns, and every bot leaves.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Play: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Play did not return within 10 s of the context's end")
	}
	recv("the bots to leave", func() bool {
		for _, p := range w.World().Players {
			if p.ID != w.Player() {
				return false
			}
		}
		return true
	})
	if w.Desyncs() != 0 {
		t.Errorf("%d desyncs", w.Desyncs())
	}
}

// TestPlayOptionsChecked: Play refuses bad options at once.
func TestPlayOptionsChecked(t *testing.T) {
	t.Parallel()
	b, err := brain.New("random", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		o    bots.PlayOptions
	}{
		{"no URL", bots.PlayOptions{Bots: []bots.Bot{{Name: "ann", Brain: b}}}},
		{"bad name", bots.PlayOptions{URL: "ws://127.0.0.1:1/ws", Bots: []bots.Bot{{Name: " ann", Brain: b}}}},
		{"no brain", bots.PlayOptions{URL: "ws://127.0.0.1:1/ws", Bots: []bots.Bot{{Name: "ann"}}}},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := bots.Play(ctx, tc.o)
		cancel()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}
