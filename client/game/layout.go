package game

import (
	"math"

	"github.com/skirmishgg/skirmish/client/scene"
)

// Layout is where the game's HUD goes on a screen of a given size.
// Everything scales with Scale, the size of text relative to a
// 720-pixel-high screen. The panels never overlap one another and stay on
// the screen at any size from 640×360 up (a tested property): the Ebiten
// layer draws each inside its rectangle, shortening text that would not
// fit.
type Layout struct {
	W, H, Scale, Pad float64
	// Status is the panel at the top left: the connection (a coloured dot,
	// the ping, late frames), the tick and the frame rate on one line; the
	// players and the match on the next.
	Status Rect
	// Net holds the netcode's figures under Status, NetRows lines of
	// NetRow (F3 shows them); empty when they are hidden.
	Net    Rect
	NetRow float64
	// Notes is where notices go, a NoteRow-high line each: at the top
	// centre when there is room, else under Status (and Net).
	Notes   Rect
	NoteRow float64
	// Score is the own kills and deaths at the top right; Feed the kill
	// feed under it, FeedRow-high lines right-aligned, newest first.
	Score, Feed Rect
	FeedRow     float64
	// Minimap is the map in small at the bottom right, with the map's
	// proportions.
	Minimap Rect
	// Health is at the bottom centre: the health bar along its bottom, or,
	// while dead, who killed the player and when it may respawn. Help is
	// above it: the keys, for the first seconds of a match, on HelpRows
	// lines.
	Health, Help Rect
}

// Rect is a screen rectangle in pixels.
type Rect = scene.Rect

// The HUD's sizes at scale 1 (a 720-pixel-high screen), in pixels. The
// fonts the Ebiten layer draws with are 13 (small), 16 (normal) and 22
// (large) pixels at scale 1.
const (
	hudPad       = 10
	statusW      = 380
	statusLine   = 22 // a line of the normal font
	netLine      = 18 // a line of the small font
	scoreW       = 260
	scoreH       = 33 // a line of the large font
	feedW        = 380
	feedRow      = 24
	minimapSide  = 150
	healthW      = 440
	healthH      = 80 // the bar, and two lines of the large font above it
	helpLine     = 18
	noteMinW     = 360 // the narrowest top-centre notes; narrower, they go under Status
	noteRow      = 22
	notesRows    = 3
	NetRows      = 3 // lines of the netcode's figures
	HelpRows     = 2 // lines of the keys' help
	minimapRatio = 4 // the minimap is at most this many times as wide as high, or high as wide
)

// NewLayout lays out a screen of w×h pixels for a map of mapW×mapH tiles
// (0×0 before the first world: a square minimap), with the netcode's
// figures shown or not.
func NewLayout(w, h float64, mapW, mapH int32, netStats bool) Layout {
	s := scene.UIScale(w, h)
	px := func(v float64) float64 { return math.Round(v * s) }
	l := Layout{W: w, H: h, Scale: s, Pad: px(hudPad)}
	pad := l.Pad

	// The right column: score, feed, and the minimap at the bottom.
	fw := math.Min(px(feedW), math.Round(w/2)-pad)
	l.Score = Rect{X: w - pad - px(scoreW), Y: pad, W: px(scoreW), H: px(scoreH)}
	l.FeedRow = px(feedRow)
	l.Feed = Rect{X: w - pad - fw, Y: l.Score.Bottom(), W: fw, H: float64(scene.FeedLen) * l.FeedRow}
	mw, mh := px(minimapSide), px(minimapSide)
	if mapW > 0 && mapH > 0 {
		r := math.Max(1.0/minimapRatio, math.Min(minimapRatio, float64(mapW)/float64(mapH)))
		if r >= 1 {
			mh = math.Round(mw / r)
		} else {
			mw = math.Round(mh * r)
		}
	}
	l.Minimap = Rect{X: w - pad - mw, Y: h - pad - mh, W: mw, H: mh}

	// The bottom centre: health, and the keys above it, clear of the
	// minimap on both sides so that they stay centred.
	hw := math.Min(px(healthW), w-2*(mw+2*pad))
	l.Health = Rect{X: math.Round(w/2 - hw/2), Y: h - pad - px(healthH), W: hw, H: px(healthH)}
	helpH := HelpRows * px(helpLine)
	l.Help = Rect{X: l.Health.X, Y: l.Health.Y - pad/2 - helpH, W: hw, H: helpH}

	// The left column: status, net figures, notes.
	colW := l.Feed.X - 2*pad
	l.Status = Rect{X: pad, Y: pad, W: math.Min(px(statusW), colW), H: 2*px(statusLine) + pad}
	below := l.Status.Bottom() + pad/2
	l.NetRow = px(netLine)
	if netStats {
		l.Net = Rect{X: pad, Y: below, W: colW, H: NetRows * l.NetRow}
		below = l.Net.Bottom() + pad/2
	}
	l.NoteRow = px(noteRow)
	notesH := notesRows * l.NoteRow
	top := l.Status.Right() + pad
	if gap := math.Min(l.Score.X, l.Feed.X) - pad - top; gap >= px(noteMinW) && !netStats {
		l.Notes = Rect{X: top, Y: pad, W: gap, H: notesH}
	} else {
		l.Notes = Rect{X: pad, Y: below, W: colW, H: notesH}
	}
	return l
}

// Panels returns the layout's panels by name, for tests and for anyone
// checking that they do not overlap.
func (l *Layout) Panels() map[string]Rect {
	return map[string]Rect{"status": l.Status, "net": l.Net, "notes": l.Notes, "score": l.Score,
		"feed": l.Feed, "minimap": l.Minimap, "health": l.Health, "help": l.Help}
}
