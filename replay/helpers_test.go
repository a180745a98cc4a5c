package replay_test

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/sim"
)

// Helpers shared by the tests, fuzz targets and benchmarks of this package.

// memFile is an in-memory WriteSyncer that counts syncs and can be made to
// fail.
type memFile struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	syncs   int
	failAt  int // fail the write that would make the file longer than this, if > 0
	closed  bool
	release chan struct{} // if not nil, writes wait for it to be closed
}

var errDiskFull = errors.New("disk full")

func (f *memFile) Write(p []byte) (int, error) {
	if f.release != nil {
		<-f.release
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failAt > 0 && f.buf.Len()+len(p) > f.failAt {
		return 0, errDiskFull
	}
	return f.buf.Write(p)
}

func (f *memFile) Sync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.syncs++
	return nil
}

func (f *memFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	return nil
}

func (f *memFile) bytes() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]byte(nil), f.buf.Bytes()...)
}

func mapSource(tb testing.TB, name string) []byte {
	tb.Helper()
	src, err := assets.MapSource(name)
	if err != nil {
		tb.Fatal(err)
	}
	return src
}

// matchOptions is a small synthetic match on arena.
func matchOptions(tb testing.TB, players int, d time.Duration, seed uint64) synth.Options {
	return synth.Options{
		Players: players, Duration: d, Rate: 4, Chasers: players / 2, Seed: seed,
		Map: "arena", MapSource: mapSource(tb, "arena"), TickRate: 60,
		MatchID: "test", Start: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC),
	}
}

// recording is a match recorded in memory, with what the test needs to
// check a reader against: every frame and the world's hash at every tick.
type recording struct {
	data   []byte
	frames []protocol.Frame // frames[i] is tick i+1
	hashes []uint64         // hashes[t] is the world's hash at tick t
	final  *sim.World
}

// record plays a synthetic match and records it with a Writer.
func record(tb testing.TB, so synth.Options, wo replay.Options) *recording {
	tb.Helper()
	mt, err := synth.NewMatch(so)
	if err != nil {
		tb.Fatal(err)
	}
	f := &memFile{}
	h := replay.Header{MatchID: so.MatchID, Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate, Start: so.Start}
	w, err := replay.NewWriter(f, h, mt.World(), wo)
	if err != nil {
		tb.Fatal(err)
	}
	rec := &recording{hashes: []uint64{mt.World().Hash()}}
	ticks := int(so.Duration * time.Duration(so.TickRate) / time.Second)
	for range ticks {
		fr := mt.Step()
		cp := *fr
		cp.Events = append([]protocol.Event(nil), fr.Events...)
		rec.frames = append(rec.frames, cp)
		rec.hashes = append(rec.hashes, mt.World().Hash())
		if err := w.Append(fr, mt.World()); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	rec.data = f.bytes()
	rec.final = mt.World().Clone()
	return rec
}

func openBytes(tb testing.TB, b []byte) *replay.Reader {
	tb.Helper()
	r, err := replay.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

// small is a recording shared by the tests that only read: 4 players, 20
// seconds, a keyframe every 3 seconds.
var small = sync.OnceValue(func() *recording {
	return record(&onceTB{}, matchOptions(&onceTB{}, 4, 20*time.Second, 7), replay.Options{KeyframeTicks: 180})
})

// onceTB lets a sync.OnceValue use helpers that take a testing.TB: a
// failure there is a bug in the helpers, so it panics.
type onceTB struct{ testing.TB }

func (onceTB) Helper()                   {}
func (onceTB) Fatal(args ...any)         { panic(args) }
func (onceTB) Fatalf(f string, a ...any) { panic(f) }
