package audio

import (
	"math"
	"slices"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

// Event is a sound to play: how loud (0 to 1, before the volumes) and
// from where (-1 all left, 0 centre, 1 all right).
type Event struct {
	Sound Sound
	Gain  float64
	Pan   float64
	// Effect is the scene effect that made it (0 for the interface's).
	Effect uint64
}

// The director's hearing.
const (
	// MaxPan is the farthest a sound goes to one side: a little of it is
	// always heard on the other.
	MaxPan = 0.85
	// MinGain is the quietest sound worth playing.
	MinGain = 0.05
	// staleProgress: an effect first seen later than this into its
	// animation (a hitch, a seek) is not heard.
	staleProgress = 0.5
)

// Director chooses the sounds of the effects on screen: each effect is
// heard once, when it first shows. The zero value is ready to use; it is
// not safe for concurrent use (the game loop owns it).
type Director struct {
	heard, now []uint64 // effect IDs heard up to the last frame, and this one
	fresh      []scene.EffectView
}

// Hear appends to dst the sounds of the effects that show for the first
// time in effects (one frame's, package client/scene's), as heard through
// cam: the gain falls with the distance from the camera's centre, in
// units of half the screen's shorter side (1 at the centre, 1/2 at that
// distance, 1/5 at twice it; quieter than MinGain is left out), and the
// pan is where the camera draws the effect across the screen. The events
// come in the order the effects were found (their IDs).
func (d *Director) Hear(effects []scene.EffectView, cam *scene.Camera, dst []Event) []Event {
	d.now, d.fresh = d.now[:0], d.fresh[:0]
	for _, e := range effects {
		d.now = append(d.now, e.ID)
		if !slices.Contains(d.heard, e.ID) && e.Progress <= staleProgress {
			d.fresh = append(d.fresh, e)
		}
	}
	d.heard, d.now = d.now, d.heard
	slices.SortFunc(d.fresh, func(a, b scene.EffectView) int { return cmpID(a.ID, b.ID) })
	for _, e := range d.fresh {
		s := soundOf(e.Kind)
		if s == 0 {
			continue
		}
		gain, pan := place(cam, e.X, e.Y)
		if gain < MinGain {
			continue
		}
		dst = append(dst, Event{Sound: s, Gain: gain, Pan: pan, Effect: e.ID})
	}
	return dst
}

// Reset forgets the effects heard (a new match, a seek).
func (d *Director) Reset() { d.heard = d.heard[:0] }

func cmpID(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// soundOf returns the sound of an effect, or 0 for one that makes none.
func soundOf(k scene.EffectKind) Sound {
	switch k {
	case scene.EffectShot:
		return Shot
	case scene.EffectHit:
		return Hit
	case scene.EffectDeath:
		return Death
	case scene.EffectSpawn:
		return Spawn
	}
	return 0
}

// place returns the gain and the pan of a sound at world point (x, y)
// heard through cam.
func place(cam *scene.Camera, x, y float64) (gain, pan float64) {
	sx, _ := cam.ToScreen(x, y)
	if cam.W > 0 {
		pan = math.Max(-1, math.Min(1, (sx-cam.W/2)/(cam.W/2))) * MaxPan
	}
	reach := math.Min(cam.W, cam.H) / 2 / cam.Scale // world units: half the shorter side
	if reach <= 0 || math.IsInf(reach, 0) || math.IsNaN(reach) {
		reach = 8 * sim.Unit
	}
	d := math.Hypot(x-cam.CX, y-cam.CY) / reach
	return 1 / (1 + d*d), pan
}
