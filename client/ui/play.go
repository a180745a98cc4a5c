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
	g, err := newPlayScene(o)
	if err != nil {
		return Result{}, err
	}
	return runLoop(g, loopOptions{title: o.Title, width: o.Width, height: o.Height,
		frames: o.Frames, screenshot: o.Screenshot, noVsync: o.NoVsync})
}

// playScene is the Scene of Run: keys in, game model forward, its view
// drawn (draw.go).
type playScene struct {
	painter
	o     Options
	model *game.Model

	held     game.Keys // from the script
	prev     game.Keys
	menu     bool
	scores   bool
	netStats bool
	start    time.Time // the first tick, for the keys' help
}

func newPlayScene(o Options) (*playScene, error) {
	p, err := newPainter(o.Width, o.Height)
	if err != nil {
		return nil, err
	}
	p.meLabel = "you"
	return &playScene{painter: p, o: o, model: o.Model, netStats: o.NetStats}, nil
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

func (g *playScene) readKeys() game.Keys {
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

// Update implements Scene: keys in, game model forward.
func (g *playScene) Update(frame, _, _ int) (quit bool) {
	now := time.Now()
	if frame == 0 {
		g.start = now
	}
	g.held = g.o.Script.Apply(frame, g.held)
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
		quit = true
	}
	if g.menu && !pressed.Has(game.KeyMenu) && (pressed.Has(game.KeyStrafeLeft) || inpututil.IsKeyJustPressed(ebiten.KeyEnter)) {
		quit = true
	}
	g.scores = keys.Has(game.KeyScores)
	play := keys
	if g.menu {
		play = 0 // the menu holds the game's keys: the player stops
	}
	g.model.Update(now, play)
	return quit
}

// Draw implements Scene: the model's view, drawn.
func (g *playScene) Draw(screen *ebiten.Image) {
	g.resize(screen)
	g.draw(screen, g.model.View(time.Now()))
}

// uiScale is the size of text and HUD relative to a 720-pixel-high screen.
func uiScale(w, h int) float64 { return scene.UIScale(float64(w), float64(h)) }
