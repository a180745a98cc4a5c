package replay_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/sim"
)

// The benchmark match of the performance targets: 60 minutes, 32 players,
// 2 commands per player per second, default writer options.
func bigOptions(tb testing.TB) synth.Options {
	return synth.Options{
		Players: 32, Duration: 60 * time.Minute, Rate: 2, Seed: 1,
		Map: "arena", MapSource: mapSource(tb, "arena"), TickRate: 60,
		Writer: replay.Options{NoSync: true},
	}
}

var (
	benchDir  string
	bigOnce   sync.Once
	bigPath   string
	bigErr    error
	benchDirM sync.Mutex
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// bigMatch generates the benchmark match once per test binary.
func bigMatch(b *testing.B) string {
	bigOnce.Do(func() {
		benchDirM.Lock()
		defer benchDirM.Unlock()
		if benchDir, bigErr = os.MkdirTemp("", "replay-bench"); bigErr != nil {
			return
		}
		bigPath = filepath.Join(benchDir, "big.skr")
		bigErr = synth.Generate(bigPath, bigOptions(b))
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigPath
}

// BenchmarkGenerate writes the benchmark match and reports its size per
// player-minute (target: at most 1024 bytes, keyframes included).
func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	o := bigOptions(b)
	var size int64
	for i := range b.N {
		path := filepath.Join(dir, fmt.Sprint(i, ".skr"))
		if err := synth.Generate(path, o); err != nil {
			b.Fatal(err)
		}
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		size = st.Size()
		os.Remove(path)
	}
	b.ReportMetric(float64(size)/float64(o.Players)/o.Duration.Minutes(), "B/player-min")
	b.ReportMetric(float64(size), "file-B")
}

// BenchmarkOpen opens the benchmark match (target: 50 ms).
func BenchmarkOpen(b *testing.B) {
	path := bigMatch(b)
	b.ResetTimer()
	for range b.N {
		r, err := replay.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		_ = r.Info()
		r.Close()
	}
}

// BenchmarkSeek seeks to random ticks of the benchmark match from an open
// Reader, and reports the 50th and 99th percentiles (target: p99 10 ms).
func BenchmarkSeek(b *testing.B) {
	path := bigMatch(b)
	r, err := replay.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	last := r.Info().LastTick
	rng := rand.New(rand.NewPCG(1, 2))
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		tick := uint32(rng.IntN(int(last) + 1))
		start := time.Now()
		w, err := r.Seek(tick)
		times = append(times, time.Since(start))
		if err != nil || w.Tick != tick {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
}

// BenchmarkCursorPrev plays the benchmark match backward at 1x, one frame
// per tick, from a random tick.
func BenchmarkCursorPrev(b *testing.B) {
	path := bigMatch(b)
	r, err := replay.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	c, err := r.Cursor(r.Info().LastTick / 2)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if c.Tick() == 0 {
			b.StopTimer()
			c.Seek(r.Info().LastTick / 2)
			b.StartTimer()
		}
		if err := c.Prev(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriterAppend measures Append on the caller's goroutine, per tick
// of a 32-player match (target: 5 µs).
func BenchmarkWriterAppend(b *testing.B) {
	o := bigOptions(b)
	mt, err := synth.NewMatch(o)
	if err != nil {
		b.Fatal(err)
	}
	initial := mt.World().Clone()
	// Record a minute of frames and worlds first, so that only Append is
	// measured.
	const ticks = 3600
	frames := make([]protocol.Frame, ticks)
	worlds := make([]*sim.World, ticks)
	for i := range ticks {
		f := mt.Step()
		frames[i] = protocol.Frame{Tick: f.Tick, Events: slices.Clone(f.Events)}
		worlds[i] = mt.World().Clone()
	}
	h := replay.Header{MatchID: "bench", Map: o.Map, MapSource: o.MapSource, TickRate: o.TickRate}
	b.ReportAllocs()
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		w, err := replay.NewWriter(discard{}, h, initial, replay.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		for i := 0; i < ticks && done < b.N; i++ {
			if err := w.Append(&frames[i], worlds[i]); err != nil {
				b.Fatal(err)
			}
			done++
		}
		b.StopTimer()
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) Sync() error                 { return nil }

// BenchmarkVerify re-simulates the benchmark match.
func BenchmarkVerify(b *testing.B) {
	path := bigMatch(b)
	r, err := replay.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	b.ResetTimer()
	for range b.N {
		if err := r.Verify(nil); err != nil {
			b.Fatal(err)
		}
	}
}
