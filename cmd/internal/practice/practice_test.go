package practice_test

import (
	"context"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/cmd/internal/practice"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// TestBotsPlay: the bots join the practice match and play: within a few
// seconds someone has spawned and moved, and the server's world and the
// client's agree.
func TestBotsPlay(t *testing.T) {
	t.Parallel()
	p, err := practice.Start(practice.Options{Bots: 3, Server: server.Options{ReplayDir: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := session.Dial(ctx, session.Options{URL: p.URL(), Name: "watcher", Match: "practice"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.CloseNow()
	moved := map[uint32]bool{}
	start := map[uint32][2]int32{}
	for len(moved) < 3 {
		if _, err := s.Recv(ctx); err != nil {
			t.Fatalf("after %d bots moved: %v", len(moved), err)
		}
		for _, pl := range s.World().Players {
			if pl.ID == s.Player() || !pl.Alive {
				continue
			}
			id := uint32(pl.ID)
			if st, ok := start[id]; !ok {
				start[id] = [2]int32{pl.X, pl.Y}
			} else if st != [2]int32{pl.X, pl.Y} {
				moved[id] = true
			}
		}
	}
	if s.Desyncs() != 0 {
		t.Errorf("%d desyncs", s.Desyncs())
	}
}

// TestOptionsChecked: bad options are refused before anything starts.
func TestOptionsChecked(t *testing.T) {
	t.Parallel()
	for _, o := range []practice.Options{
		{Bots: -1, Server: server.Options{ReplayDir: t.TempDir()}},
		{Bots: sim.MaxPlayers, Server: server.Options{ReplayDir: t.TempDir()}},
		{Bots: 2, Brain: "nope", Server: server.Options{ReplayDir: t.TempDir()}},
		{Bots: 2}, // no replay directory
	} {
		p, err := practice.Start(o)
		if err == nil {
			p.Close()
			t.Errorf("Start(%+v): no error", o)
		}
	}
}
