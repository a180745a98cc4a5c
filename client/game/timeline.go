package game

import "time"

// Timeline is a smooth estimate of the server's match clock. The clock
// estimate of a session moves in steps (whole milliseconds; a jump when a
// ping with a shorter round trip arrives); a picture driven by it directly
// would stutter. Timeline advances with the local monotonic clock and slews
// gently towards the estimate, jumping only when it is far off. It never
// goes backwards. The zero value is ready to use.
type Timeline struct {
	ms   float64 // the server's clock, ms, at last
	last time.Time
	ok   bool
}

// Timeline parameters.
const (
	// slewTime is the time constant with which an error is made up.
	slewTime = 500 * time.Millisecond
	// snapError is the error beyond which the timeline jumps.
	snapError = 250.0 // ms
)

// Update advances the timeline to local time now, given the server clock
// estimate serverMs, and returns the server time in ms.
func (t *Timeline) Update(now time.Time, serverMs uint32) float64 {
	target := float64(serverMs)
	if !t.ok {
		t.ms, t.last, t.ok = target, now, true
		return t.ms
	}
	dt := now.Sub(t.last)
	if dt < 0 {
		dt = 0
	}
	t.last = now
	t.ms += float64(dt) / float64(time.Millisecond)
	err := target - t.ms
	if err > snapError || err < -snapError {
		if err > 0 {
			t.ms = target
		}
		// A clock far behind is not followed backwards: the timeline
		// waits for it by standing still, at most snapError at a time.
		if err < 0 {
			t.ms -= float64(dt) / float64(time.Millisecond)
		}
		return t.ms
	}
	step := err * min(1, float64(dt)/float64(slewTime))
	// Never backwards: at most cancel this frame's advance.
	t.ms += max(step, -float64(dt)/float64(time.Millisecond))
	return t.ms
}

// At returns the server time in ms at local time now, extrapolated from the
// last Update (for drawing between updates).
func (t *Timeline) At(now time.Time) float64 {
	if !t.ok {
		return 0
	}
	dt := now.Sub(t.last)
	if dt < 0 {
		dt = 0
	}
	return t.ms + float64(dt)/float64(time.Millisecond)
}

// Valid reports whether the timeline has been set.
func (t *Timeline) Valid() bool { return t.ok }

// Reset forgets the timeline, for a new connection (a new match clock).
func (t *Timeline) Reset() { *t = Timeline{} }
