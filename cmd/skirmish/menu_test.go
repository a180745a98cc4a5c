package main

import (
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/menu"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/client/settings"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// These tests drive skirmish menu (and play) with scripted keys and typed
// text, the way a player would use the menu, against a real server, in a
// configuration directory of their own that runs share when a test needs
// its settings to persist.

// join connects a player who stays in match on url for the test. It
// reads its frames, as a client does: one that stopped reading would not
// answer the server's keep-alive pings, and be dropped (4006) in 10 s.
func join(t *testing.T, url, match, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := session.Dial(ctx, session.Options{URL: url, Name: name, Match: match})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for rctx.Err() == nil {
			if _, err := s.Recv(rctx); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		stop()
		s.CloseNow()
		<-done
	})
}

// config returns a configuration directory for a test's runs, and the
// environment that points the client at it.
func config(t *testing.T) (settingsPath string, env []string) {
	dir := t.TempDir()
	return filepath.Join(dir, "skirmish", "settings.json"), []string{"XDG_CONFIG_HOME=" + dir}
}

// menuRun runs skirmish with args and fails the test if it fails.
func menuRun(t *testing.T, env []string, args ...string) (stdout, stderr string) {
	t.Helper()
	out, errs, err := skirmish(t, env, args...)
	if err != nil {
		t.Fatalf("skirmish %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errs)
	}
	return out, errs
}

func hostOf(wsURL string) string {
	return strings.TrimSuffix(strings.TrimPrefix(wsURL, "ws://"), "/ws")
}

// TestMenuBrowseAndJoin: open the menu, choose Join server, add the server
// by typing its address: the browser lists its matches, which the
// screenshot shows in the rows the layout gives them. A second run finds
// the server in the settings, joins the first match with Enter, and the
// client's world hashes like a watching session's.
func TestMenuBrowseAndJoin(t *testing.T) {
	url := startServer(t)
	w := watch(t, url, "saturday")
	join(t, url, "saturday", "sat2")
	join(t, url, "friday", "fri1")
	path, env := config(t)

	shot := filepath.Join(t.TempDir(), "browser.png")
	out, _ := menuRun(t, env, "menu", "-frames", "150", "-width", "1280", "-height", "720", "-print-menu", "-screenshot", shot,
		"-keys", "10:down,12:enter,20:a,24:text="+hostOf(url)+",30:enter")
	want := fmt.Sprintf("menu screen=browser server=%s matches=saturday,friday", hostOf(url))
	if first, _, _ := strings.Cut(out, "\n"); first != want {
		t.Fatalf("the menu at the end: %q, want %q", out, want)
	}
	s, note, err := settings.Load(path)
	if err != nil || note != "" || len(s.Servers) != 1 || s.Servers[0].Address != hostOf(url) {
		t.Fatalf("settings after adding the server: %+v (%q, %v)", s.Servers, note, err)
	}
	// The screenshot: each row's name cell holds text (light pixels), and
	// the rows past the matches none.
	img := loadPNG(t, shot)
	l := menu.NewLayout(1280, 720, menu.ScreenBrowser, 3, 1, 0)
	for i := range 3 {
		r, c := l.Rows[i], l.Columns[menu.ColMatch]
		n := light(img, image.Rect(int(c.X)+6, int(r.Y), int(c.Right()), int(r.Bottom())))
		if i < 2 && n < 60 || i == 2 && n != 0 {
			t.Errorf("row %d: %d light pixels where the match's name goes", i, n)
		}
	}

	// Join the first match (saturday, the most players) with Enter, as
	// soon as the list is there.
	out, _ = menuRun(t, env, "menu", "-frames", "420", "-name", "joiner", "-print-hash",
		"-keys", "10:down,12:enter,120:enter,180:enter,240:enter")
	var tick uint32
	var hash uint64
	var me sim.PlayerID
	var desyncs int
	if _, err := fmt.Sscanf(strings.TrimSpace(out), "confirmed tick=%d hash=%x player=%d desyncs=%d", &tick, &hash, &me, &desyncs); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if id := w.waitJoin(t, "joiner"); id != me {
		t.Errorf("joined as player %d, the watcher saw joiner as %d", me, id)
	}
	if got := w.waitWorld(t, tick).Hash(); got != hash || desyncs != 0 {
		t.Errorf("tick %d: client hash %016x (%d desyncs), the watching session's %016x", tick, hash, desyncs, got)
	}
}

// TestMenuCreateMatch: on the browser's create screen, choose the
// server's second map (duel, not its own arena), name the match and
// create it: the client joins the match it made, on duel, and its world
// hashes like a watching session's, whose welcome names duel.
func TestMenuCreateMatch(t *testing.T) {
	url := startServer(t)
	api := "http://" + hostOf(url) + "/api/matches/tuesday"
	// A watcher joins as soon as the match exists (the menu makes it).
	watched := make(chan *watcher, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(watched)
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			resp, err := http.Get(api)
			if err != nil {
				continue
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				if w, err := dialWatcher(url, "tuesday"); err == nil {
					watched <- w
				}
				return
			}
		}
	}()
	// C: the create screen; once the maps are there, Map → arena → duel;
	// the name; Enter.
	out, _ := menuRun(t, nil, "menu", "-browse", url, "-frames", "600", "-name", "creator", "-print-hash",
		"-keys", "10:c,300:down,302:right,304:right,306:up,308:text=tuesday,312:enter")
	var w *watcher
	select {
	case w = <-watched:
	case <-time.After(10 * time.Second):
	}
	if w == nil {
		t.Fatalf("no watcher joined tuesday: the menu did not create it; output %q", out)
	}
	defer w.close()
	if m := w.s.Welcome().Map; m != "duel" {
		t.Fatalf("the created match is on %q, want duel", m)
	}
	var tick uint32
	var hash uint64
	var me sim.PlayerID
	var desyncs int
	if _, err := fmt.Sscanf(strings.TrimSpace(out), "confirmed tick=%d hash=%x player=%d desyncs=%d", &tick, &hash, &me, &desyncs); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	world := w.waitWorld(t, tick)
	if p := world.Player(me); p == nil || p.Name != "creator" {
		t.Fatalf("player %d in the watcher's world: %+v, want creator", me, p)
	}
	if got := world.Hash(); got != hash || desyncs != 0 {
		t.Errorf("tick %d: client hash %016x (%d desyncs), the watching session's %016x", tick, hash, desyncs, got)
	}
}

// light counts the light pixels (text) of img in r.
func light(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := rgbAt(img, float64(x), float64(y)); c[0]+c[1]+c[2] > 450 {
				n++
			}
		}
	}
	return n
}

// TestSettingsRoundTrip changes the name, a volume and the net stats in
// the settings screen; leaving it saves them, and the next run plays under
// the new name.
func TestSettingsRoundTrip(t *testing.T) {
	url := startServer(t)
	w := watch(t, url, "names")
	path, env := config(t)
	// Settings; the name: clear it (the login name is at most 16 bytes),
	// type another; master volume down two steps; net stats on; Esc.
	keys := []string{"10:down", "12:down", "14:down", "16:enter"}
	for i := range 17 {
		keys = append(keys, fmt.Sprintf("%d:backspace", 20+2*i))
	}
	keys = append(keys, "60:text=Ada Lovelace", "64:down", "66:left", "68:left",
		"70:down", "72:down", "74:down", "76:down", "78:down", "80:down", "82:enter", "90:esc")
	out, _ := menuRun(t, env, "menu", "-frames", "100", "-print-menu", "-keys", strings.Join(keys, ","))
	if strings.TrimSpace(out) != "menu screen=main" {
		t.Errorf("after Esc: %q, want the main menu", out)
	}
	s, note, err := settings.Load(path)
	if err != nil || note != "" {
		t.Fatalf("settings: %q, %v", note, err)
	}
	if s.Name != "Ada Lovelace" || s.Audio.Master != 60 || !s.NetStats || s.Audio.Effects != 80 || !s.Vsync {
		t.Errorf("saved %+v; want name Ada Lovelace, master 60, net stats on, the rest as it was", s)
	}
	menuRun(t, env, "play", "-server", url, "-match", "names", "-frames", "120")
	if id := w.waitJoin(t, "Ada Lovelace"); id == 0 {
		t.Error("the next run did not play as Ada Lovelace")
	}
}

// TestCorruptSettings: a settings file that is not one is kept aside, the
// defaults replace it, and the player is told, in one line and on screen.
func TestCorruptSettings(t *testing.T) {
	path, env := config(t)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	garbage := []byte("{\"version\": 1, \"name\": \"ada\", \"keys\": {\"fire\": [\x00")
	if err := os.WriteFile(path, garbage, 0o644); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "notice.png")
	out, errs := menuRun(t, env, "menu", "-frames", "30", "-print-menu", "-screenshot", shot, "-width", "1280", "-height", "720")
	backups, _ := filepath.Glob(path + ".bad-*")
	if len(backups) != 1 {
		t.Fatalf("backups %v, want one", backups)
	}
	if b, _ := os.ReadFile(backups[0]); string(b) != string(garbage) {
		t.Errorf("the backup holds %q, want the damaged file", b)
	}
	var said []string
	for _, line := range strings.Split(strings.TrimSpace(errs), "\n") {
		if strings.Contains(line, "settings.json") {
			said = append(said, line)
		}
	}
	if len(said) != 1 || !strings.Contains(said[0], backups[0]) || !strings.Contains(said[0], "defaults") {
		t.Errorf("stderr says %q; want one line naming the backup and the defaults", said)
	}
	if want := "menu screen=main\nnotice: " + said[0][len("skirmish: "):] + "\n"; len(said) == 1 && out != want {
		t.Errorf("the menu:\n%s\nwant the main menu with the same notice:\n%s", out, want)
	}
	if s, note, err := settings.Load(path); err != nil || note != "" || s.Name != settings.Defaults().Name {
		t.Errorf("the file now: %+v, %q, %v; want the defaults, readable", s, note, err)
	}
	// On screen: the notice, in red, above the keys.
	img := loadPNG(t, shot)
	l := menu.NewLayout(1280, 720, menu.ScreenMain, 5, 0, 0)
	red := 0
	for y := int(l.Notice.Y); y < int(l.Notice.Bottom()); y++ {
		for x := int(l.Notice.X); x < int(l.Notice.Right()); x++ {
			if c := rgbAt(img, float64(x), float64(y)); c[0] > 180 && c[1] < 170 && c[0]-c[2] > 60 {
				red++
			}
		}
	}
	if red < 100 {
		t.Errorf("%d red pixels where the notice goes", red)
	}
}

// TestRebindMovesPlayer binds forward to I in the keys screen; then W does
// not move the player and I does.
func TestRebindMovesPlayer(t *testing.T) {
	url := startServer(t)
	path, env := config(t)
	// Settings, Keys…, Forward: Enter, then I; back out (saves).
	menuRun(t, env, "menu", "-frames", "60",
		"-keys", "10:down,12:down,14:down,16:enter,20:up,22:up,24:enter,30:enter,34:i,40:esc,44:esc")
	s, _, err := settings.Load(path)
	if err != nil || !slices.Equal(s.Keys["forward"], []string{"i", "up"}) {
		t.Fatalf("saved keys %v (%v), want forward on i and up", s.Keys, err)
	}
	for _, tc := range []struct {
		key   string
		moves bool
	}{{"w", false}, {"i", true}} {
		t.Run(tc.key, func(t *testing.T) {
			match := "walk-" + tc.key
			w := watch(t, url, match)
			out, _ := menuRun(t, env, "play", "-server", url, "-match", match, "-name", "walker", "-frames", "240",
				"-keys", "60:"+tc.key+"+,100:"+tc.key+"-", "-print-hash")
			var tick uint32
			if _, err := fmt.Sscanf(strings.TrimSpace(out), "confirmed tick=%d", &tick); err != nil {
				t.Fatalf("output %q: %v", out, err)
			}
			world := w.waitWorld(t, tick)
			p := world.Player(w.waitJoin(t, "walker"))
			if p == nil || !p.Alive {
				t.Fatalf("walker %+v, want alive", p)
			}
			sx, sy := sim.SpawnCenter(world.Map.Spawns()[0])
			moved := p.X != sx || p.Y != sy
			if moved != tc.moves || tc.moves && p.X < sx+sim.Unit/2 {
				t.Errorf("holding %s: the player went from %d,%d to %d,%d; want moved forward %v", tc.key, sx, sy, p.X, p.Y, tc.moves)
			}
		})
	}
}

// TestNoSoundDevice runs the game where ALSA finds no device (a
// configuration without one): it plays its frames silently and says so in
// exactly one line, with none of ALSA's own.
func TestNoSoundDevice(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "alsa.conf")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errs := menuRun(t, []string{"ALSA_CONFIG_PATH=" + empty}, "play", "-bots", "1", "-frames", "180", "-print-hash")
	if !strings.HasPrefix(out, "confirmed tick=") {
		t.Errorf("output %q: the game did not play", out)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "no sound device: playing silently") {
		t.Errorf("stderr:\n%s\nwant exactly one line saying there is no sound device", errs)
	}
}

// TestMenuRefusals: a server that refuses to list (a closed port) and one
// that refuses to seat (the match is full) each say why, the close reason
// for the latter, and the menu goes on.
func TestMenuRefusals(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	out, _ := menuRun(t, nil, "menu", "-frames", "120", "-browse", closed, "-print-menu")
	if !strings.Contains(out, "status: cannot reach the server: ") || !strings.Contains(out, "connection refused") {
		t.Errorf("a closed port:\n%s\nwant the browser to say it cannot reach the server", out)
	}

	srv, err := server.New(server.Options{ReplayDir: t.TempDir(), MaxPlayers: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
	join(t, url, "full", "alone")
	// Join when the list is there (within 10 s); once refused, Enter goes
	// back to the browser.
	out, _ = menuRun(t, nil, "menu", "-frames", "840", "-browse", url, "-print-menu", "-keys", "600:enter,780:enter")
	if !strings.Contains(out, "menu screen=browser") || !strings.Contains(out, "notice: the server refused: match full is full") {
		t.Errorf("joining a full match:\n%s\nwant the browser, saying the match is full", out)
	}
}

// TestMenuPractice starts practice from the menu against one bot and
// leaves it through the pause menu: the match ran, and the menu is back.
func TestMenuPractice(t *testing.T) {
	// Practice, Bots: 3 → 1, Start; later Esc, Leave the match, which goes
	// back to the practice screen.
	out, _ := menuRun(t, nil, "menu", "-frames", "420", "-print-hash", "-print-menu",
		"-keys", "10:enter,14:down,16:left,18:left,20:down,22:down,24:enter,300:esc,310:down,312:down,314:enter")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[0] != "menu screen=practice" || !strings.HasPrefix(lines[1], "confirmed tick=") {
		t.Fatalf("output %q: want the practice screen after a practice match", out)
	}
	var tick uint32
	var desyncs int
	if _, err := fmt.Sscanf(lines[1], "confirmed tick=%d hash=%x player=%d desyncs=%d", &tick, new(uint64), new(sim.PlayerID), &desyncs); err != nil || tick < 60 || desyncs != 0 {
		t.Errorf("%q: want a match of some seconds in sync (%v)", lines[1], err)
	}
}
