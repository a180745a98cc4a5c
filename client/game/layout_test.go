package game

import (
	"fmt"
	"slices"
	"testing"
)

// TestLayoutPanelsNeverOverlap: at every window size from 640×360 up to 4K,
// in every shape, for maps of several proportions, with or without the
// netcode's figures, the HUD's panels are on the screen and apart.
func TestLayoutPanelsNeverOverlap(t *testing.T) {
	t.Parallel()
	var sizes [][2]float64
	for w := 640.0; w <= 3840; w += 97 {
		for h := 360.0; h <= 2160; h += 83 {
			sizes = append(sizes, [2]float64{w, h})
		}
	}
	sizes = append(sizes, [2]float64{640, 360}, [2]float64{3840, 2160}, [2]float64{640, 2160}, [2]float64{3840, 360},
		[2]float64{1280, 720}, [2]float64{1920, 1080}, [2]float64{801, 601})
	maps := [][2]int32{{0, 0}, {32, 24}, {24, 32}, {100, 10}, {10, 100}, {64, 64}}
	for _, size := range sizes {
		for _, m := range maps {
			for _, net := range []bool{false, true} {
				l := NewLayout(size[0], size[1], m[0], m[1], net)
				where := fmt.Sprintf("%gx%g, map %dx%d, net %v", size[0], size[1], m[0], m[1], net)
				screen := Rect{W: size[0], H: size[1]}
				panels := l.Panels()
				names := make([]string, 0, len(panels))
				for n := range panels {
					names = append(names, n)
				}
				slices.Sort(names)
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
				if net != !l.Net.Empty() {
					t.Errorf("%s: net figures %+v", where, l.Net)
				}
				if l.Health.W < 200*l.Scale || l.Minimap.W < 30*l.Scale || l.Minimap.H < 30*l.Scale {
					t.Errorf("%s: health %+v, minimap %+v: too small", where, l.Health, l.Minimap)
				}
			}
		}
	}
}
