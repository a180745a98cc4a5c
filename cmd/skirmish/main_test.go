package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/client/ui"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// These tests run the real client, built from this package, against a real
// server on a loopback port, with scripted keys, and check its last frame
// and its world against the server's. They need a display: make test runs
// them under xvfb-run. (Without one, Ebiten's package init, which this
// package's imports pull in, panics before any test runs.)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
)

// client returns the path of the skirmish binary, built once per test run.
func client(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "skirmish-test-")
		if err != nil {
			buildErr = err
			return
		}
		binary = filepath.Join(dir, "skirmish")
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go") // go test may run with a PATH without go
		}
		cmd := exec.Command(goTool, "build", "-o", binary, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binary != "" {
		os.RemoveAll(filepath.Dir(binary))
	}
	os.Exit(code)
}

func startServer(t *testing.T) string {
	t.Helper()
	srv, err := server.New(server.Options{ReplayDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
}

// watcher is a session in the same match that never spawns (so it is not
// drawn) and records the world at every tick.
type watcher struct {
	s      *session.Session
	mu     sync.Mutex
	worlds map[uint32]*sim.World
	server map[uint32]uint64 // the hashes the server sent
	joined map[string]sim.PlayerID
	err    error
	done   chan struct{}
}

func watch(t *testing.T, url, match string) *watcher {
	t.Helper()
	w, err := dialWatcher(url, match)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.close)
	return w
}

// dialWatcher joins match on url as a watcher; close it when done.
func dialWatcher(url, match string) (*watcher, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := session.Dial(ctx, session.Options{URL: url, Name: "watcher", Match: match})
	if err != nil {
		return nil, err
	}
	w := &watcher{s: s, worlds: map[uint32]*sim.World{}, server: map[uint32]uint64{}, joined: map[string]sim.PlayerID{}, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			m, err := s.Recv(context.Background())
			if err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
				return
			}
			f, ok := m.(*protocol.Frame)
			if !ok {
				continue
			}
			w.mu.Lock()
			w.worlds[f.Tick] = s.World().Clone()
			if f.HasHash {
				w.server[f.Tick] = f.Hash
			}
			for _, ev := range f.Events {
				if ev.Input.Action == sim.Join {
					w.joined[ev.Input.Name] = ev.Input.Player
				}
			}
			w.mu.Unlock()
		}
	}()
	return w, nil
}

// close ends the watcher's session and waits for its reader.
func (w *watcher) close() { w.s.CloseNow(); <-w.done }

// waitWorld returns the watcher's world after tick.
func (w *watcher) waitWorld(t *testing.T, tick uint32) *sim.World {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		wd, err := w.worlds[tick], w.err
		w.mu.Unlock()
		if wd != nil {
			return wd
		}
		if err != nil {
			t.Fatalf("watcher: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("the watcher never saw tick %d", tick)
	return nil
}

func (w *watcher) waitJoin(t *testing.T, name string) sim.PlayerID {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		id := w.joined[name]
		w.mu.Unlock()
		if id != 0 {
			return id
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s never joined", name)
	return 0
}

// skirmish runs the client with args and returns its outputs and how it
// ended. It runs in a configuration and a data directory of its own
// (XDG_CONFIG_HOME, XDG_DATA_HOME), so that no test reads or writes the
// user's settings or replays; env adds to or overrides that environment.
// It opens the sound device as a player's run does: under Xvfb there is
// none, and the client plays silently.
func skirmish(t *testing.T, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(client(t), args...)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "XDG_DATA_HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("skirmish %s did not finish\nstderr:\n%s", args[0], errb.String())
	}
	return out.String(), errb.String(), err
}

// runClient runs skirmish play with args and returns its standard output;
// it fails the test if the client fails.
func runClient(t *testing.T, args ...string) string {
	t.Helper()
	out, errs, err := skirmish(t, nil, append([]string{"play"}, args...)...)
	if err != nil {
		t.Fatalf("skirmish play: %v\nstderr:\n%s", err, errs)
	}
	return out
}

// loadPNG reads a screenshot; with SKIRMISH_SHOTS=DIR set, it keeps a copy
// there to look at.
func loadPNG(t *testing.T, path string) image.Image {
	t.Helper()
	if dir := os.Getenv("SKIRMISH_SHOTS"); dir != "" {
		if b, err := os.ReadFile(path); err == nil {
			os.WriteFile(filepath.Join(dir, t.Name()+".png"), b, 0o644)
		}
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func rgbAt(img image.Image, x, y float64) [3]float64 {
	r, g, b, _ := img.At(int(math.Round(x)), int(math.Round(y))).RGBA()
	return [3]float64{float64(r >> 8), float64(g >> 8), float64(b >> 8)}
}

func near(a [3]float64, c color.RGBA, tol float64) bool {
	return math.Abs(a[0]-float64(c.R)) <= tol && math.Abs(a[1]-float64(c.G)) <= tol && math.Abs(a[2]-float64(c.B)) <= tol
}

// tinted reports whether pixel a is colour c shaded by some factor (the
// sprites are lit from the top left): the same hue.
func tinted(a [3]float64, c color.RGBA) bool {
	want := [3]float64{float64(c.R), float64(c.G), float64(c.B)}
	k := (a[0]*want[0] + a[1]*want[1] + a[2]*want[2]) / (want[0]*want[0] + want[1]*want[1] + want[2]*want[2])
	if k < 0.55 || k > 1.1 {
		return false
	}
	for i := range 3 {
		if math.Abs(a[i]-k*want[i]) > 24 {
			return false
		}
	}
	return true
}

// TestPlayScreenshot plays a scripted session against a real server: walk
// forward for half a second, then stand. The client's last confirmed world
// must hash like the server's at the same tick, and its last frame must show
// the map, the player and the HUD where the world says they are.
func TestPlayScreenshot(t *testing.T) {
	url := startServer(t)
	w := watch(t, url, "shot")
	shot := filepath.Join(t.TempDir(), "shot.png")
	out := runClient(t, "-server", url, "-match", "shot", "-name", "tester",
		"-screenshot", shot, "-frames", "240", "-keys", "60:w+,90:w-", "-print-hash", "-width", "1280", "-height", "720")

	var tick uint32
	var hash uint64
	var me sim.PlayerID
	var desyncs int
	if _, err := fmt.Sscanf(strings.TrimSpace(out), "confirmed tick=%d hash=%x player=%d desyncs=%d", &tick, &hash, &me, &desyncs); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	world := w.waitWorld(t, tick)
	if got := world.Hash(); got != hash {
		t.Errorf("tick %d: client hash %016x, server world %016x", tick, hash, got)
	}
	if desyncs != 0 {
		t.Errorf("%d desyncs", desyncs)
	}
	w.mu.Lock()
	checked := 0
	for st, h := range w.server {
		if wd := w.worlds[st]; wd != nil && st <= tick {
			checked++
			if wd.Hash() != h {
				t.Errorf("tick %d: server hash %016x, watcher %016x", st, h, wd.Hash())
			}
		}
	}
	w.mu.Unlock()
	if checked == 0 {
		t.Error("no server hash to check")
	}

	p := world.Player(me)
	if p == nil || !p.Alive {
		t.Fatalf("player %d in the server's world: %+v, want alive", me, p)
	}
	spawn := world.Map.Spawns()[0] // the first free spawn point: no opponent is alive
	sx, _ := sim.SpawnCenter(spawn)
	if p.X < sx+sim.Unit {
		t.Errorf("player at x=%d, spawned at %d: it did not walk forward", p.X, sx)
	}

	img := loadPNG(t, shot)
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 720 {
		t.Fatalf("screenshot %v, want 1280×720", b)
	}
	cam := scene.Follow(world.Map, 1280, 720, float64(p.X), float64(p.Y))
	tile := cam.Scale * sim.Unit

	// The player: its colour a little behind its centre (clear of the
	// barrel), along its heading.
	a := float64(p.Heading) * 2 * math.Pi / sim.FullTurn
	px, py := cam.ToScreen(float64(p.X), float64(p.Y))
	px, py = px-0.15*tile*math.Cos(a), py-0.15*tile*math.Sin(a)
	if c := rgbAt(img, px, py); !tinted(c, ui.PlayerColor(me)) {
		t.Errorf("at the player (%.0f,%.0f): %v, want a shade of %v", px, py, c, ui.PlayerColor(me))
	}
	// Walls and floor where the map has them.
	walls, floors := 0, 0
	for ty := int32(0); ty < world.Map.Height; ty++ {
		for tx := int32(0); tx < world.Map.Width; tx++ {
			x, y := cam.ToScreen((float64(tx)+0.3)*sim.Unit, (float64(ty)+0.3)*sim.Unit)
			if x < 0 || y < 70 || x >= 1280 || y >= 680 || math.Hypot(x-px, y-py) < 2*tile {
				continue // off screen, under the HUD, or near the player
			}
			c := rgbAt(img, x, y)
			switch world.Map.At(tx, ty) {
			case sim.Wall:
				walls++
				if !near(c, color.RGBA{0x5b, 0x66, 0x78, 0xff}, 28) && !near(c, color.RGBA{0x7c, 0x88, 0x9c, 0xff}, 28) {
					t.Errorf("wall tile %d,%d drawn %v", tx, ty, c)
				}
			case sim.Floor:
				if world.Map.At(tx, ty-1) == sim.Wall || world.Map.At(tx-1, ty) == sim.Wall {
					continue // in a wall's shadow
				}
				floors++
				if !near(c, color.RGBA{0x1d, 0x23, 0x2e, 0xff}, 16) {
					t.Errorf("floor tile %d,%d drawn %v", tx, ty, c)
				}
			}
		}
	}
	if walls < 20 || floors < 20 {
		t.Errorf("checked %d walls and %d floors, want 20 of each", walls, floors)
	}
	// The HUD: light text over the top-left panel.
	bright := 0
	for y := 12; y < 60; y++ {
		for x := 12; x < 220; x++ {
			if c := rgbAt(img, float64(x), float64(y)); c[0]+c[1]+c[2] > 450 {
				bright++
			}
		}
	}
	if bright < 150 {
		t.Errorf("%d bright pixels in the HUD corner, want text", bright)
	}
}

// proxy forwards TCP to a server until it is cut; then it refuses
// connections, like a network that went down.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
	down   bool
}

func newProxy(t *testing.T, wsURL string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimSuffix(strings.TrimPrefix(wsURL, "ws://"), "/ws")
	p := &proxy{ln: ln, target: host}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			p.mu.Unlock()
			s, err := net.Dial("tcp", p.target)
			if down || err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.cut() })
	proxies = append(proxies, p)
	return "ws://" + ln.Addr().String() + "/ws"
}

var proxies []*proxy

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestReconnectingScreen cuts the network under a running client: it keeps
// running and shows the reconnecting screen over the frozen match.
func TestReconnectingScreen(t *testing.T) {
	url := startServer(t)
	w := watch(t, url, "cut")
	purl := newProxy(t, url)
	p := proxies[len(proxies)-1]
	go func() {
		w.waitJoin(t, "cutter")
		time.Sleep(time.Second)
		p.cut()
	}()
	shot := filepath.Join(t.TempDir(), "cut.png")
	runClient(t, "-server", purl, "-match", "cut", "-name", "cutter", "-screenshot", shot, "-frames", "420")
	img := loadPNG(t, shot)
	// The overlay darkens the match and writes across the middle.
	bright, dark := 0, 0
	for y := 300; y < 420; y++ {
		for x := 340; x < 940; x++ {
			c := rgbAt(img, float64(x), float64(y))
			switch s := c[0] + c[1] + c[2]; {
			case s > 600:
				bright++
			case s < 60:
				dark++
			}
		}
	}
	if bright < 500 || dark < 20000 {
		t.Errorf("middle of the screen: %d bright and %d dark pixels; want the reconnecting text over a dimmed match", bright, dark)
	}
}

// TestPracticeAndQuit runs the default mode, a built-in server with
// practice bots, and quits through the menu (Esc, then Q) long before the
// frame limit.
func TestPracticeAndQuit(t *testing.T) {
	out := runClient(t, "-bots", "2", "-frames", "3000", "-keys", "120:esc,130:q", "-stats", "-print-hash")
	var tick uint32
	var hash uint64
	var me sim.PlayerID
	var desyncs, frames int
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		t.Fatalf("output %q", out)
	}
	if _, err := fmt.Sscanf(lines[0], "confirmed tick=%d hash=%x player=%d desyncs=%d", &tick, &hash, &me, &desyncs); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if _, err := fmt.Sscanf(lines[1], "frames=%d", &frames); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if frames >= 3000 || frames < 130 {
		t.Errorf("quit after %d frames, want soon after frame 130", frames)
	}
	if tick == 0 || desyncs != 0 {
		t.Errorf("confirmed tick %d with %d desyncs; want a running match in sync", tick, desyncs)
	}
}
