package ui

import (
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/keys"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/client/viewer"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// threeSizes are the window sizes the drawing tests check: the smallest
// supported, the default, and full HD.
var threeSizes = [][2]int{{640, 360}, {1280, 720}, {1920, 1080}}

// keepShot saves img as NAME.png in $SKIRMISH_SHOTS, when it is set, to
// look at.
func keepShot(t *testing.T, img *ebiten.Image, name string) {
	dir := os.Getenv("SKIRMISH_SHOTS")
	if dir == "" {
		return
	}
	l := &loop{}
	if err := l.saveShot(img, filepath.Join(dir, strings.NewReplacer("/", "-", " ", "_").Replace(name)+".png")); err != nil {
		t.Error(err)
	}
}

// outside counts the pixels of img that are drawn (not transparent) and
// lie outside every rectangle of rs grown by slack pixels, and returns the
// first.
func outside(img *image.RGBA, rs []scene.Rect, slack float64) (int, image.Point) {
	n, first := 0, image.Point{-1, -1}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if img.Pix[img.PixOffset(x, y)+3] == 0 {
				continue
			}
			in := false
			for _, r := range rs {
				if float64(x) >= r.X-slack && float64(y) >= r.Y-slack && float64(x) < r.Right()+slack && float64(y) < r.Bottom()+slack {
					in = true
					break
				}
			}
			if !in {
				if n == 0 {
					first = image.Point{x, y}
				}
				n++
			}
		}
	}
	return n, first
}

// longNames gives the players the widest names there are: 16 bytes (the
// most a name may have) of wide letters.
func longNames(v *game.View) {
	for i := range v.Bodies {
		v.Bodies[i].Name = fmt.Sprintf("WWWWWWWWWWWW%04d", i)
	}
	for i := range v.Kills {
		k := &v.Kills[i]
		k.Killer, k.Victim = fmt.Sprintf("WWWWWWWWWWWW%04d", i), fmt.Sprintf("WWWWWWWWWWWW%04d", i+1)
	}
}

// TestHUDStaysInItsPanels draws the HUD of a busy match with the longest
// names, the netcode's figures, notices and the keys' help, at three
// sizes: everything drawn lies in the layout's panels (which never overlap:
// client/game's layout test), so nothing covers anything else.
func TestHUDStaysInItsPanels(t *testing.T) {
	g := testGame(t)
	g.start = time.Now()
	g.netStats = true
	v := busyView(t, 12, 0)
	longNames(v)
	for len(v.Kills) < scene.FeedLen {
		v.Kills = append(v.Kills, v.Kills[0])
	}
	v.Notices = []string{"world resynchronised at tick 123456", "reconnected", "the match ends in 30 seconds: the server is shutting down for maintenance"}
	v.HUD.Match = "a-match-name-thirty-two-chars-xx"
	v.HUD.Conn = game.Connection{Ping: 123 * time.Millisecond, PingOK: true, Late: 0.05, Frames: 120, Silent: 400 * time.Millisecond, Quality: game.QualityFair}
	for _, dead := range []bool{false, true} {
		for _, size := range threeSizes {
			t.Run(fmt.Sprintf("%dx%d/dead=%v", size[0], size[1], dead), func(t *testing.T) {
				v.HUD.Alive = !dead
				v.HUD.KilledBy = "WWWWWWWWWWWW0003"
				v.HUD.RespawnIn = 1.5
				screen := ebiten.NewImage(size[0], size[1])
				defer screen.Deallocate()
				g.w, g.h = size[0], size[1]
				g.fonts.resize(uiScale(g.w, g.h))
				g.cam = scene.Follow(v.Map, float64(g.w), float64(g.h), v.FocusX, v.FocusY)
				l := game.NewLayout(float64(g.w), float64(g.h), v.Map.Width, v.Map.Height, true)
				g.drawHUD(screen, v, &l)
				keepShot(t, screen, t.Name())
				var rs []scene.Rect
				for _, r := range l.Panels() {
					rs = append(rs, r)
				}
				// Text shadows and antialiasing may reach a pixel or two past.
				if n, p := outside(pixels(screen), rs, 2); n > 0 {
					t.Errorf("%d pixels drawn outside the HUD's panels, the first at %v", n, p)
				}
				// The feed alone stays in the feed's rectangle.
				feed := ebiten.NewImage(size[0], size[1])
				defer feed.Deallocate()
				g.drawFeed(feed, v.Kills, l.Feed, l.FeedRow, v.Me)
				if n, p := outside(pixels(feed), []scene.Rect{l.Feed}, 0); n > 0 {
					t.Errorf("%d pixels of the kill feed outside its rectangle %+v, the first at %v", n, l.Feed, p)
				}
			})
		}
	}
}

// TestViewerPanelsStayInPlace draws a replay in the viewer with eight
// players with the longest names and a full kill feed (where the feed ran
// under the player list): at three sizes, the info panel, the feed, the
// notes, the list and the timeline each draw inside their own rectangle.
func TestViewerPanelsStayInPlace(t *testing.T) {
	r, err := replay.Open("../../replay/testdata/arena-4p-30s.skr")
	if err != nil {
		t.Fatal(err)
	}
	m, err := viewer.NewModel(r, viewer.Options{Start: 900, Seek: true, Paused: true, NoIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	app := viewer.NewApp(viewer.AppOptions{Model: m})
	defer app.Close()
	g := testWatch(t, app)
	for _, size := range threeSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			screen, f := drawWatch(g, size[0], size[1], 2, viewer.Input{})
			defer screen.Deallocate()
			// Eight players with 16-byte names, six kills between them.
			f.Rows = f.Rows[:0]
			for i := range 8 {
				f.Rows = append(f.Rows, viewer.PlayerRow{ID: sim.PlayerID(i + 1), Name: fmt.Sprintf("WWWWWWWWWWWW%04d", i), Alive: i%3 != 0, Health: 60, Kills: 12, Deaths: 3, Key: i + 1})
			}
			f.Players = 8
			f.Kills = f.Kills[:0]
			for i := range scene.FeedLen {
				f.Kills = append(f.Kills, scene.Kill{Tick: f.Tick, Killer: f.Rows[i].Name, KillerID: f.Rows[i].ID, Victim: f.Rows[i+1].Name, VictimID: f.Rows[i+1].ID})
			}
			f.Title = "a-match-name-thirty-two-chars-xx on arena, recorded on a very long day"
			f.LiveStatus = "the live stream was cut: reconnecting in 2 s (attempt 3: dial tcp 10.0.0.1:7777: connection refused)"
			f.Layout = viewer.NewLayout(float64(size[0]), float64(size[1]), 8)
			l := &f.Layout
			g.resize(screen)
			screen.Fill(colBackground)
			g.drawWatch(screen, f)
			keepShot(t, screen, t.Name())

			parts := []struct {
				name string
				r    scene.Rect
				draw func(*ebiten.Image)
			}{
				{"info", l.Info, func(img *ebiten.Image) { g.drawInfo(img, f) }},
				{"feed", l.Feed, func(img *ebiten.Image) { g.drawFeed(img, f.Kills, l.Feed, l.FeedRow, f.Focus) }},
				{"list", l.List, func(img *ebiten.Image) { g.drawPlayers(img, f) }},
				{"notes", l.Notes, func(img *ebiten.Image) { g.drawNotes(img, f) }},
			}
			for _, p := range parts {
				img := ebiten.NewImage(size[0], size[1])
				p.draw(img)
				if n, at := outside(pixels(img), []scene.Rect{p.r}, 0); n > 0 {
					t.Errorf("%s: %d pixels drawn outside its rectangle %+v, the first at %v", p.name, n, p.r, at)
				}
				img.Deallocate()
			}
		})
	}
}

// TestKeyboard: every key of package keys has its own Ebiten key.
func TestKeyboard(t *testing.T) {
	seen := map[ebiten.Key]keys.Key{}
	for _, k := range keys.All() {
		ek := ebitenKeys[k]
		if ek < 0 {
			t.Errorf("%v (%s) has no Ebiten key", k, k.Label())
			continue
		}
		if o, ok := seen[ek]; ok {
			t.Errorf("%v and %v are both Ebiten's %v", k, o, ek)
		}
		seen[ek] = k
	}
	if math.Abs(float64(len(seen)-len(keys.All()))) > 0 {
		t.Errorf("%d keys map to %d Ebiten keys", len(keys.All()), len(seen))
	}
}
