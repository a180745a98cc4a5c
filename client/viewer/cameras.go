package viewer

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

// CameraMode is what the camera looks at.
type CameraMode uint8

// Camera modes.
const (
	// CameraOverview shows the whole map.
	CameraOverview CameraMode = iota
	// CameraFollow follows a player, as the game's camera does.
	CameraFollow
	// CameraPOV follows a player from behind: the picture turns so that
	// the player always faces up the screen, and shows more ahead.
	CameraPOV
	// CameraFree goes where it is dragged and zooms with the wheel.
	CameraFree
	numCameraModes
)

var cameraNames = [numCameraModes]string{"overview", "follow", "pov", "free"}

func (m CameraMode) String() string {
	if m >= numCameraModes {
		return fmt.Sprintf("camera(%d)", uint8(m))
	}
	return cameraNames[m]
}

// ParseCamera reads a camera as the command line gives it: overview,
// follow:ID, pov:ID or free, where ID is a player id (0 or none: the first
// player).
func ParseCamera(s string) (CameraMode, sim.PlayerID, error) {
	name, arg, hasArg := strings.Cut(s, ":")
	for m := CameraMode(0); m < numCameraModes; m++ {
		if cameraNames[m] != name {
			continue
		}
		if !hasArg {
			return m, 0, nil
		}
		if m != CameraFollow && m != CameraPOV {
			return 0, 0, fmt.Errorf("camera %q takes no player", name)
		}
		id, err := strconv.ParseUint(arg, 10, 32)
		if err != nil {
			return 0, 0, fmt.Errorf("camera %q: player %q is not a player id", name, arg)
		}
		return m, sim.PlayerID(id), nil
	}
	return 0, 0, fmt.Errorf("camera %q: want overview, follow:ID, pov:ID or free", s)
}

// Camera limits.
const (
	minZoom, maxZoom = 0.35, 3.0 // follow and pov, times the game's tile size
	// povAhead is how far ahead of the player the centre of a pov picture
	// is, as a share of the screen's height: the player stands low on the
	// screen and sees more of what is in front.
	povAhead = 0.2
	// blendSeconds is how long the camera takes to move to a new subject.
	blendSeconds = 0.35
	// jumpTiles is how far a followed player must move between two
	// frames (a respawn) for the camera to glide there rather than cut.
	jumpTiles = 3
)

// Cameras holds the camera's mode and state, and computes the camera for
// each frame. Changing the mode or the player followed glides from the old
// picture to the new one. The zero value is the overview.
type Cameras struct {
	Mode   CameraMode
	Target sim.PlayerID // followed in CameraFollow and CameraPOV
	// Zoom is the size of a tile in follow and pov, relative to the
	// game's (0: 1).
	Zoom float64

	free struct{ x, y, scale float64 }

	// Where the target was last drawn, for when it is dead or gone.
	seen      bool
	seenID    sim.PlayerID
	sx, sy, h float64

	last   scene.Camera // the last camera computed
	hasCam bool
	from   scene.Camera // the camera a glide starts from
	left   float64      // how much of the glide is left: 1 at its start, 0 after
}

// Set changes the mode and the player followed.
func (c *Cameras) Set(mode CameraMode, target sim.PlayerID) {
	if mode == c.Mode && target == c.Target {
		return
	}
	if mode == CameraFree && c.Mode != CameraFree && c.hasCam {
		c.free.x, c.free.y, c.free.scale = c.last.CX, c.last.CY, c.last.Scale
	}
	c.glide()
	c.Mode, c.Target = mode, target
}

// glide starts a glide from the last camera.
func (c *Cameras) glide() {
	if c.hasCam {
		c.from, c.left = c.last, 1
	}
}

// Advance moves a glide on by dt seconds.
func (c *Cameras) Advance(dt float64) {
	c.left = math.Max(0, c.left-dt/blendSeconds)
}

// Settled reports whether no glide is under way.
func (c *Cameras) Settled() bool { return c.left <= 0 }

// cut ends a glide at once.
func (c *Cameras) cut() { c.left = 0 }

func (c *Cameras) zoom() float64 {
	if c.Zoom <= 0 {
		return 1
	}
	return c.Zoom
}

// Overview returns the camera that fits map m into the layout's View.
func Overview(m *sim.Map, l *Layout) scene.Camera {
	mw, mh := float64(m.Width)*sim.Unit, float64(m.Height)*sim.Unit
	scale := math.Min(l.View.W/mw, l.View.H/mh)
	vx, vy := l.View.X+l.View.W/2, l.View.Y+l.View.H/2
	return scene.Camera{Scale: scale, W: l.W, H: l.H,
		CX: mw/2 - (vx-l.W/2)/scale, CY: mh/2 - (vy-l.H/2)/scale}
}

// Camera returns the camera for this frame on map m, laid out as l, with
// the players as drawn.
func (c *Cameras) Camera(m *sim.Map, l *Layout, bodies []scene.Body) scene.Camera {
	cam := c.target(m, l, bodies)
	if c.hasCam && c.left > 0 {
		cam = blendCameras(c.from, cam, smoothstep(1-c.left))
	}
	c.last, c.hasCam = cam, true
	return cam
}

func (c *Cameras) target(m *sim.Map, l *Layout, bodies []scene.Body) scene.Camera {
	tile := scene.TilePixels(l.W, l.H) * c.zoom()
	switch c.Mode {
	case CameraFollow, CameraPOV:
		x, y, h, ok := c.follow(bodies)
		if !ok {
			break
		}
		if c.Mode == CameraFollow {
			return scene.FollowTiles(m, l.W, l.H, x, y, tile)
		}
		scale := tile / sim.Unit
		a := h * 2 * math.Pi / sim.FullTurn
		ahead := povAhead * l.H / scale
		return scene.Camera{Scale: scale, W: l.W, H: l.H,
			CX: x + ahead*math.Cos(a), CY: y + ahead*math.Sin(a), Angle: -math.Pi/2 - a}
	case CameraFree:
		if c.free.scale > 0 {
			return scene.Camera{Scale: c.free.scale, CX: c.free.x, CY: c.free.y, W: l.W, H: l.H}
		}
	}
	return Overview(m, l)
}

// follow returns where the target is drawn (its last place while it is
// dead or gone), and starts a glide when it jumps (a respawn).
func (c *Cameras) follow(bodies []scene.Body) (x, y, h float64, ok bool) {
	for i := range bodies {
		b := &bodies[i]
		if b.ID != c.Target || !b.Alive {
			continue
		}
		if c.seen && c.seenID == b.ID && math.Hypot(b.X-c.sx, b.Y-c.sy) > jumpTiles*sim.Unit {
			c.glide()
		}
		c.seen, c.seenID, c.sx, c.sy, c.h = true, b.ID, b.X, b.Y, b.Heading
		return b.X, b.Y, b.Heading, true
	}
	if c.seen && c.seenID == c.Target {
		return c.sx, c.sy, c.h, true
	}
	for i := range bodies { // never seen alive: where it is, dead or not
		if b := &bodies[i]; b.ID == c.Target {
			return b.X, b.Y, b.Heading, true
		}
	}
	return 0, 0, 0, false
}

// Pan moves the free camera so that the picture moves by (dx, dy) pixels.
func (c *Cameras) Pan(m *sim.Map, dx, dy float64) {
	if c.Mode != CameraFree || c.free.scale <= 0 {
		return
	}
	c.free.x -= dx / c.free.scale
	c.free.y -= dy / c.free.scale
	c.clampFree(m)
}

// ZoomAt zooms by factor about screen point (sx, sy): the free camera keeps
// the world point under it in place; follow and pov change their Zoom.
func (c *Cameras) ZoomAt(m *sim.Map, l *Layout, sx, sy, factor float64) {
	switch c.Mode {
	case CameraFollow, CameraPOV:
		c.Zoom = math.Max(minZoom, math.Min(maxZoom, c.zoom()*factor))
		return
	case CameraOverview:
		c.Set(CameraFree, c.Target)
		c.cut() // from the overview as it is: no glide
	}
	if c.free.scale <= 0 {
		o := Overview(m, l)
		c.free.x, c.free.y, c.free.scale = o.CX, o.CY, o.Scale
	}
	cam := scene.Camera{Scale: c.free.scale, CX: c.free.x, CY: c.free.y, W: l.W, H: l.H}
	wx, wy := cam.ToWorld(sx, sy)
	lo := Overview(m, l).Scale / 2
	hi := 2.0 * scene.MaxTilePixels / sim.Unit
	c.free.scale = math.Max(lo, math.Min(hi, c.free.scale*factor))
	c.free.x = wx - (sx-l.W/2)/c.free.scale
	c.free.y = wy - (sy-l.H/2)/c.free.scale
	c.clampFree(m)
}

// clampFree keeps the free camera's centre over the map.
func (c *Cameras) clampFree(m *sim.Map) {
	c.free.x = math.Max(0, math.Min(float64(m.Width)*sim.Unit, c.free.x))
	c.free.y = math.Max(0, math.Min(float64(m.Height)*sim.Unit, c.free.y))
}

func smoothstep(t float64) float64 { return t * t * (3 - 2*t) }

// blendCameras returns the camera fraction t of the way from a to b: the
// centre in a straight line, the scale geometrically, the angle the short
// way round.
func blendCameras(a, b scene.Camera, t float64) scene.Camera {
	c := b
	c.CX = a.CX + t*(b.CX-a.CX)
	c.CY = a.CY + t*(b.CY-a.CY)
	c.Scale = a.Scale * math.Pow(b.Scale/a.Scale, t)
	d := math.Remainder(b.Angle-a.Angle, 2*math.Pi)
	c.Angle = a.Angle + t*d
	if t >= 1 {
		c.Angle = b.Angle
	}
	return c
}
