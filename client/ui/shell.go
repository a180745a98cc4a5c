package ui

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/browse"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/keys"
	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/client/menu"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/client/settings"
	"github.com/skirmishgg/skirmish/client/viewer"
	"github.com/skirmishgg/skirmish/sim"
)

// Options configure Run. Settings is required; every other zero field is
// a working default.
type Options struct {
	// Settings are the player's, edited by the menu; Save writes them
	// (nil: nothing is saved); Notice is shown on the first menu screen
	// (a settings file repaired).
	Settings *settings.Settings
	Save     func(*settings.Settings) error
	Notice   string
	// Practice starts a practice server as p says and returns the address
	// and the match to join, and how to stop it (the client tree does not
	// import the server: the command that wires them passes this). Nil:
	// the menu's practice says it is not available.
	Practice func(p settings.Practice) (url, match string, stop func() error, err error)
	// Replays returns the replays to choose from (Watch replays). Nil: an
	// empty list.
	Replays func() viewer.AppOptions
	// TakeOver starts a practice match forked from a recording, as the
	// viewer's T asks (viewer.TakeOver), and returns the address, the
	// match and the name to join as, and how to stop it. Nil: the viewer
	// says that taking over is not available.
	TakeOver func(t viewer.TakeOver) (url, match, name string, stop func() error, err error)
	// Logger receives the client's logs. Default: discard.
	Logger *slog.Logger
	// Sound plays the game's sounds. Nil: silent.
	Sound *Sound

	// Start is what opens: the menu (the default), the browser on Browse,
	// Game, or the viewer Watch (RunWatch), driven by WatchScript.
	Start       Start
	Browse      string
	Game        Game
	Watch       *viewer.App
	WatchScript viewer.Script
	// Name, if set, is this run's player name, over the settings' (and
	// not saved).
	Name string

	// Title is the window title. Default "Skirmish".
	Title string
	// Width and Height, if set, are the window's size, over the settings'.
	Width, Height int
	// Script presses keys and types text by frame, on top of the keyboard.
	Script keys.Script
	// Frames, if positive, ends the run after that many frames (ticks),
	// once the last one is drawn; Screenshot, if set, is a PNG file that
	// frame is written to.
	Frames     int
	Screenshot string
	// NoVsync draws as fast as the machine can (to measure frame rates),
	// whatever the settings say; NetStats shows the netcode's figures from
	// the start (F3 toggles them).
	NoVsync, NetStats bool
}

// Start says what Run opens on.
type Start uint8

// Starts.
const (
	StartMenu    Start = iota // the main menu
	StartBrowser              // the server browser, on Options.Browse
	StartGame                 // Options.Game
	StartWatch                // the viewer, Options.Watch; leaving it quits
)

// Game is a match to play from the start.
type Game struct {
	// URL and Match are the server's WebSocket and the match to join
	// (empty: the server's choice); Label names the server on the
	// connecting screen.
	URL, Match, Label string
	// Stop, if set, is called when the match is left (a practice
	// server's Close).
	Stop func() error
	// Name, if set, is the name to join as, over Options.Name and the
	// settings' (a forked player's, to take its place).
	Name string
	// NoAutoSpawn waits for the respawn key before the first spawn.
	NoAutoSpawn bool
}

// Run opens the window and runs the client: the menu, the matches and the
// replays it opens, until the player quits, the window is closed, or
// Options.Frames have passed. It must be called from the main goroutine.
func Run(o Options) (Result, error) {
	if o.Settings == nil {
		return Result{}, errors.New("ui: no settings")
	}
	if o.Title == "" {
		o.Title = "Skirmish"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	w, h := o.Settings.Window.Width, o.Settings.Window.Height
	if o.Width > 0 && o.Height > 0 {
		w, h = o.Width, o.Height
	}
	s, err := newShell(o, w, h)
	if err != nil {
		return Result{}, err
	}
	ebiten.SetFullscreen(o.Settings.Window.Fullscreen)
	res, err := runLoop(s, loopOptions{title: o.Title, width: w, height: h,
		frames: o.Frames, screenshot: o.Screenshot, noVsync: o.NoVsync || !o.Settings.Vsync})
	s.close()
	res.Game, res.Link, res.Menu, res.Playing = s.last, s.lastStatus, *s.menu.View(), s.playing
	return res, err
}

// shell is the Scene of Run: the menu, and the match or the replays it
// opened. It passes the frame's input to whichever is in front, and does
// what the menu asks: start practice, join a match, watch replays, pause,
// resume, leave, quit.
type shell struct {
	painter
	o     Options
	in    *input
	menu  *menu.Model
	br    *browse.Browser
	snd   *Sound
	w, h  int
	quit  bool
	press []keys.Key

	// A match being played: its scene, link and server's Stop; the menu
	// over it (paused) or not; the screen to go back to.
	play     *playScene
	link     *link.Link
	stop     func() error
	menuOpen bool
	back     menu.Screen

	// The viewer; takeover says the match played was started from it
	// (T), and leaving it goes back to it.
	watch    *watchScene
	takeover bool
	// listing brings the replays to choose from while they are read,
	// off the game loop (listReplays).
	listing chan viewer.AppOptions

	last       *game.Model // the last match played
	lastStatus link.Status // its link's, when it was left
	playing    bool        // the last match was on when the window closed

	applied  settings.Settings // the settings as last applied
	backdrop *sim.Map
}

func newShell(o Options, w, h int) (*shell, error) {
	p, err := newPainter(w, h)
	if err != nil {
		return nil, err
	}
	s := &shell{painter: p, o: o, in: newInput(o.Script), br: browse.New(browse.Options{}), snd: o.Sound, w: w, h: h}
	if s.snd == nil {
		s.snd = OpenSound(o.Logger, true, 0, 0, true)
	}
	start := menu.ScreenMain
	if o.Start == StartBrowser {
		start = menu.ScreenBrowser
	}
	s.menu = menu.New(menu.Options{Settings: o.Settings, Save: o.Save, Fetcher: s.br,
		Maps: assets.MapNames(), Brains: brainNames(), Start: start, Browse: o.Browse, Notice: o.Notice})
	s.applied = o.Settings.Clone()
	if src, err := assets.MapSource("arena"); err == nil {
		s.backdrop, _ = sim.ParseMap("arena", src)
	}
	switch o.Start {
	case StartGame:
		s.stop = o.Game.Stop
		name := o.Game.Name
		if name == "" {
			name = s.name()
		}
		s.startGame(o.Game.URL, o.Game.Match, o.Game.Label, name)
	case StartWatch:
		if o.Watch == nil {
			return nil, errors.New("ui: no viewer to start with")
		}
		ws, err := newWatchScene(o.Watch, o.WatchScript, o.Frames <= 0, w, h)
		if err != nil {
			return nil, err
		}
		ws.in, ws.snd = s.in, s.snd
		s.watch = ws
	}
	return s, nil
}

// name is the player's name for a match.
func (s *shell) name() string {
	if s.o.Name != "" {
		return s.o.Name
	}
	return s.o.Settings.Name
}

// Update implements Scene.
func (s *shell) Update(frame, w, h int) (quit bool) {
	s.w, s.h = w, h
	s.in.read(frame)
	s.replaysListed()
	switch {
	case s.takeover:
		s.updateTakeOver(frame)
	case s.watch != nil:
		if s.watch.update(frame, w, h) {
			if s.o.Start == StartWatch {
				s.quit = true
			} else {
				s.closeWatch()
			}
		} else if t, ok := s.watch.app.TakeOver(); ok {
			s.takeOver(t)
		}
	case s.play != nil:
		s.updatePlay()
	default:
		s.updateMenu()
	}
	return s.quit
}

// updatePlay runs a frame of the match, and of the menu over it.
func (s *shell) updatePlay() {
	g := s.play
	phase := g.model.Phase()
	switch {
	case s.menuOpen:
		s.updateMenu()
	case phase == game.PhaseClosed && (g.menuPressed(s.in) || s.in.down(key("enter")) || s.in.down(key("kpenter"))):
		why := "the match ended"
		if err := g.model.View(time.Now()).Status.Err; err != nil {
			why = link.Reason(err)
		}
		s.leave(why)
		return
	case g.menuPressed(s.in):
		s.menuOpen = true
		s.menu.Open(menu.ScreenPause)
		s.snd.click()
	}
	if s.play == nil {
		return // left through the menu
	}
	s.play.update(s.in, s.menuOpen)
	if v := s.play.model.View(time.Now()); v.Map != nil {
		cam := scene.Follow(v.Map, float64(s.w), float64(s.h), v.FocusX, v.FocusY)
		s.snd.hear(v.Effects, &cam, true)
	}
}

// updateMenu runs a frame of the menu and does what it asks.
func (s *shell) updateMenu() {
	in := s.in
	s.press = in.pressed(s.press[:0])
	req := s.menu.Update(menu.Input{W: float64(s.w), H: float64(s.h), Now: time.Now(), Pressed: s.press,
		Text: in.text, MouseX: in.mouseX, MouseY: in.mouseY, Click: in.click, Wheel: in.wheel})
	if req.Click {
		s.snd.click()
	}
	if req.Changed {
		s.apply()
	}
	switch req.Kind {
	case menu.Practice:
		s.startPractice(req.Practice)
	case menu.Join:
		s.stop = nil
		s.startGame(req.Server.WS, req.Match, req.Server.WS, s.name())
	case menu.Watch:
		s.listReplays()
	case menu.Resume:
		s.menuOpen = false
	case menu.Leave:
		s.leave("")
	case menu.Quit:
		s.quit = true
	}
}

// startPractice starts a practice server and joins it.
func (s *shell) startPractice(p settings.Practice) {
	if s.o.Practice == nil {
		s.menu.Notify("practice is not available here", true)
		return
	}
	url, match, stop, err := s.o.Practice(p)
	if err != nil {
		s.menu.Notify("could not start practice: "+err.Error(), true)
		return
	}
	s.stop = stop
	s.startGame(url, match, "", s.name())
}

// startGame joins match on the server at url as name; label names the
// server on the connecting screen.
func (s *shell) startGame(url, match, label, name string) {
	back := s.menu.Screen()
	if back == menu.ScreenCreate || back == menu.ScreenAddServer {
		back = menu.ScreenBrowser
	}
	l, err := link.Start(context.Background(), link.Options{
		Session: session.Options{URL: url, Name: name, Match: match},
		Logger:  s.o.Logger,
	})
	if err != nil {
		s.stopServer()
		s.menu.Notify(err.Error(), true)
		return
	}
	model := game.New(l, game.Options{NoAutoSpawn: s.o.Game.NoAutoSpawn})
	g, err := newPlayScene(model, s.menu.Bindings(), label, s.o.NetStats || s.o.Settings.NetStats, s.w, s.h)
	if err != nil {
		l.Close()
		s.stopServer()
		s.menu.Notify(err.Error(), true)
		return
	}
	s.play, s.link, s.last, s.back = g, l, model, back
	s.menuOpen = false
	s.menu.SetInGame(true)
	s.snd.director.Reset()
}

// leave ends the match shown and goes back to the menu, saying why if
// there is a reason.
func (s *shell) leave(why string) {
	if s.play == nil {
		return
	}
	s.closeMatch()
	s.menuOpen = false
	s.menu.Open(s.back)
	if why != "" {
		s.menu.Notify(why, true)
	}
}

// takeOver starts the practice match the viewer's T asks for and plays
// it; the viewer waits, paused, at the tick it was taken over at.
func (s *shell) takeOver(t viewer.TakeOver) {
	if s.o.TakeOver == nil {
		s.watch.app.TakeOverFailed(errors.New("taking over is not available here"))
		return
	}
	url, match, name, stop, err := s.o.TakeOver(t)
	if err != nil {
		s.watch.app.TakeOverFailed(err)
		return
	}
	s.stop = stop
	s.startGame(url, match, "", name)
	if s.play == nil {
		s.watch.app.TakeOverFailed(errors.New("the match could not start"))
		return
	}
	s.takeover = true
	s.play.menuWord = "back to the replay"
}

// updateTakeOver runs a frame of a match taken over from the viewer: the
// menu key (Esc), a scripted Esc, or Enter once the match is over, go back
// to the viewer.
func (s *shell) updateTakeOver(frame int) {
	g := s.play
	var scripted viewer.Input
	s.watch.script.Apply(frame, &scripted)
	closed := g.model.Phase() == game.PhaseClosed && (s.in.down(key("enter")) || s.in.down(key("kpenter")))
	if g.menuPressed(s.in) || scripted.Actions.Has(viewer.ActBack) || closed {
		s.endTakeOver()
		return
	}
	g.update(s.in, false)
	if v := g.model.View(time.Now()); v.Map != nil {
		cam := scene.Follow(v.Map, float64(s.w), float64(s.h), v.FocusX, v.FocusY)
		s.snd.hear(v.Effects, &cam, true)
	}
}

// endTakeOver leaves a match taken over and goes back to the viewer.
func (s *shell) endTakeOver() {
	s.closeMatch()
	s.takeover = false
	s.snd.director.Reset()
}

// closeMatch closes the match shown: its link (keeping its last status),
// its practice server and what the game screen holds.
func (s *shell) closeMatch() {
	s.lastStatus = s.link.Status()
	s.link.Close()
	s.stopServer()
	s.play.release()
	s.play, s.link = nil, nil
	s.menu.SetInGame(false)
}

// stopServer stops the practice server, if one runs.
func (s *shell) stopServer() {
	if s.stop != nil {
		if err := s.stop(); err != nil {
			s.o.Logger.Warn("practice server", "err", err)
		}
		s.stop = nil
	}
}

// listReplays starts reading the replays to choose from. Each file's
// header is opened, which takes most of a second with a few hundred
// replays: it is done off the game loop, and replaysListed opens the
// list when it is read.
func (s *shell) listReplays() {
	if s.listing != nil {
		return // being read
	}
	list := s.o.Replays
	ch := make(chan viewer.AppOptions, 1)
	go func() {
		var ao viewer.AppOptions
		if list != nil {
			ao = list()
		}
		ch <- ao
	}()
	s.listing = ch
	s.menu.Notify("reading the replays…", false)
}

// replaysListed opens the replays read by listReplays once they are,
// unless a match or the viewer has been opened meanwhile.
func (s *shell) replaysListed() {
	if s.listing == nil {
		return
	}
	select {
	case ao := <-s.listing:
		s.listing = nil
		s.menu.Notify("", false)
		if s.play == nil && s.watch == nil {
			s.openWatch(ao)
		}
	default:
	}
}

// openWatch shows the replays to choose from.
func (s *shell) openWatch(ao viewer.AppOptions) {
	app := viewer.NewApp(ao)
	ws, err := newWatchScene(app, nil, s.o.Frames <= 0, s.w, s.h)
	if err != nil {
		app.Close()
		s.menu.Notify(err.Error(), true)
		return
	}
	ws.in, ws.snd = s.in, s.snd
	s.watch = ws
}

// closeWatch goes back from the replays to the menu.
func (s *shell) closeWatch() {
	s.watch.app.Close()
	s.watch.release()
	s.watch = nil
	s.menu.Open(menu.ScreenMain)
}

// apply applies the settings that changed: volumes, window, vsync, net
// stats, keys.
func (s *shell) apply() {
	st, old := s.o.Settings, &s.applied
	s.snd.setVolume(st.Audio.Master, st.Audio.Effects, st.Audio.Mute)
	if st.Vsync != old.Vsync && !s.o.NoVsync {
		ebiten.SetVsyncEnabled(st.Vsync)
	}
	if st.Window.Fullscreen != old.Window.Fullscreen {
		ebiten.SetFullscreen(st.Window.Fullscreen)
	}
	if st.Window.Width != old.Window.Width || st.Window.Height != old.Window.Height {
		ebiten.SetWindowSize(st.Window.Width, st.Window.Height)
	}
	if s.play != nil {
		if st.NetStats != old.NetStats {
			s.play.netStats = st.NetStats
		}
		s.play.bind = s.menu.Bindings()
	}
	s.applied = st.Clone()
}

// close ends what runs when the window closes.
func (s *shell) close() {
	if s.play != nil {
		s.playing = true
		s.lastStatus = s.link.Status()
		s.link.Close()
		s.stopServer()
	}
	if s.watch != nil && s.o.Start != StartWatch {
		s.watch.app.Close() // RunWatch's caller owns its viewer
	}
	s.br.Close()
}

// Draw implements Scene.
func (s *shell) Draw(screen *ebiten.Image) {
	s.resize(screen)
	switch {
	case s.takeover:
		s.play.Draw(screen)
	case s.watch != nil:
		s.watch.Draw(screen)
	case s.play != nil:
		s.play.Draw(screen)
		if s.menuOpen {
			s.drawMenu(screen, s.menu.View())
		}
	default:
		s.drawMenu(screen, s.menu.View())
	}
}
