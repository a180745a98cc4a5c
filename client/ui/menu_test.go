package ui

import (
	"context"
	"fmt"
	"image"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/text/v2"
	"github.com/skirmishgg/skirmish/client/menu"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/client/settings"
	"github.com/skirmishgg/skirmish/server"
)

// testShell returns the shell of a run on o at w×h, in a temporary
// configuration directory, silent.
func testShell(t *testing.T, o Options, w, h int) *shell {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	if o.Settings == nil {
		s := settings.Defaults()
		o.Settings = &s
	}
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := newShell(o, w, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return s
}

// frame runs the shell's menu for a frame on a w×h screen with keys
// pressed, and draws it.
func (s *shell) frame(screen *ebiten.Image, pressed ...string) {
	b := screen.Bounds()
	s.w, s.h = b.Dx(), b.Dy()
	var ks = s.press[:0]
	for _, n := range pressed {
		ks = append(ks, key(n))
	}
	s.menu.Update(menu.Input{W: float64(s.w), H: float64(s.h), Now: time.Now(), Pressed: ks, MouseX: -1, MouseY: -1})
	s.resize(screen)
	s.drawMenu(screen, s.menu.View())
}

// serve runs a real server with players in the named matches.
func serve(t *testing.T, matches map[string]int) string {
	t.Helper()
	srv, err := server.New(server.Options{ReplayDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	url := "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
	for match, n := range matches {
		for i := range n {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			sess, err := session.Dial(ctx, session.Options{URL: url, Name: fmt.Sprintf("p%d", i), Match: match})
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			// Reading its frames, as a client does, the player answers the
			// server's keep-alive pings and stays in the match.
			rctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() {
				defer close(done)
				for rctx.Err() == nil {
					if _, err := sess.Recv(rctx); err != nil {
						return
					}
				}
			}()
			t.Cleanup(func() {
				stop()
				sess.CloseNow()
				<-done
			})
		}
	}
	return url
}

// TestBrowserShowsMatchNames opens the browser on a real server with three
// matches and compares, pixel for pixel, the name drawn in each row with
// the name drawn alone on the same background: the screen lists the
// server's matches, in order, by name.
func TestBrowserShowsMatchNames(t *testing.T) {
	url := serve(t, map[string]int{"friday": 2, "saturday": 3, "sunday": 1})
	s := testShell(t, Options{Start: StartBrowser, Browse: url}, 1280, 720)
	s.backdrop = nil // a plain background under the panel, to compare with
	screen := ebiten.NewImage(1280, 720)
	defer screen.Deallocate()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && len(s.menu.View().Browser.Rows) < 3 {
		s.frame(screen)
		time.Sleep(5 * time.Millisecond)
	}
	s.frame(screen)
	v := s.menu.View()
	keepShot(t, screen, t.Name())
	want := []string{"saturday", "friday", "sunday"} // by players
	if len(v.Browser.Rows) != 3 {
		t.Fatalf("rows %+v", v.Browser.Rows)
	}
	img := pixels(screen)
	for i, name := range want {
		r, c := v.Layout.Rows[i], v.Layout.Columns[menu.ColMatch]
		// The cell, clear of the accent bar that marks the selected row.
		cell := image.Rect(int(c.X)+6, int(r.Y)+2, int(c.Right()), int(r.Bottom())-2)
		if got := s.drawnAs(img, cell, name, c.X+v.Layout.Pad/2, r.Y+r.H/2); got != 0 {
			t.Errorf("row %d: %d pixels differ from %q drawn alone", i, got, name)
		}
		// And it is not another name.
		other := want[(i+1)%len(want)]
		if got := s.drawnAs(img, cell, other, c.X+v.Layout.Pad/2, r.Y+r.H/2); got < 20 {
			t.Errorf("row %d looks like %q as well (%d pixels differ)", i, other, got)
		}
	}
}

// drawnAs draws name as the browser draws a match's name at (x, y) on the
// background that img has at cell's corner, and returns how many pixels of
// cell differ from img (by more than 2 in a channel).
func (s *shell) drawnAs(img *image.RGBA, cell image.Rectangle, name string, x, y float64) int {
	ref := ebiten.NewImage(img.Bounds().Dx(), img.Bounds().Dy())
	defer ref.Deallocate()
	ref.Fill(img.RGBAAt(cell.Max.X-2, cell.Min.Y+1))
	s.text(ref, name, s.fonts.large, x, y, colText, text.AlignStart, text.AlignCenter)
	want := pixels(ref)
	n := 0
	for py := cell.Min.Y; py < cell.Max.Y; py++ {
		for px := cell.Min.X; px < cell.Max.X; px++ {
			a, b := img.RGBAAt(px, py), want.RGBAAt(px, py)
			if diff(a.R, b.R) > 2 || diff(a.G, b.G) > 2 || diff(a.B, b.B) > 2 {
				n++
			}
		}
	}
	return n
}

func diff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// TestMenuScreens draws every screen of the menu at three sizes: each
// item's label is drawn in its row, inside the panel.
func TestMenuScreens(t *testing.T) {
	for _, size := range threeSizes {
		for _, sc := range []struct {
			name string
			keys []string
		}{
			{"main", nil},
			{"practice", []string{"enter"}},
			{"settings", []string{"down", "down", "down", "enter"}},
			{"keys", []string{"down", "down", "down", "enter", "up", "up", "enter"}},
			{"add-server", []string{"down", "enter", "a"}},
		} {
			t.Run(fmt.Sprintf("%s/%dx%d", sc.name, size[0], size[1]), func(t *testing.T) {
				s := testShell(t, Options{}, size[0], size[1])
				screen := ebiten.NewImage(size[0], size[1])
				defer screen.Deallocate()
				s.frame(screen)
				for _, k := range sc.keys {
					s.frame(screen, k)
				}
				s.frame(screen)
				v := s.menu.View()
				if got := v.Screen.String(); got != sc.name {
					t.Fatalf("on %s, want %s", got, sc.name)
				}
				keepShot(t, screen, t.Name())
				img := pixels(screen)
				for i, r := range v.Layout.Items {
					if n := textPixels(img, scene.Rect{X: r.X, Y: r.Y, W: r.W * 0.4, H: r.H}); n < 20 {
						t.Errorf("item %d (%q): %d text pixels in its label's place", i, v.Items[i].Label, n)
					}
				}
			})
		}
	}
}

// TestCreateScreen draws the create screen on a real server at three
// sizes, once its maps have come, a map other than the server's own
// chosen: each item's label is drawn in its row.
func TestCreateScreen(t *testing.T) {
	url := serve(t, nil)
	for _, size := range threeSizes {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			s := testShell(t, Options{Start: StartBrowser, Browse: url}, size[0], size[1])
			screen := ebiten.NewImage(size[0], size[1])
			defer screen.Deallocate()
			s.frame(screen, "c")
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) && !strings.Contains(mapItem(s.menu.View()).Note, "3 maps") {
				s.frame(screen)
				time.Sleep(5 * time.Millisecond)
			}
			for _, k := range []string{"down", "right", "right", "up"} {
				s.frame(screen, k)
			}
			s.menu.Update(menu.Input{W: float64(size[0]), H: float64(size[1]), Now: time.Now(), Text: "friday", MouseX: -1, MouseY: -1})
			s.frame(screen)
			v := s.menu.View()
			if v.Screen != menu.ScreenCreate || mapItem(v).Value != "duel" {
				t.Fatalf("on %v, map %+v; want the create screen on duel", v.Screen, mapItem(v))
			}
			keepShot(t, screen, t.Name())
			img := pixels(screen)
			for i, r := range v.Layout.Items {
				if n := textPixels(img, scene.Rect{X: r.X, Y: r.Y, W: r.W * 0.4, H: r.H}); n < 20 {
					t.Errorf("item %d (%q): %d text pixels in its label's place", i, v.Items[i].Label, n)
				}
			}
		})
	}
}

// mapItem returns the Map item of v.
func mapItem(v *menu.View) menu.Item {
	for _, it := range v.Items {
		if it.Label == "Map" {
			return it
		}
	}
	return menu.Item{}
}

// textPixels counts the light pixels (text) in r.
func textPixels(img *image.RGBA, r scene.Rect) int {
	n := 0
	for y := int(r.Y); y < int(r.Bottom()); y++ {
		for x := int(r.X); x < int(r.Right()); x++ {
			c := img.RGBAAt(x, y)
			if int(c.R)+int(c.G)+int(c.B) > 360 {
				n++
			}
		}
	}
	return n
}
