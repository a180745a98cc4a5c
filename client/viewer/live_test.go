package viewer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// chunkServer serves a recording as a server's chunk URLs do (see
// docs/HTTP-API.md): the index of match "m" and of its replay "m-1", the
// header, the chunks and the footer. Chunks are sealed one every pace,
// the first few at once; the index says "ended" once all are, then
// serves the footer. It counts the requests by path, and can be made to
// fail.
type chunkServer struct {
	hdr    []byte
	chunks [][]byte
	footer []byte
	ticks  [][2]uint32
	start  time.Time
	pace   time.Duration
	first  int // chunks sealed at the start

	mu       sync.Mutex
	requests map[string]int
	// fail, if set, answers a request instead (with its status) when it
	// returns a status other than 0.
	fail func(path string, sealed int) int
	// crashed: the recording stops without its footer (state recovered).
	crashed bool
}

func newChunkServer(t *testing.T, b []byte, first int, pace time.Duration) *chunkServer {
	r := readerOf(t, b)
	s := &chunkServer{hdr: r.RawHeader(), first: first, pace: pace, start: time.Now(), requests: map[string]int{}}
	end := int64(len(s.hdr))
	for i := range r.Info().Chunks {
		c, err := r.Chunk(i)
		if err != nil {
			t.Fatal(err)
		}
		s.chunks = append(s.chunks, c.Raw)
		s.ticks = append(s.ticks, [2]uint32{c.First, c.Last})
		end = c.Offset + int64(len(c.Raw))
	}
	s.footer = b[end:]
	return s
}

// sealed is how many chunks are sealed now.
func (s *chunkServer) sealed() int {
	n := s.first
	if s.pace > 0 {
		n += int(time.Since(s.start) / s.pace)
	}
	return min(n, len(s.chunks))
}

func (s *chunkServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *chunkServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sealed := s.sealed()
	s.mu.Lock()
	s.requests[r.URL.Path]++
	fail := s.fail
	s.mu.Unlock()
	if fail != nil {
		if code := fail(r.URL.Path, sealed); code != 0 {
			http.Error(w, "failing on purpose", code)
			return
		}
	}
	piece := func(b []byte) { w.Write(b) }
	switch p := r.URL.Path; {
	case p == "/api/matches/m/chunks" || p == "/api/replays/m-1/chunks":
		from, _ := strconv.Atoi(r.URL.Query().Get("from"))
		state := "running"
		if sealed == len(s.chunks) {
			state = "ended"
			if s.crashed {
				state = "recovered"
			}
		}
		ix := map[string]any{"replay": "m-1", "match": "viewer-test", "state": state, "count": sealed, "from": from}
		var list []map[string]any
		for n := from; n < sealed; n++ {
			list = append(list, map[string]any{"n": n, "first": s.ticks[n][0], "last": s.ticks[n][1], "size": len(s.chunks[n])})
		}
		ix["chunks"] = list
		json.NewEncoder(w).Encode(ix)
	case p == "/api/replays/m-1/header":
		piece(s.hdr)
	case p == "/api/replays/m-1/footer" && sealed == len(s.chunks) && !s.crashed:
		piece(s.footer)
	case strings.HasPrefix(p, "/api/replays/m-1/chunks/"):
		n, err := strconv.Atoi(strings.TrimPrefix(p, "/api/replays/m-1/chunks/"))
		if err != nil || n >= sealed {
			http.Error(w, "not sealed yet", http.StatusNotFound)
			return
		}
		piece(s.chunks[n])
	default:
		http.NotFound(w, r)
	}
}

// waitDone waits for l to be done.
func waitDone(t *testing.T, l *Live, within time.Duration) LiveStatus {
	t.Helper()
	deadline := time.Now().Add(within)
	for !l.Status().Done {
		if time.Now().After(deadline) {
			t.Fatalf("never done: %+v", l.Status())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return l.Status()
}

// TestLiveChunks follows a match through its chunk URLs: it joins while
// the match is under way (several chunks already sealed), the server fails
// for a while, comes back, and the match ends. Every piece is fetched
// once, the recording received is the replay file byte for byte, and its
// worlds are those of the file.
func TestLiveChunks(t *testing.T) {
	t.Parallel()
	b := synthBytes(t, 4, 12*time.Second, 11, replay.Options{KeyframeTicks: 180})
	full := readerOf(t, b)
	want := hashes(t, full)
	cs := newChunkServer(t, b, 5, 30*time.Millisecond)
	var outage sync.Once
	var outageEnd atomic.Int64
	cs.fail = func(path string, sealed int) int {
		// An outage of 200 ms once 8 chunks are sealed.
		if sealed >= 8 {
			outage.Do(func() { outageEnd.Store(time.Now().Add(200 * time.Millisecond).UnixNano()) })
		}
		if time.Now().UnixNano() < outageEnd.Load() {
			return http.StatusServiceUnavailable
		}
		return 0
	}
	hs := httptest.NewServer(cs)
	defer hs.Close()

	l, err := DialLive(context.Background(), hs.URL+"/api/matches/m/live", LiveOptions{Poll: 10 * time.Millisecond, Retry: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st := waitDone(t, l, 20*time.Second)
	in := l.Reader().Info()
	if st.Err != nil || st.Chunks != full.Info().Chunks || in.Chunks != st.Chunks || in.LastTick != full.Info().LastTick || st.Reconnects != 1 || in.Recovered {
		t.Errorf("status %+v, reader %d chunks to tick %d (recovered %v); the file has %d chunks to %d", st, in.Chunks, in.LastTick, in.Recovered, full.Info().Chunks, full.Info().LastTick)
	}
	if l.Replay() != "m-1" {
		t.Errorf("replay %q", l.Replay())
	}
	// Only what was missing was fetched: each piece once, failures aside.
	for i := range cs.chunks {
		if n := cs.count("/api/replays/m-1/chunks/" + strconv.Itoa(i)); n < 1 || (n > 1 && i < 5) {
			t.Errorf("chunk %d fetched %d times", i, n)
		}
	}
	if n := cs.count("/api/replays/m-1/header"); n != 1 {
		t.Errorf("header fetched %d times", n)
	}
	got := bytes.NewBuffer(l.Reader().RawHeader())
	for i := range in.Chunks {
		c, err := l.Reader().Chunk(i)
		if err != nil {
			t.Fatal(err)
		}
		got.Write(c.Raw)
	}
	if in.Size != int64(len(b)) || !bytes.Equal(got.Bytes(), b[:int64(len(b))-in.FooterSize]) {
		t.Error("the recording received is not the replay file")
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

// TestLiveGone: the server stops having the recording (404) before the
// match's end: what arrived is all there is, and it plays.
func TestLiveGone(t *testing.T) {
	t.Parallel()
	b := synthBytes(t, 2, 6*time.Second, 12, replay.Options{})
	cs := newChunkServer(t, b, 3, time.Hour)
	var polled atomic.Bool
	cs.fail = func(path string, sealed int) int {
		if path == "/api/replays/m-1/chunks" && polled.Swap(true) {
			return http.StatusNotFound
		}
		return 0
	}
	hs := httptest.NewServer(cs)
	defer hs.Close()
	l, err := DialLive(context.Background(), hs.URL+"/api/matches/m", LiveOptions{Poll: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if st := waitDone(t, l, 10*time.Second); st.Chunks != 3 || l.Reader().Info().Chunks != 3 {
		t.Errorf("status %+v", st)
	}
	m := NewLiveModel(l, Options{})
	defer m.Close()
	m.Update(Input{W: 1280, H: 720, DT: 1.0 / 60, Now: time.Now()})
	if m.World() == nil {
		t.Fatal("nothing to show")
	}
	if f := m.View(); !f.LiveDone {
		t.Errorf("frame: done %v, status %q", f.LiveDone, f.LiveStatus)
	}
}

// TestLiveCrashed: the recording stops without its footer (the server
// crashed; the index says recovered): every chunk sealed arrives and the
// viewer is done, without asking for a footer.
func TestLiveCrashed(t *testing.T) {
	t.Parallel()
	b := synthBytes(t, 2, 5*time.Second, 13, replay.Options{})
	cs := newChunkServer(t, b, 100, 0)
	cs.crashed = true
	hs := httptest.NewServer(cs)
	defer hs.Close()
	l, err := DialLive(context.Background(), hs.URL+"/api/matches/m/chunks", LiveOptions{Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st := waitDone(t, l, 10*time.Second)
	if st.Err != nil || st.Chunks != len(cs.chunks) || !l.Reader().Info().Recovered {
		t.Errorf("status %+v, reader %+v", st, l.Reader().Info())
	}
	if n := cs.count("/api/replays/m-1/footer"); n != 0 {
		t.Errorf("footer asked for %d times", n)
	}
}

// TestLiveBadFooter: the match ends but its footer does not read: the
// viewer is done with every chunk, and says why it has no footer.
func TestLiveBadFooter(t *testing.T) {
	t.Parallel()
	b := synthBytes(t, 2, 5*time.Second, 15, replay.Options{})
	cs := newChunkServer(t, b, 100, 0)
	cs.footer = bytes.Clone(cs.footer)
	cs.footer[20] ^= 1
	hs := httptest.NewServer(cs)
	defer hs.Close()
	l, err := DialLive(context.Background(), hs.URL+"/api/matches/m", LiveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	st := waitDone(t, l, 10*time.Second)
	if !errors.Is(st.Err, replay.ErrCorrupt) || st.Chunks != len(cs.chunks) || l.Reader().Info().Chunks != len(cs.chunks) {
		t.Errorf("status %+v, %d chunks read", st, l.Reader().Info().Chunks)
	}
}

// TestLiveCorruptChunk: a chunk that is not what the index says (its CRC
// fails) stops the viewer with the error, keeping what came before.
func TestLiveCorruptChunk(t *testing.T) {
	t.Parallel()
	b := synthBytes(t, 2, 5*time.Second, 14, replay.Options{})
	cs := newChunkServer(t, b, 100, 0)
	cs.chunks[3] = bytes.Clone(cs.chunks[3])
	cs.chunks[3][30] ^= 1
	hs := httptest.NewServer(cs)
	defer hs.Close()
	l, err := DialLive(context.Background(), hs.URL+"/api/matches/m", LiveOptions{Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	deadline := time.Now().Add(10 * time.Second)
	for l.Status().Err == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no error: %+v", l.Status())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if st := l.Status(); !errors.Is(st.Err, replay.ErrCorrupt) || st.Done || l.Reader().Info().Chunks != 3 {
		t.Errorf("status %+v, %d chunks kept", st, l.Reader().Info().Chunks)
	}
}

func TestDialLiveErrors(t *testing.T) {
	t.Parallel()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/matches/missing/chunks":
			http.Error(w, "no such match", http.StatusNotFound)
		case "/api/matches/garbage/chunks":
			w.Write(bytes.Repeat([]byte("not an index "), 20))
		case "/api/matches/silent/chunks":
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		case "/api/matches/badid/chunks":
			w.Write([]byte(`{"replay": "../../admin", "match": "badid", "state": "running", "count": 0}`))
		case "/api/matches/nothead/chunks":
			w.Write([]byte(`{"replay": "x-1", "match": "nothead", "state": "running", "count": 0}`))
		case "/api/replays/x-1/header":
			w.Write(bytes.Repeat([]byte("not a replay "), 20))
		}
	}))
	defer hs.Close()
	for _, tc := range []struct{ path, want string }{
		{"/api/matches/missing/live", "404 Not Found: no such match"},
		{"/api/matches/garbage", "invalid character"},
		{"/api/matches/silent", "deadline exceeded"},
		{"/api/matches/nothead", "not a Skirmish replay"},
		{"/api/matches/badid", "not a chunk index"},
		{"/api/replays/x-1", "want a running match's URL"},
		{"/api/matches/x/summary", "want a running match's URL"},
	} {
		_, err := DialLive(context.Background(), hs.URL+tc.path, LiveOptions{Timeout: 300 * time.Millisecond})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.path, err, tc.want)
		}
	}
}

// TestMatchIndexURL: the addresses a spectator may give, and where the
// index is for each, a proxy's path prefix kept.
func TestMatchIndexURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"http://h:7777/api/matches/friday":                         "http://h:7777/api/matches/friday/chunks",
		"http://h:7777/api/matches/friday/":                        "http://h:7777/api/matches/friday/chunks",
		"http://h:7777/api/matches/friday/live":                    "http://h:7777/api/matches/friday/chunks",
		"https://cdn.example/skirmish/api/matches/f/chunks?from=3": "https://cdn.example/skirmish/api/matches/f/chunks",
		"http://h/api/matches/":                                    "",
		"http://h/api/replays/friday-1":                            "",
		"ftp://h/api/matches/friday":                               "",
	} {
		u, err := matchIndexURL(in)
		if got := ""; err == nil {
			got = u.String()
			if got != want {
				t.Errorf("%s: %s, want %s", in, got, want)
			}
		} else if want != "" {
			t.Errorf("%s: %v, want %s", in, err, want)
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

// TestLiveMatch spectates a real match: a server with bots, its chunk
// URLs, a Model following it 1.5 s behind in real time. The world the
// viewer shows is the server's (its replay file, finished) at that tick.
// How smoothly and how far behind it plays is TestLiveClock's, on a
// simulated clock; here, on a shared machine, it is only reported.
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
	f := m.View()
	var lastPos float64
	jumps, played := 0, 0
	start := time.Now()
	// Until the viewer has shown two seconds of the match, within 30 s.
	for played < 120 {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("after 30 s: world %v, following %v, waiting %v, status %q, %d frames played",
				m.World() != nil, f.Following, f.Waiting, f.LiveStatus, played)
		}
		in.Now = time.Now()
		m.Update(in)
		f = m.View()
		if m.Playback() != nil && m.World() != nil && f.Following && !f.Waiting {
			if pos := m.Playback().Pos(); lastPos != 0 && (pos < lastPos || pos-lastPos > 3) {
				jumps++
			}
			lastPos = m.Playback().Pos()
			played++
		}
		time.Sleep(time.Second / 60)
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
	t.Logf("showed tick %d, %.2f s behind the match (delay %v), hash %016x as recorded; the playhead jumped %d times in %d frames",
		tick, f.Behind, delay, hash, jumps, played)
}
