package projection

import (
	"testing"
	"time"
)

// TestPacerShare drives a pacer with a clock that only moves when work is
// done or the pacer sleeps: whatever the work (ticks without events, ticks
// full of events, chunks decoded between them), it sleeps as long as the
// share says, and no stretch of work without a pause is much longer than a
// slice.
func TestPacerShare(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		share  float64
		tick   time.Duration // work per tick
		events int           // per tick
	}{
		{"empty ticks, half a core", 0.5, 2 * time.Microsecond, 0},
		{"event bombs, half a core", 0.5, 400 * time.Microsecond, 4096},
		{"a quarter of a core", 0.25, 20 * time.Microsecond, 10},
		{"flat out", 1, 20 * time.Microsecond, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			now := time.Unix(0, 0)
			var worked, slept, stretch, longest time.Duration
			p := newPacer(tc.share)
			p.now = func() time.Time { return now }
			p.sleep = func(d time.Duration) {
				now = now.Add(d)
				slept += d
				stretch = 0
			}
			p.begin()
			work := func(d time.Duration) {
				now = now.Add(d)
				worked += d
				stretch += d
				longest = max(longest, stretch)
			}
			for i := range 20000 {
				work(tc.tick)
				p.tick(tc.events)
				if i%100 == 99 { // a chunk decoded
					work(time.Millisecond)
					p.pause()
				}
			}
			want := time.Duration(float64(worked) * (1 - tc.share) / tc.share)
			if diff := want - slept; diff < 0 || diff > 2*sliceWork {
				t.Errorf("worked %v, slept %v; want %v (share %v)", worked, slept, want, tc.share)
			}
			// A stretch ends at a look at the clock past sliceWork; looks
			// come every unitsPerLook units of work, or after a chunk.
			look := max(tc.tick*unitsPerLook/time.Duration(1+tc.events/eventsPerUnit), tc.tick)
			if limit := sliceWork + look + time.Millisecond; tc.share < 1 && longest > limit {
				t.Errorf("worked %v without a pause, want at most %v", longest, limit)
			}
		})
	}
}
