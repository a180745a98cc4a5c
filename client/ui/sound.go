package ui

import (
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/ebitengine/oto/v3"
	"github.com/skirmishgg/skirmish/client/audio"
	"github.com/skirmishgg/skirmish/client/scene"
)

// Sound is the sound device and what plays on it: package client/audio's
// director chooses the sounds of what is on screen, its mixer mixes them,
// and the device reads the mix on a goroutine of its own.
//
// The device is Ebiten's own audio backend, oto, used directly: Ebiten's
// audio.Context turns a missing device into an error that ends the game
// loop (its hook before each Update returns the device's error), and a
// machine without one (a server, Xvfb, a headless test) must still play,
// silently. Opening the device never waits: until it is ready, and for
// good if it cannot be opened, sounds are dropped; a missing device is
// said in one log line.
type Sound struct {
	mixer    *audio.Mixer
	director audio.Director
	events   []audio.Event
	on       atomic.Bool // the device plays
}

// The process's one sound device (oto allows one context per process).
var (
	deviceOnce sync.Once
	device     *oto.Context
	deviceErr  error
	deviceRdy  chan struct{}
)

// playerBuffer is the device player's buffer: 40 ms of 8-byte frames,
// the delay between a sound chosen and heard.
const playerBuffer = 8 * audio.SampleRate / 25

// OpenSound returns the game's sound, opening the device in the background
// unless off is set (tests, and -no-sound), at the volumes of a (0 to 100).
// Log receives the one line that says there is no device.
func OpenSound(log *slog.Logger, off bool, master, effects int, mute bool) *Sound {
	s := &Sound{mixer: audio.NewMixer()}
	s.setVolume(master, effects, mute)
	if off {
		return s
	}
	deviceOnce.Do(func() {
		quietALSA()
		device, deviceRdy, deviceErr = oto.NewContext(&oto.NewContextOptions{
			SampleRate: audio.SampleRate, ChannelCount: 2, Format: oto.FormatFloat32LE,
		})
	})
	if deviceErr != nil {
		log.Warn("no sound device: playing silently", "err", deviceErr)
		return s
	}
	go func() {
		<-deviceRdy
		if err := device.Err(); err != nil {
			log.Warn("no sound device: playing silently", "err", err)
			return
		}
		p := device.NewPlayer(s.mixer)
		p.SetBufferSize(playerBuffer)
		p.Play()
		s.on.Store(true)
	}()
	return s
}

// hear plays the sounds of the effects that show for the first time, as
// heard through cam; unless play, it only notes them as heard (a replay
// paused, seeking or playing backward makes no sound).
func (s *Sound) hear(effects []scene.EffectView, cam *scene.Camera, play bool) {
	s.events = s.director.Hear(effects, cam, s.events[:0])
	if !play || !s.on.Load() {
		return
	}
	for _, e := range s.events {
		s.mixer.Play(e)
	}
}

// click plays the menu's click.
func (s *Sound) click() {
	if s.on.Load() {
		s.mixer.Play(audio.Event{Sound: audio.Click, Gain: 0.8})
	}
}

// setVolume sets the volumes, 0 to 100.
func (s *Sound) setVolume(master, effects int, mute bool) { s.mixer.SetVolume(master, effects, mute) }
