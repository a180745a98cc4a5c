package replay_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/sim"
)

// playStream reads a stream as a spectator does: the header, then chunk
// after chunk, simulating each, and returns the world's hash at every tick.
func playStream(t *testing.T, sr *replay.StreamReader) (map[uint32]uint64, error) {
	t.Helper()
	h, err := sr.Header()
	if err != nil {
		return nil, err
	}
	m, err := h.ParseMap()
	if err != nil {
		t.Fatal(err)
	}
	hashes := map[uint32]uint64{}
	var w *sim.World
	for {
		c, err := sr.Next()
		if err == io.EOF {
			return hashes, nil
		}
		if err != nil {
			return hashes, err
		}
		cc, err := c.Decode()
		if err != nil {
			t.Fatal(err)
		}
		if w == nil {
			if w, err = sim.Restore(m, cc.Snapshot); err != nil {
				t.Fatal(err)
			}
			hashes[w.Tick] = w.Hash()
		}
		err = cc.Play(w, func(_ *protocol.Frame, w *sim.World) error {
			hashes[w.Tick] = w.Hash()
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestStreamReader(t *testing.T) {
	t.Parallel()
	rec := small()
	l := layoutOf(t, rec.data)
	tests := []struct {
		name      string
		data      []byte
		wantTicks int // ticks played, the start's world included
		wantErr   error
	}{
		{"whole file", rec.data, 1201, nil},
		{"no footer", rec.data[:l.footer], 1201, nil},
		{"cut inside a chunk", rec.data[:l.chunks[10]+20], 601, replay.ErrTruncated},
		{"cut between chunks", rec.data[:l.chunks[10]], 601, nil},
		{"cut in the header", rec.data[:30], 0, replay.ErrTruncated},
		{"flipped bit", func() []byte { b := bytes.Clone(rec.data); b[l.chunks[3]+30] ^= 1; return b }(), 181, replay.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// One byte at a time, as a slow network would deliver it.
			sr := replay.NewStreamReader(io.LimitReader(&oneByteReader{bytes.NewReader(tt.data)}, int64(len(tt.data))))
			hashes, err := playStream(t, sr)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("stream: %v, want %v", err, tt.wantErr)
			}
			if len(hashes) != tt.wantTicks {
				t.Errorf("played %d ticks, want %d", len(hashes), tt.wantTicks)
			}
			for tick, h := range hashes {
				if h != rec.hashes[tick] {
					t.Fatalf("tick %d: hash %016x, want %016x", tick, h, rec.hashes[tick])
				}
			}
		})
	}
}

type oneByteReader struct{ r io.Reader }

func (o *oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// TestFollow tails a file while a match is written to it, and checks that
// the header and chunks it yields, concatenated, are the file's bytes and
// play as the match did.
func TestFollow(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "live.skr")
	so := matchOptions(t, 4, 0, 21)
	mt, err := synth.NewMatch(so)
	if err != nil {
		t.Fatal(err)
	}
	h := replay.Header{MatchID: "live", Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate}
	w, err := replay.Create(path, h, mt.World(), replay.Options{ChunkTicks: 20, KeyframeTicks: 100, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fl, err := replay.Follow(ctx, path, replay.FollowOptions{Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	hashes := map[uint32]uint64{0: mt.World().Hash()}
	done := make(chan error, 1)
	go func() {
		// The tick loop, a little faster than real time.
		for range 600 {
			f := mt.Step()
			hashes[f.Tick] = mt.World().Hash()
			if err := w.Append(f, mt.World()); err != nil {
				done <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
		done <- w.Close()
	}()
	var stream bytes.Buffer
	stream.Write(fl.RawHeader())
	n := 0
	for {
		c, err := fl.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if c.Index != n {
			t.Fatalf("chunk %d after %d", c.Index, n)
		}
		n++
		stream.Write(c.Raw)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n != 30 {
		t.Errorf("followed %d chunks, want 30", n)
	}
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(file, stream.Bytes()) || len(file)-stream.Len() != int(openBytes(t, file).Info().FooterSize) {
		t.Fatal("header and chunks are not the file's bytes up to the footer")
	}
	got, err := playStream(t, replay.NewStreamReader(&stream))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 601 {
		t.Fatalf("played %d ticks, want 601", len(got))
	}
	for tick, h := range got {
		if h != hashes[tick] {
			t.Fatalf("tick %d: hash %016x, want %016x", tick, h, hashes[tick])
		}
	}
	if _, err := fl.Next(ctx); err != io.EOF {
		t.Errorf("Next after the footer: %v, want io.EOF", err)
	}
}

func TestFollowCancel(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "stalled.skr")
	if err := os.WriteFile(path, []byte("SKIRM"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := replay.Follow(ctx, path, replay.FollowOptions{Poll: time.Millisecond}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Follow of a file whose header never completes: %v, want the context's error", err)
	}
	if err := os.WriteFile(path, []byte("not a replay at all, not even close"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := replay.Follow(context.Background(), path, replay.FollowOptions{}); !errors.Is(err, replay.ErrCorrupt) {
		t.Errorf("Follow of a file that is not a replay: %v, want ErrCorrupt", err)
	}
}
