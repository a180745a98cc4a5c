package viewer

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/synth"
)

// The benchmark match of the targets, as `skirmish-replay gen -players 32
// -minutes 60 -rate 2 -seed 1` makes it: 216,000 ticks of 32 players. It
// takes a second or two to generate, so it is kept in the system's temporary
// directory between runs.
var (
	bigOnce sync.Once
	bigPath string
	bigErr  error
)

func bigReplay(b *testing.B) string {
	bigOnce.Do(func() {
		dir := filepath.Join(os.TempDir(), "skirmish-viewer-bench")
		bigPath = filepath.Join(dir, fmt.Sprintf("big-32p-60m-rate2-seed1-v%d.skr", replay.FormatVersion))
		if r, err := replay.Open(bigPath); err == nil {
			ok := r.Info().LastTick == 216000 && !r.Info().Recovered
			r.Close()
			if ok {
				return
			}
		}
		if bigErr = os.MkdirAll(dir, 0o755); bigErr != nil {
			return
		}
		src, err := assets.MapSource("arena")
		if err != nil {
			bigErr = err
			return
		}
		tmp := fmt.Sprintf("%s.%d.tmp", bigPath, os.Getpid())
		bigErr = synth.Generate(tmp, synth.Options{Players: 32, Duration: 60 * time.Minute, Rate: 2, Seed: 1,
			Map: "arena", MapSource: src, TickRate: 60, MatchID: "gen-1", Writer: replay.Options{NoSync: true}})
		if bigErr == nil {
			bigErr = os.Rename(tmp, bigPath)
		}
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigPath
}

// benchModel opens the benchmark match in a Model on a 1280×720 screen,
// without the kill index (whose goroutine would share the cores with the
// frames measured).
func benchModel(b *testing.B, o Options) (*Model, func(Input)) {
	r, err := replay.Open(bigReplay(b))
	if err != nil {
		b.Fatal(err)
	}
	o.NoIndex = true
	m, err := NewModel(r, o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	now := time.Now()
	frame := func(in Input) {
		in.W, in.H, in.DT = 1280, 720, 1.0/60
		now = now.Add(time.Second / 60)
		in.Now = now
		m.Update(in)
		m.View()
	}
	frame(Input{})
	return m, frame
}

// report adds the percentiles of per-frame times.
func report(b *testing.B, times []time.Duration) {
	b.StopTimer()
	slices.Sort(times)
	pct := func(p float64) float64 {
		return float64(times[min(len(times)-1, int(p*float64(len(times))))].Nanoseconds()) / 1e6
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
}

// BenchmarkSeekFrame: a frame in which the timeline is dragged to a random
// tick of the 60-minute match (each frame somewhere else): the whole
// frame's model work, Update (the seek, and the next tick for drawing) and
// View (players, shots, effects, camera, list). Target: within one frame
// at 60 Hz, 16.7 ms.
func BenchmarkSeekFrame(b *testing.B) {
	m, frame := benchModel(b, Options{Start: 100000, Seek: true, Paused: true})
	f := m.View()
	bar := f.Layout.Bar
	y := bar.Y + bar.H/2
	rng := rand.New(rand.NewPCG(1, 2))
	frame(Input{MouseX: bar.X, MouseY: y, MousePressed: true, MouseDown: true})
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		x := bar.X + rng.Float64()*bar.W
		start := time.Now()
		frame(Input{MouseX: x, MouseY: y, MouseDown: true})
		times = append(times, time.Since(start))
	}
	report(b, times)
}

// BenchmarkReverseFrame: frames of reverse playback at 1× (a tick a
// frame), from random places in the match, ten seconds each.
func BenchmarkReverseFrame(b *testing.B) {
	benchPlay(b, true, 1)
}

// BenchmarkReverse16Frame: reverse at 16×.
func BenchmarkReverse16Frame(b *testing.B) {
	benchPlay(b, true, 16)
}

// BenchmarkForwardFrame: frames of playback at 1×, the baseline the others
// compare with.
func BenchmarkForwardFrame(b *testing.B) {
	benchPlay(b, false, 1)
}

// BenchmarkForward16Frame: playback at 16×: 16 ticks simulated a frame.
func BenchmarkForward16Frame(b *testing.B) {
	benchPlay(b, false, 16)
}

func benchPlay(b *testing.B, reverse bool, speed float64) {
	m, frame := benchModel(b, Options{Start: 100000, Seek: true, Speed: speed})
	if reverse {
		frame(Input{Actions: Actions(0).With(ActReverse)})
	}
	rng := rand.New(rand.NewPCG(3, 4))
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		if i%600 == 0 { // a new place every ten seconds of frames
			b.StopTimer()
			m.seek(float64(20000 + rng.IntN(190000)))
			b.StartTimer()
		}
		start := time.Now()
		frame(Input{})
		times = append(times, time.Since(start))
	}
	report(b, times)
	st := m.Playback().Stats()
	b.ReportMetric(float64(st.Forward+st.Back)/float64(b.N), "steps/frame")
}

// BenchmarkReaderSeek is replay.Reader.Seek to random ticks of the same
// match, measured the same way: the baseline of BenchmarkSeekFrame.
func BenchmarkReaderSeek(b *testing.B) {
	r, err := replay.Open(bigReplay(b))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		tick := uint32(rng.IntN(216001))
		start := time.Now()
		if _, err := r.Seek(tick); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	report(b, times)
}
