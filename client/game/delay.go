package game

import "math"

// Delay is the render delay of other players, in ticks: how far behind the
// server's present they are drawn, so that the two confirmed ticks around
// the time drawn have nearly always arrived. It watches how late each frame
// arrives (the server's present when it arrives minus its tick) and keeps
// the delay just above the latest frames of the last second: it rises at
// once when frames come later, and falls slowly when they come earlier
// again, so that the speed of the picture barely changes. The zero value is
// ready to use.
type Delay struct {
	late   [delayWindow]float64
	n      int
	ticks  float64 // the current delay
	target float64
}

const (
	delayWindow = 60  // frames: a second at 60 Hz
	delayMargin = 0.5 // ticks above the latest frame
	// delayFall is the share of the excess the delay drops per frame.
	delayFall = 0.01
	// delayRise is the share of a shortfall it makes up per frame, but at
	// most delayMaxRise of the frame's advance: the picture slows down
	// rather than goes back.
	delayRise    = 0.25
	delayMaxRise = 0.5
)

// Observe records a frame for tick that arrived when the server's present
// was now (in ticks).
func (d *Delay) Observe(now float64, tick uint32) {
	d.late[d.n%delayWindow] = now - float64(tick)
	d.n++
	m := math.Inf(-1)
	for _, l := range d.late[:min(d.n, delayWindow)] {
		m = max(m, l)
	}
	// Drawing at the present minus the latest lateness needs nothing newer
	// than the newest tick to have arrived.
	d.target = max(m, 0) + delayMargin
	if d.n == 1 {
		d.ticks = d.target
	}
}

// Step moves the delay one frame towards its target and returns it; advance
// is how far the server's present moved in the frame, in ticks.
func (d *Delay) Step(advance float64) float64 {
	if d.target > d.ticks {
		d.ticks += min((d.target-d.ticks)*delayRise, delayMaxRise*advance)
	} else {
		d.ticks += (d.target - d.ticks) * delayFall
	}
	return d.ticks
}

// Ticks returns the current delay.
func (d *Delay) Ticks() float64 { return d.ticks }

// Reset forgets the frames observed.
func (d *Delay) Reset() { *d = Delay{} }
