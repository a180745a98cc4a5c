package replay_test

import (
	"bytes"
	"io"
	"os"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// fuzzSeeds are small real replays: whole, without footer, and cut short;
// a fork (with an origin in its header); a file of format version 1.
func fuzzSeeds(f *testing.F) {
	rec := record(f, matchOptions(f, 2, 3*time.Second, 5), replay.Options{ChunkTicks: 10, KeyframeTicks: 30})
	l := layoutOf(f, rec.data)
	f.Add(rec.data)
	f.Add(rec.data[:l.footer])
	f.Add(rec.data[:l.chunks[len(l.chunks)-1]+15])
	f.Add(rec.data[:l.header])
	f.Add(fork(f, openBytes(f, rec.data), "seed", 90, 40))
	v1, err := os.ReadFile("testdata/v1-arena-4p-30s.skr")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v1[:min(len(v1), 2000)])
}

// FuzzOpen opens arbitrary bytes as a replay and uses what opens: it must
// never panic, and never hang (the ticks it seeks are bounded).
func FuzzOpen(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := replay.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		in := r.Info()
		if in.Ticks > 10000 {
			return // valid, but too long to simulate in a fuzz run
		}
		for _, tick := range []uint32{in.FirstTick, in.FirstTick + in.Ticks/2, in.LastTick} {
			if _, err := r.Seek(tick); err != nil {
				continue
			}
			c, err := r.Cursor(tick)
			if err != nil {
				t.Fatalf("Seek(%d) works but Cursor fails: %v", tick, err)
			}
			_ = c.Prev()
			_ = c.Next()
		}
		for _, err := range r.Frames(0, 1<<32-1) {
			if err != nil {
				break
			}
		}
		_ = r.Verify(nil)
		analyze(r)
	})
}

// FuzzStreamReader reads arbitrary bytes as a live stream.
func FuzzStreamReader(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		sr := replay.NewStreamReader(bytes.NewReader(b))
		if _, err := sr.Header(); err != nil {
			return
		}
		for {
			c, err := sr.Next()
			if err == io.EOF || err != nil {
				return
			}
			if _, err := c.Decode(); err != nil {
				return
			}
		}
	})
}

// analyze runs a TickAnalyzer over every tick of r that plays.
func analyze(r *replay.Reader) {
	w0, err := r.Seek(r.Info().FirstTick)
	if err != nil {
		return
	}
	prev := w0.Clone()
	var an replay.TickAnalyzer
	_ = r.Play(func(f *protocol.Frame, w *sim.World) error {
		an.Analyze(prev, f, w)
		prev.CopyFrom(w)
		return nil
	})
}
