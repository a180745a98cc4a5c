package scene

import (
	"math"

	"github.com/skirmishgg/skirmish/sim"
)

// Camera maps world units to screen pixels: a scale, the world point at
// the centre of the screen, and a rotation.
type Camera struct {
	// Scale is pixels per world unit.
	Scale float64
	// CX, CY is the world point (units) drawn at the centre of the screen.
	CX, CY float64
	// W, H is the screen size in pixels.
	W, H float64
	// Angle turns the picture about the centre of the screen, in radians,
	// clockwise: a world direction at heading h (clockwise from +X) is
	// drawn at h+Angle. Zero for the game's cameras, which never turn.
	Angle float64
}

// Camera parameters.
const (
	// ViewTiles is how many tiles the camera shows across the screen's
	// shorter side, when that gives tiles within the pixel limits below.
	ViewTiles = 17
	// MinTilePixels and MaxTilePixels bound the size of a tile on screen,
	// so that a tiny window still shows a readable arena and a huge one
	// does not show a blown-up one.
	MinTilePixels = 20
	MaxTilePixels = 128
	// edgeTiles is how far past the map's edge the camera may look.
	edgeTiles = 0.5
)

// TilePixels returns the size of a tile on a screen of w×h pixels.
func TilePixels(w, h float64) float64 {
	px := math.Min(w, h) / ViewTiles
	return math.Round(math.Max(MinTilePixels, math.Min(MaxTilePixels, px)))
}

// Follow returns the camera for a screen of w×h pixels looking at (x, y),
// in world units, on map m: centred on the point, but not showing more than
// half a tile beyond the map's edge; a map narrower (or shorter) than the
// screen is centred instead.
func Follow(m *sim.Map, w, h, x, y float64) Camera {
	return FollowTiles(m, w, h, x, y, TilePixels(w, h))
}

// FollowTiles is Follow with tiles of tile pixels.
func FollowTiles(m *sim.Map, w, h, x, y, tile float64) Camera {
	c := Camera{Scale: tile / sim.Unit, W: w, H: h}
	c.CX = clampView(x, float64(m.Width)*sim.Unit, w/c.Scale)
	c.CY = clampView(y, float64(m.Height)*sim.Unit, h/c.Scale)
	return c
}

// UIScale is the size of text and panels on a screen of w×h pixels,
// relative to a 720-pixel-high one, between 0.75 and 3.
func UIScale(w, h float64) float64 {
	s := math.Min(w*9/16, h) / 720
	return math.Max(0.75, math.Min(3, s))
}

// clampView returns the centre, along one axis, of a view size units wide
// that shows point p on a map length units long.
func clampView(p, length, size float64) float64 {
	edge := edgeTiles * sim.Unit
	if size >= length+2*edge {
		return length / 2
	}
	return math.Max(size/2-edge, math.Min(length+edge-size/2, p))
}

// ToScreen returns the screen position of world point (x, y).
func (c *Camera) ToScreen(x, y float64) (sx, sy float64) {
	dx, dy := (x-c.CX)*c.Scale, (y-c.CY)*c.Scale
	if c.Angle != 0 {
		sin, cos := math.Sincos(c.Angle)
		dx, dy = dx*cos-dy*sin, dx*sin+dy*cos
	}
	return dx + c.W/2, dy + c.H/2
}

// ToWorld returns the world point at screen position (sx, sy).
func (c *Camera) ToWorld(sx, sy float64) (x, y float64) {
	dx, dy := sx-c.W/2, sy-c.H/2
	if c.Angle != 0 {
		sin, cos := math.Sincos(c.Angle)
		dx, dy = dx*cos+dy*sin, -dx*sin+dy*cos
	}
	return dx/c.Scale + c.CX, dy/c.Scale + c.CY
}

// Visible reports whether a circle of radius r units around world point
// (x, y) is at least partly on screen.
func (c *Camera) Visible(x, y, r float64) bool {
	sx, sy := c.ToScreen(x, y)
	pr := r * c.Scale
	return sx+pr >= 0 && sy+pr >= 0 && sx-pr <= c.W && sy-pr <= c.H
}

// TileRange returns the tiles (inclusive) that the screen shows: all of
// them, and for a turned camera some around them.
func (c *Camera) TileRange() (x0, y0, x1, y1 int32) {
	wx0, wy0 := c.ToWorld(0, 0)
	wx1, wy1 := wx0, wy0
	for _, p := range [...][2]float64{{c.W, 0}, {0, c.H}, {c.W, c.H}} {
		x, y := c.ToWorld(p[0], p[1])
		wx0, wy0, wx1, wy1 = min(wx0, x), min(wy0, y), max(wx1, x), max(wy1, y)
	}
	return int32(math.Floor(wx0 / sim.Unit)), int32(math.Floor(wy0 / sim.Unit)),
		int32(math.Floor(wx1 / sim.Unit)), int32(math.Floor(wy1 / sim.Unit))
}
