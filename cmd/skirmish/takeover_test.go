package main

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"log/slog"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/client/settings"
	"github.com/skirmishgg/skirmish/client/ui"
	"github.com/skirmishgg/skirmish/client/viewer"
	"github.com/skirmishgg/skirmish/cmd/internal/practice"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// These tests take a player over from a replay, with T in the viewer and
// with play -from, under Xvfb: the client plays a practice match forked
// at the tick, whose first world is replay.Seek's there.

// takeOverTick is a moment of the golden replay when player 2 (bot02)
// stands alone in a corner with full health; the practice bots are given
// the random brain, so that within the second or so the tests play, they
// do not come and kill it: its player stays where the replay had it (a
// player taken over stops moving).
const takeOverTick = 1200

// randomBots writes a settings file whose practice bots have the random
// brain.
func randomBots(t *testing.T) string {
	t.Helper()
	s := settings.Defaults()
	s.Practice.Brain = "random"
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := settings.Save(path, &s); err != nil {
		t.Fatal(err)
	}
	return path
}

// printed is what -print-hash printed: "shown", "fork" and "confirmed"
// lines, by their first word.
type printed map[string]string

func parsePrinted(out string) printed {
	p := printed{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		word, _, _ := strings.Cut(line, " ")
		p[word] = line
	}
	return p
}

// fork returns the tick, hash and player of the "fork" line.
func (p printed) fork(t *testing.T) (uint32, uint64, sim.PlayerID) {
	t.Helper()
	var tick uint32
	var hash uint64
	var me sim.PlayerID
	if _, err := fmt.Sscanf(p["fork"], "fork tick=%d hash=%x player=%d", &tick, &hash, &me); err != nil {
		t.Fatalf("fork line %q: %v", p["fork"], err)
	}
	return tick, hash, me
}

// desyncs returns the "confirmed" line's desyncs.
func (p printed) desyncs(t *testing.T) int {
	t.Helper()
	var tick uint32
	var hash uint64
	var me sim.PlayerID
	var n int
	if _, err := fmt.Sscanf(p["confirmed"], "confirmed tick=%d hash=%x player=%d desyncs=%d", &tick, &hash, &me, &n); err != nil {
		t.Fatalf("confirmed line %q: %v", p["confirmed"], err)
	}
	return n
}

func seekGolden(t *testing.T, tick uint32) *sim.World {
	t.Helper()
	r, err := replay.Open(goldenReplay)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := r.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// checkGamePicture checks that img is the game, not the viewer, with
// player id of world drawn where world has it, the camera following it.
func checkGamePicture(t *testing.T, img image.Image, world *sim.World, id sim.PlayerID) {
	t.Helper()
	p := world.Player(id)
	cam := scene.Follow(world.Map, 1280, 720, float64(p.X), float64(p.Y))
	tile := cam.Scale * sim.Unit
	a := float64(p.Heading) * 2 * math.Pi / sim.FullTurn
	px, py := cam.ToScreen(float64(p.X), float64(p.Y))
	px, py = px-0.15*tile*math.Cos(a), py-0.15*tile*math.Sin(a) // clear of the barrel
	if c := rgbAt(img, px, py); !tinted(c, ui.PlayerColor(id)) {
		t.Errorf("at player %d's place in the replay (%.0f,%.0f): %v, want a shade of %v", id, px, py, c, ui.PlayerColor(id))
	}
	if n := timelinePixels(img, world); n > 5 {
		t.Errorf("%d pixels of the viewer's timeline: the viewer, not the game", n)
	}
}

// timelinePixels counts the pixels of the viewer's timeline bar, played
// part, along its middle, left of the map (where the game draws its dark
// background, and no wall of the colour of the bar).
func timelinePixels(img image.Image, world *sim.World) int {
	l := viewer.NewLayout(1280, 720, len(world.Players))
	n := 0
	for x := l.Bar.X + 2; x < 120; x++ {
		if near(rgbAt(img, x, l.Bar.Y+l.Bar.H/2), color.RGBA{0x4a, 0x58, 0x70, 0xff}, 6) {
			n++
		}
	}
	return n
}

// TestViewerTakeOver presses T in the viewer, following player 2 at tick
// 1200: the game that opens plays player 2 of the world at 1200, as
// replay.Seek has it (the hash the client was welcomed with, and the
// picture), and the viewer waits at 1200.
func TestViewerTakeOver(t *testing.T) {
	t.Parallel()
	world := seekGolden(t, takeOverTick)
	shot := filepath.Join(t.TempDir(), "takeover.png")
	out, errs, ok := runWatch(t, nil, goldenReplay, "-seek", fmt.Sprint(takeOverTick), "-speed", "0", "-camera", "follow:2",
		"-keys", "5:t", "-frames", "10", "-screenshot", shot, "-print-hash", "-settings", randomBots(t), "-width", "1280", "-height", "720")
	if !ok {
		t.Fatalf("skirmish watch failed:\n%s", errs)
	}
	p := parsePrinted(out)
	if tick, hash, me := p.fork(t); tick != takeOverTick || hash != world.Hash() || me != 2 {
		t.Errorf("forked at tick %d with hash %016x as player %d; replay.Seek(%d) hashes to %016x, and player 2 was followed",
			tick, hash, me, takeOverTick, world.Hash())
	}
	if n := p.desyncs(t); n != 0 {
		t.Errorf("%d desyncs", n)
	}
	if !strings.HasPrefix(p["shown"], fmt.Sprintf("shown tick=%d hash=%016x", takeOverTick, world.Hash())) {
		t.Errorf("the viewer: %q, want it still at tick %d", p["shown"], takeOverTick)
	}
	checkGamePicture(t, loadPNG(t, shot), world, 2)
}

// TestViewerTakeOverBack: Esc in a match taken over goes back to the
// viewer, at the tick it was taken over at.
func TestViewerTakeOverBack(t *testing.T) {
	t.Parallel()
	world := seekGolden(t, takeOverTick)
	shot := filepath.Join(t.TempDir(), "back.png")
	out, errs, ok := runWatch(t, nil, goldenReplay, "-seek", fmt.Sprint(takeOverTick), "-speed", "0", "-camera", "follow:2",
		"-keys", "5:t,9:esc", "-frames", "14", "-screenshot", shot, "-print-hash", "-settings", randomBots(t), "-width", "1280", "-height", "720")
	if !ok {
		t.Fatalf("skirmish watch failed:\n%s", errs)
	}
	p := parsePrinted(out)
	if tick, hash, _ := p.fork(t); tick != takeOverTick || hash != world.Hash() {
		t.Errorf("forked at %d with %016x, want %d with %016x", tick, hash, takeOverTick, world.Hash())
	}
	if !strings.HasPrefix(p["shown"], fmt.Sprintf("shown tick=%d hash=%016x", takeOverTick, world.Hash())) {
		t.Errorf("back in the viewer: %q, want tick %d with hash %016x", p["shown"], takeOverTick, world.Hash())
	}
	if n := timelinePixels(loadPNG(t, shot), world); n < 80 {
		t.Errorf("%d pixels of the viewer's timeline: not back in the viewer", n)
	}
}

// TestPlayFrom: skirmish play -from REPLAY -tick T -as N does what T does.
func TestPlayFrom(t *testing.T) {
	t.Parallel()
	world := seekGolden(t, takeOverTick)
	shot := filepath.Join(t.TempDir(), "from.png")
	out, errs, err := skirmish(t, nil, "play", "-from", goldenReplay, "-tick", fmt.Sprint(takeOverTick), "-as", "2", "-bot-brain", "random",
		"-frames", "10", "-screenshot", shot, "-print-hash", "-width", "1280", "-height", "720")
	if err != nil {
		t.Fatalf("skirmish play -from: %v\n%s", err, errs)
	}
	p := parsePrinted(out)
	if tick, hash, me := p.fork(t); tick != takeOverTick || hash != world.Hash() || me != 2 {
		t.Errorf("forked at tick %d with hash %016x as player %d; want %d, %016x, player 2", tick, hash, me, takeOverTick, world.Hash())
	}
	if n := p.desyncs(t); n != 0 {
		t.Errorf("%d desyncs", n)
	}
	checkGamePicture(t, loadPNG(t, shot), world, 2)
}

// TestPlayFromRefused: play -from refuses what it cannot play, at once,
// saying why.
func TestPlayFromRefused(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-from", goldenReplay}, "-from needs -tick"},
		{[]string{"-tick", "5"}, "-tick and -as go with -from"},
		{[]string{"-from", goldenReplay, "-tick", "5", "-server", "ws://127.0.0.1:1/ws"}, "not with -server"},
		{[]string{"-from", goldenReplay, "-tick", "1801"}, "tick 1801 is outside the recording, 0..1800"},
		{[]string{"-from", goldenReplay, "-tick", "900", "-as", "9"}, "no player 9 at tick 900"},
		{[]string{"-from", filepath.Join(t.TempDir(), "none.skr"), "-tick", "5"}, "no such file"},
	} {
		_, errs, err := skirmish(t, nil, append([]string{"play", "-frames", "5"}, c.args...)...)
		if err == nil || !strings.Contains(errs, c.want) {
			t.Errorf("play %v: %v, stderr %q; want a failure saying %q", c.args, err, errs, c.want)
		}
	}
}

// TestLiveTakeOver presses T while watching a running match live: the
// practice match forks what the viewer has received, at the tick shown,
// and its first world is the world a player of the live match had at that
// tick.
func TestLiveTakeOver(t *testing.T) {
	t.Parallel()
	p, err := practice.Start(practice.Options{Bots: 3, Brain: "random", Seed: 3, Match: "live", Server: server.Options{
		ReplayDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Maps: assets.MapSource}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	w := watch(t, p.URL(), "live")
	base := "http" + strings.TrimSuffix(strings.TrimPrefix(p.URL(), "ws"), "/ws")
	out, errs, ok := runWatch(t, nil, "-live", base+"/api/matches/live/live", "-delay", "1s", "-camera", "follow:1",
		"-keys", "200:t", "-frames", "230", "-print-hash", "-settings", randomBots(t))
	if !ok {
		t.Fatalf("skirmish watch -live failed:\n%s", errs)
	}
	pr := parsePrinted(out)
	var shown uint32
	if _, err := fmt.Sscanf(pr["shown"], "shown tick=%d", &shown); err != nil {
		t.Fatalf("shown line %q: %v", pr["shown"], err)
	}
	tick, hash, me := pr.fork(t)
	if live := w.waitWorld(t, tick); tick != shown || hash != live.Hash() || me != 1 {
		t.Errorf("forked at tick %d with %016x as player %d; the viewer shows tick %d, and the live match had %016x there; player 1 was followed",
			tick, hash, me, shown, live.Hash())
	}
	if n := pr.desyncs(t); n != 0 {
		t.Errorf("%d desyncs", n)
	}
}
