package ui

import (
	"fmt"
	"image/color"
	"math"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/skirmishgg/skirmish/client/menu"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// Colours of the menu.
var (
	colMenuPanel  = color.RGBA{0x0c, 0x10, 0x17, 0xf0}
	colAccent     = color.RGBA{0x3f, 0xd0, 0xc9, 0xff}
	colOn         = color.RGBA{0x5c, 0xe0, 0x6a, 0xff}
	colTab        = color.RGBA{0x1a, 0x20, 0x2b, 0xff}
	colTabCurrent = color.RGBA{0x2a, 0x34, 0x46, 0xff}
)

func brainNames() []string { return brain.Names() }

// drawMenu draws a menu screen: over the match (dimmed) when one runs,
// else over a dim picture of the arena.
func (s *shell) drawMenu(screen *ebiten.Image, v *menu.View) {
	l := &v.Layout
	if l.W != float64(s.w) || l.H != float64(s.h) {
		return // laid out for another size: the next Update lays it out again
	}
	if v.Overlay {
		s.dim(screen, 0xa0)
	} else {
		screen.Fill(colBackground)
		s.drawBackdrop(screen)
	}
	sc := l.Scale
	f := s.fonts
	p := l.Panel
	s.rect(screen, p.X, p.Y, p.W, p.H, colMenuPanel)
	s.rect(screen, p.X, p.Y, p.W, math.Max(2, math.Round(3*sc)), colAccent)

	title := f.large
	if v.Screen == menu.ScreenMain {
		title = f.title
	}
	s.text(screen, v.Title, title, l.Title.X, l.Title.Y+l.Title.H/2, colText, text.AlignStart, text.AlignCenter)

	if v.Screen == menu.ScreenBrowser {
		s.drawBrowser(screen, v)
	} else {
		s.drawItems(screen, v)
	}

	if v.Notice != "" {
		c := colTextDim
		if v.Warn {
			c = colError
		}
		lines := s.wrap(v.Notice, f.normal, l.Notice.W)
		lh := f.normal.Size * 1.3
		y := l.Notice.Y + l.Notice.H/2 - lh*float64(min(2, len(lines))-1)/2
		for i, line := range lines[:min(2, len(lines))] {
			if i == 1 && len(lines) > 2 {
				line += " …"
			}
			s.text(screen, s.fit(line, f.normal, l.Notice.W), f.normal, l.Notice.X, y+float64(i)*lh, c, text.AlignStart, text.AlignCenter)
		}
	}
	s.text(screen, s.fit(v.Help, f.small, l.Help.W), f.small, l.Help.X, l.Help.Y+l.Help.H/2, colTextDim, text.AlignStart, text.AlignCenter)

	if v.Capture != "" {
		w, h := math.Min(p.W-4*l.Pad, 520*sc), 90*sc
		x, y := p.X+p.W/2-w/2, p.Y+p.H/2-h/2
		s.rect(screen, x, y, w, h, color.RGBA{0x06, 0x08, 0x0c, 0xf8})
		s.rect(screen, x, y, w, math.Max(2, math.Round(3*sc)), colWarn)
		s.text(screen, s.fit(v.Capture, f.normal, w-2*l.Pad), f.normal, x+w/2, y+h/2, colText, text.AlignCenter, text.AlignCenter)
	}
}

// drawItems draws a screen of items: the label at the left, the value at
// the right (‹ › around a choice's), a note under the value.
func (s *shell) drawItems(screen *ebiten.Image, v *menu.View) {
	l := &v.Layout
	sc := l.Scale
	f := s.fonts
	for i, it := range v.Items {
		if i >= len(l.Items) {
			break
		}
		r := l.Items[i]
		mid := r.Y + r.H/2
		sel := i == v.Selected && it.Kind != menu.Label
		if sel {
			s.rect(screen, r.X-l.Pad, r.Y+1, r.W+2*l.Pad, r.H-2, colRowFocus)
			s.rect(screen, r.X-l.Pad, r.Y+1, math.Max(2, math.Round(4*sc)), r.H-2, colAccent)
		}
		lc := colText
		if it.Kind == menu.Label {
			lc = colTextDim
		}
		labelW := r.W * 0.4
		if it.Value == "" && it.Note == "" {
			labelW = r.W
		}
		s.text(screen, s.fit(it.Label, f.normal, labelW-l.Pad), f.normal, r.X+l.Pad, mid, lc, text.AlignStart, text.AlignCenter)

		vx := r.X + labelW
		vw := r.Right() - l.Pad - vx
		value := it.Value
		vc := colText
		switch it.Kind {
		case menu.Choice:
			value = "‹ " + value + " ›"
		case menu.Toggle:
			if value == "on" {
				vc = colOn
			} else {
				vc = colTextDim
			}
		case menu.Text:
			if sel { // the caret
				tw, _ := text.Measure(s.fit(value, f.normal, vw-4*sc), f.normal, 0)
				s.rect(screen, vx+tw+2*sc, mid-f.normal.Size*0.6, math.Max(1, math.Round(2*sc)), f.normal.Size*1.2, colAccent)
			}
		case menu.Label:
			vc = colTextDim
		}
		note := it.Note
		if note != "" && r.H >= 2.2*f.normal.Size {
			// Room for the note under the value.
			s.text(screen, s.fit(value, f.normal, vw), f.normal, vx, mid-f.small.Size*0.55, vc, text.AlignStart, text.AlignCenter)
			nc := colTextDim
			if it.Warn {
				nc = colError
			}
			s.text(screen, s.fit(note, f.small, vw), f.small, vx, mid+f.normal.Size*0.55, nc, text.AlignStart, text.AlignCenter)
			continue
		}
		if note != "" {
			value += "  (" + note + ")"
			if it.Warn {
				vc = colError
			}
		}
		s.text(screen, s.fit(value, f.normal, vw), f.normal, vx, mid, vc, text.AlignStart, text.AlignCenter)
	}
}

// drawBrowser draws the servers' tabs, the selected server's state and
// its matches.
func (s *shell) drawBrowser(screen *ebiten.Image, v *menu.View) {
	l := &v.Layout
	b := &v.Browser
	sc := l.Scale
	f := s.fonts
	for i, r := range l.Tabs {
		t := l.TabFirst + i
		if t >= len(b.Tabs) {
			break
		}
		c := colTab
		if t == b.Current {
			c = colTabCurrent
		}
		s.rect(screen, r.X, r.Y, r.W, r.H, c)
		if t == b.Current {
			s.rect(screen, r.X, r.Bottom()-math.Max(2, math.Round(3*sc)), r.W, math.Max(2, math.Round(3*sc)), colAccent)
		}
		x := r.X + l.Pad
		if b.Tabs[t].Warn {
			s.sprite(screen, s.art.glow, x+4*sc, r.Y+r.H/2, 0, 16*sc, colError, 1)
			x += 14 * sc
		}
		s.text(screen, s.fit(b.Tabs[t].Label, f.normal, r.Right()-l.Pad-x), f.normal, x, r.Y+r.H/2, colText, text.AlignStart, text.AlignCenter)
	}
	if b.Status != "" {
		c := colTextDim
		if b.Warn {
			c = colError
		}
		s.text(screen, s.fit(b.Status, f.small, l.Status.W), f.small, l.Status.X, l.Status.Y+l.Status.H/2, c, text.AlignStart, text.AlignCenter)
	}
	h := l.Header
	s.rect(screen, h.X, h.Bottom()-1, h.W, 1, colBarPlayed)
	for c, r := range l.Columns {
		name := b.Headers[c]
		col := colTextDim
		if menu.Column(c) == b.Sort {
			name += " ↓"
			col = colText
		}
		s.text(screen, s.fit(name, f.small, r.W-l.Pad), f.small, r.X+l.Pad/2, r.Y+r.H/2, col, text.AlignStart, text.AlignCenter)
	}
	if len(b.Rows) == 0 {
		if b.Empty != "" {
			s.text(screen, s.fit(b.Empty, f.normal, h.W), f.normal, h.X+l.Pad/2, h.Bottom()+30*sc, colTextDim, text.AlignStart, text.AlignCenter)
		}
		return
	}
	for i, row := range b.Rows {
		if i >= len(l.Rows) {
			break
		}
		r := l.Rows[i]
		if i == b.Selected {
			s.rect(screen, r.X, r.Y+1, r.W, r.H-2, colRowFocus)
			s.rect(screen, r.X, r.Y+1, math.Max(2, math.Round(4*sc)), r.H-2, colAccent)
		}
		for c, cr := range l.Columns {
			col := colText
			if c > int(menu.ColMatch) || row.Full {
				col = colTextDim
			}
			face := f.normal
			if c == int(menu.ColMatch) {
				face = f.large
			}
			s.text(screen, s.fit(row.Cells[c], face, cr.W-l.Pad), face, cr.X+l.Pad/2, r.Y+r.H/2, col, text.AlignStart, text.AlignCenter)
		}
	}
	if b.Total > len(b.Rows) {
		last := l.Rows[min(len(l.Rows), len(b.Rows))-1]
		more := fmt.Sprintf("↑ ↓ for more: %d–%d of %d", b.First+1, b.First+len(b.Rows), b.Total)
		s.text(screen, more, f.small, last.Right(), last.Bottom()+f.small.Size, colTextDim, text.AlignEnd, text.AlignCenter)
	}
}

// drawBackdrop draws the arena behind the menu, dim, filling the screen.
func (s *shell) drawBackdrop(screen *ebiten.Image) {
	m := s.backdrop
	if m == nil {
		return
	}
	W, H := float64(s.w), float64(s.h)
	tile := math.Max(W/float64(m.Width), H/float64(m.Height))
	cam := scene.FollowTiles(m, W, H, float64(m.Width)*sim.Unit/2, float64(m.Height)*sim.Unit/2, tile)
	s.drawWorld(screen, m, nil, nil, nil, &cam)
	s.dim(screen, 0xc0)
}
