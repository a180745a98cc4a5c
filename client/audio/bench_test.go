package audio

import (
	"testing"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

// BenchmarkMixerRead mixes 10 ms of sound (480 frames, what a device asks
// for at a time) with MaxVoices sounds playing: the device goroutine's
// work, never the game loop's.
func BenchmarkMixerRead(b *testing.B) {
	m := NewMixer()
	buf := make([]byte, 8*480)
	b.ReportAllocs()
	for range b.N {
		if len(m.voices) < MaxVoices {
			for range MaxVoices - len(m.voices) {
				m.Play(Event{Sound: Death, Gain: 0.5, Pan: 0.3})
			}
		}
		m.Read(buf)
	}
}

// BenchmarkHear is the game loop's part of sound in a busy frame: 40
// effects on screen, 8 of them new, heard and handed to the mixer.
func BenchmarkHear(b *testing.B) {
	cam := scene.Camera{Scale: 40.0 / sim.Unit, CX: 10 * sim.Unit, CY: 10 * sim.Unit, W: 1280, H: 720}
	m := NewMixer()
	var d Director
	effects := make([]scene.EffectView, 40)
	var events []Event
	drain := make([]byte, 8)
	b.ReportAllocs()
	for i := range b.N {
		for j := range effects {
			id := uint64(i*8 + j) // each frame, the last 8 are new
			effects[j] = scene.EffectView{ID: id, Kind: scene.EffectKind(1 + j%4), X: float64(j%20) * sim.Unit, Y: 9 * sim.Unit}
		}
		events = d.Hear(effects, &cam, events[:0])
		for _, e := range events {
			m.Play(e)
		}
		m.Read(drain) // the device takes them in (its goroutine does)
	}
}
