package ui

import (
	"fmt"
	"image"
	"math"
	"os"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

// Ebiten draws only inside its game loop, so the tests run inside one: the
// first Update runs them all, then ends the loop. They need a display: make
// test runs them under xvfb-run. (Without one, Ebiten's package init panics
// before TestMain runs.)
type testLoop struct {
	m    *testing.M
	code int
}

func (l *testLoop) Update() error {
	l.code = l.m.Run()
	return ebiten.Termination
}
func (*testLoop) Draw(*ebiten.Image)         {}
func (*testLoop) Layout(int, int) (int, int) { return 320, 240 }

func TestMain(m *testing.M) {
	l := &testLoop{m: m, code: 1}
	ebiten.SetWindowSize(320, 240)
	if err := ebiten.RunGame(l); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(l.code)
}

func arena(t testing.TB) *sim.Map {
	t.Helper()
	src, err := assets.MapSource("arena")
	if err != nil {
		t.Fatal(err)
	}
	m, err := sim.ParseMap("arena", src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// busyView returns a view of the arena with players players and shots
// projectiles in flight, spread over the floor, and some effects, as a busy
// match would show.
func busyView(t testing.TB, players, shots int) *game.View {
	m := arena(t)
	v := &game.View{Phase: game.PhasePlaying, Map: m, Me: 1, Status: link.Status{State: link.Playing}}
	var free [][2]int32
	for y := int32(1); y < m.Height-1; y++ {
		for x := int32(1); x < m.Width-1; x++ {
			if m.At(x, y) != sim.Wall {
				free = append(free, [2]int32{x, y})
			}
		}
	}
	for i := 0; i < players; i++ {
		p := free[(i*37)%len(free)]
		v.Bodies = append(v.Bodies, scene.Body{ID: sim.PlayerID(i + 1), Name: fmt.Sprintf("player %d", i+1),
			X: (float64(p[0]) + 0.5) * sim.Unit, Y: (float64(p[1]) + 0.5) * sim.Unit,
			Heading: float64(i * 5000), Alive: true, Health: int32(100 - i%4*25), Me: i == 0})
	}
	v.Self = &v.Bodies[0]
	v.FocusX, v.FocusY = v.Self.X, v.Self.Y
	for i := 0; i < shots; i++ {
		p := free[(i*53+11)%len(free)]
		v.Shots = append(v.Shots, scene.Shot{X: (float64(p[0]) + 0.3) * sim.Unit, Y: (float64(p[1]) + 0.7) * sim.Unit,
			Heading: uint16(i * 7919), Owner: sim.PlayerID(i%players + 1)})
	}
	for i, k := range []scene.EffectKind{scene.EffectHit, scene.EffectDeath, scene.EffectSpawn, scene.EffectShot, scene.EffectImpact} {
		b := &v.Bodies[(i*3)%len(v.Bodies)]
		v.Effects = append(v.Effects, scene.EffectView{Kind: k, X: b.X, Y: b.Y, Progress: 0.3, Player: b.ID})
	}
	for i := 0; i < 4; i++ {
		v.Kills = append(v.Kills, scene.Kill{Killer: v.Bodies[i].Name, KillerID: v.Bodies[i].ID, Victim: v.Bodies[i+1].Name, VictimID: v.Bodies[i+1].ID})
	}
	v.Scores = game.Scores(&sim.World{Map: m}, 1, nil)
	v.HUD = game.HUD{Tick: 1234, Players: players, InWorld: true, Alive: true, Health: 75, Kills: 3, Deaths: 1, Match: "bench"}
	return v
}

func testGame(t testing.TB) *playScene {
	t.Helper()
	g, err := newPlayScene(game.New(nil, game.Options{}), game.DefaultBindings(), "", false, 1280, 720)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// pixels reads img.
func pixels(img *ebiten.Image) *image.RGBA {
	b := img.Bounds()
	out := image.NewRGBA(b)
	img.ReadPixels(out.Pix)
	return out
}

// TestDrawPlacesThings draws a view and finds each player, wall and floor
// where the camera puts them.
func TestDrawPlacesThings(t *testing.T) {
	g := testGame(t)
	v := busyView(t, 6, 0)
	v.Effects, v.Kills = nil, nil
	for _, size := range [][2]int{{1280, 720}, {640, 360}, {1920, 1080}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			screen := ebiten.NewImage(size[0], size[1])
			defer screen.Deallocate()
			g.w, g.h = size[0], size[1]
			g.fonts.resize(uiScale(g.w, g.h))
			g.draw(screen, v)
			img := pixels(screen)
			cam := scene.Follow(v.Map, float64(g.w), float64(g.h), v.FocusX, v.FocusY)
			tile := cam.Scale * sim.Unit
			for _, b := range v.Bodies {
				// A little behind the centre, clear of the barrel.
				a := radians(b.Heading)
				x, y := cam.ToScreen(b.X, b.Y)
				x, y = x-0.15*tile*math.Cos(a), y-0.15*tile*math.Sin(a)
				if x < 0 || y < 0.15*float64(g.h) || x >= float64(g.w) || y >= 0.9*float64(g.h) {
					continue // off screen or under the HUD
				}
				c := img.RGBAAt(int(x), int(y))
				want := PlayerColor(b.ID)
				k := float64(int(c.R)+int(c.G)+int(c.B)) / float64(int(want.R)+int(want.G)+int(want.B))
				if k < 0.55 || k > 1.1 || math.Abs(float64(c.R)-k*float64(want.R)) > 30 || math.Abs(float64(c.B)-k*float64(want.B)) > 30 {
					t.Errorf("player %d at %.0f,%.0f drawn %v, want a shade of %v", b.ID, x, y, c, want)
				}
			}
		})
	}
}

// TestUIScale: text and HUD grow with the window, within limits.
func TestUIScale(t *testing.T) {
	for _, tc := range []struct {
		w, h int
		want float64
	}{{1280, 720, 1}, {2560, 1440, 2}, {640, 360, 0.75}, {1280, 1024, 1}, {7680, 4320, 3}} {
		if got := uiScale(tc.w, tc.h); got != tc.want {
			t.Errorf("uiScale(%d, %d) = %v, want %v", tc.w, tc.h, got, tc.want)
		}
	}
}

// BenchmarkDraw measures drawing a busy frame (32 players, 100 shots,
// effects, kill feed, HUD) into an offscreen image, including the renderer's
// work: each iteration ends by reading a pixel back, which waits for the
// frame to be rasterised. It does not include presenting the frame to the
// window.
//
// BenchmarkBlank is the same for a frame that is only cleared: the cost of
// any frame of that size on this renderer, to compare with.
func BenchmarkDraw(b *testing.B) {
	for _, size := range [][2]int{{1280, 720}, {640, 360}} {
		for _, scores := range []bool{false, true} {
			name := fmt.Sprintf("%dx%d", size[0], size[1])
			if scores {
				name += "/scoreboard"
			}
			b.Run(name, func(b *testing.B) {
				g := testGame(b)
				v := busyView(b, 32, 100)
				g.scores = scores
				screen := ebiten.NewImage(size[0], size[1])
				defer screen.Deallocate()
				g.w, g.h = size[0], size[1]
				g.fonts.resize(uiScale(g.w, g.h))
				one := make([]byte, 4)
				px := screen.SubImage(image.Rect(0, 0, 1, 1)).(*ebiten.Image)
				g.draw(screen, v) // paint the map, cache glyphs
				px.ReadPixels(one)
				b.ResetTimer()
				for range b.N {
					g.draw(screen, v)
					px.ReadPixels(one)
				}
			})
		}
	}
}

func BenchmarkBlank(b *testing.B) {
	for _, size := range [][2]int{{1280, 720}, {640, 360}} {
		b.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(b *testing.B) {
			screen := ebiten.NewImage(size[0], size[1])
			defer screen.Deallocate()
			one := make([]byte, 4)
			px := screen.SubImage(image.Rect(0, 0, 1, 1)).(*ebiten.Image)
			for range b.N {
				screen.Fill(colBackground)
				px.ReadPixels(one)
			}
		})
	}
}
