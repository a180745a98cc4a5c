package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

// painter draws what the game and the replay viewer have in common: the
// world (map, players, shots, effects) through a camera, text, panels and
// kill feed lines. playScene (play) and watchScene (watch) each draw with
// one.
type painter struct {
	art   *sprites
	fonts *fonts
	maps  mapCache
	// meLabel names the body marked Me: "you" in the game; empty (its own
	// name) in the viewer.
	meLabel string
	// zoom: the tile size changes continuously (the viewer's cameras), so
	// sprites are painted for steps of it and the map in the background.
	zoom bool
	w, h int // the screen in pixels
}

func newPainter(width, height int) (painter, error) {
	f, err := newFonts()
	if err != nil {
		return painter{}, fmt.Errorf("ui: fonts: %w", err)
	}
	return painter{art: newSprites(int(scene.TilePixels(float64(width), float64(height)))), fonts: f}, nil
}

// release frees the painter's images (a scene that ends).
func (p *painter) release() {
	if p.art != nil {
		p.art.deallocate()
		p.art = nil
	}
	for t, img := range p.maps.imgs {
		img.Deallocate()
		delete(p.maps.imgs, t)
	}
	p.maps.m = nil
}

// resize notes the screen's size.
func (p *painter) resize(screen *ebiten.Image) {
	b := screen.Bounds()
	p.w, p.h = b.Dx(), b.Dy()
	p.fonts.resize(uiScale(p.w, p.h))
}

// drawWorld draws map m, the shots, the players and the effects as cam
// sees them. Bodies marked Me (the own player, or the one a spectator
// follows) are drawn last, with a ring.
func (p *painter) drawWorld(screen *ebiten.Image, m *sim.Map, bodies []scene.Body, shots []scene.Shot, effects []scene.EffectView, cam *scene.Camera) {
	tile := cam.Scale * sim.Unit
	if st := p.spriteTile(tile); p.art == nil || p.art.tile != st {
		if p.art != nil {
			p.art.deallocate()
		}
		p.art = newSprites(st)
	}
	img, art := p.maps.image(m, tile)
	var op ebiten.DrawImageOptions
	x0, y0 := cam.ToScreen(0, 0)
	if s := tile / float64(art); s != 1 || cam.Angle != 0 {
		op.GeoM.Scale(s, s)
		op.GeoM.Rotate(cam.Angle)
		op.Filter = ebiten.FilterLinear
	} else {
		x0, y0 = math.Round(x0), math.Round(y0) // a plain copy
	}
	op.GeoM.Translate(x0, y0)
	screen.DrawImage(img, &op)

	for i := range shots {
		p.drawShot(screen, cam, &shots[i])
	}
	// Others first, then the own player on top.
	for pass := range 2 {
		for i := range bodies {
			if b := &bodies[i]; b.Alive && b.Me == (pass == 1) && cam.Visible(b.X, b.Y, 2*sim.Unit) {
				p.drawBody(screen, cam, b)
			}
		}
	}
	for i := range effects {
		p.drawEffect(screen, cam, &effects[i])
	}
	// Bars first, then names: text comes from another texture than the
	// sprites, and every change of texture ends a batch.
	for pass := range 2 {
		for i := range bodies {
			if b := &bodies[i]; b.Alive && cam.Visible(b.X, b.Y, 2*sim.Unit) {
				p.drawLabel(screen, cam, b, pass)
			}
		}
	}
}

// spriteTile is the tile size the sprites are painted for: the tile on
// screen, or, when the tile size changes all the time (zooming), the step
// of a ladder of sizes a quarter octave apart at or above it, so that they
// are not painted again every frame.
func (p *painter) spriteTile(tile float64) int {
	if !p.zoom {
		return int(tile)
	}
	k := math.Ceil(4 * math.Log2(math.Max(8, tile)))
	return int(math.Round(math.Exp2(k / 4)))
}

// sprite draws img centred at screen point (x, y), rotated by angle
// radians, size pixels wide, tinted by c with opacity a.
func (p *painter) sprite(dst, img *ebiten.Image, x, y, angle, size float64, c color.Color, a float32) {
	var op ebiten.DrawImageOptions
	b := img.Bounds()
	k := size / float64(b.Dx())
	op.GeoM.Translate(-float64(b.Dx())/2, -float64(b.Dy())/2)
	op.GeoM.Rotate(angle)
	op.GeoM.Scale(k, k)
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(c)
	op.ColorScale.ScaleAlpha(a)
	op.Filter = ebiten.FilterLinear
	op.DisableMipmaps = true // see sprites
	dst.DrawImage(img, &op)
}

// stretch draws img with its right end's middle at (x, y), w×h pixels,
// rotated by angle about that point: shot trails.
func (p *painter) stretch(dst, img *ebiten.Image, x, y, w, h, angle float64, c color.Color, a float32) {
	var op ebiten.DrawImageOptions
	b := img.Bounds()
	op.GeoM.Translate(-float64(b.Dx()), -float64(b.Dy())/2)
	op.GeoM.Scale(w/float64(b.Dx()), h/float64(b.Dy()))
	op.GeoM.Rotate(angle)
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(c)
	op.ColorScale.ScaleAlpha(a)
	op.Filter = ebiten.FilterLinear
	op.DisableMipmaps = true
	dst.DrawImage(img, &op)
}

// rect fills a screen rectangle.
func (p *painter) rect(dst *ebiten.Image, x, y, w, h float64, c color.Color) {
	var op ebiten.DrawImageOptions
	op.GeoM.Scale(w, h)
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(c)
	dst.DrawImage(p.art.pixel, &op)
}

func radians(heading float64) float64 { return heading * 2 * math.Pi / sim.FullTurn }

func (p *painter) drawBody(screen *ebiten.Image, cam *scene.Camera, b *scene.Body) {
	x, y := cam.ToScreen(b.X, b.Y)
	tile := cam.Scale * sim.Unit
	size := sim.PlayerRadius * cam.Scale / bodyShare
	a := radians(b.Heading) + cam.Angle
	col := PlayerColor(b.ID)
	p.sprite(screen, p.art.shadow, x+0.06*tile, y+0.09*tile, 0, size, color.White, 1)
	if b.Me {
		p.sprite(screen, p.art.ring, x, y, 0, 1.02*tile, colMe, 0.55)
	}
	p.sprite(screen, p.art.body, x, y, a, size, col, 1)
	p.sprite(screen, p.art.detail, x, y, a, size, color.White, 1)
}

// drawLabel draws a player's health bar above it (pass 0) or its name
// above that (pass 1).
func (p *painter) drawLabel(screen *ebiten.Image, cam *scene.Camera, b *scene.Body, pass int) {
	x, y := cam.ToScreen(b.X, b.Y)
	tile := cam.Scale * sim.Unit
	barW, barH := 0.9*tile, math.Max(3, math.Round(0.09*tile))
	barY := y - sim.PlayerRadius*cam.Scale - 0.22*tile - barH
	if pass == 1 {
		name := b.Name
		if b.Me && p.meLabel != "" {
			name = p.meLabel
		}
		p.text(screen, name, p.fonts.small, x, barY-2, colText, text.AlignCenter, text.AlignEnd)
		return
	}
	p.rect(screen, x-barW/2-1, barY-1, barW+2, barH+2, colHealthBack)
	frac := float64(b.Health) / sim.MaxHealth
	hc := colHealth
	if frac <= 0.25 {
		hc = colHealthLow
	}
	p.rect(screen, x-barW/2, barY, barW*frac, barH, hc)
}

func (p *painter) drawShot(screen *ebiten.Image, cam *scene.Camera, s *scene.Shot) {
	if !cam.Visible(s.X, s.Y, sim.Unit) {
		return
	}
	x, y := cam.ToScreen(s.X, s.Y)
	tile := cam.Scale * sim.Unit
	a := radians(float64(s.Heading)) + cam.Angle
	col := PlayerColor(s.Owner)
	p.stretch(screen, p.art.trail, x, y, 0.9*tile, 0.14*tile, a, col, 0.75)
	p.sprite(screen, p.art.glow, x, y, 0, 0.42*tile, col, 1)
	p.sprite(screen, p.art.glow, x, y, 0, 0.16*tile, color.White, 1)
}

// sparkAngles are the directions of the sparks of an effect, fixed so that
// the picture does not flicker.
var sparkAngles = [...]float64{0.3, 1.1, 1.9, 2.6, 3.4, 4.0, 4.9, 5.7}

func (p *painter) drawEffect(screen *ebiten.Image, cam *scene.Camera, e *scene.EffectView) {
	if !cam.Visible(e.X, e.Y, 3*sim.Unit) {
		return
	}
	x, y := cam.ToScreen(e.X, e.Y)
	tile := cam.Scale * sim.Unit
	pr := e.Progress
	fade := float32(1 - pr)
	switch e.Kind {
	case scene.EffectHit:
		r := (0.45 + 0.5*pr) * tile
		p.sprite(screen, p.art.ring, x, y, 0, 2*r, color.RGBA{0xff, 0x80, 0x70, 0xff}, fade)
		p.sprite(screen, p.art.glow, x, y, 0, 0.9*tile, color.RGBA{0xff, 0xe0, 0xd0, 0xff}, 0.6*fade)
	case scene.EffectDeath:
		col := PlayerColor(e.Player)
		p.sprite(screen, p.art.glow, x, y, 0, (0.8+2.2*pr)*tile, col, fade)
		p.sprite(screen, p.art.glow, x, y, 0, (0.5+0.6*pr)*tile, color.White, fade*fade)
		p.sprite(screen, p.art.ring, x, y, 0, (1+3.6*pr)*tile, col, 0.8*fade)
		for _, ang := range sparkAngles {
			d := (0.2 + 1.3*math.Sqrt(pr)) * tile
			p.sprite(screen, p.art.glow, x+d*math.Cos(ang), y+d*math.Sin(ang), 0, 0.22*tile, col, fade)
		}
	case scene.EffectSpawn:
		col := PlayerColor(e.Player)
		r := (1.6 - 1.1*pr) * tile
		p.sprite(screen, p.art.ring, x, y, 0, 2*r, col, fade)
		p.sprite(screen, p.art.glow, x, y, 0, 1.2*tile, col, 0.5*fade)
	case scene.EffectShot:
		a := radians(e.Heading) + cam.Angle
		d := sim.PlayerRadius*1.45*cam.Scale + 0.05*tile
		mx, my := x+d*math.Cos(a), y+d*math.Sin(a)
		p.sprite(screen, p.art.glow, mx, my, 0, (0.55-0.25*pr)*tile, color.RGBA{0xff, 0xe7, 0x9a, 0xff}, fade)
	case scene.EffectImpact:
		p.sprite(screen, p.art.glow, x, y, 0, (0.35+0.35*pr)*tile, color.RGBA{0xff, 0xd2, 0x8a, 0xff}, fade)
		back := radians(e.Heading) + cam.Angle + math.Pi
		for i, ang := range sparkAngles[:5] {
			da := back + (ang-3)*0.35
			d := (0.1 + 0.5*pr) * tile * (0.7 + 0.1*float64(i))
			p.sprite(screen, p.art.glow, x+d*math.Cos(da), y+d*math.Sin(da), 0, 0.12*tile, color.RGBA{0xff, 0xc0, 0x60, 0xff}, fade)
		}
	}
}

// text draws s with its anchor at (x, y), aligned by ax and ay.
func (p *painter) text(dst *ebiten.Image, s string, face text.Face, x, y float64, c color.Color, ax, ay text.Align) {
	var op text.DrawOptions
	op.GeoM.Translate(x, y)
	op.ColorScale.ScaleWithColor(c)
	op.PrimaryAlign, op.SecondaryAlign = ax, ay
	text.Draw(dst, s, face, &op)
}

// shadowText draws s with a dark shadow, readable over anything.
func (p *painter) shadowText(dst *ebiten.Image, s string, face text.Face, x, y float64, c color.Color, ax, ay text.Align) {
	o := math.Max(1, math.Round(p.fonts.scale))
	_, _, _, a := c.RGBA()
	p.text(dst, s, face, x+o, y+o, color.RGBA{0, 0, 0, uint8(a >> 8 * 0xc0 / 0xff)}, ax, ay)
	p.text(dst, s, face, x, y, c, ax, ay)
}

// drawFeed draws the kill feed in r: lines row high, right-aligned,
// newest first, as many as fit; me is the player whose kills and deaths
// are marked.
func (p *painter) drawFeed(screen *ebiten.Image, kills []scene.Kill, r scene.Rect, row float64, me sim.PlayerID) {
	n := min(len(kills), int(r.H/row))
	for pass := range 3 { // backgrounds, icons, names: see drawWorld
		for i := range n {
			p.drawKill(screen, &kills[len(kills)-1-i], r.Right(), r.Y+float64(i)*row, row, r.W, me, pass)
		}
	}
}

// drawKill draws a kill feed line right-aligned at (x, y), row high and
// at most w wide (longer names are shortened): its background in pass 0,
// the shot icon in pass 1, the names in pass 2.
func (p *painter) drawKill(screen *ebiten.Image, k *scene.Kill, x, y, row, w float64, me sim.PlayerID, pass int) {
	f := p.fonts.normal
	s := p.fonts.scale
	victim := k.Victim
	killer := k.Killer
	mw := 34 * s // the gap for the shot icon
	if killer == "" {
		mw = 0
		victim += " died"
	}
	margin := 16 * s
	vw, _ := text.Measure(victim, f, 0)
	kw, _ := text.Measure(killer, f, 0)
	if room := w - mw - margin; vw+kw > room {
		// Shorten the longer name first, then both to half each.
		half := room / 2
		switch {
		case kw <= half:
			victim = p.fit(victim, f, room-kw)
		case vw <= half:
			killer = p.fit(killer, f, room-vw)
		default:
			victim, killer = p.fit(victim, f, half), p.fit(killer, f, half)
		}
		vw, _ = text.Measure(victim, f, 0)
		kw, _ = text.Measure(killer, f, 0)
	}
	total := vw + mw + kw + margin
	bg := colPanel
	if k.KillerID == me || k.VictimID == me {
		bg = color.RGBA{0x30, 0x30, 0x40, 0xd0}
	}
	tx := x - margin/2
	ty := y + (row-3*s)/2
	switch {
	case pass == 0:
		p.rect(screen, x-total, y, total, row-3*s, bg)
	case pass == 1 && killer != "":
		// A shot flying from the killer to the victim.
		cx := tx - vw - mw/2
		p.stretch(screen, p.art.trail, cx+4*s, ty, 0.4*mw, 5*s, 0, PlayerColor(k.KillerID), 1)
		p.sprite(screen, p.art.glow, cx+4*s, ty, 0, 12*s, PlayerColor(k.KillerID), 1)
		p.sprite(screen, p.art.glow, cx+4*s, ty, 0, 5*s, color.White, 1)
	case pass == 2:
		p.text(screen, victim, f, tx, ty, PlayerColor(k.VictimID), text.AlignEnd, text.AlignCenter)
		if killer != "" {
			p.text(screen, killer, f, tx-vw-mw, ty, PlayerColor(k.KillerID), text.AlignEnd, text.AlignCenter)
		}
	}
}

// fit returns s, shortened with an ellipsis if it is wider than w in face.
func (p *painter) fit(s string, face text.Face, w float64) string {
	if tw, _ := text.Measure(s, face, 0); tw <= w {
		return s
	}
	r := []rune(s)
	lo, hi := 0, len(r) // the longest prefix that fits with the ellipsis
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if tw, _ := text.Measure(string(r[:mid])+"…", face, 0); tw <= w {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	if lo == 0 {
		return ""
	}
	return strings.TrimRight(string(r[:lo]), " ") + "…"
}

// wrap breaks s into lines no wider than w (a word wider than w is a line
// of its own).
func (p *painter) wrap(s string, face text.Face, w float64) []string {
	return p.wrapOn(s, " ", face, w)
}

// wrapOn breaks s into lines no wider than w at the separators sep (which
// do not end or start a line).
func (p *painter) wrapOn(s, sep string, face text.Face, w float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Split(s, sep) {
		if word = strings.TrimSpace(word); word == "" {
			continue
		}
		try := word
		if line != "" {
			try = line + sep + word
		}
		if tw, _ := text.Measure(try, face, 0); tw > w && line != "" {
			lines = append(lines, line)
			try = word
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

func (p *painter) dim(screen *ebiten.Image, a uint8) {
	p.rect(screen, 0, 0, float64(p.w), float64(p.h), color.RGBA{0, 0, 0, a})
}

// mapCache holds the painted map. Painting takes a while (a quarter of a
// second for a small map at 40-pixel tiles), so the game paints it once at
// the size it draws it, and the viewer, whose cameras zoom, paints it at a
// few sizes, in the background, drawing the nearest one it has meanwhile.
type mapCache struct {
	m     *sim.Map
	imgs  map[int]*ebiten.Image // by tile size in pixels
	async bool                  // paint in the background (the viewer)
	// painting holds the sizes being painted; done receives them.
	painting map[int]bool
	done     chan paintedMap
}

type paintedMap struct {
	m    *sim.Map
	tile int
	img  *image.RGBA
}

// viewerMapTiles are the tile sizes the viewer paints the map at.
var viewerMapTiles = [...]int{16, 32, 48, 64}

// image returns the map painted for tiles of tile pixels on screen, and
// the tile size it was painted at.
func (c *mapCache) image(m *sim.Map, tile float64) (*ebiten.Image, int) {
	if c.m != m {
		for _, img := range c.imgs {
			img.Deallocate()
		}
		c.m, c.imgs, c.painting = m, map[int]*ebiten.Image{}, map[int]bool{}
	}
	if !c.async {
		want := mapArtTile(m, int(tile))
		if img := c.imgs[want]; img != nil {
			return img, want
		}
		for t, img := range c.imgs { // the window was resized: one size at a time
			img.Deallocate()
			delete(c.imgs, t)
		}
		c.imgs[want] = paintMap(m, want)
		return c.imgs[want], want
	}
	c.collect()
	want := viewerMapTiles[len(viewerMapTiles)-1]
	for _, t := range viewerMapTiles {
		if float64(t) >= tile {
			want = t
			break
		}
	}
	want = mapArtTile(m, want)
	if img := c.imgs[want]; img != nil {
		return img, want
	}
	if len(c.imgs) == 0 {
		c.imgs[want] = paintMap(m, want) // nothing to show meanwhile
		return c.imgs[want], want
	}
	if !c.painting[want] {
		c.painting[want] = true
		if c.done == nil {
			c.done = make(chan paintedMap, 4*len(viewerMapTiles))
		}
		go func(done chan<- paintedMap) { done <- paintedMap{m, want, paintMapImage(m, want)} }(c.done)
	}
	// Meanwhile the smallest larger size there is, or the largest.
	best := 0
	for t := range c.imgs {
		switch {
		case best == 0,
			t > want && (best < want || t < best),
			t < want && best < want && t > best:
			best = t
		}
	}
	return c.imgs[best], best
}

// collect takes in the maps painted in the background.
func (c *mapCache) collect() {
	for {
		select {
		case pm := <-c.done:
			delete(c.painting, pm.tile)
			if pm.m == c.m && c.imgs[pm.tile] == nil {
				c.imgs[pm.tile] = ebiten.NewImageFromImage(pm.img)
			}
		default:
			return
		}
	}
}
