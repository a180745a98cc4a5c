package ui

import (
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/scene"
)

// playScene is a match being played: the keys held, through the bindings,
// move the game model (package client/game), and its view is drawn
// (draw.go). The shell runs it, and opens the pause menu over it.
type playScene struct {
	painter
	model    *game.Model
	bind     game.Bindings
	server   string // named on the connecting screen
	menuWord string // what the menu key does, for the keys' help
	scores   bool
	netStats bool
	start    time.Time // the first tick, for the keys' help
	view     *game.View
	cam      scene.Camera
	mini     minimap
}

func newPlayScene(model *game.Model, bind game.Bindings, server string, netStats bool, width, height int) (*playScene, error) {
	p, err := newPainter(width, height)
	if err != nil {
		return nil, err
	}
	p.meLabel = "you"
	return &playScene{painter: p, model: model, bind: bind, server: server, netStats: netStats, menuWord: "menu"}, nil
}

// update moves the game one tick with the keys of in held (none when the
// menu is open: the player stops, the match goes on).
func (g *playScene) update(in *input, menuOpen bool) {
	now := time.Now()
	if g.start.IsZero() {
		g.start = now
	}
	keys := g.bind.Held(in.held)
	if menuOpen {
		keys = 0
	}
	if !menuOpen && in.down(key("f3")) {
		g.netStats = !g.netStats
	}
	g.scores = keys.Has(game.KeyScores)
	g.model.Update(now, keys)
}

// menuPressed reports whether the menu's key went down this frame.
func (g *playScene) menuPressed(in *input) bool {
	for _, k := range g.bind[game.KeyMenu] {
		if in.down(k) {
			return true
		}
	}
	return false
}

// Draw draws the model's view.
func (g *playScene) Draw(screen *ebiten.Image) {
	g.resize(screen)
	g.view = g.model.View(time.Now())
	g.draw(screen, g.view)
}

// uiScale is the size of text and HUD relative to a 720-pixel-high screen.
func uiScale(w, h int) float64 { return scene.UIScale(float64(w), float64(h)) }

// release frees the scene's images.
func (g *playScene) release() {
	g.painter.release()
	if g.mini.img != nil {
		g.mini.img.Deallocate()
		g.mini = minimap{}
	}
}
