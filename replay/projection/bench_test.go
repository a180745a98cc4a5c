package projection_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/sim"
)

// The catch-up benchmark's history: 100 synthetic one-minute matches of 16
// players at 60 Hz (2 commands per player per second, half of them
// chasers), generated once per test binary.
const (
	benchMatches  = 100
	benchPlayers  = 16
	benchDuration = time.Minute
)

var (
	historyOnce sync.Once
	historyDir  string
	historyErr  error
)

func history(b *testing.B) string {
	historyOnce.Do(func() {
		historyDir, historyErr = os.MkdirTemp("", "projection-bench")
		if historyErr != nil {
			return
		}
		for i := range benchMatches {
			o := synthOptions(b, uint64(1000+i), benchPlayers, benchDuration)
			o.Rate = 2
			path := filepath.Join(historyDir, fmt.Sprintf("bench-%03d%s", i, replay.Extension))
			if _, err := os.Stat(path); err == nil {
				continue
			}
			if historyErr = genTo(path, o); historyErr != nil {
				return
			}
		}
	})
	if historyErr != nil {
		b.Fatal(historyErr)
	}
	return historyDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if historyDir != "" {
		os.RemoveAll(historyDir)
	}
	os.Exit(code)
}

// reportSpeed reports how much faster than real time the history played.
func reportSpeed(b *testing.B, elapsed time.Duration) {
	matchTime := time.Duration(benchMatches) * benchDuration
	per := elapsed / time.Duration(b.N)
	b.ReportMetric(float64(matchTime)/float64(per), "x-realtime")
	b.ReportMetric(float64(per.Nanoseconds())/float64(benchMatches*int(benchDuration/time.Second)*60), "ns/tick")
}

// BenchmarkCatchUp rebuilds the leaderboard, the summaries and the heatmap
// from the whole history with an Engine, checkpoints included: flat out
// (share=1, the engine's throughput), and at the default share of half a
// core, as a server runs it. Target: at least 1000× real time on one core
// (-cpu 1).
func BenchmarkCatchUp(b *testing.B) {
	for _, share := range []float64{1, 0.5} {
		b.Run(fmt.Sprintf("share=%v", share), func(b *testing.B) { catchUp(b, share) })
	}
}

func catchUp(b *testing.B, share float64) {
	dir := history(b)
	began := time.Now()
	for i := 0; i < b.N; i++ {
		m := newModels()
		e, err := projection.NewEngine(projection.Options{Dir: dir, CheckpointDir: b.TempDir(), LiveWindow: -1,
			Logger: newLogger(nil), Share: share}, m.all()...)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- e.Run(ctx) }()
		if err := e.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		cancel()
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		if n := m.lb.View().Matches; n != benchMatches {
			b.Fatalf("%d matches", n)
		}
	}
	reportSpeed(b, time.Since(began))
}

// BenchmarkReplayOnly is the baseline: the same history simulated by
// replay.Reader.Play with no projection at all.
func BenchmarkReplayOnly(b *testing.B) {
	dir := history(b)
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	for i := 0; i < b.N; i++ {
		for _, e := range entries {
			r, err := replay.Open(filepath.Join(dir, e.Name()))
			if err != nil {
				b.Fatal(err)
			}
			if err := r.Play(func(*protocol.Frame, *sim.World) error { return nil }); err != nil {
				b.Fatal(err)
			}
			r.Close()
		}
	}
	reportSpeed(b, time.Since(began))
}

// BenchmarkRestart starts an engine over the same history with its
// checkpoints in place: it loads them and reads no replay.
func BenchmarkRestart(b *testing.B) {
	dir := history(b)
	cp := b.TempDir()
	run := func() {
		m := newModels()
		e, err := projection.NewEngine(projection.Options{Dir: dir, CheckpointDir: cp, LiveWindow: -1,
			Logger: newLogger(nil)}, m.all()...)
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- e.Run(ctx) }()
		if err := e.Sync(ctx); err != nil {
			b.Fatal(err)
		}
		cancel()
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		if n := m.lb.View().Matches; n != benchMatches {
			b.Fatalf("%d matches", n)
		}
	}
	run() // the first run builds the checkpoints
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
	}
}
