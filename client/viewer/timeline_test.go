package viewer

import (
	"testing"

	"github.com/skirmishgg/skirmish/client/scene"
)

func TestSpeedIndex(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		x    float64
		want float64
	}{{1, 1}, {0.25, 0.25}, {16, 16}, {3, 4}, {2.5, 2}, {100, 16}, {0.01, 0.25}, {0, 1}, {-2, 1}} {
		if got := Speeds[SpeedIndex(tc.x)]; got != tc.want {
			t.Errorf("SpeedIndex(%v) = %v×, want %v×", tc.x, got, tc.want)
		}
	}
}

func TestBar(t *testing.T) {
	t.Parallel()
	b := Bar{X: 20, W: 1000, First: 100, Last: 2100}
	for _, tc := range []struct {
		x    float64
		tick uint32
	}{{20, 100}, {1020, 2100}, {520, 1100}, {-50, 100}, {5000, 2100}, {20.2, 100}, {20.3, 101}} {
		if got := b.TickAt(tc.x); got != tc.tick {
			t.Errorf("TickAt(%v) = %d, want %d", tc.x, got, tc.tick)
		}
	}
	// x → tick → x is exact to within half a tick's width, everywhere.
	for x := 20.0; x <= 1020; x += 7.3 {
		if got := b.XAt(float64(b.TickAt(x))); got < x-0.25 || got > x+0.25 {
			t.Errorf("XAt(TickAt(%v)) = %v", x, got)
		}
	}
	if got := b.XAt(50); got != 20 {
		t.Errorf("XAt before the start = %v, want the bar's left end", got)
	}
	empty := Bar{X: 20, W: 1000, First: 7, Last: 7}
	if empty.TickAt(600) != 7 || empty.XAt(7) != 20 {
		t.Error("a bar of one tick")
	}
}

func TestColumns(t *testing.T) {
	t.Parallel()
	b := Bar{X: 0, W: 100, First: 0, Last: 1000} // 10 ticks a pixel
	kills := []scene.Kill{{Tick: 5, KillerID: 1}, {Tick: 9, KillerID: 2}, {Tick: 10, KillerID: 3}, {Tick: 500, KillerID: 4}, {Tick: 2000, KillerID: 5}}
	got := b.Columns(kills, nil)
	want := []MarkerColumn{{X: 0, Kills: 2, Killer: 2}, {X: 1, Kills: 1, Killer: 3}, {X: 50, Kills: 1, Killer: 4}}
	if len(got) != len(want) {
		t.Fatalf("columns %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("column %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}
