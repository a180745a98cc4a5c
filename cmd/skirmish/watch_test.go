package main

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"io"
	"log/slog"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/client/ui"
	"github.com/skirmishgg/skirmish/client/viewer"
	"github.com/skirmishgg/skirmish/cmd/internal/practice"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// These tests run skirmish watch, the real viewer, under Xvfb like the
// play tests, on the golden replays of package replay and on a live match.

const goldenReplay = "../../replay/testdata/arena-4p-30s.skr"

// runWatch runs skirmish watch with args and returns its standard output
// and error, and whether it succeeded.
func runWatch(t *testing.T, env []string, args ...string) (stdout, stderr string, ok bool) {
	t.Helper()
	out, errs, err := skirmish(t, env, append([]string{"watch"}, args...)...)
	return out, errs, err == nil
}

func parseShown(t *testing.T, out string) (uint32, uint64) {
	t.Helper()
	var tick uint32
	var hash uint64
	if _, err := fmt.Sscanf(strings.TrimSpace(out), "shown tick=%d hash=%x", &tick, &hash); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	return tick, hash
}

// TestWatchScreenshot opens a golden replay at tick 900, paused, in the
// overview: the world shown is the world replay.Seek returns (its hash, and
// in the picture each living player where the world puts it and the walls
// where the map has them).
func TestWatchScreenshot(t *testing.T) {
	t.Parallel()
	r, err := replay.Open(goldenReplay)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const tick = 900
	world, err := r.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "overview.png")
	out, errs, ok := runWatch(t, nil, goldenReplay, "-seek", fmt.Sprint(tick), "-speed", "0", "-camera", "overview",
		"-frames", "10", "-screenshot", shot, "-print-hash", "-width", "1280", "-height", "720")
	if !ok {
		t.Fatalf("skirmish watch failed:\n%s", errs)
	}
	gotTick, gotHash := parseShown(t, out)
	if gotTick != tick || gotHash != world.Hash() {
		t.Errorf("shown tick %d hash %016x, replay.Seek(%d) gives %016x", gotTick, gotHash, tick, world.Hash())
	}

	img := loadPNG(t, shot)
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 720 {
		t.Fatalf("screenshot %v, want 1280×720", b)
	}
	l := viewer.NewLayout(1280, 720, len(world.Players))
	cam := viewer.Overview(world.Map, &l)
	tile := cam.Scale * sim.Unit
	covered := func(x, y float64) bool {
		for _, r := range []viewer.Rect{l.Info, l.List, l.Timeline} {
			if r.Contains(x, y) {
				return true
			}
		}
		return y < 40 // the kill feed
	}
	alive := 0
	for _, p := range world.Players {
		if !p.Alive {
			continue
		}
		alive++
		a := float64(p.Heading) * 2 * math.Pi / sim.FullTurn
		x, y := cam.ToScreen(float64(p.X), float64(p.Y))
		x, y = x-0.15*tile*math.Cos(a), y-0.15*tile*math.Sin(a) // clear of the barrel
		if c := rgbAt(img, x, y); !tinted(c, ui.PlayerColor(p.ID)) {
			t.Errorf("player %d at (%.0f,%.0f): %v, want a shade of %v", p.ID, x, y, c, ui.PlayerColor(p.ID))
		}
	}
	if alive < 2 {
		t.Errorf("%d players alive at tick %d: a poor test", alive, tick)
	}
	walls, floors := 0, 0
	for ty := int32(0); ty < world.Map.Height; ty++ {
		for tx := int32(0); tx < world.Map.Width; tx++ {
			x, y := cam.ToScreen((float64(tx)+0.3)*sim.Unit, (float64(ty)+0.3)*sim.Unit)
			if covered(x, y) || nearPlayer(world, cam, x, y) {
				continue
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
	if walls < 40 || floors < 100 {
		t.Errorf("checked %d walls and %d floors", walls, floors)
	}
}

// nearPlayer reports whether screen point (x, y) is near a living player
// (or its label, above it) or a projectile.
func nearPlayer(w *sim.World, cam scene.Camera, x, y float64) bool {
	tile := cam.Scale * sim.Unit
	for _, p := range w.Players {
		px, py := cam.ToScreen(float64(p.X), float64(p.Y))
		if p.Alive && math.Abs(x-px) < 1.3*tile && y > py-1.6*tile && y < py+0.8*tile {
			return true
		}
	}
	for _, p := range w.Projectiles {
		px, py := cam.ToScreen(float64(p.X), float64(p.Y))
		if math.Hypot(x-px, y-py) < 1.2*tile {
			return true
		}
	}
	return false
}

// TestWatchCameras renders every camera mode, following player 3 where
// there is one to follow: the followed player is drawn where the camera
// puts it (the pov: below the middle of the screen), over the map.
func TestWatchCameras(t *testing.T) {
	t.Parallel()
	r, err := replay.Open(goldenReplay)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	const tick = 900
	world, err := r.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	p := world.Player(3)
	if p == nil || !p.Alive {
		t.Fatalf("player 3 at tick %d: %+v", tick, p)
	}
	for _, camera := range []string{"overview", "follow:3", "pov:3", "free"} {
		t.Run(strings.ReplaceAll(camera, ":", "-"), func(t *testing.T) {
			t.Parallel()
			shot := filepath.Join(t.TempDir(), "shot.png")
			out, errs, ok := runWatch(t, nil, goldenReplay, "-seek", fmt.Sprint(tick), "-speed", "0", "-camera", camera,
				"-frames", "30", "-screenshot", shot, "-print-hash")
			if !ok {
				t.Fatalf("skirmish watch failed:\n%s", errs)
			}
			if gotTick, gotHash := parseShown(t, out); gotTick != tick || gotHash != world.Hash() {
				t.Errorf("shown tick %d hash %016x, want %d %016x", gotTick, gotHash, tick, world.Hash())
			}
			img := loadPNG(t, shot)
			l := viewer.NewLayout(1280, 720, len(world.Players))
			var cam scene.Camera
			switch camera {
			case "follow:3":
				cam = scene.Follow(world.Map, 1280, 720, float64(p.X), float64(p.Y))
			case "pov:3":
				// The player faces up, a fifth of the screen below the
				// middle: the centre is ahead of it.
				cam = scene.Camera{Scale: scene.TilePixels(1280, 720) / sim.Unit, W: 1280, H: 720}
				a := float64(p.Heading) * 2 * math.Pi / sim.FullTurn
				ahead := 0.2 * 720 / cam.Scale
				cam.Angle = -math.Pi/2 - a
				cam.CX, cam.CY = float64(p.X)+ahead*math.Cos(a), float64(p.Y)+ahead*math.Sin(a)
			default:
				cam = viewer.Overview(world.Map, &l)
			}
			tile := cam.Scale * sim.Unit
			x, y := cam.ToScreen(float64(p.X), float64(p.Y))
			if camera == "pov:3" && (math.Abs(x-640) > 1 || math.Abs(y-504) > 1) {
				t.Fatalf("the test's pov camera puts the player at %.1f,%.1f", x, y)
			}
			// Behind the centre along the heading as drawn, clear of the
			// barrel.
			a := float64(p.Heading)*2*math.Pi/sim.FullTurn + cam.Angle
			sx, sy := x-0.15*tile*math.Cos(a), y-0.15*tile*math.Sin(a)
			if c := rgbAt(img, sx, sy); !tinted(c, ui.PlayerColor(3)) {
				t.Errorf("player 3 at (%.0f,%.0f): %v, want a shade of %v", sx, sy, c, ui.PlayerColor(3))
			}
			// The map is drawn: many pixels of wall colour.
			wall := 0
			for y := 0; y < 640; y += 4 {
				for x := 0; x < 1000; x += 4 {
					if near(rgbAt(img, float64(x), float64(y)), color.RGBA{0x5b, 0x66, 0x78, 0xff}, 20) {
						wall++
					}
				}
			}
			if wall < 500 {
				t.Errorf("%d samples of wall colour: is the map drawn?", wall)
			}
		})
	}
}

// TestWatchBadFiles: a damaged file gives a clear message on stderr and on
// screen, and a failure, never a crash; a file cut short (a crashed match)
// plays to its last sealed chunk.
func TestWatchBadFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good, err := os.ReadFile(goldenReplay)
	if err != nil {
		t.Fatal(err)
	}
	r, err := replay.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	c20, err := r.Chunk(20)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badChunk := bytes.Clone(good)
	badChunk[c20.Offset+int64(len(c20.Raw))-2] ^= 0x55
	cases := []struct {
		name    string
		path    string
		args    []string
		ok      bool
		stderr  string
		onImage bool // an error screen
	}{
		{"not-a-replay", write("junk.skr", []byte("this is not a replay at all, just text")), nil, false, "not a Skirmish replay", true},
		{"missing", filepath.Join(dir, "missing.skr"), nil, false, "no such file", true},
		{"header-only", write("header.skr", good[:len(r.RawHeader())]), nil, false, "no ticks", true},
		{"damaged-chunk", write("damaged.skr", badChunk), []string{"-seek", "1100", "-speed", "16"}, false, "chunk 20", false},
		{"no-footer", write("crashed.skr", good[:c20.Offset+7]), []string{"-seek", "1100", "-speed", "16"}, true, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			shot := filepath.Join(t.TempDir(), "shot.png")
			args := append([]string{tc.path, "-frames", "60", "-screenshot", shot, "-print-hash"}, tc.args...)
			out, errs, ok := runWatch(t, nil, args...)
			if ok != tc.ok || !strings.Contains(errs, tc.stderr) || strings.Contains(errs, "panic") {
				t.Fatalf("ok %v, stderr:\n%s\nwant ok %v and a message with %q", ok, errs, tc.ok, tc.stderr)
			}
			img := loadPNG(t, shot)
			if tc.onImage {
				// The error screen: light text in the middle, and the
				// message in red below it.
				bright, red := 0, 0
				for y := 250; y < 500; y++ {
					for x := 100; x < 1180; x++ {
						c := rgbAt(img, float64(x), float64(y))
						if c[0]+c[1]+c[2] > 600 {
							bright++
						}
						if c[0] > 200 && c[1] < 170 && c[2] < 160 {
							red++
						}
					}
				}
				if bright < 300 || red < 100 {
					t.Errorf("error screen: %d bright and %d red pixels", bright, red)
				}
				return
			}
			tick, _ := parseShown(t, out)
			switch tc.name {
			case "damaged-chunk":
				if tick > c20.First {
					t.Errorf("played to tick %d, past the damaged chunk at %d", tick, c20.First)
				}
			case "no-footer":
				if tick != c20.First-1 {
					t.Errorf("played to tick %d, want the end of the last whole chunk, %d", tick, c20.First-1)
				}
			}
		})
	}
}

// TestWatchList: skirmish watch with no argument lists the replays where
// skirmish play and skirmishd keep them, and Enter opens the newest.
func TestWatchList(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	dir := filepath.Join(data, "skirmish", "replays")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(goldenReplay)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "m1.skr"), good, 0o644)
	duel, err := os.ReadFile("../../replay/testdata/duel-2p-20s-30hz.skr")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "m2.skr"), duel, 0o644)
	env := []string{"XDG_DATA_HOME=" + data}
	shot := filepath.Join(t.TempDir(), "list.png")
	out, errs, ok := runWatch(t, env, "-frames", "10", "-screenshot", shot, "-print-hash")
	if !ok || strings.TrimSpace(out) != "shown none" {
		t.Fatalf("list: ok %v, out %q\n%s", ok, out, errs)
	}
	img := loadPNG(t, shot)
	bright := 0
	for y := 100; y < 220; y++ {
		for x := 40; x < 600; x++ {
			if c := rgbAt(img, float64(x), float64(y)); c[0]+c[1]+c[2] > 550 {
				bright++
			}
		}
	}
	if bright < 200 {
		t.Errorf("%d bright pixels where the list's rows are", bright)
	}
	// Down, Enter: the second in the list (newest first).
	es, err := viewer.ListReplays(dir)
	if err != nil || len(es) != 2 {
		t.Fatalf("ListReplays: %v, %v", es, err)
	}
	second, err := replay.Open(es[1].Path)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	out, errs, ok = runWatch(t, env, "-frames", "20", "-keys", "2:down,4:enter", "-speed", "0", "-print-hash")
	if !ok {
		t.Fatalf("open from the list: %s", errs)
	}
	tick, hash := parseShown(t, out)
	w, err := second.Seek(tick)
	if err != nil || tick != 0 || w.Hash() != hash {
		t.Errorf("opened from the list: tick %d hash %016x; want tick 0 of %s", tick, hash, second.Info().MatchID)
	}
}

// TestWatchDownload plays a replay served by a server's query API.
func TestWatchDownload(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good, err := os.ReadFile(goldenReplay)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "golden-1"+replay.Extension), good, 0o644); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Options{ReplayDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	defer srv.Shutdown(context.Background())
	r, err := replay.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	w, err := r.Seek(1234)
	if err != nil {
		t.Fatal(err)
	}
	out, errs, ok := runWatch(t, nil, hs.URL+"/api/replays/golden-1", "-seek", "1234", "-speed", "0", "-frames", "3", "-print-hash")
	if !ok {
		t.Fatalf("skirmish watch URL: %s", errs)
	}
	if tick, hash := parseShown(t, out); tick != 1234 || hash != w.Hash() {
		t.Errorf("shown tick %d hash %016x, want 1234 %016x", tick, hash, w.Hash())
	}
	_, errs, ok = runWatch(t, nil, hs.URL+"/api/replays/nothing", "-frames", "3")
	if ok || !strings.Contains(errs, "404") {
		t.Errorf("a replay the server does not have: ok %v, stderr %q", ok, errs)
	}
}

// TestWatchLive spectates a running match: a server with practice bots,
// watch -live its live endpoint 1 s behind; the tick shown has the world
// of a session in the same match at that tick.
func TestWatchLive(t *testing.T) {
	t.Parallel()
	p, err := practice.Start(practice.Options{Bots: 3, Brain: "random", Seed: 2, Match: "live", Server: server.Options{
		ReplayDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Maps: assets.MapSource}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	w := watch(t, p.URL(), "live")
	base := "http" + strings.TrimSuffix(strings.TrimPrefix(p.URL(), "ws"), "/ws")
	shot := filepath.Join(t.TempDir(), "live.png")
	out, errs, ok := runWatch(t, nil, "-live", base+"/api/matches/live/live", "-delay", "1s", "-frames", "240",
		"-camera", "follow:1", "-screenshot", shot, "-print-hash")
	if !ok {
		t.Fatalf("skirmish watch -live failed:\n%s", errs)
	}
	tick, hash := parseShown(t, out)
	world := w.waitWorld(t, tick)
	if world.Hash() != hash {
		t.Errorf("tick %d: the viewer shows %016x, a session in the match has %016x", tick, hash, world.Hash())
	}
	img := loadPNG(t, shot)
	red := 0 // the LIVE badge
	for y := 680; y < 715; y++ {
		for x := 150; x < 700; x++ {
			if c := rgbAt(img, float64(x), float64(y)); c[0] > 200 && c[1] < 120 && c[2] < 130 {
				red++
			}
		}
	}
	if red < 20 {
		t.Errorf("%d red pixels in the timeline: no LIVE badge", red)
	}
}
