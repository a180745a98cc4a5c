package projection_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/replay/synth"
)

// synthOptions is a short, busy match: bots that die and respawn.
func synthOptions(tb testing.TB, seed uint64, players int, d time.Duration) synth.Options {
	src, err := assets.MapSource("arena")
	if err != nil {
		tb.Fatal(err)
	}
	return synth.Options{
		Players: players, Duration: d, Rate: 3, Chasers: players / 2, Seed: seed,
		Map: "arena", MapSource: src, TickRate: 60,
		MatchID: fmt.Sprintf("m%d", seed),
		Start:   time.Date(2026, 1, 1, 0, 0, int(seed), 0, time.UTC),
		Writer:  replay.Options{NoSync: true},
	}
}

// genFile writes a synthetic match to dir/id.skr and returns its path.
func genFile(tb testing.TB, dir, id string, o synth.Options) string {
	tb.Helper()
	path := filepath.Join(dir, id+replay.Extension)
	if err := synth.Generate(path, o); err != nil {
		tb.Fatal(err)
	}
	return path
}

// genBytes returns the bytes of a synthetic match.
func genBytes(tb testing.TB, o synth.Options) []byte {
	tb.Helper()
	path := genFile(tb, tb.TempDir(), "x", o)
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// liveFile writes a complete replay's bytes to a file record by record, as
// a server writes its match: the header, then chunk after chunk, then the
// footer; or it stops (a crash).
type liveFile struct {
	tb   testing.TB
	path string
	src  []byte
	ends []int64  // the end of the header, then of each chunk
	last []uint32 // the last tick of each chunk
	n    int      // records written (the header is record 0)
}

func newLiveFile(tb testing.TB, path string, src []byte) *liveFile {
	tb.Helper()
	r, err := replay.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		tb.Fatal(err)
	}
	in := r.Info()
	l := &liveFile{tb: tb, path: path, src: src, ends: []int64{in.HeaderSize}}
	for i := range in.Chunks {
		c, err := r.Chunk(i)
		if err != nil {
			tb.Fatal(err)
		}
		l.ends = append(l.ends, c.Offset+int64(len(c.Raw)))
		l.last = append(l.last, c.Last)
	}
	return l
}

// chunks returns the number of chunks of the whole replay.
func (l *liveFile) chunks() int { return len(l.last) }

// write appends the header and the next k chunks (fewer at the end); it
// returns the last tick written.
func (l *liveFile) write(k int) uint32 {
	l.tb.Helper()
	from := int64(0)
	if l.n > 0 {
		from = l.ends[l.n-1]
	}
	l.n = min(l.n+k+btoi(l.n == 0), len(l.ends))
	l.append(l.src[from:l.ends[l.n-1]])
	if l.n < 2 {
		return 0
	}
	return l.last[l.n-2]
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// finish appends everything left: the footer ends the match.
func (l *liveFile) finish() {
	l.tb.Helper()
	from := int64(0)
	if l.n > 0 {
		from = l.ends[l.n-1]
	}
	l.n = len(l.ends)
	l.append(l.src[from:])
}

func (l *liveFile) append(b []byte) {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		l.tb.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		l.tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		l.tb.Fatal(err)
	}
}

// logBuffer collects log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// count returns the lines that contain every one of subs.
func (b *logBuffer) count(subs ...string) int {
	n := 0
	for _, line := range strings.Split(b.String(), "\n") {
		ok := line != ""
		for _, s := range subs {
			ok = ok && strings.Contains(line, s)
		}
		if ok {
			n++
		}
	}
	return n
}

func newLogger(w io.Writer) *slog.Logger {
	if w == nil {
		w = io.Discard
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// models is one of each shipped projection.
type models struct {
	lb   *projection.Leaderboard
	sum  *projection.Summaries
	heat *projection.Heatmap
}

func newModels() models {
	return models{projection.NewLeaderboard(), projection.NewSummaries(), projection.NewHeatmap()}
}

func (m models) all() []projection.Projection {
	return []projection.Projection{m.lb, m.sum, m.heat}
}

// states returns each projection's marshalled state, by name.
func (m models) states(tb testing.TB) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, p := range m.all() {
		b, err := p.MarshalState()
		if err != nil {
			tb.Fatal(err)
		}
		out[p.Name()] = string(b)
	}
	return out
}

// running is an engine running on its own goroutine.
type running struct {
	tb     testing.TB
	e      *projection.Engine
	cancel context.CancelFunc
	errc   chan error
}

func startEngine(tb testing.TB, o projection.Options, ps ...projection.Projection) *running {
	tb.Helper()
	if o.Poll == 0 {
		o.Poll = 20 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = newLogger(nil)
	}
	e, err := projection.NewEngine(o, ps...)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{tb: tb, e: e, cancel: cancel, errc: make(chan error, 1)}
	go func() { r.errc <- e.Run(ctx) }()
	tb.Cleanup(func() { r.stop() })
	return r
}

func (r *running) sync() {
	r.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := r.e.Sync(ctx); err != nil {
		r.tb.Fatalf("sync: %v", err)
	}
}

// stop stops the engine and waits for it; it may be called more than once.
func (r *running) stop() {
	r.tb.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	if err := <-r.errc; err != nil {
		r.tb.Errorf("run: %v", err)
	}
}

// waitFor polls cond until it holds, or fails after a while.
func waitFor(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// playFiles plays files through fresh models with PlayFile, one after the
// other, as the reference result.
func playFiles(tb testing.TB, paths ...string) models {
	tb.Helper()
	m := newModels()
	for _, p := range paths {
		if err := projection.PlayFile(p, nil, m.all()...); err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
	}
	return m
}

func copyFile(tb testing.TB, dst, src string) {
	tb.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// ageFiles sets the modification time of files an hour back, so that an
// engine relying on its live window takes them for finished.
func ageFiles(tb testing.TB, paths ...string) {
	tb.Helper()
	old := time.Now().Add(-time.Hour)
	for _, p := range paths {
		if err := os.Chtimes(p, old, old); err != nil {
			tb.Fatal(err)
		}
	}
}

// genTo writes a synthetic match to path.
func genTo(path string, o synth.Options) error { return synth.Generate(path, o) }
