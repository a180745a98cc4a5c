package game

import (
	"math"

	"github.com/skirmishgg/skirmish/sim"
)

// Camera maps world units to screen pixels: a scale, and the world point at
// the centre of the screen.
type Camera struct {
	// Scale is pixels per world unit.
	Scale float64
	// CX, CY is the world point (units) drawn at the centre of the screen.
	CX, CY float64
	// W, H is the screen size in pixels.
	W, H float64
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
	tile := TilePixels(w, h)
	c := Camera{Scale: tile / sim.Unit, W: w, H: h}
	c.CX = clampView(x, float64(m.Width)*sim.Unit, w/c.Scale)
	c.CY = clampView(y, float64(m.Height)*sim.Unit, h/c.Scale)
	return c
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
	return (x-c.CX)*c.Scale + c.W/2, (y-c.CY)*c.Scale + c.H/2
}

// ToWorld returns the world point at screen position (sx, sy).
func (c *Camera) ToWorld(sx, sy float64) (x, y float64) {
	return (sx-c.W/2)/c.Scale + c.CX, (sy-c.H/2)/c.Scale + c.CY
}

// Visible reports whether a circle of radius r units around world point
// (x, y) is at least partly on screen.
func (c *Camera) Visible(x, y, r float64) bool {
	sx, sy := c.ToScreen(x, y)
	pr := r * c.Scale
	return sx+pr >= 0 && sy+pr >= 0 && sx-pr <= c.W && sy-pr <= c.H
}

// TileRange returns the tiles (inclusive) that the screen shows.
func (c *Camera) TileRange() (x0, y0, x1, y1 int32) {
	wx0, wy0 := c.ToWorld(0, 0)
	wx1, wy1 := c.ToWorld(c.W, c.H)
	return int32(math.Floor(wx0 / sim.Unit)), int32(math.Floor(wy0 / sim.Unit)),
		int32(math.Floor(wx1 / sim.Unit)), int32(math.Floor(wy1 / sim.Unit))
}
