package ui

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/skirmishgg/skirmish/client/viewer"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

func testWatch(t testing.TB, app *viewer.App) *watchScene {
	t.Helper()
	g, err := newWatchScene(app, nil, false, 1280, 720)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// drawWatch runs the app for frames frames on a w×h screen and draws the
// last into a new image.
func drawWatch(g *watchScene, w, h, frames int, in viewer.Input) (*ebiten.Image, *viewer.Frame) {
	screen := ebiten.NewImage(w, h)
	for i := range frames {
		step := viewer.Input{}
		if i == 0 {
			step = in
		}
		step.W, step.H, step.DT, step.Now = float64(w), float64(h), 1.0/60, time.Now()
		g.app.Update(step)
	}
	g.resize(screen)
	screen.Fill(colBackground)
	f := g.app.View()
	g.drawWatch(screen, f)
	return screen, f
}

// TestDrawWatch draws a golden replay in every camera mode at several
// window sizes and finds the followed player where the frame's camera puts
// it, turned or not.
func TestDrawWatch(t *testing.T) {
	r, err := replay.Open("../../replay/testdata/arena-4p-30s.skr")
	if err != nil {
		t.Fatal(err)
	}
	m, err := viewer.NewModel(r, viewer.Options{Start: 900, Seek: true, Paused: true, Camera: viewer.CameraFollow, Target: 3, NoIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	app := viewer.NewApp(viewer.AppOptions{Model: m})
	defer app.Close()
	g := testWatch(t, app)
	for _, mode := range []viewer.Action{viewer.ActOverview, viewer.ActFollow, viewer.ActPOV, viewer.ActFree} {
		for _, size := range [][2]int{{1280, 720}, {640, 360}, {1920, 1080}} {
			t.Run(fmt.Sprintf("%v-%dx%d", mode, size[0], size[1]), func(t *testing.T) {
				screen, f := drawWatch(g, size[0], size[1], 40, viewer.Input{Actions: viewer.Actions(0).With(mode)})
				defer screen.Deallocate()
				img := pixels(screen)
				p := m.World().Player(3)
				cam := f.Camera
				tile := cam.Scale * sim.Unit
				x, y := cam.ToScreen(float64(p.X), float64(p.Y))
				a := radians(float64(p.Heading)) + cam.Angle
				x, y = x-0.15*tile*math.Cos(a), y-0.15*tile*math.Sin(a)
				if f.Layout.List.Contains(x, y) || f.Layout.Timeline.Contains(x, y) || f.Layout.Info.Contains(x, y) {
					t.Skipf("player 3 is under a panel at %.0f,%.0f", x, y)
				}
				c := img.RGBAAt(int(x), int(y))
				want := PlayerColor(3)
				k := float64(int(c.R)+int(c.G)+int(c.B)) / float64(int(want.R)+int(want.G)+int(want.B))
				if k < 0.55 || k > 1.1 || math.Abs(float64(c.R)-k*float64(want.R)) > 30 || math.Abs(float64(c.B)-k*float64(want.B)) > 30 {
					t.Errorf("player 3 at %.0f,%.0f drawn %v, want a shade of %v (camera %+v)", x, y, c, want, cam)
				}
			})
		}
	}
}

// TestDrawWatchScreens draws the list of replays and the error screen.
func TestDrawWatchScreens(t *testing.T) {
	es, err := viewer.ListReplays("../../replay/testdata")
	if err != nil || len(es) == 0 {
		t.Fatalf("ListReplays: %v, %v", es, err)
	}
	for name, app := range map[string]*viewer.App{
		"list":  viewer.NewApp(viewer.AppOptions{Dir: "../../replay/testdata", Entries: es}),
		"empty": viewer.NewApp(viewer.AppOptions{Dir: "/nowhere"}),
		"error": viewer.NewApp(viewer.AppOptions{Err: fmt.Errorf("replay: chunk 3 at byte 1234: %w: CRC", replay.ErrCorrupt), Name: "x.skr"}),
	} {
		t.Run(name, func(t *testing.T) {
			g := testWatch(t, app)
			screen := ebiten.NewImage(1280, 720)
			defer screen.Deallocate()
			app.Update(viewer.Input{W: 1280, H: 720, DT: 1.0 / 60})
			g.resize(screen)
			f := app.View()
			switch f.Screen {
			case viewer.ScreenList:
				g.drawList(screen, f)
			case viewer.ScreenError:
				g.drawFatal(screen, f)
			}
			img := pixels(screen)
			bright := 0
			for i := 0; i < len(img.Pix); i += 4 {
				if int(img.Pix[i])+int(img.Pix[i+1])+int(img.Pix[i+2]) > 500 {
					bright++
				}
			}
			if bright < 500 {
				t.Errorf("%d bright pixels: no text?", bright)
			}
		})
	}
}
