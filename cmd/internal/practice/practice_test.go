package practice_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/cmd/internal/practice"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
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

// TestFork: a practice fork of a replay at a tick waits for the player
// taken over, welcomes it with the world replay.Seek gives there, and the
// server's bots play the others from where they stand; its replay records
// where it comes from.
func TestFork(t *testing.T) {
	t.Parallel()
	src, err := replay.Open("../../../replay/testdata/arena-4p-30s.skr")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	const tick = 1500
	want, err := src.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p, err := practice.Start(practice.Options{Server: server.Options{ReplayDir: dir},
		Fork: &practice.Fork{Source: src, SourceID: "arena-4p-30s", Tick: tick, As: 3}})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			p.Close()
		}
	}()
	if p.Name() != want.Player(3).Name {
		t.Fatalf("join as %q, want player 3's name %q", p.Name(), want.Player(3).Name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := session.Dial(ctx, session.Options{URL: p.URL(), Name: p.Name(), Match: "practice"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.CloseNow()
	if s.Player() != 3 || s.Welcome().Tick != tick || s.World().Hash() != want.Hash() {
		t.Fatalf("welcomed as %d at tick %d with %016x; want player 3 at %d with %016x", s.Player(), s.Welcome().Tick, s.World().Hash(), tick, want.Hash())
	}
	// The others are played: within a few seconds each has sent a command.
	acted := map[sim.PlayerID]bool{}
	for len(acted) < 3 {
		m, err := s.Recv(ctx)
		if err != nil {
			t.Fatalf("after %d bots acted: %v", len(acted), err)
		}
		if f, ok := m.(*protocol.Frame); ok {
			for _, ev := range f.Events {
				if ev.Seq != 0 && ev.Input.Player != 3 {
					acted[ev.Input.Player] = true
				}
			}
		}
	}
	if s.Desyncs() != 0 {
		t.Errorf("%d desyncs", s.Desyncs())
	}
	replayID := p.Forked().Replay
	s.Close()
	closed = true
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := replay.Open(filepath.Join(dir, replayID+replay.Extension))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if o := r.Info().Origin; o == nil || o.Replay != "arena-4p-30s" || o.Tick != tick || o.Hash != want.Hash() {
		t.Errorf("the fork's origin %+v", o)
	}
	if err := r.Verify(nil); err != nil {
		t.Error(err)
	}
}
