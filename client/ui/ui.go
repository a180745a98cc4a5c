// Package ui is the desktop client's Ebiten layer: it opens the window,
// reads the keyboard, and draws what the game model (package client/game)
// says is there. It holds no game logic: Update passes the keys to
// game.Model.Update, Draw draws game.Model.View.
//
// Use Run to play: it blocks until the player quits (Esc, then Q), the
// scripted frames are done (Options.Frames), or the window is closed.
// Options.Screenshot saves the last frame as a PNG, and Options.Script
// presses keys by frame number, so that tests and anyone checking a build
// can drive the real client without a person.
//
// RunWatch runs the replay viewer and live spectator the same way: it
// turns the keys and the mouse into viewer.Input for a viewer.App (package
// client/viewer, where all of the viewer's logic is) and draws the frames
// it returns, with the same painter as the game (paint.go): the same map,
// players, shots and effects, through a camera that may also zoom and
// turn.
//
// Ebiten runs the game on the main thread: call Run or RunWatch from main.
package ui

import (
	"errors"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/scene"
)

// Options configures Run. Model is required.
type Options struct {
	Model *game.Model
	// Title is the window title. Default "Skirmish".
	Title string
	// Server names the server on the connecting screen.
	Server string
	// Width and Height are the window's initial size. Default 1280×720.
	Width, Height int
	// Script presses and releases keys by frame (game tick) number, on top
	// of the keyboard.
	Script game.Script
	// Frames, if positive, ends the game after that many frames (game
	// ticks), once the last one is drawn.
	Frames int
	// Screenshot, if set, is a PNG file that the last frame drawn is
	// written to when the game ends.
	Screenshot string
	// NoVsync draws as fast as the machine can (to measure frame rates);
	// the game still ticks 60 times a second.
	NoVsync bool
	// NetStats shows the netcode's numbers under the HUD (F3 toggles it).
	NetStats bool
}

// Result is what a finished Run measured.
type Result struct {
	Frames int           // game ticks
	Draws  int           // frames drawn
	Time   time.Duration // from the first tick to the end
	// FPS is Draws per second of Time after the first second (the
	// window's start-up does not count), and MinFPS the lowest of
	// ebiten.ActualFPS sampled once a second after the first.
	FPS, MinFPS float64
	// Shot is where the screenshot went, if one was taken.
	Shot string
}

// errQuit ends RunGame when the player quits.
var errQuit = errors.New("ui: quit")

// Run opens the window and plays until the player quits or Options.Frames
// have passed. It must be called from the main goroutine.
func Run(o Options) (Result, error) {
	if o.Model == nil {
		return Result{}, errors.New("ui: no model")
	}
	if o.Title == "" {
		o.Title = "Skirmish"
	}
	if o.Width <= 0 || o.Height <= 0 {
		o.Width, o.Height = 1280, 720
	}
	g, err := newGame(o)
	if err != nil {
		return Result{}, err
	}
	ebiten.SetWindowTitle(o.Title)
	ebiten.SetWindowSize(o.Width, o.Height)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetWindowSizeLimits(320, 240, -1, -1)
	ebiten.SetVsyncEnabled(!o.NoVsync)
	ebiten.SetTPS(60)
	err = ebiten.RunGameWithOptions(g, &ebiten.RunGameOptions{X11ClassName: "Skirmish", X11InstanceName: "skirmish"})
	if errors.Is(err, errQuit) || errors.Is(err, ebiten.Termination) {
		err = nil
	}
	res := g.result()
	if err == nil && g.shotErr != nil {
		err = g.shotErr
	}
	return res, err
}

// Game implements ebiten.Game.
type Game struct {
	painter
	o     Options
	model *game.Model

	frame     int
	draws     int
	held      game.Keys // from the script
	prev      game.Keys
	menu      bool
	scores    bool
	netStats  bool
	quit      bool
	start     time.Time
	warm      time.Time // one second after start
	warmDraws int
	minFPS    float64
	nextFPS   time.Time

	shotTaken bool
	shotErr   error
}

func newGame(o Options) (*Game, error) {
	p, err := newPainter(o.Width, o.Height)
	if err != nil {
		return nil, err
	}
	p.meLabel = "you"
	return &Game{painter: p, o: o, model: o.Model, netStats: o.NetStats, minFPS: -1}, nil
}

// keyboard maps keyboard keys to the game's keys.
var keyboard = [game.NumKeys][]ebiten.Key{
	game.KeyForward:     {ebiten.KeyW, ebiten.KeyArrowUp},
	game.KeyBack:        {ebiten.KeyS, ebiten.KeyArrowDown},
	game.KeyLeft:        {ebiten.KeyA, ebiten.KeyArrowLeft},
	game.KeyRight:       {ebiten.KeyD, ebiten.KeyArrowRight},
	game.KeyStrafeLeft:  {ebiten.KeyQ},
	game.KeyStrafeRight: {ebiten.KeyE},
	game.KeyFire:        {ebiten.KeySpace},
	game.KeyRespawn:     {ebiten.KeyR},
	game.KeyScores:      {ebiten.KeyTab},
	game.KeyMenu:        {ebiten.KeyEscape},
}

func (g *Game) readKeys() game.Keys {
	var k game.Keys
	for key, bound := range keyboard {
		for _, b := range bound {
			if ebiten.IsKeyPressed(b) {
				k = k.With(game.Key(key), true)
			}
		}
	}
	return k
}

// Update implements ebiten.Game: keys in, game model forward.
func (g *Game) Update() error {
	now := time.Now()
	if g.frame == 0 {
		g.start, g.warm, g.nextFPS = now, now.Add(time.Second), now.Add(2*time.Second)
	}
	if now.After(g.nextFPS) {
		fps := ebiten.ActualFPS()
		if g.minFPS < 0 || fps < g.minFPS {
			g.minFPS = fps
		}
		g.nextFPS = now.Add(time.Second)
	}
	if g.quit || (g.o.Frames > 0 && g.frame >= g.o.Frames && g.draws > 0 && g.shotTaken) {
		return errQuit
	}
	g.held = g.o.Script.Apply(g.frame, g.held)
	g.frame++
	keys := g.readKeys() | g.held
	pressed := keys.Pressed(g.prev)
	g.prev = keys
	if inpututil.IsKeyJustPressed(ebiten.KeyF3) {
		g.netStats = !g.netStats
	}
	phase := g.model.Phase()
	if pressed.Has(game.KeyMenu) {
		g.menu = !g.menu
	}
	if phase == game.PhaseClosed && (inpututil.IsKeyJustPressed(ebiten.KeyEnter) || pressed.Has(game.KeyMenu)) {
		g.quit = true
	}
	if g.menu && !pressed.Has(game.KeyMenu) && (pressed.Has(game.KeyStrafeLeft) || inpututil.IsKeyJustPressed(ebiten.KeyEnter)) {
		g.quit = true
	}
	g.scores = keys.Has(game.KeyScores)
	play := keys
	if g.menu {
		play = 0 // the menu holds the game's keys: the player stops
	}
	g.model.Update(now, play)
	return nil
}

// Draw implements ebiten.Game: the model's view, drawn.
func (g *Game) Draw(screen *ebiten.Image) {
	g.draws++
	if !g.warm.IsZero() && time.Now().Before(g.warm) {
		g.warmDraws = g.draws
	}
	g.resize(screen)
	v := g.model.View(time.Now())
	g.draw(screen, v)
	if g.o.Frames > 0 && g.frame >= g.o.Frames && !g.shotTaken {
		g.shotTaken = true
		if g.o.Screenshot != "" {
			g.shotErr = g.saveShot(screen, g.o.Screenshot)
		}
	}
}

// Layout implements ebiten.Game: the screen has the window's size in
// device pixels, so the picture is sharp on any display; everything is
// scaled from the screen's size.
func (g *Game) Layout(w, h int) (int, int) {
	s := ebiten.Monitor().DeviceScaleFactor()
	return int(float64(w) * s), int(float64(h) * s)
}

// uiScale is the size of text and HUD relative to a 720-pixel-high screen.
func uiScale(w, h int) float64 { return scene.UIScale(float64(w), float64(h)) }

func (g *Game) result() Result {
	r := Result{Frames: g.frame, Draws: g.draws, MinFPS: g.minFPS}
	if !g.start.IsZero() {
		r.Time = time.Since(g.start)
		if d := r.Time - time.Second; d > 0 && g.draws > g.warmDraws {
			r.FPS = float64(g.draws-g.warmDraws) / d.Seconds()
		}
	}
	if g.shotTaken && g.o.Screenshot != "" && g.shotErr == nil {
		r.Shot = g.o.Screenshot
	}
	return r
}
