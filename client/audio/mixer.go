package audio

import (
	"encoding/binary"
	"math"
	"sync/atomic"
)

// Mixer mixes the sounds playing into stereo samples for a sound device:
// 32-bit float, little-endian, left then right, at SampleRate. Play and
// SetVolume are for the game loop and never block; Read is for the
// device's goroutine. They are safe to call concurrently with each other.
type Mixer struct {
	bank  [numSounds][]float32
	queue chan voice

	master, effects atomic.Uint32 // float32 bits: linear gains
	mute            atomic.Bool

	// Owned by the goroutine that calls Read.
	voices []voice
}

// voice is a sound playing: where it is, and its gain on each side.
type voice struct {
	sound Sound
	pos   int
	l, r  float32
}

// The mixer's limits.
const (
	// QueueLen is how many sounds may wait for the next Read; past it,
	// Play drops the sound rather than wait.
	QueueLen = 64
	// MaxVoices is how many sounds play at once; a new one past it takes
	// the place of the one nearest its end.
	MaxVoices = 24
)

// NewMixer returns a mixer with every sound synthesised, the volumes at
// 100 and nothing playing.
func NewMixer() *Mixer {
	m := &Mixer{queue: make(chan voice, QueueLen), voices: make([]voice, 0, MaxVoices)}
	for s := Sound(1); s < numSounds; s++ {
		m.bank[s] = Synthesize(s, SampleRate)
	}
	m.SetVolume(100, 100, false)
	return m
}

// SetVolume sets the master and effects volumes, 0 to 100 (clamped), and
// mute. A volume's gain is its square: the slider's middle sounds half as
// loud rather than barely quieter.
func (m *Mixer) SetVolume(master, effects int, mute bool) {
	g := func(v int) uint32 {
		f := float32(max(0, min(100, v))) / 100
		return math.Float32bits(f * f)
	}
	m.master.Store(g(master))
	m.effects.Store(g(effects))
	m.mute.Store(mute)
}

// Play starts e's sound with constant-power panning. It never blocks: it
// reports false, dropping the sound, if QueueLen sounds already wait.
func (m *Mixer) Play(e Event) bool {
	if e.Sound == 0 || e.Sound >= numSounds || e.Gain <= 0 {
		return false
	}
	a := (math.Max(-1, math.Min(1, e.Pan)) + 1) * math.Pi / 4
	g := math.Min(1, e.Gain)
	v := voice{sound: e.Sound, l: float32(g * math.Cos(a)), r: float32(g * math.Sin(a))}
	select {
	case m.queue <- v:
		return true
	default:
		return false
	}
}

// Read fills p with the next samples of the mix (whole frames of 8 bytes)
// and returns how many bytes it wrote. It never blocks and never fails:
// with nothing playing it writes silence.
func (m *Mixer) Read(p []byte) (int, error) {
	m.take()
	frames := len(p) / 8
	master := math.Float32frombits(m.master.Load())
	effects := math.Float32frombits(m.effects.Load())
	if m.mute.Load() {
		master = 0
	}
	for i := range frames {
		var l, r float32
		for j := range m.voices {
			v := &m.voices[j]
			if v.pos >= len(m.bank[v.sound]) {
				continue
			}
			s := m.bank[v.sound][v.pos]
			if v.sound.Effect() {
				s *= effects
			}
			l += s * v.l
			r += s * v.r
			v.pos++
		}
		binary.LittleEndian.PutUint32(p[8*i:], math.Float32bits(clip(l*master)))
		binary.LittleEndian.PutUint32(p[8*i+4:], math.Float32bits(clip(r*master)))
	}
	// Drop the voices that ended.
	kept := m.voices[:0]
	for _, v := range m.voices {
		if v.pos < len(m.bank[v.sound]) {
			kept = append(kept, v)
		}
	}
	m.voices = kept
	return 8 * frames, nil
}

// take moves the sounds waiting into the voices.
func (m *Mixer) take() {
	for {
		select {
		case v := <-m.queue:
			if len(m.voices) < MaxVoices {
				m.voices = append(m.voices, v)
				continue
			}
			// Replace the voice nearest its end.
			best, left := 0, math.MaxInt
			for i, o := range m.voices {
				if l := len(m.bank[o.sound]) - o.pos; l < left {
					best, left = i, l
				}
			}
			m.voices[best] = v
		default:
			return
		}
	}
}

// clip limits a sample to [-1, 1], softly above 0.9 so that many sounds
// at once distort gently rather than crack.
func clip(x float32) float32 {
	const knee = 0.9
	switch {
	case x > knee:
		return knee + (1-knee)*float32(math.Tanh(float64((x-knee)/(1-knee))))
	case x < -knee:
		return -knee - (1-knee)*float32(math.Tanh(float64((-x-knee)/(1-knee))))
	}
	return x
}
