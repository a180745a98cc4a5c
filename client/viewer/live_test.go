package viewer

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/bots"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// TestLiveClock plays a match whose chunks (a second of ticks each) arrive
// a second apart, late by up to a third of a second, and checks what the
// viewer's playhead does at 60 frames a second: it settles Delay behind
// the present, moves smoothly (within the catch-up pace of 1×) and never
// runs past the ticks that have arrived.
func TestLiveClock(t *testing.T) {
	t.Parallel()
	const rate, delay = 60.0, 3.0
	rng := rand.New(rand.NewPCG(1, 1))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	// Chunk k holds ticks up to 60k; it is sealed at second k and arrives
	// up to 300 ms later.
	type arrival struct {
		last uint32
		at   time.Time
	}
	var arrivals []arrival
	for k := 1; k <= 120; k++ {
		arrivals = append(arrivals, arrival{uint32(60 * k), start.Add(time.Duration(k)*time.Second + time.Duration(rng.IntN(300))*time.Millisecond)})
	}
	got := 0 // arrivals so far
	pos := math.NaN()
	var prev float64
	for frame := 0; frame < 120*60; frame++ {
		now := start.Add(time.Duration(frame) * time.Second / 60)
		for got < len(arrivals) && !arrivals[got].at.After(now) {
			got++
		}
		if got < 4 {
			continue // less than the delay has arrived
		}
		a := arrivals[got-1]
		edge := LiveEdge(a.last, a.at, now, rate)
		if math.IsNaN(pos) {
			pos = edge - delay*rate // the viewer starts on the mark
			prev = pos
		}
		pos = LiveStep(pos, edge, delay, rate, 1.0/60, a.last)
		if pos > float64(a.last) {
			t.Fatalf("frame %d: playhead %.1f past the last tick received, %d", frame, pos, a.last)
		}
		if step := pos - prev; step < (1-maxCatchUp)-1e-9 || step > (1+maxCatchUp)+1e-9 {
			t.Fatalf("frame %d: the playhead moved %.3f ticks, want about 1", frame, step)
		}
		prev = pos
		// The match's real present is frame/60 s; after a few seconds to
		// settle, the picture is Delay behind it, give or take the
		// chunks' lateness.
		if frame > 10*60 {
			behind := (float64(frame) - pos) / rate
			if behind < delay-0.5 || behind > delay+0.5 {
				t.Fatalf("frame %d: %.2f s behind the match, want %.1f", frame, behind, delay)
			}
		}
	}
}

func TestLiveEdge(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		since time.Duration
		want  float64
	}{{0, 600}, {500 * time.Millisecond, 630}, {time.Hour, 600 + maxAheadSeconds*60}, {-time.Second, 600}} {
		if got := LiveEdge(600, at, at.Add(tc.since), 60); got != tc.want {
			t.Errorf("LiveEdge %v after: %v, want %v", tc.since, got, tc.want)
		}
	}
}

// streamServer serves a recording as a live endpoint does: the header, then
// each chunk at its pace, then the footer. The first connection breaks
// off after cut chunks.
type streamServer struct {
	hdr    []byte
	chunks [][]byte
	footer []byte
	cut    int
	pace   time.Duration
	gone   bool // after the first connection, the match is over: 404
	mu     sync.Mutex
	conns  int
}

func newStreamServer(t *testing.T, b []byte, cut int, pace time.Duration) *streamServer {
	r := readerOf(t, b)
	s := &streamServer{hdr: r.RawHeader(), cut: cut, pace: pace}
	end := int64(len(s.hdr))
	for i := range r.Info().Chunks {
		c, err := r.Chunk(i)
		if err != nil {
			t.Fatal(err)
		}
		s.chunks = append(s.chunks, c.Raw)
		end = c.Offset + int64(len(c.Raw))
	}
	s.footer = b[end:]
	return s
}

func (s *streamServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.conns++
	first := s.conns == 1
	gone := s.gone && !first
	s.mu.Unlock()
	if gone {
		http.Error(w, "no such match", http.StatusNotFound)
		return
	}
	fl := w.(http.Flusher)
	w.Write(s.hdr)
	fl.Flush()
	for i, c := range s.chunks {
		if first && i == s.cut {
			return // the stream breaks off between two chunks
		}
		w.Write(c)
		fl.Flush()
		if i >= s.cut {
			time.Sleep(s.pace)
		}
	}
	w.Write(s.footer)
}

// TestLiveStream follows a stream that breaks off, comes back, and ends
// with the match: every chunk arrives once, the reader grows to the whole
// recording, and the worlds are those of the file.
func TestLiveStream(t *testing.T) {
	t.Parallel()
	b := synthBytes(t, 4, 12*time.Second, 11, replay.Options{KeyframeTicks: 180})
	full := readerOf(t, b)
	want := hashes(t, full)
	ss := newStreamServer(t, b, 5, 20*time.Millisecond)
	hs := httptest.NewServer(ss)
	defer hs.Close()

	l, err := DialLive(context.Background(), hs.URL+"/live", LiveOptions{Retry: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	deadline := time.Now().Add(20 * time.Second)
	for !l.Status().Done {
		if time.Now().After(deadline) {
			t.Fatalf("never done: %+v", l.Status())
		}
		time.Sleep(10 * time.Millisecond)
	}
	st := l.Status()
	in := l.Reader().Info()
	if st.Chunks != full.Info().Chunks || in.Chunks != st.Chunks || in.LastTick != full.Info().LastTick || st.Reconnects != 1 {
		t.Errorf("status %+v, reader %d chunks to tick %d; the file has %d chunks to %d", st, in.Chunks, in.LastTick, full.Info().Chunks, full.Info().LastTick)
	}
	for _, tick := range []uint32{0, 200, 333, in.LastTick} {
		w, err := l.Reader().Seek(tick)
		if err != nil {
			t.Fatal(err)
		}
		if w.Hash() != want[tick] {
			t.Errorf("tick %d: %016x, want %016x", tick, w.Hash(), want[tick])
		}
	}
}

// TestLiveGone: the stream breaks off and the match is gone when the
// viewer comes back (404): what arrived is all there is, and it plays.
func TestLiveGone(t *testing.T) {
	t.Parallel()
	b := synthBytes(t, 2, 6*time.Second, 12, replay.Options{})
	ss := newStreamServer(t, b, 3, 0)
	ss.gone = true
	hs := httptest.NewServer(ss)
	defer hs.Close()
	l, err := DialLive(context.Background(), hs.URL, LiveOptions{Retry: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	deadline := time.Now().Add(10 * time.Second)
	for !l.Status().Done {
		if time.Now().After(deadline) {
			t.Fatalf("never done: %+v", l.Status())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := l.Status(); st.Chunks != 3 || l.Reader().Info().Chunks != 3 {
		t.Errorf("status %+v", st)
	}
	m := NewLiveModel(l, Options{})
	defer m.Close()
	m.Update(Input{W: 1280, H: 720, DT: 1.0 / 60, Now: time.Now()})
	if m.World() == nil {
		t.Fatal("nothing to show")
	}
	if f := m.View(); !f.LiveDone || f.LiveStatus != "" {
		t.Errorf("frame: done %v, status %q", f.LiveDone, f.LiveStatus)
	}
}

func TestDialLiveErrors(t *testing.T) {
	t.Parallel()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			http.Error(w, "no such match", http.StatusNotFound)
		case "/garbage":
			w.Write(bytes.Repeat([]byte("not a replay "), 20))
		case "/silent":
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}
	}))
	defer hs.Close()
	for _, tc := range []struct{ path, want string }{
		{"/missing", "404 Not Found: no such match"},
		{"/garbage", "not a Skirmish replay"},
		{"/silent", "no header"},
	} {
		_, err := DialLive(context.Background(), hs.URL+tc.path, LiveOptions{Timeout: 300 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.path, err, tc.want)
		}
	}
}

// botMatch runs a real server on a loopback port with three random bots
// in match "practice", recording into dir. It returns the server's base
// URL and a function that stops the bots and shuts the server down,
// finalizing the replay.
func botMatch(t *testing.T, dir string) (base string, stop func()) {
	t.Helper()
	srv, err := server.New(server.Options{ReplayDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Maps: assets.MapSource})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	var team []bots.Bot
	for i := range 3 {
		b, err := brain.New("random", brain.Seed(1, i), 3)
		if err != nil {
			t.Fatal(err)
		}
		team = append(team, bots.Bot{Name: fmt.Sprintf("bot%d", i+1), Brain: b})
	}
	ctx, cancel := context.WithCancel(context.Background())
	played := make(chan error, 1)
	go func() {
		played <- bots.Play(ctx, bots.PlayOptions{URL: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws", Match: "practice", Bots: team})
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-played; err != nil {
				t.Errorf("bots: %v", err)
			}
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			if err := srv.Shutdown(sctx); err != nil {
				t.Errorf("server shutdown: %v", err)
			}
			hs.Close()
		})
	}
	t.Cleanup(stop)
	return hs.URL, stop
}

// TestLiveMatch spectates a real match: a server with bots, its live
// endpoint, a Model following it 1.5 s behind in real time. The world the
// viewer shows is the server's (its replay file, finished) at that tick,
// and the viewer is about the delay behind.
func TestLiveMatch(t *testing.T) {
	if testing.Short() {
		t.Skip("plays a match in real time")
	}
	t.Parallel()
	dir := t.TempDir()
	base, stop := botMatch(t, dir)
	time.Sleep(1500 * time.Millisecond) // a little of the match before we come
	l, err := DialLive(context.Background(), base+"/api/matches/practice/live", LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const delay = 1500 * time.Millisecond
	m := NewLiveModel(l, Options{Delay: delay})
	defer m.Close()
	in := Input{W: 1280, H: 720, DT: 1.0 / 60}
	var f *Frame
	var lastPos float64
	jumps := 0
	start := time.Now()
	for time.Since(start) < 5*time.Second {
		in.Now = time.Now()
		m.Update(in)
		f = m.View()
		if m.Playback() != nil {
			if pos := m.Playback().Pos(); lastPos != 0 && (pos < lastPos || pos-lastPos > 3) {
				jumps++
			}
			lastPos = m.Playback().Pos()
		}
		time.Sleep(time.Second / 60)
	}
	if m.World() == nil || !f.Following || f.Waiting {
		t.Fatalf("after 5 s: world %v, following %v, waiting %v, status %q", m.World() != nil, f.Following, f.Waiting, f.LiveStatus)
	}
	if f.Behind < delay.Seconds()-0.6 || f.Behind > delay.Seconds()+0.6 {
		t.Errorf("%.2f s behind the match, want %.1f", f.Behind, delay.Seconds())
	}
	if jumps > 1 { // the first frames may jump to the mark
		t.Errorf("the playhead jumped or went back %d times", jumps)
	}
	tick, hash := m.World().Tick, m.World().Hash()

	// The server's record of the match.
	stop()
	files, _ := filepath.Glob(filepath.Join(dir, "*"+replay.Extension))
	if len(files) != 1 {
		t.Fatalf("replays: %v", files)
	}
	r, err := replay.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := r.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	if w.Hash() != hash {
		t.Errorf("tick %d: the viewer shows %016x, the server recorded %016x", tick, hash, w.Hash())
	}
	if err := r.Verify(nil); err != nil {
		t.Errorf("the server's replay: %v", err)
	}
	t.Logf("showed tick %d, %.2f s behind the match, hash %016x as recorded", tick, f.Behind, hash)
}
