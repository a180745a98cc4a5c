package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// bigMatch writes the benchmarks' source: 32 players for 10 minutes on
// arena at 60 Hz, with the writer's defaults (a keyframe every 10 s).
func bigMatch(b *testing.B) *replay.Reader {
	b.Helper()
	src, err := assets.MapSource("arena")
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "big.skr")
	if err := synth.Generate(path, synth.Options{Players: 32, Duration: 10 * time.Minute, Rate: 2, Chasers: 16, Seed: 1,
		Map: "arena", MapSource: src, TickRate: 60, MatchID: "big"}); err != nil {
		b.Fatal(err)
	}
	r, err := replay.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// BenchmarkFork forks a 32-player match at a random tick: the seek, the
// checks, the match and its replay file (created and fsynced): what a
// fork request costs before its answer.
func BenchmarkFork(b *testing.B) {
	r := bigMatch(b)
	srv, err := New(Options{ReplayDir: b.TempDir(), MaxMatches: 1 << 20, MaxMatchesPerIP: -1, ForkGrace: time.Hour,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	last := r.Info().LastTick
	rng := rand.New(rand.NewPCG(1, 2))
	b.ResetTimer()
	for i := range b.N {
		if _, err := srv.Fork(ForkRequest{Source: r, SourceID: "big", Tick: uint32(rng.IntN(int(last))), Match: fmt.Sprint("f", i)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForkBots is what the bots of a fork cost the tick loop: 31
// chase bots thinking after a tick and their commands applied in the
// next, per tick, in a 32-player fork.
func BenchmarkForkBots(b *testing.B) {
	r := bigMatch(b)
	w, err := r.Seek(r.Info().LastTick / 2)
	if err != nil {
		b.Fatal(err)
	}
	m := &match{world: w, players: map[sim.PlayerID]*seat{}}
	for i, p := range w.Players[1:] {
		bot, _ := brain.New("chase", brain.Seed(1, i), 3)
		st := &seat{id: p.ID, name: p.Name, forked: true, bot: bot}
		m.players[p.ID] = st
		m.order = append(m.order, st)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		m.events = m.events[:0]
		m.applyBots()
		sim.Advance(w)
		m.thinkBots()
	}
}
