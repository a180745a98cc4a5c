package viewer

import (
	"math"
	"testing"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

func loadMap(t testing.TB, name string) *sim.Map {
	t.Helper()
	src, err := assets.MapSource(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := sim.ParseMap(name, src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseCamera(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		mode CameraMode
		id   sim.PlayerID
		ok   bool
	}{
		{"overview", CameraOverview, 0, true},
		{"follow:3", CameraFollow, 3, true},
		{"follow", CameraFollow, 0, true},
		{"pov:12", CameraPOV, 12, true},
		{"free", CameraFree, 0, true},
		{"free:2", 0, 0, false},
		{"pov:x", 0, 0, false},
		{"follow:-1", 0, 0, false},
		{"orbit", 0, 0, false},
		{"", 0, 0, false},
	} {
		mode, id, err := ParseCamera(tc.in)
		if (err == nil) != tc.ok || mode != tc.mode || id != tc.id {
			t.Errorf("ParseCamera(%q) = %v, %d, %v; want %v, %d, ok=%v", tc.in, mode, id, err, tc.mode, tc.id, tc.ok)
		}
	}
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// TestOverview: the whole map fits the layout's View, as large as it can,
// centred in it.
func TestOverview(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"arena", "duel", "yard"} {
		m := loadMap(t, name)
		for _, size := range [][2]float64{{1280, 720}, {640, 360}, {1920, 1080}, {800, 1000}} {
			l := NewLayout(size[0], size[1], 8)
			c := Overview(m, &l)
			x0, y0 := c.ToScreen(0, 0)
			x1, y1 := c.ToScreen(float64(m.Width)*sim.Unit, float64(m.Height)*sim.Unit)
			v := l.View
			if x0 < v.X-0.01 || y0 < v.Y-0.01 || x1 > v.X+v.W+0.01 || y1 > v.Y+v.H+0.01 {
				t.Errorf("%s at %v: map drawn %.1f,%.1f to %.1f,%.1f, outside the view %+v", name, size, x0, y0, x1, y1, v)
			}
			if !near(x1-x0, v.W, 0.01) && !near(y1-y0, v.H, 0.01) {
				t.Errorf("%s at %v: map drawn %.1f×%.1f in a view of %.1f×%.1f: it could be larger", name, size, x1-x0, y1-y0, v.W, v.H)
			}
			if !near((x0+x1)/2, v.X+v.W/2, 0.01) || !near((y0+y1)/2, v.Y+v.H/2, 0.01) {
				t.Errorf("%s at %v: not centred in the view", name, size)
			}
		}
	}
}

func TestFollowAndPOV(t *testing.T) {
	t.Parallel()
	m := loadMap(t, "yard")
	l := NewLayout(1280, 720, 2)
	bodies := []scene.Body{
		{ID: 1, X: 10 * sim.Unit, Y: 12 * sim.Unit, Heading: 0, Alive: true},
		{ID: 2, X: 30.5 * sim.Unit, Y: 20.25 * sim.Unit, Heading: sim.FullTurn / 8, Alive: true},
	}
	var c Cameras
	c.Set(CameraFollow, 2)
	c.Advance(1) // no glide from a camera never drawn
	got := c.Camera(m, &l, bodies)
	if want := scene.Follow(m, 1280, 720, bodies[1].X, bodies[1].Y); got != want {
		t.Errorf("follow: %+v, want the game's camera %+v", got, want)
	}

	c.Set(CameraPOV, 2)
	c.Advance(blendSeconds)
	got = c.Camera(m, &l, bodies)
	// The player stands below the centre of the screen...
	x, y := got.ToScreen(bodies[1].X, bodies[1].Y)
	if !near(x, 640, 0.01) || !near(y, 360+povAhead*720, 0.01) {
		t.Errorf("pov: player drawn at %.2f,%.2f, want 640,%.0f", x, y, 360+povAhead*720)
	}
	// ... and faces up: a point ahead of it is straight above it.
	dx, dy := sim.Direction(uint16(bodies[1].Heading), 2*sim.Unit)
	ax, ay := got.ToScreen(bodies[1].X+float64(dx), bodies[1].Y+float64(dy))
	if !near(ax, x, 0.5) || ay > y-2*got.Scale*sim.Unit*0.99 {
		t.Errorf("pov: a point two tiles ahead drawn at %.1f,%.1f, the player at %.1f,%.1f: want it straight above", ax, ay, x, y)
	}
	// ToWorld undoes ToScreen, turned or not.
	wx, wy := got.ToWorld(got.ToScreen(12345, 67890))
	if !near(wx, 12345, 1e-6) || !near(wy, 67890, 1e-6) {
		t.Errorf("pov: ToWorld(ToScreen) = %v,%v", wx, wy)
	}

	// A dead player is followed where it was last seen.
	bodies[1].Alive, bodies[1].X = false, 0
	if again := c.Camera(m, &l, bodies); again != got {
		t.Errorf("pov of a dead player moved: %+v, was %+v", again, got)
	}
}

// TestGlide: changing the camera glides from the old picture to the new
// over blendSeconds, without a jump at either end.
func TestGlide(t *testing.T) {
	t.Parallel()
	m := loadMap(t, "yard")
	l := NewLayout(1280, 720, 2)
	bodies := []scene.Body{{ID: 1, X: 10 * sim.Unit, Y: 12 * sim.Unit, Alive: true}, {ID: 2, X: 40 * sim.Unit, Y: 25 * sim.Unit, Alive: true}}
	var c Cameras
	c.Set(CameraFollow, 1)
	from := c.Camera(m, &l, bodies)
	c.Set(CameraFollow, 2)
	to := scene.Follow(m, 1280, 720, bodies[1].X, bodies[1].Y)
	prev := c.Camera(m, &l, bodies)
	if prev != from {
		t.Errorf("the glide starts at %+v, want the old camera %+v", prev, from)
	}
	for range 60 {
		c.Advance(1.0 / 60)
		cur := c.Camera(m, &l, bodies)
		if step := math.Hypot(cur.CX-prev.CX, cur.CY-prev.CY); step > 4*sim.Unit {
			t.Fatalf("the camera jumped %.1f tiles in a frame", step/sim.Unit)
		}
		prev = cur
	}
	if !c.Settled() || prev != to {
		t.Errorf("after the glide: %+v, want %+v", prev, to)
	}
}

func TestFreeCamera(t *testing.T) {
	t.Parallel()
	m := loadMap(t, "arena")
	l := NewLayout(1280, 720, 4)
	var c Cameras
	over := c.Camera(m, &l, nil)
	// Zooming the overview makes the camera free, and keeps the world
	// point under the mouse in place.
	wx, wy := over.ToWorld(300, 200)
	c.ZoomAt(m, &l, 300, 200, 2)
	if c.Mode != CameraFree {
		t.Fatalf("mode %v after zooming the overview, want free", c.Mode)
	}
	cam := c.Camera(m, &l, nil)
	if sx, sy := cam.ToScreen(wx, wy); !near(sx, 300, 1e-6) || !near(sy, 200, 1e-6) {
		t.Errorf("the point under the mouse moved to %.2f,%.2f", sx, sy)
	}
	if !near(cam.Scale, 2*over.Scale, 1e-12) {
		t.Errorf("scale %v, want twice %v", cam.Scale, over.Scale)
	}
	// Dragging moves the picture with the mouse.
	c.Pan(m, 40, -25)
	moved := c.Camera(m, &l, nil)
	if sx, sy := moved.ToScreen(wx, wy); !near(sx, 340, 1e-6) || !near(sy, 175, 1e-6) {
		t.Errorf("after a drag of 40,-25 the point is at %.2f,%.2f, want 340,175", sx, sy)
	}
	// Zoom and pan are bounded.
	for range 100 {
		c.ZoomAt(m, &l, 640, 360, 2)
		c.Pan(m, 1e6, 1e6)
	}
	cam = c.Camera(m, &l, nil)
	if cam.Scale*sim.Unit > 2*scene.MaxTilePixels+1e-9 || cam.CX < 0 || cam.CY < 0 {
		t.Errorf("unbounded free camera: %+v", cam)
	}
	// Follow and pov zoom by changing Zoom, within limits.
	c.Set(CameraFollow, 1)
	for range 50 {
		c.ZoomAt(m, &l, 0, 0, 1.5)
	}
	if c.Zoom != maxZoom {
		t.Errorf("follow zoom %v, want at most %v", c.Zoom, maxZoom)
	}
}

func TestLayout(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]float64{{1280, 720}, {640, 360}, {1920, 1080}, {320, 240}, {3840, 2160}} {
		for _, players := range []int{0, 4, 32, 64} {
			l := NewLayout(size[0], size[1], players)
			inside := func(name string, r Rect) {
				if r.X < 0 || r.Y < 0 || r.X+r.W > size[0]+0.01 || r.Y+r.H > size[1]+0.01 || r.W < 0 || r.H < 0 {
					t.Errorf("%v, %d players: %s %+v off screen", size, players, name, r)
				}
			}
			inside("view", l.View)
			inside("list", l.List)
			inside("timeline", l.Timeline)
			inside("bar", l.Bar)
			if l.List.Y+l.List.H > l.Timeline.Y {
				t.Errorf("%v, %d players: the list runs into the timeline", size, players)
			}
			if l.ListRows > players {
				t.Errorf("%v: %d rows for %d players", size, l.ListRows, players)
			}
			if l.ListRows > 0 {
				x := l.List.X + l.List.W/2
				first := l.List.Y + l.ListHead + l.ListRow/2
				if l.RowAt(x, first) != 0 || l.RowAt(x, first+float64(l.ListRows-1)*l.ListRow) != l.ListRows-1 {
					t.Errorf("%v, %d players: RowAt misses the rows", size, players)
				}
				if l.RowAt(x, l.List.Y+1) != -1 || l.RowAt(l.List.X-1, first) != -1 {
					t.Errorf("%v, %d players: RowAt outside the rows", size, players)
				}
			}
		}
	}
}
