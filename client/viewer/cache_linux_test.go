package viewer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/bots"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// Spectators at scale through a real cache: nginx, configured by the file
// the repository ships (deploy/nginx/spectators.conf), in front of a real
// server, and a crowd of spectators (this package's Live, the viewer's own
// code) watching one match through it.

// shippedConf is the nginx configuration the repository ships.
const shippedConf = "../../deploy/nginx/spectators.conf"

// nginxBinary finds nginx: on PATH, or where Debian puts it (/usr/sbin is
// not on every user's PATH). Without it the test is skipped, or fails when
// SKIRMISH_REQUIRE_NGINX=1 (make test sets it: make deps installs nginx).
func nginxBinary(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("nginx"); err == nil {
		return p
	}
	if st, err := os.Stat("/usr/sbin/nginx"); err == nil && st.Mode()&0o111 != 0 {
		return "/usr/sbin/nginx"
	}
	if os.Getenv("SKIRMISH_REQUIRE_NGINX") == "1" {
		t.Fatal("nginx is not installed, and SKIRMISH_REQUIRE_NGINX=1 requires this test: install it with make deps (Debian package nginx)")
	}
	t.Skip("nginx is not installed (make deps installs it; SKIRMISH_REQUIRE_NGINX=1 makes this a failure)")
	return ""
}

// startNginx runs nginx on a loopback port in front of origin (host:port),
// with the shipped configuration and everything else (cache, temporary
// files, logs, pid) in a directory of its own, and returns its base URL.
// It stops nginx when the test ends.
//
// It runs nginx as one process (master_process off): that process dies
// with the test even if the test is killed (Pdeathsig), and it reads and
// writes the temporary directory as the test's user, where a master run as
// root would hand the work to an unprivileged user that cannot.
func startNginx(t *testing.T, bin, origin string) string {
	t.Helper()
	shipped, err := os.ReadFile(shippedConf)
	if err != nil {
		t.Fatal(err)
	}
	for try := 0; ; try++ {
		prefix := t.TempDir()
		addr := freeLoopbackAddr(t)
		conf := string(shipped)
		for _, r := range [][2]string{
			{"proxy_cache_path /var/cache/nginx/skirmish ", "proxy_cache_path " + filepath.Join(prefix, "cache") + " "},
			{"server 127.0.0.1:7777;", "server " + origin + ";"},
			{"listen 80;", "listen " + addr + ";"},
		} {
			if strings.Count(conf, r[0]) != 1 {
				t.Fatalf("%s no longer has %q once: this test derives its configuration from it", shippedConf, r[0])
			}
			conf = strings.Replace(conf, r[0], r[1], 1)
		}
		writeFile(t, prefix, "spectators.conf", []byte(conf))
		main := fmt.Sprintf(`daemon off;
master_process off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
worker_rlimit_nofile 8192;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    include %[1]s/spectators.conf;
}
`, prefix)
		writeFile(t, prefix, "nginx.conf", []byte(main))
		cmd := exec.Command(bin, "-p", prefix+"/", "-c", filepath.Join(prefix, "nginx.conf"))
		cmd.Stderr = os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting nginx: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		base := "http://" + addr
		err := waitHTTP(base+"/healthz", exited, 10*time.Second)
		if err == nil {
			t.Cleanup(func() {
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-exited:
				case <-time.After(5 * time.Second):
					cmd.Process.Kill()
					<-exited
				}
			})
			return base
		}
		cmd.Process.Kill()
		<-exited
		log, _ := os.ReadFile(filepath.Join(prefix, "error.log"))
		if try < 3 && strings.Contains(string(log), "Address already in use") {
			continue // another process took the port meanwhile
		}
		t.Fatalf("nginx did not start: %v\n%s", err, log)
	}
}

// freeLoopbackAddr returns a loopback address with a port nothing listens
// on (for nginx, which chooses no port itself).
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitHTTP waits until u answers 200, the process exits, or within.
func waitHTTP(u string, exited chan error, within time.Duration) error {
	deadline := time.Now().Add(within)
	c := &http.Client{Timeout: time.Second}
	for {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("nginx exited: %v", err)
		default:
		}
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %v: %v", u, within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// witness is a player in the match whose client records, for every tick,
// its world's hash and when the frame arrived: the moment the tick was
// simulated, give or take the loopback.
type witness struct {
	mu     sync.Mutex
	hashes map[uint32]uint64
	at     map[uint32]time.Time
	err    error
}

func watchAsPlayer(t *testing.T, ctx context.Context, wsURL, match string) *witness {
	t.Helper()
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := session.Dial(dctx, session.Options{URL: wsURL, Name: "witness", Match: match})
	if err != nil {
		t.Fatal(err)
	}
	w := &witness{hashes: map[uint32]uint64{}, at: map[uint32]time.Time{}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			m, err := s.Recv(ctx)
			if err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
				return
			}
			if f, ok := m.(*protocol.Frame); ok {
				h := s.World().Hash()
				w.mu.Lock()
				w.hashes[f.Tick], w.at[f.Tick] = h, time.Now()
				w.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { s.CloseNow(); <-done })
	return w
}

// countingTransport counts the body bytes of the answers a spectator gets.
type countingTransport struct {
	http.RoundTripper
	n *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.RoundTripper.RoundTrip(r)
	if err == nil {
		resp.Body = countingBody{resp.Body, c.n}
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// originMetrics reads the chunk URLs' counters from the server's /metrics:
// requests and bytes by kind.
func originMetrics(t *testing.T, base string) (reqs, bytes map[string]float64) {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	reqs, bytes = map[string]float64{}, map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		for name, m := range map[string]map[string]float64{"skirmish_http_chunk_requests_total": reqs, "skirmish_http_chunk_bytes_total": bytes} {
			rest, ok := strings.CutPrefix(line, name+`{kind="`)
			if !ok {
				continue
			}
			kind, v, _ := strings.Cut(rest, `"} `)
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			m[kind] = f
		}
	}
	return reqs, bytes
}

// percentile returns the p-th percentile (0..1) of sorted ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, int(p*float64(len(ds))))]
}

// TestSpectatorsThroughNginx: 500 spectators watch one live match (two
// bots and a player) through nginx configured by the shipped file. Each
// receives the whole match, byte for byte the server's replay file, and
// its worlds are the player's at the ticks it shows; the server answers
// at most 2 requests per chunk (its /metrics), however many spectators.
// It logs the figures of docs/PERFORMANCE.md: origin requests per chunk,
// bytes from the server and from the cache, and the spectators' delay
// from a tick's simulation to having its chunk.
func TestSpectatorsThroughNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("500 spectators of a match in real time")
	}
	bin := nginxBinary(t)
	const spectators = 500
	dir := t.TempDir()
	srv, err := server.New(server.Options{ReplayDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Maps: assets.MapSource, AdminToken: "tok", KeyframeTicks: 120})
	if err != nil {
		t.Fatal(err)
	}
	origin := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
		origin.Close()
	})
	cache := startNginx(t, bin, origin.Listener.Addr().String())

	// The match: two bots, and a player whose client the spectators are
	// checked against.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lctx := context.Background() // the spectators' requests outlive the players
	wsURL := "ws" + strings.TrimPrefix(origin.URL, "http") + "/ws"
	var team []bots.Bot
	for i := range 2 {
		b, err := brain.New("random", brain.Seed(7, i), 3)
		if err != nil {
			t.Fatal(err)
		}
		team = append(team, bots.Bot{Name: fmt.Sprintf("bot%d", i+1), Brain: b})
	}
	played := make(chan error, 1)
	go func() { played <- bots.Play(ctx, bots.PlayOptions{URL: wsURL, Match: "crowd", Bots: team}) }()
	wit := watchAsPlayer(t, ctx, wsURL, "crowd")
	time.Sleep(2500 * time.Millisecond) // the crowd comes in during the match

	// The crowd, all at once, each with connections of its own.
	var received atomic.Int64
	lives := make([]*Live, spectators)
	joined := make([]time.Time, spectators)
	errs := make([]error, spectators)
	var wg sync.WaitGroup
	for i := range spectators {
		wg.Go(func() {
			tr := &http.Transport{MaxConnsPerHost: 2, MaxIdleConnsPerHost: 2}
			client := &http.Client{Transport: countingTransport{tr, &received}}
			lives[i], errs[i] = DialLive(lctx, cache+"/api/matches/crowd", LiveOptions{Client: client, Timeout: 20 * time.Second})
			joined[i] = time.Now()
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("spectator %d: %v", i, err)
		}
		defer lives[i].Close()
	}

	// While the match goes on, note when each spectator has each tick.
	has := make([]map[uint32]time.Time, spectators)
	last := make([]uint32, spectators)
	for i := range has {
		has[i] = map[uint32]time.Time{}
	}
	sample := func() {
		for i, l := range lives {
			st := l.Status()
			for tick := last[i] + 1; tick <= st.Last && st.Chunks > 0; tick++ {
				has[i][tick] = st.At
			}
			last[i] = max(last[i], st.Last)
		}
	}
	for end := time.Now().Add(6 * time.Second); time.Now().Before(end); {
		sample()
		time.Sleep(20 * time.Millisecond)
	}
	// The players leave (so that the bots do not come back into a new
	// match of the same id) and the match ends.
	cancel()
	if err := <-played; err != nil {
		t.Errorf("bots: %v", err)
	}
	req, _ := http.NewRequest("POST", origin.URL+"/api/admin/matches/crowd/end", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(30 * time.Second)
	for i, l := range lives {
		for !l.Status().Done {
			if time.Now().After(deadline) {
				t.Fatalf("spectator %d never done: %+v", i, l.Status())
			}
			sample()
			time.Sleep(20 * time.Millisecond)
		}
	}

	// The server's record of the match.
	file, err := os.ReadFile(filepath.Join(dir, lives[0].Replay()+replay.Extension))
	if err != nil {
		t.Fatal(err)
	}
	rec := readerOf(t, file)
	chunks := rec.Info().Chunks

	// Every spectator has the match, byte for byte, and its worlds are the
	// player's.
	wit.mu.Lock()
	defer wit.mu.Unlock()
	var seen []uint32
	for tick := range wit.hashes {
		if tick <= rec.Info().LastTick {
			seen = append(seen, tick)
		}
	}
	slices.Sort(seen)
	var delays []time.Duration
	for i, l := range lives {
		st, r := l.Status(), l.Reader()
		in := r.Info()
		if st.Err != nil || in.Chunks != chunks || in.Recovered || in.Size != int64(len(file)) {
			t.Fatalf("spectator %d: status %+v, %d chunks of %d, %d bytes of %d", i, st, in.Chunks, chunks, in.Size, len(file))
		}
		b := slices.Clone(r.RawHeader())
		for n := range chunks {
			c, err := r.Chunk(n)
			if err != nil {
				t.Fatal(err)
			}
			b = append(b, c.Raw...)
		}
		if !slices.Equal(b, file[:len(b)]) {
			t.Fatalf("spectator %d: the recording is not the server's file", i)
		}
		// The ticks it shows: one anywhere in what the player saw, and
		// the last.
		for _, tick := range []uint32{seen[(i*7919)%len(seen)], seen[len(seen)-1]} {
			w, err := r.Seek(tick)
			if err != nil {
				t.Fatalf("spectator %d: tick %d: %v", i, tick, err)
			}
			if w.Hash() != wit.hashes[tick] {
				t.Fatalf("spectator %d: tick %d: %016x, the player has %016x", i, tick, w.Hash(), wit.hashes[tick])
			}
		}
		// Its delay for the ticks simulated after it had joined.
		for tick, at := range has[i] {
			if simAt, ok := wit.at[tick]; ok && simAt.After(joined[i]) {
				delays = append(delays, at.Sub(simAt))
			}
		}
	}

	// The server answered about one request per chunk.
	reqs, sent := originMetrics(t, origin.URL)
	if perChunk := reqs["chunk"] / float64(chunks); perChunk > 2 || reqs["header"] > 2 || reqs["footer"] > 2 {
		t.Errorf("the server answered %v chunk requests for %d chunks (%.2f each), %v for the header and %v for the footer, with %d spectators; want at most 2 each",
			reqs["chunk"], chunks, perChunk, reqs["header"], reqs["footer"], spectators)
	}
	var fromOrigin float64
	for _, v := range sent {
		fromOrigin += v
	}
	slices.Sort(delays)
	t.Logf("%d spectators, %d chunks (%d bytes of replay): the server answered %v chunk, %v header, %v footer, %v index requests (%.2f per chunk)",
		spectators, chunks, len(file), reqs["chunk"], reqs["header"], reqs["footer"], reqs["index"], reqs["chunk"]/float64(chunks))
	t.Logf("bytes: %.0f from the server, %d to the spectators from the cache (%.0f×)", fromOrigin, received.Load(), float64(received.Load())/fromOrigin)
	t.Logf("delay from a tick's simulation to a spectator having its chunk, over %d tick·spectators: p50 %v, p99 %v, max %v",
		len(delays), percentile(delays, .5).Round(time.Millisecond), percentile(delays, .99).Round(time.Millisecond), delays[len(delays)-1].Round(time.Millisecond))
	if wit.err != nil && !errors.Is(wit.err, context.Canceled) {
		t.Logf("the player's connection ended: %v", wit.err)
	}
}
