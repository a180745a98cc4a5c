package audio

import (
	"fmt"
	"math"
)

// Sound is one of the game's sounds.
type Sound uint8

// Sounds.
const (
	Shot  Sound = iota + 1 // a shot fired
	Hit                    // a player hit
	Death                  // a player killed
	Spawn                  // a player (re)spawned
	Click                  // a choice in the menu
	numSounds
)

var soundNames = [numSounds]string{"", "shot", "hit", "death", "spawn", "click"}

func (s Sound) String() string {
	if s == 0 || s >= numSounds {
		return fmt.Sprintf("sound(%d)", uint8(s))
	}
	return soundNames[s]
}

// Effect reports whether s is one of the game's effects (scaled by the
// effects volume) rather than the interface's (the click).
func (s Sound) Effect() bool { return s != Click }

// SampleRate is the rate the sounds are synthesised and mixed at.
const SampleRate = 48000

// Synthesize returns sound s as mono samples in [-1, 1] at rate samples a
// second. The same arguments always give the same samples: the noise in
// them comes from a generator seeded per sound.
func Synthesize(s Sound, rate int) []float32 {
	r := float64(rate)
	var out []float32
	gen := func(seconds float64, fn func(t float64) float64) {
		n := int(seconds * r)
		out = make([]float32, n)
		for i := range n {
			out[i] = float32(fn(float64(i) / r))
		}
	}
	noise := newNoise(uint32(s))
	switch s {
	case Shot:
		// A falling square-ish tone with a burst of noise at the start.
		phase := 0.0
		gen(0.16, func(t float64) float64 {
			f := 380 + (1600-380)*math.Exp(-t/0.035)
			phase += f / r
			tone := math.Tanh(3 * math.Sin(2*math.Pi*phase))
			return 0.45*tone*env(t, 0.002, 0.045) + 0.35*noise.next()*env(t, 0.001, 0.01)
		})
	case Hit:
		// A low thump and a short click.
		phase := 0.0
		lp := lowpass(0.3)
		gen(0.2, func(t float64) float64 {
			f := 90 + 150*math.Exp(-t/0.03)
			phase += f / r
			return 0.8*math.Sin(2*math.Pi*phase)*env(t, 0.002, 0.05) + 0.4*lp(noise.next())*env(t, 0.0005, 0.006)
		})
	case Death:
		// A falling buzz in noise that darkens as it fades.
		phase := 0.0
		var lpState float64
		gen(0.8, func(t float64) float64 {
			f := 50 + 250*math.Exp(-t/0.18)
			phase += f / r
			saw := 2*(phase-math.Floor(phase)) - 1
			k := 0.05 + 0.4*math.Exp(-t/0.15) // the noise's low-pass opens less and less
			lpState += k * (noise.next() - lpState)
			return (0.35*saw + 0.6*lpState) * env(t, 0.004, 0.22)
		})
	case Spawn:
		// Three rising notes.
		notes := [...]float64{523.25, 659.26, 783.99}
		step := 0.085
		gen(0.4, func(t float64) float64 {
			v := 0.0
			for i, f := range notes {
				if dt := t - float64(i)*step; dt >= 0 {
					v += (math.Sin(2*math.Pi*f*dt) + 0.25*math.Sin(4*math.Pi*f*dt)) * env(dt, 0.006, 0.07)
				}
			}
			return 0.32 * v
		})
	case Click:
		gen(0.04, func(t float64) float64 {
			return 0.35*math.Sin(2*math.Pi*1800*t)*env(t, 0.0005, 0.005) + 0.1*noise.next()*env(t, 0.0002, 0.002)
		})
	}
	fadeOut(out, rate/500) // the last 2 ms to silence: no click at the end
	return out
}

// env is an envelope: a linear attack over attack seconds, then an
// exponential decay with time constant decay.
func env(t, attack, decay float64) float64 {
	if t < attack {
		return t / attack
	}
	return math.Exp(-(t - attack) / decay)
}

// fadeOut ramps the last n samples of s down to zero.
func fadeOut(s []float32, n int) {
	n = min(n, len(s))
	for i := range n {
		s[len(s)-1-i] *= float32(i) / float32(n)
	}
}

// lowpass returns a one-pole low-pass filter with coefficient k (0 to 1:
// the larger, the brighter).
func lowpass(k float64) func(float64) float64 {
	y := 0.0
	return func(x float64) float64 {
		y += k * (x - y)
		return y
	}
}

// noise is white noise in [-1, 1) from a xorshift generator.
type noise struct{ s uint32 }

func newNoise(seed uint32) *noise { return &noise{s: 0x9e3779b9 ^ seed*0x85ebca6b | 1} }

func (n *noise) next() float64 {
	n.s ^= n.s << 13
	n.s ^= n.s >> 17
	n.s ^= n.s << 5
	return float64(n.s)/(1<<31) - 1
}
