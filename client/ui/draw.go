package ui

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

// Colours of the connection indicator, by game.Quality.
var qualityColors = [...]color.RGBA{
	game.QualityGood: {0x5c, 0xe0, 0x6a, 0xff},
	game.QualityFair: {0xff, 0xb8, 0x3c, 0xff},
	game.QualityPoor: {0xff, 0x4f, 0x4f, 0xff},
}

// draw draws one frame of v.
func (g *playScene) draw(screen *ebiten.Image, v *game.View) {
	screen.Fill(colBackground)
	switch {
	case v.Map == nil && v.Phase == game.PhaseClosed:
		// Refused before the match: only why, below.
	case v.Map == nil:
		g.drawConnecting(screen, v)
	default:
		g.cam = scene.Follow(v.Map, float64(g.w), float64(g.h), v.FocusX, v.FocusY)
		g.drawWorld(screen, v.Map, v.Bodies, v.Shots, v.Effects, &g.cam)
		l := game.NewLayout(float64(g.w), float64(g.h), v.Map.Width, v.Map.Height, g.netStats)
		g.drawHUD(screen, v, &l)
		if g.scores {
			g.drawScores(screen, v)
		}
	}
	switch v.Phase {
	case game.PhaseReconnecting:
		g.drawReconnecting(screen, v)
	case game.PhaseClosed:
		g.drawClosed(screen, v)
	}
}

func (g *playScene) drawHUD(screen *ebiten.Image, v *game.View, l *game.Layout) {
	s := l.Scale
	pad := l.Pad
	h := &v.HUD
	f := g.fonts

	// Top left: the connection, the tick, the frame rate; the players and
	// the match.
	c := &h.Conn
	st := l.Status
	g.rect(screen, st.X, st.Y, st.W, st.H, colPanel)
	lh := math.Round(22 * s)
	dot := 9 * s
	y1 := st.Y + pad/2 + lh/2
	g.sprite(screen, g.art.glow, st.X+pad+dot/2, y1, 0, 2.2*dot, qualityColors[c.Quality], 1)
	conn := "ping " + pingText(c.Ping, c.PingOK)
	if c.Frames > 0 {
		conn += fmt.Sprintf(" · late %.0f%%", 100*c.Late)
	}
	if c.Silent >= game.FairSilent {
		conn += fmt.Sprintf(" · no frame for %.1f s", c.Silent.Seconds())
	}
	x := st.X + pad + dot + 6*s
	g.text(screen, g.fit(conn, f.normal, st.Right()-pad-x), f.normal, x, y1, colText, text.AlignStart, text.AlignCenter)
	line2 := fmt.Sprintf("tick %d · %.0f fps · %d players · match %s", h.Tick, ebiten.ActualFPS(), h.Players, h.Match)
	g.text(screen, g.fit(line2, f.normal, st.W-2*pad), f.normal, st.X+pad, y1+lh, colTextDim, text.AlignStart, text.AlignCenter)

	if !l.Net.Empty() {
		ns := &h.Stats
		lines := [game.NetRows]string{
			fmt.Sprintf("predicted tick %d (lead %.1f, %.0f%% on time)   others drawn %.1f ticks back", h.Predicted, ns.Lead, 100*ns.LeadHits, ns.Delay),
			fmt.Sprintf("rollbacks %d   corrections %d (max %.2f tile)   rejected %d", ns.Predict.Rebuilds, ns.Predict.Corrections, float64(ns.Predict.MaxCorrection)/sim.Unit, ns.Predict.Rejected),
			fmt.Sprintf("hashes ok %d, differ %d   resyncs %d   reconnects %d", ns.HashesMatch, ns.HashesDiffer, ns.Resyncs, max(0, v.Status.Gen-1)),
		}
		for i, line := range lines {
			y := l.Net.Y + (float64(i)+0.5)*l.NetRow
			g.shadowText(screen, g.fit(line, f.small, l.Net.W), f.small, l.Net.X, y, colTextDim, text.AlignStart, text.AlignCenter)
		}
	}

	// Top right: the score, the kill feed under it.
	score := fmt.Sprintf("%d kills  %d deaths", h.Kills, h.Deaths)
	g.shadowText(screen, g.fit(score, f.large, l.Score.W), f.large, l.Score.Right(), l.Score.Y, colText, text.AlignEnd, text.AlignStart)
	g.drawFeed(screen, v.Kills, l.Feed, l.FeedRow, v.Me)

	// Notices.
	n := l.Notes
	for i, msg := range v.Notices {
		if float64(i+1)*l.NoteRow > n.H {
			break
		}
		y := n.Y + (float64(i)+0.5)*l.NoteRow
		x, align := n.X+n.W/2, text.AlignCenter
		if n.X <= pad {
			x, align = n.X, text.AlignStart
		}
		g.shadowText(screen, g.fit(msg, f.normal, n.W), f.normal, x, y, colWarn, align, text.AlignCenter)
	}

	g.drawMinimap(screen, v, l.Minimap)

	// Bottom centre: health, or how to get back in.
	hr := l.Health
	bh := math.Round(14 * s)
	by := hr.Bottom() - bh - 2
	W := hr.X + hr.W/2
	switch {
	case h.InWorld && h.Alive:
		bw := hr.W * 0.75
		bx := W - bw/2
		g.rect(screen, bx-2, by-2, bw+4, bh+4, colPanel)
		frac := float64(h.Health) / sim.MaxHealth
		c := colHealth
		if frac <= 0.25 {
			c = colHealthLow
		}
		g.rect(screen, bx, by, bw*frac, bh, c)
		g.shadowText(screen, fmt.Sprintf("%d", h.Health), f.small, W, by+bh/2, colText, text.AlignCenter, text.AlignCenter)
	case h.InWorld:
		msg := "press " + g.bind.Label(game.KeyRespawn) + " to respawn"
		if h.RespawnIn > 0 {
			msg = fmt.Sprintf("respawn in %.1f s", h.RespawnIn)
		}
		if h.KilledBy != "" {
			g.shadowText(screen, g.fit("killed by "+h.KilledBy, f.large, hr.W), f.large, W, by+bh-f.large.Size*1.6, colError, text.AlignCenter, text.AlignEnd)
		}
		g.shadowText(screen, g.fit(msg, f.large, hr.W), f.large, W, by+bh, colText, text.AlignCenter, text.AlignEnd)
	default:
		g.shadowText(screen, "joining…", f.large, W, by+bh, colTextDim, text.AlignCenter, text.AlignEnd)
	}
	// The keys, for the first seconds of the game.
	if age := time.Since(g.start); g.start.IsZero() || age < helpTime {
		a := float32(1)
		if fade := helpTime - age; fade < time.Second {
			a = float32(fade.Seconds())
		}
		c := colTextDim
		c.A = uint8(255 * a)
		c.R, c.G, c.B = uint8(float32(c.R)*a), uint8(float32(c.G)*a), uint8(float32(c.B)*a)
		lines := g.wrapOn(g.bind.HelpMenu(g.menuWord), " · ", f.small, l.Help.W)
		rh := l.Help.H / game.HelpRows
		for i, line := range lines[:min(len(lines), game.HelpRows)] {
			y := l.Help.Y + (float64(i)+0.5)*rh
			g.shadowText(screen, g.fit(line, f.small, l.Help.W), f.small, W, y, c, text.AlignCenter, text.AlignCenter)
		}
	}
}

// pingText formats a ping: "<1 ms", "23 ms", "–" when unknown.
func pingText(d time.Duration, ok bool) string {
	switch {
	case !ok:
		return "–"
	case d < time.Millisecond:
		return "<1 ms"
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

// helpTime is how long the keys are shown at the start.
const helpTime = 20 * time.Second

// drawMinimap draws the map in small in r, the players on it as dots (the
// own one ringed) and the part of the map on screen as a frame.
func (g *playScene) drawMinimap(dst *ebiten.Image, v *game.View, r scene.Rect) {
	// Everything within r: a player at the edge is cut, not drawn over
	// what is next to the minimap.
	screen := dst.SubImage(image.Rect(int(r.X), int(r.Y), int(math.Ceil(r.Right())), int(math.Ceil(r.Bottom())))).(*ebiten.Image)
	img := g.mini.image(v.Map)
	g.rect(screen, r.X, r.Y, r.W, r.H, colPanel)
	var op ebiten.DrawImageOptions
	b := img.Bounds()
	op.GeoM.Scale(r.W/float64(b.Dx()), r.H/float64(b.Dy()))
	op.GeoM.Translate(r.X, r.Y)
	op.Filter = ebiten.FilterLinear
	op.ColorScale.ScaleAlpha(0.85)
	screen.DrawImage(img, &op)
	sx := r.W / (float64(v.Map.Width) * sim.Unit)
	sy := r.H / (float64(v.Map.Height) * sim.Unit)
	// The screen's view.
	x0, y0 := g.cam.ToWorld(0, 0)
	x1, y1 := g.cam.ToWorld(float64(g.w), float64(g.h))
	vx0, vy0 := math.Max(r.X, r.X+x0*sx), math.Max(r.Y, r.Y+y0*sy)
	vx1, vy1 := math.Min(r.Right(), r.X+x1*sx), math.Min(r.Bottom(), r.Y+y1*sy)
	line := math.Max(1, math.Round(g.fonts.scale))
	frame := color.RGBA{0xc8, 0xd0, 0xdc, 0x90}
	g.rect(screen, vx0, vy0, vx1-vx0, line, frame)
	g.rect(screen, vx0, vy1-line, vx1-vx0, line, frame)
	g.rect(screen, vx0, vy0, line, vy1-vy0, frame)
	g.rect(screen, vx1-line, vy0, line, vy1-vy0, frame)
	dot := math.Max(5, 7*g.fonts.scale)
	for i := range v.Bodies {
		b := &v.Bodies[i]
		if !b.Alive {
			continue
		}
		x, y := r.X+b.X*sx, r.Y+b.Y*sy
		if b.Me {
			g.sprite(screen, g.art.ring, x, y, 0, 2.4*dot, colMe, 1)
		}
		g.sprite(screen, g.art.glow, x, y, 0, 2*dot, PlayerColor(b.ID), 1)
	}
}

// minimap is the minimap's picture of a map, painted once per map.
type minimap struct {
	m   *sim.Map
	img *ebiten.Image
}

// minimapTile is the size of a tile in the minimap's picture, which is
// scaled to the minimap's rectangle.
const minimapTile = 6

func (mm *minimap) image(m *sim.Map) *ebiten.Image {
	if mm.m != m {
		if mm.img != nil {
			mm.img.Deallocate()
		}
		mm.m, mm.img = m, paintMap(m, minimapTile)
	}
	return mm.img
}

func (g *playScene) drawScores(screen *ebiten.Image, v *game.View) {
	s := g.fonts.scale
	W, H := float64(g.w), float64(g.h)
	margin := 16 * s
	face := g.fonts.normal
	row := face.Size * 1.7
	head := g.fonts.large.Size*1.2 + row*0.8 + 20*s // title and column names
	colW := 420 * s
	// As many columns as the rows need to fit the screen's height, as many
	// as fit its width; rows that still do not fit are summed up.
	perCol := max(1, int((H-2*margin-head)/row))
	if perCol < len(v.Scores) {
		face = g.fonts.small
		row = face.Size * 1.6
		perCol = max(1, int((H-2*margin-head-row)/row))
	}
	cols := min((len(v.Scores)+perCol-1)/perCol, max(1, int((W-2*margin)/colW)))
	shown := min(len(v.Scores), cols*perCol)
	rows := min(perCol, len(v.Scores))
	pw := float64(cols) * colW
	ph := head + row*float64(rows) + 10*s
	if shown < len(v.Scores) {
		ph += row
	}
	px, py := W/2-pw/2, math.Max(margin, H/2-ph/2)
	g.rect(screen, px, py, pw, ph, color.RGBA{0x06, 0x08, 0x0c, 0xe8})
	g.text(screen, "SCOREBOARD", g.fonts.large, px+20*s, py+10*s, colText, text.AlignStart, text.AlignStart)
	for cp := range 2 * cols { // each column's boxes, then its text: see drawWorld
		c, pass := cp/2, cp%2
		x0 := px + float64(c)*colW
		cName, cK, cD := x0+20*s, x0+colW-130*s, x0+colW-40*s
		y := py + 10*s + g.fonts.large.Size*1.2 + 10*s
		if pass == 1 {
			g.text(screen, "player", g.fonts.small, cName, y, colTextDim, text.AlignStart, text.AlignStart)
			g.text(screen, "kills", g.fonts.small, cK, y, colTextDim, text.AlignEnd, text.AlignStart)
			g.text(screen, "deaths", g.fonts.small, cD, y, colTextDim, text.AlignEnd, text.AlignStart)
		}
		y = py + head
		for i := c * perCol; i < min(shown, (c+1)*perCol); i++ {
			r := &v.Scores[i]
			if i == shown-1 && shown < len(v.Scores) {
				// The last place shown goes to the own player if it would
				// otherwise be left out.
				for j := shown; j < len(v.Scores); j++ {
					if v.Scores[j].Me {
						r = &v.Scores[j]
					}
				}
			}
			if pass == 0 {
				if r.Me {
					g.rect(screen, x0+8*s, y-2*s, colW-16*s, row-2*s, colRowFocus)
				}
				g.rect(screen, cName, y+row/2-6*s, 10*s, 10*s, PlayerColor(r.ID))
				y += row
				continue
			}
			name := r.Name
			if !r.Alive {
				name += "  †"
			}
			mid := y + row/2 - 2*s
			g.text(screen, g.fit(name, face, cK-60*s-cName-18*s), face, cName+18*s, mid, colText, text.AlignStart, text.AlignCenter)
			g.text(screen, fmt.Sprint(r.Kills), face, cK, mid, colText, text.AlignEnd, text.AlignCenter)
			g.text(screen, fmt.Sprint(r.Deaths), face, cD, mid, colText, text.AlignEnd, text.AlignCenter)
			y += row
		}
	}
	if shown < len(v.Scores) {
		g.text(screen, fmt.Sprintf("and %d more", len(v.Scores)-shown), face, W/2, py+ph-row/2-5*s, colTextDim, text.AlignCenter, text.AlignCenter)
	}
}

func (g *playScene) drawConnecting(screen *ebiten.Image, v *game.View) {
	W, H := float64(g.w), float64(g.h)
	g.text(screen, "SKIRMISH", g.fonts.title, W/2, H/2-40*g.fonts.scale, colText, text.AlignCenter, text.AlignEnd)
	msg := "connecting"
	if g.server != "" {
		msg += " to " + g.server
	}
	g.text(screen, g.fit(msg+" "+dotsFor(time.Now()), g.fonts.normal, W-40), g.fonts.normal, W/2, H/2, colTextDim, text.AlignCenter, text.AlignStart)
	if st := v.Status; st.Attempts > 0 && st.Err != nil && v.Phase != game.PhaseClosed {
		g.text(screen, g.fit(fmt.Sprintf("attempt %d: %s", st.Attempts+1, link.Reason(st.Err)), g.fonts.small, W-40), g.fonts.small, W/2, H/2+30*g.fonts.scale, colTextDim, text.AlignCenter, text.AlignStart)
	}
	g.text(screen, g.bind.Label(game.KeyMenu)+"  "+g.menuWord, g.fonts.small, W/2, H-30*g.fonts.scale, colTextDim, text.AlignCenter, text.AlignEnd)
}

// dotsFor returns an animated ellipsis.
func dotsFor(now time.Time) string {
	return strings.Repeat(".", 1+int(now.UnixMilli()/400)%3)
}

func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (g *playScene) drawReconnecting(screen *ebiten.Image, v *game.View) {
	W, H := float64(g.w), float64(g.h)
	g.dim(screen, 0x90)
	g.shadowText(screen, "reconnecting"+dotsFor(time.Now()), g.fonts.title, W/2, H/2, colText, text.AlignCenter, text.AlignEnd)
	st := v.Status
	detail := "the connection to the server was lost"
	if st.Attempts > 0 {
		detail = fmt.Sprintf("attempt %d", st.Attempts+1)
		if st.Err != nil {
			detail += ": " + link.Reason(st.Err)
		}
	}
	g.shadowText(screen, g.fit(detail, g.fonts.normal, W-40), g.fonts.normal, W/2, H/2+16*g.fonts.scale, colTextDim, text.AlignCenter, text.AlignStart)
}

func (g *playScene) drawClosed(screen *ebiten.Image, v *game.View) {
	W, H := float64(g.w), float64(g.h)
	g.dim(screen, 0xb0)
	g.shadowText(screen, "disconnected", g.fonts.title, W/2, H/2, colText, text.AlignCenter, text.AlignEnd)
	why := "the link to the server closed"
	if v.Status.Err != nil {
		why = link.Reason(v.Status.Err)
	}
	y := H/2 + 16*g.fonts.scale
	for _, line := range g.wrap(why, g.fonts.normal, W-80*g.fonts.scale) {
		g.shadowText(screen, line, g.fonts.normal, W/2, y, colTextDim, text.AlignCenter, text.AlignStart)
		y += g.fonts.normal.Size * 1.4
	}
	g.shadowText(screen, "press Enter or Esc to go back to the menu", g.fonts.normal, W/2, y+16*g.fonts.scale, colText, text.AlignCenter, text.AlignStart)
}
