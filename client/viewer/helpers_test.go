package viewer

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/sim"
)

// goldenPath is a golden replay of package replay: arena, 4 players, 30 s at
// 60 Hz, keyframes every 300 ticks.
const goldenPath = "../../replay/testdata/arena-4p-30s.skr"

func openGolden(t testing.TB) *replay.Reader {
	t.Helper()
	r, err := replay.Open(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// synthBytes records a synthetic match in memory.
func synthBytes(t testing.TB, players int, d time.Duration, seed uint64, wo replay.Options) []byte {
	t.Helper()
	src, err := assets.MapSource("arena")
	if err != nil {
		t.Fatal(err)
	}
	var buf memWriter
	err = synth.Write(&buf, synth.Options{Players: players, Duration: d, Rate: 4, Chasers: players / 2, Seed: seed,
		Map: "arena", MapSource: src, TickRate: 60, MatchID: "viewer-test", Writer: wo,
		Start: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type memWriter struct {
	mu sync.Mutex
	bytes.Buffer
}

func (w *memWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.Buffer.Write(p)
}
func (w *memWriter) Sync() error { return nil }

func readerOf(t testing.TB, b []byte) *replay.Reader {
	t.Helper()
	r, err := replay.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// hashes returns the world's hash at every tick of r, by playing it once.
func hashes(t testing.TB, r *replay.Reader) []uint64 {
	t.Helper()
	in := r.Info()
	w, err := r.Seek(in.FirstTick)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]uint64, in.LastTick+1)
	out[w.Tick] = w.Hash()
	if err := r.Play(func(_ *protocol.Frame, w *sim.World) error {
		out[w.Tick] = w.Hash()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeFile(t testing.TB, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
