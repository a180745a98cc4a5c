package viewer

import (
	"fmt"
	"slices"
	"testing"
)

// screenSizes are window sizes from the smallest supported (640×360) up to
// 4K, in many shapes: wide, tall, square, odd sizes.
func screenSizes() [][2]float64 {
	var sizes [][2]float64
	for w := 640.0; w <= 3840; w += 97 {
		for h := 360.0; h <= 2160; h += 83 {
			sizes = append(sizes, [2]float64{w, h})
		}
	}
	return append(sizes, [2]float64{640, 360}, [2]float64{3840, 2160}, [2]float64{640, 2160}, [2]float64{3840, 360},
		[2]float64{1280, 720}, [2]float64{1920, 1080}, [2]float64{801, 601}, [2]float64{1024, 768})
}

// TestLayoutPanelsNeverOverlap: at every size from 640×360 up and for any
// number of players, the info panel, the kill feed, the notices, the player
// list and the timeline are on the screen and apart.
func TestLayoutPanelsNeverOverlap(t *testing.T) {
	t.Parallel()
	for _, size := range screenSizes() {
		for _, players := range []int{0, 1, 8, 32} {
			l := NewLayout(size[0], size[1], players)
			screen := Rect{W: size[0], H: size[1]}
			panels := l.Panels()
			names := make([]string, 0, len(panels))
			for n := range panels {
				names = append(names, n)
			}
			slices.Sort(names)
			where := fmt.Sprintf("%gx%g with %d players", size[0], size[1], players)
			for i, a := range names {
				if !panels[a].Within(screen) {
					t.Errorf("%s: %s %+v leaves the screen", where, a, panels[a])
				}
				for _, b := range names[i+1:] {
					if panels[a].Overlaps(panels[b]) {
						t.Errorf("%s: %s %+v overlaps %s %+v", where, a, panels[a], b, panels[b])
					}
				}
			}
			if l.Feed.H < l.FeedRow*6 || l.Feed.W < 200*l.Scale {
				t.Errorf("%s: feed %+v, want room for six lines of at least %.0f pixels", where, l.Feed, 200*l.Scale)
			}
			if l.Notes.H < 2*l.NoteRow {
				t.Errorf("%s: notes %+v, want room for two lines", where, l.Notes)
			}
			if players > 0 && l.ListRows == 0 {
				t.Errorf("%s: no room for a single row of the player list", where)
			}
		}
	}
}
