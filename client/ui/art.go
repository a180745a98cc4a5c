package ui

import (
	"image"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/skirmishgg/skirmish/sim"
)

// All of the game's art is drawn here, in code, when the game starts: the
// map is painted once into one image, and the sprites are greyscale images
// tinted per player when drawn, so that everything comes from a few images
// and Ebiten batches the draws.

// Palette.
var (
	colBackground = color.RGBA{0x0d, 0x10, 0x16, 0xff}
	colFloor      = rgb(0x1d, 0x23, 0x2e)
	colFloorLine  = rgb(0x26, 0x2e, 0x3b)
	colWall       = rgb(0x5b, 0x66, 0x78)
	colWallTop    = rgb(0x7c, 0x88, 0x9c)
	colWallDark   = rgb(0x3a, 0x42, 0x50)
	colSpawn      = rgb(0x3f, 0xd0, 0xc9)
	colText       = color.RGBA{0xee, 0xf1, 0xf6, 0xff}
	colTextDim    = color.RGBA{0x9a, 0xa5, 0xb5, 0xff}
	colPanel      = color.RGBA{0x08, 0x0b, 0x10, 0xc0}
	colHealth     = color.RGBA{0x5c, 0xe0, 0x6a, 0xff}
	colHealthLow  = color.RGBA{0xff, 0x5a, 0x4f, 0xff}
	colHealthBack = color.RGBA{0x10, 0x12, 0x18, 0xd0}
	colMe         = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// playerColors are distinct bright colours for players, by id.
var playerColors = []color.RGBA{
	{0xff, 0x5a, 0x5f, 0xff}, // red
	{0x4d, 0x9d, 0xff, 0xff}, // blue
	{0xff, 0xc9, 0x3c, 0xff}, // yellow
	{0x7e, 0xd9, 0x57, 0xff}, // green
	{0xc0, 0x7c, 0xff, 0xff}, // violet
	{0xff, 0x92, 0x4c, 0xff}, // orange
	{0x4f, 0xe0, 0xe0, 0xff}, // cyan
	{0xff, 0x6f, 0xc8, 0xff}, // pink
	{0xd6, 0xf2, 0x6f, 0xff}, // lime
	{0x9f, 0xb4, 0xff, 0xff}, // periwinkle
	{0xff, 0xb3, 0x9a, 0xff}, // salmon
	{0x3f, 0xd1, 0x9a, 0xff}, // mint
}

// PlayerColor returns the colour of player id.
func PlayerColor(id sim.PlayerID) color.RGBA {
	if id == 0 {
		return color.RGBA{0xcc, 0xcc, 0xcc, 0xff}
	}
	return playerColors[int(id-1)%len(playerColors)]
}

func rgb(r, g, b uint8) [3]float64 {
	return [3]float64{float64(r) / 255, float64(g) / 255, float64(b) / 255}
}

// canvas is a floating-point RGBA picture with straight alpha, painted by
// the functions below and converted to an ebiten.Image.
type canvas struct {
	w, h int
	px   [][4]float64
}

func newCanvas(w, h int) *canvas { return &canvas{w: w, h: h, px: make([][4]float64, w*h)} }

// blend paints colour c with opacity a over pixel (x, y).
func (c *canvas) blend(x, y int, col [3]float64, a float64) {
	if x < 0 || y < 0 || x >= c.w || y >= c.h || a <= 0 {
		return
	}
	a = math.Min(a, 1)
	p := &c.px[y*c.w+x]
	outA := a + p[3]*(1-a)
	if outA == 0 {
		return
	}
	for i := 0; i < 3; i++ {
		p[i] = (col[i]*a + p[i]*p[3]*(1-a)) / outA
	}
	p[3] = outA
}

// shade paints every pixel with the colour and opacity fn returns for the
// pixel's centre.
func (c *canvas) shade(fn func(x, y float64) ([3]float64, float64)) {
	for y := 0; y < c.h; y++ {
		for x := 0; x < c.w; x++ {
			col, a := fn(float64(x)+0.5, float64(y)+0.5)
			c.blend(x, y, col, a)
		}
	}
}

// image converts to premultiplied RGBA.
func (c *canvas) image() *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, c.w, c.h))
	for i, p := range c.px {
		a := p[3]
		img.Pix[4*i+0] = uint8(math.Round(255 * p[0] * a))
		img.Pix[4*i+1] = uint8(math.Round(255 * p[1] * a))
		img.Pix[4*i+2] = uint8(math.Round(255 * p[2] * a))
		img.Pix[4*i+3] = uint8(math.Round(255 * a))
	}
	return img
}

func (c *canvas) ebiten() *ebiten.Image { return ebiten.NewImageFromImage(c.image()) }

// coverage turns a signed distance (negative inside) into antialiased
// coverage over about one pixel.
func coverage(d float64) float64 { return math.Max(0, math.Min(1, 0.5-d)) }

func mix(a, b [3]float64, t float64) [3]float64 {
	return [3]float64{a[0] + (b[0]-a[0])*t, a[1] + (b[1]-a[1])*t, a[2] + (b[2]-a[2])*t}
}

// hash01 is a deterministic pseudo-random value in [0, 1) for integer
// coordinates, for texture noise.
func hash01(x, y, salt int) float64 {
	h := uint32(x)*0x9e3779b1 ^ uint32(y)*0x85ebca77 ^ uint32(salt)*0xc2b2ae3d
	h ^= h >> 15
	h *= 0x2c1b3c6d
	h ^= h >> 12
	h *= 0x297a2d39
	h ^= h >> 15
	return float64(h) / (1 << 32)
}

// sprites are the images drawn every frame. They are painted for the tile
// size on screen, so that they are drawn at about their own size: a software
// renderer then does the least work, and no mipmaps are needed (with
// mipmaps, Ebiten draws each shrunk sprite from a mipmap level of its own,
// and no two draws can be batched).
type sprites struct {
	tile   int           // the tile size they were painted for, in pixels
	body   *ebiten.Image // white disc, shaded; tinted per player
	detail *ebiten.Image // barrel, rim and visor; drawn untinted over the body
	shadow *ebiten.Image // soft dark disc under a player
	glow   *ebiten.Image // soft white dot: projectiles, flashes, sparks
	ring   *ebiten.Image // thin white circle: hits, spawns, the own marker
	trail  *ebiten.Image // horizontal fade, transparent at the left: shot trails
	pixel  *ebiten.Image // 1×1 white, for rectangles
}

// bodyShare is the player's radius as a share of the player sprite's size
// (the rest of the sprite holds the barrel).
const bodyShare = 0.30

// newSprites paints the sprites for tiles of tile pixels on screen.
func newSprites(tile int) *sprites {
	s := &sprites{tile: tile}
	size := max(24, int(math.Round(sim.PlayerRadius/float64(sim.Unit)*float64(tile)/bodyShare)))
	half := float64(size) / 2
	bodyRadius := bodyShare * float64(size)

	body := newCanvas(size, size)
	body.shade(func(x, y float64) ([3]float64, float64) {
		dx, dy := x-half, y-half
		d := math.Hypot(dx, dy)
		// Light from the top left.
		l := 0.78 + 0.22*math.Max(-1, math.Min(1, -(dx+dy)/(1.4*bodyRadius)))
		if d > bodyRadius-0.16*bodyRadius {
			l *= 0.82 // a darker band at the rim
		}
		return [3]float64{l, l, l}, coverage(d - bodyRadius)
	})
	s.body = body.ebiten()

	det := newCanvas(size, size)
	dark := rgb(0x15, 0x18, 0x1f)
	metal := rgb(0x3b, 0x42, 0x4f)
	det.shade(func(x, y float64) ([3]float64, float64) {
		dx, dy := x-half, y-half
		// Barrel: from the centre to past the rim, pointing +X.
		bx0, bx1, bh := 0.1*bodyRadius, 1.42*bodyRadius, math.Max(1, 0.2*bodyRadius)
		inBarrel := math.Max(math.Max(bx0-dx, dx-bx1), math.Abs(dy)-bh)
		if inBarrel < 1 {
			col := metal
			if dy < -bh*0.3 {
				col = mix(metal, rgb(0x8a, 0x94, 0xa6), 0.6)
			}
			if dx > bx1-0.18*bodyRadius {
				col = dark // the muzzle
			}
			return col, coverage(inBarrel)
		}
		// Rim.
		d := math.Hypot(dx, dy)
		if rim := math.Abs(d-bodyRadius) - math.Max(0.5, 0.05*bodyRadius); rim < 1 {
			return dark, 0.85 * coverage(rim)
		}
		// Visor: a pale arc at the front.
		if d < 0.72*bodyRadius && d > 0.46*bodyRadius && dx > 0 && math.Abs(math.Atan2(dy, dx)) < 0.75 {
			return rgb(0xf4, 0xf8, 0xff), 0.8
		}
		return dark, 0
	})
	s.detail = det.ebiten()

	sh := newCanvas(size, size)
	sh.shade(func(x, y float64) ([3]float64, float64) {
		d := math.Hypot(x-half, y-half) / (bodyRadius * 1.18)
		return [3]float64{0, 0, 0}, 0.55 * math.Max(0, 1-d*d)
	})
	s.shadow = sh.ebiten()

	gs := max(8, tile/2)
	gl := newCanvas(gs, gs)
	gh := float64(gs) / 2
	gl.shade(func(x, y float64) ([3]float64, float64) {
		d := math.Hypot(x-gh, y-gh) / gh
		core := coverage((d - 0.22) * gh)
		return [3]float64{1, 1, 1}, math.Max(core, math.Pow(math.Max(0, 1-d), 2.2))
	})
	s.glow = gl.ebiten()

	rs := max(32, 2*tile)
	rh := float64(rs) / 2
	width := math.Max(1.2, float64(rs)/40)
	rg := newCanvas(rs, rs)
	rg.shade(func(x, y float64) ([3]float64, float64) {
		d := math.Hypot(x-rh, y-rh)
		return [3]float64{1, 1, 1}, coverage(math.Abs(d-(rh-width-1)) - width)
	})
	s.ring = rg.ebiten()

	tw, th := max(16, tile), max(4, int(math.Round(0.2*float64(tile))))
	tr := newCanvas(tw, th)
	tr.shade(func(x, y float64) ([3]float64, float64) {
		t := x / float64(tw)
		v := 1 - math.Abs(y-float64(th)/2)/(float64(th)/2)
		return [3]float64{1, 1, 1}, t * t * v
	})
	s.trail = tr.ebiten()

	px := ebiten.NewImage(1, 1)
	px.Fill(color.White)
	s.pixel = px
	return s
}

// deallocate frees the sprites' images.
func (s *sprites) deallocate() {
	for _, img := range []*ebiten.Image{s.body, s.detail, s.shadow, s.glow, s.ring, s.trail, s.pixel} {
		img.Deallocate()
	}
}

// mapArtTile is the size in pixels of a tile in the painted map image for
// tiles of tile pixels on screen: the same, so that the map is copied to the
// screen without scaling (the cheapest draw for a software renderer), unless
// the image would be larger than the GPU's limit.
func mapArtTile(m *sim.Map, tile int) int {
	return max(4, min(tile, 8192/int(max(m.Width, m.Height))))
}

// paintMap draws map m into one image with tiles of t pixels: floor with a
// faint grid and grain, spawn pads, and walls as bevelled blocks that cast a
// shadow south-east.
func paintMap(m *sim.Map, t int) *ebiten.Image {
	return ebiten.NewImageFromImage(paintMapImage(m, t))
}

// paintMapImage is paintMap's picture, without Ebiten: it may be painted
// on any goroutine.
func paintMapImage(m *sim.Map, t int) *image.RGBA {
	ft := float64(t)
	c := newCanvas(int(m.Width)*t, int(m.Height)*t)
	wall := func(x, y int) bool { return m.At(int32(x), int32(y)) == sim.Wall }
	c.shade(func(px, py float64) ([3]float64, float64) {
		tx, ty := int(px/ft), int(py/ft)
		fx, fy := px/ft-float64(tx), py/ft-float64(ty)
		if wall(tx, ty) {
			col := colWall
			edge := 0.1
			switch {
			case fy < edge && !wall(tx, ty-1), fx < edge && !wall(tx-1, ty):
				col = colWallTop
			case fy > 1-edge && !wall(tx, ty+1), fx > 1-edge && !wall(tx+1, ty):
				col = colWallDark
			}
			// Grain, and a faint brick seam.
			n := (hash01(int(px/ft*20), int(py/ft*20), 1) - 0.5) * 0.05
			if math.Abs(fy-0.5) < 0.02 || (fy < 0.5 && math.Abs(fx-0.5) < 0.02) || (fy > 0.5 && (fx < 0.02 || fx > 0.98)) {
				n -= 0.04
			}
			return [3]float64{col[0] + n, col[1] + n, col[2] + n}, 1
		}
		col := colFloor
		n := (hash01(int(px/ft*32), int(py/ft*32), 2) - 0.5) * 0.025
		col = [3]float64{col[0] + n, col[1] + n, col[2] + n}
		if fx < 0.03 || fy < 0.03 { // the grid, about 1 pixel at 40-pixel tiles
			col = colFloorLine
		}
		// Shadows cast by walls to the north and west.
		sh := 0.0
		if wall(tx, ty-1) {
			sh = math.Max(sh, 0.45*math.Max(0, 1-fy/0.35))
		}
		if wall(tx-1, ty) {
			sh = math.Max(sh, 0.45*math.Max(0, 1-fx/0.35))
		}
		if wall(tx-1, ty-1) && !wall(tx, ty-1) && !wall(tx-1, ty) {
			sh = math.Max(sh, 0.45*math.Max(0, 1-math.Hypot(fx, fy)/0.35))
		}
		col = mix(col, [3]float64{0, 0, 0}, sh)
		if m.At(int32(tx), int32(ty)) == sim.Spawn {
			d := math.Hypot(fx-0.5, fy-0.5) * ft
			ring := coverage(math.Abs(d-0.36*ft) - 0.035*ft)
			dot := coverage(d - 0.09*ft)
			col = mix(col, colSpawn, 0.55*math.Max(ring, dot))
		}
		return col, 1
	})
	return c.image()
}
