package viewer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

func TestPlanMove(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		from, to uint32
		want     Move
	}{
		{100, 100, Move{}},
		{100, 101, Move{Steps: 1}},
		{100, 164, Move{Steps: 64}},
		{100, 165, Move{Seek: true}},
		{100, 99, Move{Steps: -1}},
		{100, 36, Move{Steps: -64}},
		{100, 35, Move{Seek: true}},
		{0, 1 << 31, Move{Seek: true}},
	} {
		if got := PlanMove(tc.from, tc.to); got != tc.want {
			t.Errorf("PlanMove(%d, %d) = %+v, want %+v", tc.from, tc.to, got, tc.want)
		}
	}
}

// TestPlaybackWorlds moves the playhead every way a viewer does (play
// forward and backward at every speed, step, jump, seek anywhere) and
// checks after each move that the world shown is the one replay.Seek
// returns for that tick, and the next tick's world is held for drawing.
func TestPlaybackWorlds(t *testing.T) {
	t.Parallel()
	r := openGolden(t)
	want := hashes(t, r)
	in := r.Info()
	pb, err := NewPlayback(r, 900)
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string) {
		t.Helper()
		w := pb.World()
		if w.Tick != uint32(math.Floor(pb.Pos())) {
			t.Fatalf("%s: world at tick %d, playhead %.3f", what, w.Tick, pb.Pos())
		}
		if w.Hash() != want[w.Tick] {
			t.Fatalf("%s: tick %d: hash %016x, want %016x", what, w.Tick, w.Hash(), want[w.Tick])
		}
		if pb.hasHi != (w.Tick < in.LastTick) || pb.hasHi && (pb.hi.Tick != w.Tick+1 || pb.hi.Hash() != want[w.Tick+1]) {
			t.Fatalf("%s: tick %d: the tick after is not held", what, w.Tick)
		}
	}
	check("start")
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 400 {
		var d float64
		switch i % 8 {
		case 0: // seek anywhere
			if err := pb.SetPos(float64(rng.IntN(int(in.LastTick) + 1))); err != nil {
				t.Fatal(err)
			}
			check("seek")
			continue
		case 1:
			d = 16 // 16× forward
		case 2:
			d = -16
		case 3:
			d = 0.25
		case 4:
			d = -0.25
		case 5:
			d = 1
		case 6:
			d = -1
		case 7:
			d = float64(rng.IntN(1200)) - 600 // ←/→, and beyond
		}
		for range 1 + rng.IntN(90) {
			if err := pb.SetPos(pb.Pos() + d); err != nil {
				t.Fatal(err)
			}
			check("play")
		}
	}
	// The ends: clamped.
	if err := pb.SetPos(-100); err != nil || pb.Pos() != float64(in.FirstTick) {
		t.Fatalf("before the start: pos %v, %v", pb.Pos(), err)
	}
	check("start")
	if err := pb.SetPos(1e9); err != nil || pb.Pos() != float64(in.LastTick) {
		t.Fatalf("past the end: pos %v, %v", pb.Pos(), err)
	}
	check("end")
}

// TestReversePolicy: reverse play at 1× steps back (one simulated tick per
// tick, amortized) and never seeks on its own; a jump back seeks once.
func TestReversePolicy(t *testing.T) {
	t.Parallel()
	r := openGolden(t)
	pb, err := NewPlayback(r, 1700)
	if err != nil {
		t.Fatal(err)
	}
	before := pb.Stats()
	for range 600 { // ten seconds back, at 1× (60 Hz: a tick a frame)
		if err := pb.SetPos(pb.Pos() - 1); err != nil {
			t.Fatal(err)
		}
	}
	st := pb.Stats()
	if st.Seeks != before.Seeks {
		t.Errorf("reverse playback seeked %d times, want steps only", st.Seeks-before.Seeks)
	}
	if back := st.Back - before.Back; back < 600 || back > 610 {
		t.Errorf("%d steps back for 600 ticks", back)
	}
	if err := pb.SetPos(pb.Pos() - 600); err != nil {
		t.Fatal(err)
	}
	if got := pb.Stats().Seeks - st.Seeks; got != 1 {
		t.Errorf("a jump of 10 s back: %d seeks, want 1", got)
	}
}

// TestPlaybackDrawing: between two ticks the players are drawn between
// their states, and at a whole tick exactly at it.
func TestPlaybackDrawing(t *testing.T) {
	t.Parallel()
	r := openGolden(t)
	pb, err := NewPlayback(r, 900)
	if err != nil {
		t.Fatal(err)
	}
	at := func(pos float64) []scene.Body {
		if err := pb.SetPos(pos); err != nil {
			t.Fatal(err)
		}
		return pb.Bodies(nil)
	}
	w0 := pb.World().Clone()
	b0 := at(900)
	for i, b := range b0 {
		p := &w0.Players[i]
		if b.ID != p.ID || b.X != float64(p.X) || b.Y != float64(p.Y) || b.Heading != float64(p.Heading) || b.Alive != p.Alive {
			t.Errorf("at tick 900, body %+v, world %+v", b, *p)
		}
	}
	b1 := at(901)
	bh := at(900.5)
	moved := 0
	for i := range bh {
		if b0[i].X != b1[i].X {
			moved++
		}
		if b0[i].Alive && b1[i].Alive && math.Abs(b1[i].X-b0[i].X) < sim.Unit {
			if mid := (b0[i].X + b1[i].X) / 2; math.Abs(bh[i].X-mid) > 1e-6 {
				t.Errorf("player %d at 900.5: x %.1f, want %.1f", bh[i].ID, bh[i].X, mid)
			}
		}
	}
	if moved == 0 {
		t.Error("no player moved between ticks 900 and 901: a poor test")
	}
	if len(pb.Shots(nil)) != len(pb.hi.Projectiles) {
		t.Errorf("%d shots drawn, %d in flight", len(pb.Shots(nil)), len(pb.hi.Projectiles))
	}
}

// TestPlaybackEffects: playing forward shows the effects of the ticks
// played (a match of 30 s has deaths and spawns); seeking starts them
// afresh.
func TestPlaybackEffects(t *testing.T) {
	t.Parallel()
	r := openGolden(t)
	pb, err := NewPlayback(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[scene.EffectKind]int{}
	for pos := 0.0; pos < 1800; pos += 1 {
		if err := pb.SetPos(pos); err != nil {
			t.Fatal(err)
		}
		for _, e := range pb.Effects(nil, nil) {
			if e.Progress < 0 || e.Progress > 1 {
				t.Fatalf("effect %+v out of its time", e)
			}
			if e.Progress == 0 {
				kinds[e.Kind]++
			}
		}
	}
	for _, k := range []scene.EffectKind{scene.EffectDeath, scene.EffectSpawn, scene.EffectShot, scene.EffectHit} {
		if kinds[k] == 0 {
			t.Errorf("no effect of kind %d in 30 s of play: %v", k, kinds)
		}
	}
	if n := len(pb.effects.List()); n > 200 {
		t.Errorf("%d effects held: they are not pruned", n)
	}
}
