package game

import (
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/sim/simtest"
)

func TestConnectionRate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		c    Connection
		want Quality
	}{
		{Connection{}, QualityGood},
		{Connection{Ping: 40 * time.Millisecond, PingOK: true, Late: 0.01, Silent: 20 * time.Millisecond}, QualityGood},
		{Connection{Ping: FairPing, PingOK: true}, QualityFair},
		{Connection{Ping: PoorPing, PingOK: true}, QualityPoor},
		{Connection{Late: FairLate}, QualityFair},
		{Connection{Late: PoorLate}, QualityPoor},
		{Connection{Silent: FairSilent}, QualityFair},
		{Connection{Silent: PoorSilent}, QualityPoor},
		{Connection{Down: true}, QualityPoor},
		{Connection{Ping: time.Hour}, QualityGood}, // not measured yet
	} {
		if got := tc.c.Rate(); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.c, got, tc.want)
		}
	}
}

// TestConnectionIndicator plays the model over simulated networks and reads
// the HUD's connection indicator: green on a quick steady one, red on a
// slow one, amber during a stall and red after it, for the frames that
// came late.
func TestConnectionIndicator(t *testing.T) {
	t.Parallel()
	quality := func(c *fakeConn, m *Model, from, until int) (Connection, []Quality) {
		var last Connection
		var seen []Quality
		play(c, m, from, until, nil, func(now time.Time, ms int) {
			last = m.View(now).HUD.Conn
			if len(seen) == 0 || seen[len(seen)-1] != last.Quality {
				seen = append(seen, last.Quality)
			}
		})
		return last, seen
	}
	t.Run("steady", func(t *testing.T) {
		t.Parallel()
		c := newFakeConn(t, simtest.OpenRoom(t), 10, 2)
		m := New(c, Options{})
		conn, _ := quality(c, m, 0, 4000)
		if conn.Quality != QualityGood || conn.Late >= FairLate || conn.Frames != LateWindow {
			t.Errorf("on a 20 ms network: %+v, want good with no late frames over %d", conn, LateWindow)
		}
	})
	t.Run("slow", func(t *testing.T) {
		t.Parallel()
		c := newFakeConn(t, simtest.OpenRoom(t), 150, 0)
		m := New(c, Options{})
		conn, _ := quality(c, m, 0, 4000)
		if conn.Quality != QualityPoor || conn.Ping != 300*time.Millisecond {
			t.Errorf("on a 300 ms network: %+v, want poor", conn)
		}
	})
	t.Run("stall", func(t *testing.T) {
		t.Parallel()
		c := newFakeConn(t, simtest.OpenRoom(t), 10, 0)
		c.stall = [2]int{3000, 3600}
		m := New(c, Options{})
		if conn, _ := quality(c, m, 0, 3000); conn.Quality != QualityGood {
			t.Fatalf("before the stall: %+v, want good", conn)
		}
		conn, seen := quality(c, m, 3000, 3900)
		if len(seen) < 2 || seen[0] != QualityGood || seen[1] != QualityFair {
			t.Errorf("during the stall the indicator went %v, want good, then fair", seen)
		}
		if conn.Quality != QualityPoor || conn.Late < PoorLate {
			t.Errorf("after a 600 ms stall: %+v, want poor for the late frames", conn)
		}
	})
}
