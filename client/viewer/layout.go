package viewer

import (
	"math"

	"github.com/skirmishgg/skirmish/client/scene"
)

// Rect is a screen rectangle in pixels.
type Rect = scene.Rect

// Layout is where things go on a screen of a given size. Everything scales
// with Scale, the size of text relative to a 720-pixel-high screen. The
// panels (Info, Feed, Notes, List, Timeline) never overlap one another and
// stay on the screen, at any size from 640×360 up (a tested property): the
// Ebiten layer draws each inside its rectangle, shortening text that would
// not fit.
type Layout struct {
	W, H  float64
	Scale float64
	Pad   float64
	// View is the part of the screen the overview fits the map into: left
	// of the player list, above the timeline.
	View Rect
	// Info is the panel at the top left: the match, the tick, the camera.
	Info Rect
	// Feed is the kill feed: FeedRow-high lines right-aligned in it,
	// newest first. It sits between Info and List when there is room
	// there, else under Info.
	Feed    Rect
	FeedRow float64
	// Notes is where notices go (an error, the live connection), a
	// NoteRow-high line each, from its top: under Info and the feed.
	Notes   Rect
	NoteRow float64
	// List is the player list at the right; its rows are ListRow high
	// below a header ListHead high, ListRows of them.
	List               Rect
	ListHead, ListRow  float64
	ListRows           int
	Timeline, Bar, Hit Rect // the bottom panel, the bar in it, and where a click seeks
}

// Sizes of the layout at scale 1 (a 720-pixel-high screen), in pixels.
const (
	padPx      = 10
	timelinePx = 62
	infoWPx    = 340
	infoHPx    = 58
	listWPx    = 250
	listHeadPx = 30
	listRowPx  = 19
	// feedRowPx is a kill feed line: the normal font (16) and its panel.
	feedRowPx = 24
	// feedTopWPx is the narrowest the feed may be between Info and List;
	// narrower, it goes under Info, where it has the column's width.
	feedTopWPx = 330
	noteRowPx  = 26
)

// NewLayout lays out a screen of w×h pixels for a player list of players
// rows.
func NewLayout(w, h float64, players int) Layout {
	s := scene.UIScale(w, h)
	l := Layout{W: w, H: h, Scale: s, Pad: math.Round(padPx * s)}
	pad := l.Pad
	th := math.Round(timelinePx * s)
	l.Timeline = Rect{X: 0, Y: h - th, W: w, H: th}
	l.Bar = Rect{X: 2 * pad, Y: l.Timeline.Y + math.Round(12*s), W: w - 4*pad, H: math.Round(10 * s)}
	l.Hit = Rect{X: l.Bar.X - pad, Y: l.Bar.Y - pad, W: l.Bar.W + 2*pad, H: l.Bar.H + 2*pad}

	lw := math.Round(listWPx * s)
	l.ListHead, l.ListRow = math.Round(listHeadPx*s), math.Round(listRowPx*s)
	avail := l.Timeline.Y - 2*pad - l.ListHead - pad/2
	l.ListRows = max(0, min(players, int(avail/l.ListRow)))
	l.List = Rect{X: w - pad - lw, Y: pad, W: lw, H: l.ListHead + float64(l.ListRows)*l.ListRow + pad/2}
	l.View = Rect{X: pad, Y: pad, W: l.List.X - 2*pad, H: l.Timeline.Y - 2*pad}
	if l.View.W < l.View.H/3 { // a narrow window: the list goes over the map
		l.View.W = w - 2*pad
	}

	// The left column: everything left of the list.
	colW := l.List.X - 2*pad
	l.Info = Rect{X: pad, Y: pad, W: math.Min(math.Round(infoWPx*s), colW), H: math.Round(infoHPx * s)}
	l.FeedRow = math.Round(feedRowPx * s)
	feedH := float64(scene.FeedLen) * l.FeedRow
	below := l.Info.Bottom() + pad/2
	notesW := colW
	if gap := l.List.X - pad - (l.Info.Right() + pad); gap >= math.Round(feedTopWPx*s) {
		// The feed beside Info; the notes under Info, as wide as it.
		l.Feed = Rect{X: l.Info.Right() + pad, Y: pad, W: gap, H: feedH}
		notesW = l.Info.W
	} else {
		l.Feed = Rect{X: pad, Y: below, W: colW, H: feedH}
		below = l.Feed.Bottom() + pad/2
	}
	l.NoteRow = math.Round(noteRowPx * s)
	l.Notes = Rect{X: pad, Y: below, W: notesW, H: math.Max(0, l.Timeline.Y-pad-below)}
	return l
}

// Panels returns the layout's panels by name, for tests and for anyone
// checking that they do not overlap.
func (l *Layout) Panels() map[string]Rect {
	return map[string]Rect{"info": l.Info, "feed": l.Feed, "notes": l.Notes, "list": l.List, "timeline": l.Timeline}
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
