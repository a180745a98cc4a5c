package main

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/bots"
)

// TestBotsPlayAgainstBaseline runs real bots against the baseline: every
// command comes back as an event, and nothing is rejected.
func TestBotsPlayAgainstBaseline(t *testing.T) {
	h, err := newHub(options{tickRate: 60, mapName: "arena", maxPlayers: 20, sendQueue: 256})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	defer hs.Close()
	defer h.shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := bots.Run(ctx, bots.Options{
		URL: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws", Bots: 10, Matches: 2,
		Duration: 2 * time.Second, Rate: 4, Drain: 3 * time.Second,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Commands == 0 || res.Events != res.Commands || res.RejectsTotal != 0 || res.Desyncs != 0 {
		t.Errorf("commands %d, events %d, rejects %d, desyncs %d", res.Commands, res.Events, res.RejectsTotal, res.Desyncs)
	}
	if res.TickRate != 60 || res.Frames == 0 || res.RTTMs.Count == 0 {
		t.Errorf("tick rate %d, frames %d, rtt samples %d", res.TickRate, res.Frames, res.RTTMs.Count)
	}
}

func TestMatchFull(t *testing.T) {
	h, err := newHub(options{tickRate: 60, mapName: "arena", maxPlayers: 1, sendQueue: 256})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	defer hs.Close()
	defer h.shutdown()
	res, err := bots.Run(context.Background(), bots.Options{
		URL: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws", Bots: 2, Matches: 1, Duration: 500 * time.Millisecond,
	})
	if err == nil || !strings.Contains(err.Error(), "is full") || res.Connected != 1 {
		t.Errorf("Run: %v (connected %d), want one bot refused with the match full", err, res.Connected)
	}
}
