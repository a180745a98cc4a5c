package game

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/simtest"
)

// TestOthersDrawnSmoothly: another player runs in a circle at full speed
// while the frames reach the client late and unevenly; drawn at 60 frames a
// second, it must move the same distance every frame (no stutter, no
// stops, no jumps back).
func TestOthersDrawnSmoothly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base, jitter int // one way, ms
		clockErr     int
		tolerance    float64 // of a frame's expected step
	}{
		{1, 0, 0, 0.1},
		{50, 10, 0, 0.1}, // 100 ms ± 20 ms round trip
		{50, 10, 25, 0.1},
		{50, 20, 0, 0.1}, // 100 ms ± 40 ms
		{100, 30, -20, 0.1},
	} {
		t.Run(fmt.Sprintf("rtt%d±%d-clock%+d", 2*tc.base, 2*tc.jitter, tc.clockErr), func(t *testing.T) {
			t.Parallel()
			c := newFakeConn(t, simtest.OpenRoom(t), tc.base, tc.jitter)
			c.clockErr = tc.clockErr
			c.script = func(w *sim.World) []sim.Input {
				switch w.Tick + 1 {
				case 2:
					return []sim.Input{{Player: 2, Action: sim.Join, Name: "runner"}, {Player: 2, Action: sim.SpawnAt, X: 10, Y: 9}}
				case 10:
					return []sim.Input{{Player: 2, Action: sim.MoveStart, Value: sim.MaxMoveSpeed}, {Player: 2, Action: sim.RotateStart, Value: sim.MaxRotateRate / 2}}
				}
				return nil
			}
			m := New(c, Options{NoAutoSpawn: true})
			want := float64(sim.MaxMoveSpeed) / 60 // units per frame
			var steps []float64
			var last *scene.Body
			play(c, m, 0, 12_000, nil, func(now time.Time, ms int) {
				v := m.View(now)
				var b *scene.Body
				for i := range v.Bodies {
					if v.Bodies[i].ID == 2 {
						b = &v.Bodies[i]
					}
				}
				if b == nil || ms < 2000 {
					if b != nil {
						bb := *b
						last = &bb
					}
					return
				}
				steps = append(steps, math.Hypot(b.X-last.X, b.Y-last.Y))
				bb := *b
				last = &bb
			})
			if len(steps) < 500 {
				t.Fatalf("only %d frames drawn the runner", len(steps))
			}
			worst, sum, sum2 := 0.0, 0.0, 0.0
			for _, s := range steps {
				dev := math.Abs(s-want) / want
				worst = max(worst, dev)
				sum += s
				sum2 += s * s
			}
			mean := sum / float64(len(steps))
			sd := math.Sqrt(sum2/float64(len(steps)) - mean*mean)
			t.Logf("%d frames: step %.1f±%.1f units (want %.1f), worst deviation %.1f%%, render delay %.1f ticks",
				len(steps), mean, sd, want, 100*worst, m.Stats().Delay)
			if worst > tc.tolerance {
				t.Errorf("a frame's step deviates %.0f%% from the steady %.0f units, limit %.0f%%", 100*worst, want, 100*tc.tolerance)
			}
		})
	}
}
