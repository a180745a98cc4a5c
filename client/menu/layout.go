package menu

import (
	"math"

	"github.com/skirmishgg/skirmish/client/scene"
)

// Rect is a screen rectangle in pixels.
type Rect = scene.Rect

// Layout is where a menu screen's parts go on a screen of a given size.
// Everything scales with Scale, the size of text relative to a
// 720-pixel-high screen (the Ebiten layer's fonts are 13, 16, 22 and 56
// pixels at scale 1).
type Layout struct {
	W, H, Scale, Pad float64
	// Panel holds the screen: Title at its top, Notice at its bottom
	// above Help (the keys).
	Panel, Title, Notice, Help Rect
	// Items are the rows of a screen of items.
	Items []Rect
	// The browser: a tab per server shown (one row of them: server
	// TabFirst and the next), the table's Header with its Columns (x and
	// width; see Column), and Rows of the matches shown.
	Tabs     []Rect
	TabFirst int
	Status   Rect // the selected server's state, under the tabs
	Header   Rect
	Columns  [NumColumns]Rect
	Rows     []Rect
}

// Column is a column of the browser's table.
type Column uint8

// Columns.
const (
	ColMatch   Column = iota // the match's id
	ColMap                   // its map
	ColPlayers               // players, or players/max
	ColAge                   // how long it has run, and its tick
	ColPing                  // the server's ping
	NumColumns
)

// columnShare is each column's share of the table's width.
var columnShare = [NumColumns]float64{0.34, 0.18, 0.14, 0.22, 0.12}

// Sizes at scale 1.
const (
	panelMaxW = 760
	titleH    = 76
	itemMaxH  = 42
	itemMinH  = 26
	noticeH   = 44
	helpH     = 30
	tabH      = 34
	tabW      = 220
	statusH   = 26
	headerH   = 30
	rowH      = 34
)

// NewLayout lays out screen s with n items (or, for the browser, the tabs
// of servers servers, with server current among those shown, and up to n
// rows) on a screen of w×h pixels.
func NewLayout(w, h float64, s Screen, n, servers, current int) Layout {
	sc := scene.UIScale(w, h)
	px := func(v float64) float64 { return math.Round(v * sc) }
	l := Layout{W: w, H: h, Scale: sc, Pad: px(10)}
	pad := l.Pad
	pw := math.Min(w-4*pad, px(panelMaxW))
	if s == ScreenBrowser {
		pw = math.Min(w-4*pad, px(1.4*panelMaxW))
	}
	ph := h - 4*pad
	if s != ScreenBrowser {
		// As high as its items need, in the middle of the screen.
		need := 2*pad + px(titleH) + pad + float64(n)*px(itemMaxH) + pad + px(noticeH) + px(helpH)
		ph = math.Min(ph, need)
	}
	l.Panel = Rect{X: math.Round(w/2 - pw/2), Y: math.Round(h/2 - ph/2), W: pw, H: ph}
	inner := Rect{X: l.Panel.X + 2*pad, Y: l.Panel.Y + pad, W: pw - 4*pad, H: l.Panel.H - 2*pad}
	l.Title = Rect{X: inner.X, Y: inner.Y, W: inner.W, H: px(titleH)}
	l.Help = Rect{X: inner.X, Y: inner.Bottom() - px(helpH), W: inner.W, H: px(helpH)}
	l.Notice = Rect{X: inner.X, Y: l.Help.Y - px(noticeH), W: inner.W, H: px(noticeH)}
	body := Rect{X: inner.X, Y: l.Title.Bottom() + pad, W: inner.W, H: l.Notice.Y - pad - (l.Title.Bottom() + pad)}

	if s != ScreenBrowser {
		if n == 0 {
			return l
		}
		ih := math.Min(px(itemMaxH), math.Floor(body.H/float64(n)))
		ih = math.Max(math.Min(px(itemMinH), body.H/float64(n)), ih)
		for i := range n {
			l.Items = append(l.Items, Rect{X: body.X, Y: body.Y + float64(i)*ih, W: body.W, H: ih})
		}
		return l
	}

	// The browser: a row of tabs (those around the current server when
	// they do not all fit), the status line, the table.
	tw := math.Min(px(tabW), body.W)
	perRow := max(1, int(body.W/tw))
	l.TabFirst = max(0, min(current-perRow/2, servers-perRow))
	y := body.Y
	for i := range min(servers, perRow) {
		l.Tabs = append(l.Tabs, Rect{X: body.X + float64(i)*tw, Y: y, W: tw - pad/2, H: px(tabH) - pad/2})
	}
	if servers > 0 {
		y += px(tabH)
	}
	l.Status = Rect{X: body.X, Y: y, W: body.W, H: px(statusH)}
	l.Header = Rect{X: body.X, Y: l.Status.Bottom() + pad/2, W: body.W, H: px(headerH)}
	x := body.X
	for c := range NumColumns {
		cw := math.Round(body.W * columnShare[c])
		if c == NumColumns-1 {
			cw = body.Right() - x
		}
		l.Columns[c] = Rect{X: x, Y: l.Header.Y, W: cw, H: l.Header.H}
		x += cw
	}
	rh := px(rowH)
	rows := max(0, int((body.Bottom()-l.Header.Bottom())/rh))
	for i := range min(n, rows) {
		l.Rows = append(l.Rows, Rect{X: body.X, Y: l.Header.Bottom() + float64(i)*rh, W: body.W, H: rh})
	}
	return l
}

// at returns the index of the rectangle of rs that holds (x, y), or -1.
func at(rs []Rect, x, y float64) int {
	for i, r := range rs {
		if r.Contains(x, y) {
			return i
		}
	}
	return -1
}
