package ui

import (
	"fmt"
	"image/color"
	"math"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

// draw draws one frame of v.
func (g *playScene) draw(screen *ebiten.Image, v *game.View) {
	screen.Fill(colBackground)
	if v.Phase == game.PhaseConnecting || v.Map == nil {
		g.drawConnecting(screen, v)
	} else {
		cam := scene.Follow(v.Map, float64(g.w), float64(g.h), v.FocusX, v.FocusY)
		g.drawWorld(screen, v.Map, v.Bodies, v.Shots, v.Effects, &cam)
		g.drawHUD(screen, v)
		if g.scores {
			g.drawScores(screen, v)
		}
		switch v.Phase {
		case game.PhaseReconnecting:
			g.drawReconnecting(screen, v)
		case game.PhaseClosed:
			g.drawClosed(screen, v)
		}
	}
	if g.menu {
		g.drawMenu(screen)
	}
}

func (g *playScene) drawHUD(screen *ebiten.Image, v *game.View) {
	s := g.fonts.scale
	pad := 10 * s
	h := &v.HUD
	W, H := float64(g.w), float64(g.h)

	// Top left: the connection.
	ping := "–"
	switch {
	case h.PingOK && h.Ping < time.Millisecond:
		ping = "<1 ms"
	case h.PingOK:
		ping = fmt.Sprintf("%d ms", h.Ping.Milliseconds())
	}
	line1 := fmt.Sprintf("ping %s   tick %d   %.0f fps", ping, h.Tick, ebiten.ActualFPS())
	line2 := fmt.Sprintf("%d players   match %s", h.Players, h.Match)
	lw, _ := text.Measure(line1, g.fonts.normal, 0)
	lw2, _ := text.Measure(line2, g.fonts.normal, 0)
	lh := g.fonts.normal.Size * 1.35
	g.rect(screen, pad, pad, math.Max(lw, lw2)+2*pad, 2*lh+pad, colPanel)
	g.text(screen, line1, g.fonts.normal, 2*pad, pad+pad/2, colText, text.AlignStart, text.AlignStart)
	g.text(screen, line2, g.fonts.normal, 2*pad, pad+pad/2+lh, colTextDim, text.AlignStart, text.AlignStart)
	if g.netStats {
		st := &h.Stats
		lines := []string{
			fmt.Sprintf("predicted tick %d (lead %.1f, %.0f%% on time)   others drawn %.1f ticks back", h.Predicted, st.Lead, 100*st.LeadHits, st.Delay),
			fmt.Sprintf("rollbacks %d   corrections %d (max %.2f tile)   rejected %d", st.Predict.Rebuilds, st.Predict.Corrections, float64(st.Predict.MaxCorrection)/sim.Unit, st.Predict.Rejected),
			fmt.Sprintf("hashes ok %d, differ %d   resyncs %d   reconnects %d", st.HashesMatch, st.HashesDiffer, st.Resyncs, max(0, v.Status.Gen-1)),
		}
		y := 2*pad + 2*lh + pad/2
		for _, l := range lines {
			g.shadowText(screen, l, g.fonts.small, 2*pad, y, colTextDim, text.AlignStart, text.AlignStart)
			y += g.fonts.small.Size * 1.4
		}
	}

	// Top right: score and the kill feed.
	score := fmt.Sprintf("%d kills  %d deaths", h.Kills, h.Deaths)
	g.shadowText(screen, score, g.fonts.large, W-2*pad, pad, colText, text.AlignEnd, text.AlignStart)
	for pass := range 3 { // backgrounds, icons, names: see drawWorld
		y := pad + g.fonts.large.Size*1.5
		for i := len(v.Kills) - 1; i >= 0; i-- {
			y += g.drawKill(screen, &v.Kills[i], W-2*pad, y, v.Me, pass)
		}
	}

	// Notices, top centre.
	ny := pad + 2.6*lh
	for _, n := range v.Notices {
		g.shadowText(screen, n, g.fonts.normal, W/2, ny, color.RGBA{0xff, 0xe0, 0x8a, 0xff}, text.AlignCenter, text.AlignStart)
		ny += lh
	}

	// Bottom centre: health, or how to get back in.
	bw, bh := 320*s, 14*s
	bx, by := W/2-bw/2, H-pad-bh-4*s
	switch {
	case h.InWorld && h.Alive:
		g.rect(screen, bx-2, by-2, bw+4, bh+4, colPanel)
		frac := float64(h.Health) / sim.MaxHealth
		c := colHealth
		if frac <= 0.25 {
			c = colHealthLow
		}
		g.rect(screen, bx, by, bw*frac, bh, c)
		g.shadowText(screen, fmt.Sprintf("%d", h.Health), g.fonts.small, W/2, by+bh/2, colText, text.AlignCenter, text.AlignCenter)
	case h.InWorld:
		msg := "press R to respawn"
		if h.RespawnIn > 0 {
			msg = fmt.Sprintf("respawn in %.1f s", h.RespawnIn)
		}
		if h.KilledBy != "" {
			g.shadowText(screen, "killed by "+h.KilledBy, g.fonts.large, W/2, by-g.fonts.large.Size*1.6, color.RGBA{0xff, 0x8a, 0x80, 0xff}, text.AlignCenter, text.AlignEnd)
		}
		g.shadowText(screen, msg, g.fonts.large, W/2, by+bh, colText, text.AlignCenter, text.AlignEnd)
	default:
		g.shadowText(screen, "joining…", g.fonts.large, W/2, by+bh, colTextDim, text.AlignCenter, text.AlignEnd)
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
		g.shadowText(screen, "W/S move · A/D turn · Q/E strafe · Space fire · R respawn · Tab scores · Esc menu",
			g.fonts.small, W/2, by-12*s, c, text.AlignCenter, text.AlignEnd)
	}
}

// helpTime is how long the keys are shown at the start.
const helpTime = 20 * time.Second

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
					g.rect(screen, x0+8*s, y-2*s, colW-16*s, row-2*s, color.RGBA{0x2a, 0x30, 0x40, 0xff})
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
			g.text(screen, name, face, cName+18*s, mid, colText, text.AlignStart, text.AlignCenter)
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
	if g.o.Server != "" {
		msg += " to " + g.o.Server
	}
	g.text(screen, msg+" "+dotsFor(time.Now()), g.fonts.normal, W/2, H/2, colTextDim, text.AlignCenter, text.AlignStart)
	if st := v.Status; st.Attempts > 0 && st.Err != nil {
		g.text(screen, fmt.Sprintf("attempt %d: %s", st.Attempts+1, shorten(st.Err.Error(), 90)), g.fonts.small, W/2, H/2+30*g.fonts.scale, colTextDim, text.AlignCenter, text.AlignStart)
	}
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
			detail += ": " + shorten(st.Err.Error(), 80)
		}
	}
	g.shadowText(screen, detail, g.fonts.normal, W/2, H/2+16*g.fonts.scale, colTextDim, text.AlignCenter, text.AlignStart)
}

func (g *playScene) drawClosed(screen *ebiten.Image, v *game.View) {
	W, H := float64(g.w), float64(g.h)
	g.dim(screen, 0xb0)
	g.shadowText(screen, "disconnected", g.fonts.title, W/2, H/2, colText, text.AlignCenter, text.AlignEnd)
	why := "the link to the server closed"
	if v.Status.Err != nil {
		why = shorten(v.Status.Err.Error(), 100)
	}
	g.shadowText(screen, why, g.fonts.normal, W/2, H/2+16*g.fonts.scale, colTextDim, text.AlignCenter, text.AlignStart)
	g.shadowText(screen, "press Enter or Esc to quit", g.fonts.normal, W/2, H/2+48*g.fonts.scale, colText, text.AlignCenter, text.AlignStart)
}

func (g *playScene) drawMenu(screen *ebiten.Image) {
	W, H := float64(g.w), float64(g.h)
	s := g.fonts.scale
	g.dim(screen, 0xa0)
	pw, ph := 360*s, 190*s
	px, py := W/2-pw/2, H/2-ph/2
	g.rect(screen, px, py, pw, ph, color.RGBA{0x10, 0x14, 0x1c, 0xf0})
	g.text(screen, "PAUSED", g.fonts.large, W/2, py+20*s, colText, text.AlignCenter, text.AlignStart)
	g.text(screen, "Esc  back to the game", g.fonts.normal, W/2, py+80*s, colText, text.AlignCenter, text.AlignStart)
	g.text(screen, "Q or Enter  quit", g.fonts.normal, W/2, py+115*s, colText, text.AlignCenter, text.AlignStart)
	g.text(screen, "the match goes on while you read this", g.fonts.small, W/2, py+ph-28*s, colTextDim, text.AlignCenter, text.AlignStart)
}
