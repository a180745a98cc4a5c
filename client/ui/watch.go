package ui

import (
	"errors"
	"fmt"
	"image/color"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/skirmishgg/skirmish/client/keys"
	"github.com/skirmishgg/skirmish/client/settings"
	"github.com/skirmishgg/skirmish/client/viewer"
	"github.com/skirmishgg/skirmish/sim"
)

// WatchOptions configure RunWatch. App is required.
type WatchOptions struct {
	App *viewer.App
	// Title is the window title. Default "Skirmish: watch".
	Title string
	// Width and Height are the window's initial size. Default 1280×720.
	Width, Height int
	// Script acts by frame number, on top of the keyboard and mouse; its
	// Esc also leaves a match taken over.
	Script viewer.Script
	// Frames, if positive, ends the viewer after that many frames, once
	// the last one is drawn; Screenshot, if set, is a PNG file that the
	// last frame is written to.
	Frames     int
	Screenshot string
	// NoVsync draws as fast as the machine can.
	NoVsync bool
	// Sound, if set, plays the replay's sounds.
	Sound *Sound
	// TakeOver starts the practice match of a take-over (T) (see
	// Options.TakeOver); Settings are the player's, for its keys and name
	// (nil: the defaults); Logger receives the client's logs.
	TakeOver func(t viewer.TakeOver) (url, match, name string, stop func() error, err error)
	Settings *settings.Settings
	Logger   *slog.Logger
}

// RunWatch opens the window and runs the viewer until it quits, the window
// is closed, or Options.Frames have passed; T takes over a player there,
// and Esc comes back. It is Run's shell opened on the viewer, and must be
// called from the main goroutine.
func RunWatch(o WatchOptions) (Result, error) {
	if o.App == nil {
		return Result{}, errors.New("ui: no viewer")
	}
	if o.Title == "" {
		o.Title = "Skirmish: watch"
	}
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 1280, 720
	}
	st := o.Settings
	if st == nil {
		d := settings.Defaults()
		st = &d
	}
	// A scripted run paints every map size it needs at once (the scene
	// does, when Frames is set), so that its pictures do not depend on the
	// machine's speed.
	return Run(Options{Settings: st, Logger: o.Logger, Sound: o.Sound, TakeOver: o.TakeOver,
		Start: StartWatch, Watch: o.App, WatchScript: o.Script,
		Title: o.Title, Width: o.Width, Height: o.Height, Frames: o.Frames, Screenshot: o.Screenshot, NoVsync: o.NoVsync})
}

// watchScene is the Scene of RunWatch (and the shell's, for the replays
// chosen from the menu): input in, viewer.App forward, its Frame drawn.
type watchScene struct {
	painter
	app    *viewer.App
	script viewer.Script
	in     *input
	snd    *Sound // nil: silent
	lw, lh int    // the screen, as the loop gave it last
}

// newWatchScene returns the scene of app on a window of width×height;
// asyncMaps paints the map's sizes in the background (interactive runs).
func newWatchScene(app *viewer.App, script viewer.Script, asyncMaps bool, width, height int) (*watchScene, error) {
	p, err := newPainter(width, height)
	if err != nil {
		return nil, err
	}
	p.zoom = true
	p.maps.async = asyncMaps
	return &watchScene{painter: p, app: app, script: script}, nil
}

// watchKeys maps keys to the viewer's actions.
var watchKeys = []struct {
	key    string
	action viewer.Action
	repeat bool // held down, it repeats
}{
	{"space", viewer.ActPlayPause, false},
	{"[", viewer.ActSlower, false},
	{"]", viewer.ActFaster, false},
	{",", viewer.ActStepBack, true},
	{".", viewer.ActStepForward, true},
	{"left", viewer.ActJumpBack, true},
	{"right", viewer.ActJumpForward, true},
	{"r", viewer.ActReverse, false},
	{"home", viewer.ActStart, false},
	{"end", viewer.ActEnd, false},
	{"o", viewer.ActOverview, false},
	{"f", viewer.ActFollow, false},
	{"p", viewer.ActPOV, false},
	{"c", viewer.ActFree, false},
	{"l", viewer.ActLive, false},
	{"h", viewer.ActHelp, false},
	{"f1", viewer.ActHelp, false},
	{"esc", viewer.ActBack, false},
	{"q", viewer.ActQuit, false},
	{"up", viewer.ActUp, true},
	{"down", viewer.ActDown, true},
	{"enter", viewer.ActOpen, false},
	{"kpenter", viewer.ActOpen, false},
	{"t", viewer.ActTakeOver, false},
}

// viewerInput turns the frame's keys and mouse into the viewer's input.
func (g *watchScene) viewerInput() viewer.Input {
	in := viewer.Input{W: float64(g.lw), H: float64(g.lh), DT: 1.0 / 60, Now: time.Now()}
	k := g.in
	for _, wk := range watchKeys {
		if key := key(wk.key); k.down(key) || wk.repeat && k.press(key) {
			in.Actions = in.Actions.With(wk.action)
		}
	}
	if k.down(key("tab")) {
		if k.held.Has(key("shift")) {
			in.Actions = in.Actions.With(viewer.ActPrevPlayer)
		} else {
			in.Actions = in.Actions.With(viewer.ActNextPlayer)
		}
	}
	for d := range 10 {
		if k.down(keys.Letter(rune('0' + d))) {
			in.Player = d
			if d == 0 {
				in.Player = 10
			}
		}
	}
	in.MouseX, in.MouseY = k.mouseX, k.mouseY
	in.MouseDown = ebiten.IsMouseButtonPressed(ebiten.MouseButtonLeft)
	in.MousePressed = k.click
	in.Wheel = k.wheel
	return in
}

// Update implements Scene: RunWatch's loop reads the keys itself.
func (g *watchScene) Update(frame, w, h int) (quit bool) {
	g.in.read(frame)
	return g.update(frame, w, h)
}

// update moves the viewer by a frame of g.in, and hears the effects of a
// replay playing forward at up to twice its speed.
func (g *watchScene) update(frame, w, h int) (quit bool) {
	g.lw, g.lh = w, h
	in := g.viewerInput()
	g.script.Apply(frame, &in)
	g.app.Update(in)
	if g.snd != nil {
		f := g.app.View()
		audible := f.Screen == viewer.ScreenWatch && f.Playing && !f.Reverse && f.Speed <= 2
		g.snd.hear(f.Effects, &f.Camera, audible)
	}
	return g.app.Quit()
}

// Draw implements Scene.
func (g *watchScene) Draw(screen *ebiten.Image) {
	g.resize(screen)
	screen.Fill(colBackground)
	f := g.app.View()
	switch f.Screen {
	case viewer.ScreenWatch:
		g.drawWatch(screen, f)
	case viewer.ScreenList:
		g.drawList(screen, f)
	case viewer.ScreenError:
		g.drawFatal(screen, f)
	}
}

// Colours of the viewer's panels.
var (
	colBar       = color.RGBA{0x26, 0x2c, 0x38, 0xff}
	colBarPlayed = color.RGBA{0x4a, 0x58, 0x70, 0xff}
	colBarKnown  = color.RGBA{0x33, 0x3b, 0x4a, 0xff}
	colLive      = color.RGBA{0xff, 0x4f, 0x5a, 0xff}
	colWarn      = color.RGBA{0xff, 0xe0, 0x8a, 0xff}
	colError     = color.RGBA{0xff, 0x8a, 0x80, 0xff}
	colRowFocus  = color.RGBA{0x2a, 0x30, 0x40, 0xff}
	colListPanel = color.RGBA{0x08, 0x0b, 0x10, 0xe8}
	colNotice    = color.RGBA{0x10, 0x0a, 0x0c, 0xe0}
)

// clock formats ticks at rate as m:ss.t (h:mm:ss from an hour).
func clock(ticks float64, rate int32) string {
	if rate <= 0 {
		return "–"
	}
	tenths := int64(math.Max(0, ticks) * 10 / float64(rate))
	s, t := tenths/10, tenths%10
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d.%d", s/60, s%60, t)
}

func speedText(s float64) string {
	switch s {
	case 0.25:
		return "¼×"
	case 0.5:
		return "½×"
	}
	return fmt.Sprintf("%g×", s)
}

func (g *watchScene) drawWatch(screen *ebiten.Image, f *viewer.Frame) {
	l := &f.Layout
	s := l.Scale
	if f.Map == nil {
		W, H := float64(g.w), float64(g.h)
		g.text(screen, "LIVE", g.fonts.title, W/2, H/2-20*s, colLive, text.AlignCenter, text.AlignEnd)
		g.text(screen, "waiting for the match's first second "+dotsFor(time.Now()), g.fonts.normal, W/2, H/2, colTextDim, text.AlignCenter, text.AlignStart)
		if f.LiveStatus != "" {
			g.text(screen, shorten(f.LiveStatus, 100), g.fonts.small, W/2, H/2+30*s, colWarn, text.AlignCenter, text.AlignStart)
		}
		return
	}
	g.drawWorld(screen, f.Map, f.Bodies, f.Shots, f.Effects, &f.Camera)
	g.drawInfo(screen, f)
	g.drawFeed(screen, f.Kills, l.Feed, l.FeedRow, f.Focus)
	g.drawPlayers(screen, f)
	g.drawTimeline(screen, f)

	g.drawNotes(screen, f)
	if f.Help {
		g.drawHelp(screen, f)
	}
}

// drawNotes draws the notices (an error, the live connection, a recovered
// file) in their place under the info panel, a line each, as many lines
// as fit.
func (g *watchScene) drawNotes(screen *ebiten.Image, f *viewer.Frame) {
	l := &f.Layout
	s := l.Scale
	n := l.Notes
	y := n.Y
	note := func(msg string, c color.Color) {
		for _, line := range g.wrap(msg, g.fonts.normal, n.W-2*l.Pad) {
			if y+l.NoteRow > n.Bottom() {
				return
			}
			line = g.fit(line, g.fonts.normal, n.W-2*l.Pad)
			w, _ := text.Measure(line, g.fonts.normal, 0)
			g.rect(screen, n.X, y, w+2*l.Pad, l.NoteRow-2*s, colNotice)
			g.text(screen, line, g.fonts.normal, n.X+l.Pad, y+(l.NoteRow-2*s)/2, c, text.AlignStart, text.AlignCenter)
			y += l.NoteRow
		}
		y += l.Pad / 2
	}
	if f.Err != "" {
		note("cannot play on: "+f.Err, colError)
	}
	if f.LiveStatus != "" {
		note(f.LiveStatus, colWarn)
	}
	if f.Recovered != "" {
		note(f.Recovered, colWarn)
	}
	if f.Note != "" {
		note(f.Note, colError)
	}
}

// drawInfo draws the panel at the top left: the match, the time, the
// camera.
func (g *watchScene) drawInfo(screen *ebiten.Image, f *viewer.Frame) {
	l := &f.Layout
	s := l.Scale
	line1 := f.Title
	if line1 == "" {
		line1 = f.Source
	}
	cam := f.Mode.String()
	if f.Focus != 0 {
		for i := range f.Bodies {
			if f.Bodies[i].ID == f.Focus {
				cam += " " + f.Bodies[i].Name
			}
		}
	}
	line2 := fmt.Sprintf("tick %d   %s   camera %s", f.Tick, clock(f.Pos-float64(f.First), f.TickRate), cam)
	lh := g.fonts.normal.Size * 1.35
	w := l.Info.W - 2*l.Pad
	g.rect(screen, l.Info.X, l.Info.Y, l.Info.W, l.Info.H, colPanel)
	g.text(screen, g.fit(line1, g.fonts.normal, w), g.fonts.normal, l.Info.X+l.Pad, l.Info.Y+l.Pad*0.8, colText, text.AlignStart, text.AlignStart)
	g.text(screen, g.fit(line2, g.fonts.small, w), g.fonts.small, l.Info.X+l.Pad, l.Info.Y+l.Pad*0.8+lh+2*s, colTextDim, text.AlignStart, text.AlignStart)
}

// drawPlayers draws the player list at the right.
func (g *watchScene) drawPlayers(screen *ebiten.Image, f *viewer.Frame) {
	l := &f.Layout
	if l.ListRows == 0 {
		return
	}
	s := l.Scale
	r := l.List
	g.rect(screen, r.X, r.Y, r.W, r.H, colListPanel)
	face := g.fonts.small
	cKey, cName, cHP, cK, cD := r.X+l.Pad, r.X+l.Pad+22*s, r.X+r.W-126*s, r.X+r.W-44*s, r.X+r.W-l.Pad
	head := r.Y + l.ListHead/2
	title := "PLAYERS"
	if f.Players > len(f.Rows) {
		title = fmt.Sprintf("PLAYERS %d–%d of %d", f.ListFirst+1, f.ListFirst+len(f.Rows), f.Players)
	}
	g.text(screen, title, face, cKey, head, colTextDim, text.AlignStart, text.AlignCenter)
	// Boxes first, then text: see drawWorld.
	for i, row := range f.Rows {
		y := r.Y + l.ListHead + float64(i)*l.ListRow
		if row.Focus {
			g.rect(screen, r.X+2*s, y, r.W-4*s, l.ListRow, colRowFocus)
		}
		sq := 9 * s
		g.rect(screen, cName-sq-5*s, y+l.ListRow/2-sq/2, sq, sq, PlayerColor(row.ID))
		bw, bh := 44*s, math.Max(3, math.Round(5*s))
		by := y + l.ListRow/2 - bh/2
		g.rect(screen, cHP, by, bw, bh, colHealthBack)
		if row.Alive {
			hc := colHealth
			if row.Health*4 <= sim.MaxHealth {
				hc = colHealthLow
			}
			g.rect(screen, cHP, by, bw*float64(row.Health)/sim.MaxHealth, bh, hc)
		}
	}
	g.text(screen, "K", face, cK, head, colTextDim, text.AlignEnd, text.AlignCenter)
	g.text(screen, "D", face, cD, head, colTextDim, text.AlignEnd, text.AlignCenter)
	for i, row := range f.Rows {
		mid := r.Y + l.ListHead + (float64(i)+0.5)*l.ListRow
		if row.Key > 0 {
			g.text(screen, fmt.Sprint(row.Key%10), face, cKey, mid, colTextDim, text.AlignStart, text.AlignCenter)
		}
		c := colText
		name := row.Name
		if !row.Alive {
			c, name = colTextDim, name+"  †"
		}
		g.text(screen, g.fit(name, face, cHP-6*s-cName), face, cName, mid, c, text.AlignStart, text.AlignCenter)
		g.text(screen, fmt.Sprint(row.Kills), face, cK, mid, colText, text.AlignEnd, text.AlignCenter)
		g.text(screen, fmt.Sprint(row.Deaths), face, cD, mid, colText, text.AlignEnd, text.AlignCenter)
	}
}

// drawTimeline draws the bottom panel: the bar with the kills and the
// playhead, the time, the speed.
func (g *watchScene) drawTimeline(screen *ebiten.Image, f *viewer.Frame) {
	l := &f.Layout
	s := l.Scale
	g.rect(screen, l.Timeline.X, l.Timeline.Y, l.Timeline.W, l.Timeline.H, colPanel)
	b := l.Bar
	bar := f.Bar
	g.rect(screen, b.X, b.Y, b.W, b.H, colBar)
	if f.Indexed > f.First {
		g.rect(screen, b.X, b.Y, bar.XAt(float64(f.Indexed))-b.X, b.H, colBarKnown)
	}
	px := bar.XAt(f.Pos)
	g.rect(screen, b.X, b.Y, px-b.X, b.H, colBarPlayed)
	// A kill is a mark above the bar in the killer's colour, taller for
	// a column of several.
	for _, c := range f.Columns {
		h := (3 + 2*math.Min(3, float64(c.Kills))) * s
		g.rect(screen, c.X, b.Y-h-1, math.Max(2, math.Round(2*s)), h, PlayerColor(c.Killer))
	}
	hw := math.Max(3, math.Round(3*s))
	g.rect(screen, px-hw/2, b.Y-4*s, hw, b.H+8*s, colText)

	// The line below: play state, time, speed; the keys at the right.
	y := b.Y + b.H + 12*s
	x := b.X
	ic := 12 * s
	switch {
	case f.Playing && f.Reverse:
		g.triangle(screen, x+ic, y, x+ic, y+ic, x, y+ic/2, colText)
	case f.Playing:
		g.triangle(screen, x, y, x, y+ic, x+ic, y+ic/2, colText)
	default:
		g.rect(screen, x, y, ic*0.35, ic, colText)
		g.rect(screen, x+ic*0.65, y, ic*0.35, ic, colText)
	}
	x += ic + 10*s
	t := fmt.Sprintf("%s / %s", clock(f.Pos-float64(f.First), f.TickRate), clock(float64(f.Last-f.First), f.TickRate))
	g.text(screen, t, g.fonts.normal, x, y+ic/2, colText, text.AlignStart, text.AlignCenter)
	tw, _ := text.Measure(t, g.fonts.normal, 0)
	x += tw + 14*s
	state := speedText(f.Speed)
	if f.Reverse {
		state += " reverse"
	}
	if !f.Playing {
		state += " paused"
	}
	g.text(screen, state, g.fonts.normal, x, y+ic/2, colTextDim, text.AlignStart, text.AlignCenter)
	sw, _ := text.Measure(state, g.fonts.normal, 0)
	x += sw + 14*s
	if f.Live {
		live := "LIVE"
		c := colLive
		switch {
		case f.LiveDone:
			live, c = "match over", colTextDim
		case f.Waiting:
			live = fmt.Sprintf("LIVE, waiting for the match %s", dotsFor(time.Now()))
		case f.Following:
			live = fmt.Sprintf("LIVE  −%.1f s", f.Behind)
		default:
			live, c = fmt.Sprintf("%.0f s behind live · L to catch up", f.Behind), colWarn
		}
		if !f.LiveDone {
			g.sprite(screen, g.art.glow, x+5*s, y+ic/2, 0, 14*s, c, 1)
			x += 14 * s
		}
		g.text(screen, live, g.fonts.normal, x, y+ic/2, c, text.AlignStart, text.AlignCenter)
		lw, _ := text.Measure(live, g.fonts.normal, 0)
		x += lw
	}
	keys := "Space play · [ ] speed · , . step · ← → 10 s · R reverse · Tab player · O F P C camera · T take over · H help"
	if kw, _ := text.Measure(keys, g.fonts.small, 0); b.X+b.W-kw > x+20*s {
		g.text(screen, keys, g.fonts.small, b.X+b.W, y+ic/2, colTextDim, text.AlignEnd, text.AlignCenter)
	}
	if f.Dragging {
		tip := clock(f.Pos-float64(f.First), f.TickRate)
		g.shadowText(screen, tip, g.fonts.normal, px, b.Y-10*s, colText, text.AlignCenter, text.AlignEnd)
	}
}

// drawHelp draws the keys, over the middle of the screen.
func (g *watchScene) drawHelp(screen *ebiten.Image, f *viewer.Frame) {
	s := f.Layout.Scale
	lines := [][2]string{
		{"Space", "play, pause"},
		{"[  ]", "slower, faster: ¼× to 16×"},
		{",  .", "one tick back, on (paused)"},
		{"←  →", "10 seconds back, on"},
		{"R", "play backward / forward"},
		{"Home  End", "start, end (live: back to live)"},
		{"click, drag", "the timeline: go there"},
		{"Tab, Shift+Tab, 1–0", "follow the next, previous, n-th player"},
		{"O  F  P  C", "overview, follow, the player's view, free camera"},
		{"drag, wheel", "move, zoom the camera"},
		{"L", "back to live"},
		{"T", "take over: play on from here as the player followed"},
		{"Esc  Q", "back, quit"},
	}
	face := g.fonts.normal
	row := face.Size * 1.6
	pw, ph := 620*s, row*float64(len(lines))+70*s
	px, py := float64(g.w)/2-pw/2, float64(g.h)/2-ph/2
	g.rect(screen, px, py, pw, ph, color.RGBA{0x06, 0x08, 0x0c, 0xe8})
	g.text(screen, "KEYS", g.fonts.large, px+24*s, py+16*s, colText, text.AlignStart, text.AlignStart)
	for i, l := range lines {
		y := py + 56*s + float64(i)*row
		g.text(screen, l[0], face, px+24*s, y, colText, text.AlignStart, text.AlignStart)
		g.text(screen, l[1], face, px+230*s, y, colTextDim, text.AlignStart, text.AlignStart)
	}
}

// drawList draws the replays to choose from.
func (g *watchScene) drawList(screen *ebiten.Image, f *viewer.Frame) {
	s := f.Layout.Scale
	W, H := float64(g.w), float64(g.h)
	top, rowH, rows, x0, x1 := viewer.ListRows(&f.Layout)
	g.text(screen, "REPLAYS", g.fonts.title, x0, 30*s, colText, text.AlignStart, text.AlignStart)
	g.text(screen, f.Dir, g.fonts.small, x1, 58*s, colTextDim, text.AlignEnd, text.AlignCenter)
	switch {
	case f.ListErr != "":
		g.text(screen, shorten(f.ListErr, 120), g.fonts.normal, x0, 130*s, colError, text.AlignStart, text.AlignStart)
	case len(f.Entries) == 0:
		g.text(screen, "no replays here yet: play a match (skirmish play), or watch a file or a URL:", g.fonts.normal, x0, 130*s, colTextDim, text.AlignStart, text.AlignStart)
		g.text(screen, "skirmish watch FILE  ·  skirmish watch http://HOST:PORT/api/replays/ID  ·  skirmish watch -live http://HOST:PORT/api/matches/ID", g.fonts.small, x0, 160*s, colTextDim, text.AlignStart, text.AlignStart)
	}
	for pass := range 2 {
		for r := 0; r < rows && f.ListFirst+r < len(f.Entries); r++ {
			i := f.ListFirst + r
			e := &f.Entries[i]
			y := top + float64(r)*rowH
			if pass == 0 {
				if i == f.Selected {
					g.rect(screen, x0-10*s, y, x1-x0+20*s, rowH-4*s, colRowFocus)
				}
				continue
			}
			if e.Err != nil {
				g.text(screen, e.Name, g.fonts.normal, x0, y+6*s, colText, text.AlignStart, text.AlignStart)
				g.text(screen, shorten(e.Err.Error(), 140), g.fonts.small, x0, y+26*s, colError, text.AlignStart, text.AlignStart)
				continue
			}
			in := &e.Info
			title := in.MatchID
			if !in.Start.IsZero() {
				title = in.Start.Local().Format("2006-01-02 15:04") + "   " + title
			}
			g.text(screen, title, g.fonts.normal, x0, y+6*s, colText, text.AlignStart, text.AlignStart)
			detail := fmt.Sprintf("%s · %s · %d players · %.1f KiB · %s", in.MapName, clock(float64(in.Ticks), in.TickRate), len(in.Players), float64(in.Size)/1024, e.Name)
			if in.Recovered {
				detail += " · recovered (no footer)"
			}
			g.text(screen, detail, g.fonts.small, x0, y+26*s, colTextDim, text.AlignStart, text.AlignStart)
		}
	}
	g.text(screen, "↑ ↓ choose · Enter or click: watch · Esc back", g.fonts.small, W/2, H-16*s, colTextDim, text.AlignCenter, text.AlignEnd)
}

// drawFatal draws why a recording cannot be shown.
func (g *watchScene) drawFatal(screen *ebiten.Image, f *viewer.Frame) {
	s := f.Layout.Scale
	W, H := float64(g.w), float64(g.h)
	g.text(screen, "cannot play this replay", g.fonts.title, W/2, H/2-60*s, colText, text.AlignCenter, text.AlignEnd)
	y := H/2 - 30*s
	g.text(screen, shorten(f.Source, 120), g.fonts.normal, W/2, y, colTextDim, text.AlignCenter, text.AlignStart)
	y += 40 * s
	for _, para := range strings.Split(f.Fatal, "\n") {
		for _, line := range g.wrap(para, g.fonts.normal, W-120*s) {
			g.text(screen, line, g.fonts.normal, W/2, y, colError, text.AlignCenter, text.AlignStart)
			y += g.fonts.normal.Size * 1.4
		}
	}
	g.text(screen, "press Esc to go back", g.fonts.normal, W/2, y+30*s, colText, text.AlignCenter, text.AlignStart)
}

// triangle fills a triangle.
func (p *painter) triangle(dst *ebiten.Image, x0, y0, x1, y1, x2, y2 float64, c color.RGBA) {
	r, g, b, a := float32(c.R)/255, float32(c.G)/255, float32(c.B)/255, float32(c.A)/255
	vs := []ebiten.Vertex{
		{DstX: float32(x0), DstY: float32(y0), SrcX: 0.5, SrcY: 0.5, ColorR: r, ColorG: g, ColorB: b, ColorA: a},
		{DstX: float32(x1), DstY: float32(y1), SrcX: 0.5, SrcY: 0.5, ColorR: r, ColorG: g, ColorB: b, ColorA: a},
		{DstX: float32(x2), DstY: float32(y2), SrcX: 0.5, SrcY: 0.5, ColorR: r, ColorG: g, ColorB: b, ColorA: a},
	}
	dst.DrawTriangles(vs, []uint16{0, 1, 2}, p.art.pixel, &ebiten.DrawTrianglesOptions{AntiAlias: true})
}
