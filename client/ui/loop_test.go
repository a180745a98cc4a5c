package ui

import (
	"errors"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hajimehoshi/ebiten/v2"
)

// countScene records the loop's calls and fills the screen with a colour
// that changes with each tick.
type countScene struct {
	frames []int
	draws  int
	quitAt int // Update returns true at this frame (-1: never)
}

func (s *countScene) Update(frame, w, h int) bool {
	s.frames = append(s.frames, frame)
	return frame == s.quitAt
}

func (s *countScene) Draw(screen *ebiten.Image) {
	s.draws++
	screen.Fill(color.RGBA{uint8(10 * len(s.frames)), 0x40, 0x80, 0xff})
}

// TestLoopScripted: a scripted run ticks its scene exactly Frames times,
// draws the last tick, saves that frame, then ends, even on a display too
// slow to draw every tick (Ebiten then calls Update twice per Draw).
func TestLoopScripted(t *testing.T) {
	shot := filepath.Join(t.TempDir(), "shot.png")
	s := &countScene{quitAt: -1}
	l := &loop{scene: s, o: loopOptions{frames: 3, screenshot: shot}, w: 64, h: 48, minFPS: -1}
	screen := ebiten.NewImage(64, 48)
	defer screen.Deallocate()
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		if err = l.Update(); err == nil {
			err = l.Update()
		}
		if err == nil {
			l.Draw(screen)
		}
	}
	if !errors.Is(err, errQuit) {
		t.Fatalf("the loop ended with %v, want errQuit", err)
	}
	if !slices.Equal(s.frames, []int{0, 1, 2}) {
		t.Errorf("the scene ticked at frames %v, want 0, 1, 2", s.frames)
	}
	res := l.result()
	if res.Frames != 3 || res.Shot != shot || l.shotErr != nil {
		t.Errorf("result %+v, shot error %v", res, l.shotErr)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if r, g, b, _ := img.At(5, 5).RGBA(); r>>8 != 30 || g>>8 != 0x40 || b>>8 != 0x80 {
		t.Errorf("the screenshot shows %d,%d,%d, want the frame after the third tick (30,64,128)", r>>8, g>>8, b>>8)
	}
}

// TestLoopQuit: when the scene quits, the loop draws once more and ends.
func TestLoopQuit(t *testing.T) {
	s := &countScene{quitAt: 4}
	l := &loop{scene: s, w: 64, h: 48, minFPS: -1}
	screen := ebiten.NewImage(64, 48)
	defer screen.Deallocate()
	var err error
	for i := 0; i < 20 && err == nil; i++ {
		if err = l.Update(); err == nil {
			l.Draw(screen)
		}
	}
	if !errors.Is(err, errQuit) || len(s.frames) != 5 || s.draws != 5 {
		t.Errorf("ended with %v after %d ticks and %d draws, want errQuit after 5 and 5", err, len(s.frames), s.draws)
	}
}
