package viewer

import (
	"math"

	"github.com/skirmishgg/skirmish/client/scene"
)

// Rect is a screen rectangle in pixels.
type Rect struct{ X, Y, W, H float64 }

// Contains reports whether screen point (x, y) is inside r.
func (r Rect) Contains(x, y float64) bool {
	return x >= r.X && y >= r.Y && x < r.X+r.W && y < r.Y+r.H
}

// Layout is where things go on a screen of a given size. Everything scales
// with Scale, the size of text relative to a 720-pixel-high screen.
type Layout struct {
	W, H  float64
	Scale float64
	Pad   float64
	// View is the part of the screen the overview fits the map into: left
	// of the player list, above the timeline.
	View Rect
	// Info is the panel at the top left: the match, the tick, the speed.
	Info Rect
	// List is the player list at the right; its rows are ListRow high
	// below a header ListHead high, ListRows of them.
	List               Rect
	ListHead, ListRow  float64
	ListRows           int
	Timeline, Bar, Hit Rect // the bottom panel, the bar in it, and where a click seeks
}

// NewLayout lays out a screen of w×h pixels for a player list of players
// rows.
func NewLayout(w, h float64, players int) Layout {
	s := scene.UIScale(w, h)
	l := Layout{W: w, H: h, Scale: s, Pad: math.Round(10 * s)}
	pad := l.Pad
	th := math.Round(62 * s)
	l.Timeline = Rect{0, h - th, w, th}
	l.Bar = Rect{2 * pad, l.Timeline.Y + math.Round(12*s), w - 4*pad, math.Round(10 * s)}
	l.Hit = Rect{l.Bar.X - pad, l.Bar.Y - pad, l.Bar.W + 2*pad, l.Bar.H + 2*pad}
	l.Info = Rect{pad, pad, math.Round(340 * s), math.Round(58 * s)}

	lw := math.Round(250 * s)
	l.ListHead, l.ListRow = math.Round(30*s), math.Round(19*s)
	avail := l.Timeline.Y - 2*pad - l.ListHead - pad/2
	l.ListRows = max(0, min(players, int(avail/l.ListRow)))
	l.List = Rect{w - pad - lw, pad, lw, l.ListHead + float64(l.ListRows)*l.ListRow + pad/2}
	l.View = Rect{pad, pad, l.List.X - 2*pad, l.Timeline.Y - 2*pad}
	if l.View.W < l.View.H/3 { // a narrow window: the list goes over the map
		l.View.W = w - 2*pad
	}
	return l
}

// BarOf returns the timeline's mapping for ticks first to last.
func (l *Layout) BarOf(first, last uint32) Bar {
	return Bar{X: l.Bar.X, W: l.Bar.W, First: first, Last: last}
}

// RowAt returns the row of the player list at screen point (x, y), from 0
// for the first row shown, or -1.
func (l *Layout) RowAt(x, y float64) int {
	if !l.List.Contains(x, y) {
		return -1
	}
	r := int(math.Floor((y - l.List.Y - l.ListHead) / l.ListRow))
	if r < 0 || r >= l.ListRows {
		return -1
	}
	return r
}
