package ui

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/client/menu"
)

// Scene is what the game loop runs: Run's shell (the menu, and the match
// or the replays it opened) or RunWatch's viewer. The game loop below runs it: it opens the
// window, calls Update 60 times a second and Draw once per frame shown,
// counts frames, ends a scripted run and takes its screenshot, so that a
// scene only reads its input, moves its model and draws.
type Scene interface {
	// Update advances the scene by one tick. frame numbers the ticks from
	// 0 (scripted input acts by it); w and h are the screen's size in
	// pixels, as Draw's screen has it. It returns true when the user has
	// quit: the loop then ends, after drawing the frame once more.
	Update(frame, w, h int) (quit bool)
	// Draw draws the scene's present state on screen.
	Draw(screen *ebiten.Image)
}

// loopOptions are what Run and RunWatch share.
type loopOptions struct {
	title         string
	width, height int
	// frames, if positive, ends the loop after that many ticks, once the
	// frame after the last one is drawn; screenshot, if set, is a PNG
	// file that frame is written to.
	frames     int
	screenshot string
	noVsync    bool
}

// Result is what a finished Run or RunWatch measured.
type Result struct {
	Frames int           // ticks (Scene.Update calls)
	Draws  int           // frames drawn
	Time   time.Duration // from the first tick to the end
	// FPS is Draws per second of Time after the first second (the
	// window's start-up does not count), and MinFPS the lowest of
	// ebiten.ActualFPS sampled once a second after the first.
	FPS, MinFPS float64
	// Shot is where the screenshot went, if one was taken.
	Shot string
	// Game is the last match played (Run), and Link its link's status
	// when it was left or the window closed; Playing says the match was
	// still on when the window closed.
	Game    *game.Model
	Link    link.Status
	Playing bool
	// Menu is the menu as it was at the end (Run).
	Menu menu.View
}

// errQuit ends RunGame when the scene is done.
var errQuit = errors.New("ui: quit")

// loop implements ebiten.Game for a Scene.
type loop struct {
	scene Scene
	o     loopOptions
	w, h  int // the screen as Layout last gave it

	frame     int
	draws     int
	quit      bool
	start     time.Time
	warm      time.Time // one second after start
	warmDraws int
	minFPS    float64
	nextFPS   time.Time

	shotTaken bool
	shotErr   error
	scratch   []byte
}

// runLoop opens the window and runs s until it quits, the window is
// closed, or o.frames have passed. It must be called from the main
// goroutine.
func runLoop(s Scene, o loopOptions) (Result, error) {
	l := &loop{scene: s, o: o, w: o.width, h: o.height, minFPS: -1}
	ebiten.SetWindowTitle(o.title)
	ebiten.SetWindowSize(o.width, o.height)
	ebiten.SetWindowResizingMode(ebiten.WindowResizingModeEnabled)
	ebiten.SetWindowSizeLimits(320, 240, -1, -1)
	ebiten.SetVsyncEnabled(!o.noVsync)
	ebiten.SetTPS(60)
	err := ebiten.RunGameWithOptions(l, &ebiten.RunGameOptions{X11ClassName: "Skirmish", X11InstanceName: "skirmish"})
	if errors.Is(err, errQuit) || errors.Is(err, ebiten.Termination) {
		err = nil
	}
	res := l.result()
	if err == nil {
		err = l.shotErr
	}
	return res, err
}

// scripted reports whether the run ends after o.frames ticks.
func (l *loop) scripted() bool { return l.o.frames > 0 }

// Update implements ebiten.Game.
func (l *loop) Update() error {
	now := time.Now()
	if l.frame == 0 && l.start.IsZero() {
		l.start, l.warm, l.nextFPS = now, now.Add(time.Second), now.Add(2*time.Second)
	}
	if now.After(l.nextFPS) {
		if fps := ebiten.ActualFPS(); l.minFPS < 0 || fps < l.minFPS {
			l.minFPS = fps
		}
		l.nextFPS = now.Add(time.Second)
	}
	if l.quit || l.scripted() && l.frame >= l.o.frames && l.shotTaken {
		return errQuit
	}
	if l.scripted() && l.frame >= l.o.frames {
		return nil // the last frame is yet to be drawn: it shows exactly o.frames ticks
	}
	l.quit = l.scene.Update(l.frame, l.w, l.h)
	l.frame++
	return nil
}

// Draw implements ebiten.Game.
func (l *loop) Draw(screen *ebiten.Image) {
	l.draws++
	if time.Now().Before(l.warm) {
		l.warmDraws = l.draws
	}
	l.scene.Draw(screen)
	if l.scripted() && l.frame >= l.o.frames && !l.shotTaken {
		l.shotTaken = true
		if l.o.screenshot != "" {
			l.shotErr = l.saveShot(screen, l.o.screenshot)
		}
	}
}

// Layout implements ebiten.Game: the screen has the window's size in
// device pixels, so the picture is sharp on any display; everything is
// scaled from the screen's size.
func (l *loop) Layout(w, h int) (int, int) {
	s := ebiten.Monitor().DeviceScaleFactor()
	l.w, l.h = int(float64(w)*s), int(float64(h)*s)
	return l.w, l.h
}

func (l *loop) result() Result {
	r := Result{Frames: l.frame, Draws: l.draws, MinFPS: l.minFPS}
	if !l.start.IsZero() {
		r.Time = time.Since(l.start)
		if d := r.Time - time.Second; d > 0 && l.draws > l.warmDraws {
			r.FPS = float64(l.draws-l.warmDraws) / d.Seconds()
		}
	}
	if l.shotTaken && l.o.screenshot != "" && l.shotErr == nil {
		r.Shot = l.o.screenshot
	}
	return r
}

// saveShot writes screen to a PNG file.
func (l *loop) saveShot(screen *ebiten.Image, path string) error {
	b := screen.Bounds()
	n := 4 * b.Dx() * b.Dy()
	if cap(l.scratch) < n {
		l.scratch = make([]byte, n)
	}
	px := l.scratch[:n]
	screen.ReadPixels(px)
	img := &image.NRGBA{Pix: make([]byte, n), Stride: 4 * b.Dx(), Rect: image.Rect(0, 0, b.Dx(), b.Dy())}
	for i := 0; i < n; i += 4 {
		a := px[i+3]
		img.Pix[i+3] = 255 // the screen is opaque; drop premultiplication
		if a == 0 {
			continue
		}
		for c := 0; c < 3; c++ {
			img.Pix[i+c] = uint8(min(255, int(px[i+c])*255/int(a)))
		}
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("ui: screenshot: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("ui: screenshot: %w", err)
	}
	return f.Close()
}
