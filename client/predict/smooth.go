package predict

import (
	"math"
	"time"

	"github.com/skirmishgg/skirmish/sim"
)

// Smoother hides corrections from the eye: the own player is drawn at the
// predicted position plus an offset that absorbs each correction when it
// happens, so the picture does not jump, and then decays exponentially, so
// the player glides onto the corrected path within about a tenth of a second.
// Large corrections (a death, a spawn, more than SnapDistance) are shown at
// once. The zero value is ready to use.
type Smoother struct {
	x, y, heading float64 // the offset: world units and angle units
}

// Smoothing parameters.
const (
	// SmoothTime is the offset's time constant.
	SmoothTime = 40 * time.Millisecond
	// SnapDistance is the largest correction, in world units, that is
	// smoothed rather than shown at once.
	SnapDistance = 2 * sim.Unit
)

// Correct absorbs a correction into the offset.
func (s *Smoother) Correct(c Correction) {
	if c.Jump || abs32(c.X) > SnapDistance || abs32(c.Y) > SnapDistance {
		*s = Smoother{}
		return
	}
	s.x -= float64(c.X)
	s.y -= float64(c.Y)
	s.heading -= float64(c.Heading)
}

// Decay lets dt pass and returns how far the drawn position moved because of
// it (the larger of |dx| and |dy|, in world units): the part of the
// correction made visible in this frame.
func (s *Smoother) Decay(dt time.Duration) float64 {
	k := math.Exp(-float64(dt) / float64(SmoothTime))
	step := max(math.Abs(s.x), math.Abs(s.y)) * (1 - k)
	s.x *= k
	s.y *= k
	s.heading *= k
	if math.Abs(s.x) < 1 && math.Abs(s.y) < 1 && math.Abs(s.heading) < 1 {
		*s = Smoother{}
	}
	return step
}

// Offset returns the offset to add to the predicted position (world units)
// and heading (angle units).
func (s *Smoother) Offset() (dx, dy, heading float64) { return s.x, s.y, s.heading }
