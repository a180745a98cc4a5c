package audio

import (
	"encoding/binary"
	"math"
	"slices"
	"testing"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/simtest"
)

// TestSynthesize: every sound is there, audible, within [-1, 1], starts
// and ends without a click, and is the same every time.
func TestSynthesize(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for s := Sound(1); s < numSounds; s++ {
		a := Synthesize(s, SampleRate)
		if len(a) < SampleRate/50 || len(a) > SampleRate {
			t.Errorf("%v: %d samples", s, len(a))
		}
		peak := float32(0)
		for _, v := range a {
			if math.IsNaN(float64(v)) || v > 1 || v < -1 {
				t.Fatalf("%v: sample %v", s, v)
			}
			peak = max(peak, v, -v)
		}
		if peak < 0.2 {
			t.Errorf("%v: peak %.2f, too quiet", s, peak)
		}
		if math.Abs(float64(a[0])) > 0.05 || math.Abs(float64(a[len(a)-1])) > 0.001 {
			t.Errorf("%v: starts at %.3f, ends at %.4f: want no click", s, a[0], a[len(a)-1])
		}
		if b := Synthesize(s, SampleRate); !slices.Equal(a, b) {
			t.Errorf("%v: two syntheses differ", s)
		}
		key := string(binary.LittleEndian.AppendUint32(nil, math.Float32bits(a[len(a)/3])))
		if seen[key] {
			t.Errorf("%v sounds like another sound", s)
		}
		seen[key] = true
	}
}

// read reads n frames from m and returns the energy of each channel.
func read(m *Mixer, frames int) (l, r float64, samples []float32) {
	buf := make([]byte, 8*frames)
	n, err := m.Read(buf)
	if err != nil || n != len(buf) {
		panic("short read")
	}
	for i := 0; i < n; i += 8 {
		a := math.Float32frombits(binary.LittleEndian.Uint32(buf[i:]))
		b := math.Float32frombits(binary.LittleEndian.Uint32(buf[i+4:]))
		l += float64(a * a)
		r += float64(b * b)
		samples = append(samples, a, b)
	}
	return l, r, samples
}

// TestMixer: panning, gain, volumes and mute act on the samples; Read with
// nothing playing writes silence; Play never blocks.
func TestMixer(t *testing.T) {
	t.Parallel()
	m := NewMixer()
	if l, r, _ := read(m, 1000); l != 0 || r != 0 {
		t.Fatalf("nothing playing: energy %v, %v", l, r)
	}
	full := func(e Event) (float64, float64) {
		m.Play(e)
		return read2(m)
	}
	cl, cr := full(Event{Sound: Hit, Gain: 1, Pan: 0})
	if cl == 0 || math.Abs(cl-cr)/cl > 1e-6 {
		t.Errorf("centred: %v, %v; want equal", cl, cr)
	}
	ll, lr := full(Event{Sound: Hit, Gain: 1, Pan: -MaxPan})
	if ll < 20*lr {
		t.Errorf("panned left: left %v, right %v; want the left far louder", ll, lr)
	}
	rl, rr := full(Event{Sound: Hit, Gain: 1, Pan: 1})
	if rl > 1e-9*rr || rr < cr {
		t.Errorf("panned right: left %v, right %v", rl, rr)
	}
	hl, _ := full(Event{Sound: Hit, Gain: 0.5, Pan: 0})
	if ratio := hl / cl; math.Abs(ratio-0.25) > 0.01 {
		t.Errorf("half the gain: %.3f of the energy, want 0.25", ratio)
	}
	m.SetVolume(50, 100, false)
	vl, _ := full(Event{Sound: Hit, Gain: 1, Pan: 0})
	if ratio := vl / cl; math.Abs(ratio-1.0/16) > 0.005 {
		t.Errorf("master at 50: %.4f of the energy, want 1/16 (gain ¼)", ratio)
	}
	m.SetVolume(100, 0, false)
	if el, _ := full(Event{Sound: Hit, Gain: 1}); el != 0 {
		t.Errorf("effects at 0: a hit still sounds (%v)", el)
	}
	if kl, _ := full(Event{Sound: Click, Gain: 1}); kl == 0 {
		t.Error("effects at 0 silenced the menu's click")
	}
	m.SetVolume(100, 100, true)
	if ml, mr := full(Event{Sound: Death, Gain: 1}); ml != 0 || mr != 0 {
		t.Errorf("muted: %v, %v", ml, mr)
	}
	m.SetVolume(100, 100, false)

	// A full queue drops rather than waits.
	played := 0
	for range QueueLen + 10 {
		if m.Play(Event{Sound: Shot, Gain: 1}) {
			played++
		}
	}
	if played != QueueLen {
		t.Errorf("%d sounds queued, want %d", played, QueueLen)
	}
	_, _, s := read(m, 2000)
	for _, v := range s {
		if v > 1 || v < -1 {
			t.Fatalf("sample %v out of [-1, 1] with %d voices", v, MaxVoices)
		}
	}
	if len(m.voices) != MaxVoices {
		t.Errorf("%d voices, want the cap %d", len(m.voices), MaxVoices)
	}
}

// read2 reads until the mixer is silent again and returns the energies.
func read2(m *Mixer) (float64, float64) {
	var tl, tr float64
	for range 100 {
		l, r, _ := read(m, 4800)
		tl, tr = tl+l, tr+r
		if len(m.voices) == 0 {
			break
		}
	}
	return tl, tr
}

// fight plays a duel in a real world: the shooter spawns at tile (2, 9),
// facing the victim at (10, 9), and fires until the victim dies. The
// camera is centred between them, turned by angle (π: the picture upside
// down, as a spectator's point-of-view camera may turn it). It returns the
// sounds the director hears, frame by frame at 60 a second, as the game
// draws the effects (client/scene's, on the confirmed ticks).
func fight(t *testing.T, angle float64) []Event {
	t.Helper()
	w, _ := sim.NewWorld(simtest.OpenRoom(t), 60)
	sim.Step(w, []sim.Input{{Player: 1, Action: sim.Join, Name: "shooter"}, {Player: 2, Action: sim.Join, Name: "victim"}})
	cam := scene.Camera{Scale: 24.0 / sim.Unit, CX: 6.5 * sim.Unit, CY: 9.5 * sim.Unit, W: 400, H: 400, Angle: angle}
	var fx scene.Effects
	var d Director
	var events []Event
	var views []scene.EffectView
	prev := w.Clone()
	for tick := 0; tick < 900 && w.Player(2).Deaths == 0; tick++ {
		var in []sim.Input
		switch {
		case tick == 5:
			in = []sim.Input{{Player: 1, Action: sim.SpawnAt, X: 2, Y: 9}, {Player: 2, Action: sim.SpawnAt, X: 10, Y: 9}}
		case tick > 20 && w.Player(1).Cooldown == 0:
			in = []sim.Input{{Player: 1, Action: sim.Fire}}
		}
		sim.Step(w, in)
		fx.Observe(prev, w, 0)
		prev.CopyFrom(w)
		views = views[:0]
		for _, e := range fx.List() {
			if p := e.Progress(float64(w.Tick), w.TickRate); p >= 0 && p <= 1 {
				views = append(views, e.View(p))
			}
		}
		events = d.Hear(views, &cam, events)
		fx.Prune(float64(w.Tick), float64(w.Tick), w.TickRate)
	}
	if w.Player(2).Deaths == 0 {
		t.Fatal("the victim survived")
	}
	return events
}

// TestDirectorFight: a duel's sounds come out in order (both spawn, then
// each shot before the hit it makes, the last hit a death), every effect
// once, the shooter's sounds on its side and the victim's on the other.
func TestDirectorFight(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		angle      float64
		shooterPan float64 // the sign of the shooter's side
	}{
		{"left shoots right", 0, -1},
		{"right shoots left", math.Pi, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			events := fight(t, tc.angle)
			var order []Sound
			ids := map[uint64]bool{}
			for _, e := range events {
				if ids[e.Effect] {
					t.Errorf("effect %d heard twice", e.Effect)
				}
				ids[e.Effect] = true
				order = append(order, e.Sound)
				side := tc.shooterPan // shots come from the shooter
				if e.Sound == Hit || e.Sound == Death {
					side = -tc.shooterPan
				}
				if e.Sound == Spawn {
					continue // one on each side
				}
				if e.Pan*side < 0.3 {
					t.Errorf("%v at pan %.2f, want it on the %+.0f side", e.Sound, e.Pan, side)
				}
				if e.Gain < 0.3 || e.Gain > 1 {
					t.Errorf("%v at gain %.2f, want a sound on screen to be clearly heard", e.Sound, e.Gain)
				}
			}
			// Compress the order: spawn, spawn, then shot/hit pairs, a death.
			if len(order) < 6 || order[0] != Spawn || order[1] != Spawn {
				t.Fatalf("order %v: want two spawns first", order)
			}
			if events[0].Pan*events[1].Pan >= 0 {
				t.Errorf("the spawns at pans %.2f and %.2f: want one on each side", events[0].Pan, events[1].Pan)
			}
			shots, hits := 0, 0
			for i, s := range order[2:] {
				switch s {
				case Shot:
					shots++
				case Hit, Death:
					hits++
					if hits > shots {
						t.Errorf("sound %d: %v before its shot (%v)", i+2, s, order)
					}
				}
			}
			if order[len(order)-1] != Death || slices.Index(order, Death) != len(order)-1 || hits != 4 {
				t.Errorf("order %v: want three hits and the death last", order)
			}
		})
	}
}

// TestDirectorDistance: the farther from the camera's centre, the quieter;
// beyond hearing, nothing; an effect is heard when it first shows, not
// when it is seen again or late into its animation.
func TestDirectorDistance(t *testing.T) {
	t.Parallel()
	m := simtest.OpenRoom(t)
	cam := scene.Follow(m, 400, 400, 10*sim.Unit, 10*sim.Unit)
	var d Director
	at := func(id uint64, tiles, progress float64) scene.EffectView {
		return scene.EffectView{ID: id, Kind: scene.EffectHit, X: (10 + tiles) * sim.Unit, Y: 10 * sim.Unit, Progress: progress}
	}
	ev := d.Hear([]scene.EffectView{at(1, 0, 0), at(2, 3, 0), at(3, 6, 0), at(4, 60, 0), at(5, 1, 0.9)}, &cam, nil)
	if len(ev) != 3 || ev[0].Effect != 1 || ev[1].Effect != 2 || ev[2].Effect != 3 {
		t.Fatalf("heard %+v; want effects 1, 2, 3 (4 is too far, 5 too late)", ev)
	}
	if !(ev[0].Gain > ev[1].Gain && ev[1].Gain > ev[2].Gain) || ev[0].Gain != 1 || ev[0].Pan != 0 || ev[2].Pan <= ev[1].Pan {
		t.Errorf("gains %.2f %.2f %.2f, pans %.2f %.2f %.2f", ev[0].Gain, ev[1].Gain, ev[2].Gain, ev[0].Pan, ev[1].Pan, ev[2].Pan)
	}
	if again := d.Hear([]scene.EffectView{at(1, 0, 0.2), at(3, 6, 0.2), at(6, -2, 0.1)}, &cam, nil); len(again) != 1 || again[0].Effect != 6 || again[0].Pan >= 0 {
		t.Errorf("the next frame: %+v, want only effect 6, on the left", again)
	}
}
