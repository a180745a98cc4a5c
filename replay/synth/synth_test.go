package synth_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/sim"
)

type buf struct{ bytes.Buffer }

func (*buf) Sync() error { return nil }

func options(t *testing.T) synth.Options {
	src, err := assets.MapSource("arena")
	if err != nil {
		t.Fatal(err)
	}
	return synth.Options{Players: 6, Chasers: 2, Duration: 90 * time.Second, Rate: 2, Seed: 3, Map: "arena", MapSource: src}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	var a, b buf
	if err := synth.Write(&a, options(t)); err != nil {
		t.Fatal(err)
	}
	if err := synth.Write(&b, options(t)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same options wrote different replays")
	}
	o := options(t)
	o.Seed++
	var c buf
	if err := synth.Write(&c, o); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Fatal("another seed wrote the same replay")
	}
}

// TestPlausible checks that the bots play: they all join and spawn, send
// about Rate commands a second, and fight (kills, deaths, respawns).
func TestPlausible(t *testing.T) {
	t.Parallel()
	o := options(t)
	o.Chasers = 0
	var f buf
	if err := synth.Write(&f, o); err != nil {
		t.Fatal(err)
	}
	r, err := replay.NewReader(bytes.NewReader(f.Bytes()), int64(f.Len()))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[sim.Action]int{}
	for fr, err := range r.Frames(0, 1<<32-1) {
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range fr.Events {
			counts[ev.Input.Action]++
		}
	}
	commands := 0
	for a, n := range counts {
		if a != sim.Join {
			commands += n
		}
	}
	rate := float64(commands) / float64(o.Players) / o.Duration.Seconds()
	t.Logf("%.2f commands per player per second: %v", rate, counts)
	if rate < 0.8*o.Rate || rate > 1.2*o.Rate {
		t.Errorf("%.2f commands per player per second, want about %v", rate, o.Rate)
	}
	for _, a := range []sim.Action{sim.Join, sim.SpawnAt, sim.MoveStart, sim.StrafeStart, sim.RotateStart, sim.Fire} {
		if counts[a] == 0 {
			t.Errorf("no %s in the match", a)
		}
	}
	if counts[sim.Join] != o.Players || counts[sim.SpawnAt] <= o.Players {
		t.Errorf("%d joins and %d spawns: want %d joins and some respawns", counts[sim.Join], counts[sim.SpawnAt], o.Players)
	}
	final, err := r.Seek(r.Info().LastTick)
	if err != nil {
		t.Fatal(err)
	}
	deaths := 0
	for _, p := range final.Players {
		deaths += int(p.Deaths)
	}
	if deaths == 0 {
		t.Error("nobody died")
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	good := options(t)
	for _, tt := range []struct {
		name string
		edit func(o *synth.Options)
	}{
		{"too many players", func(o *synth.Options) { o.Players = sim.MaxPlayers + 1 }},
		{"chasers", func(o *synth.Options) { o.Chasers = o.Players + 1 }},
		{"negative rate", func(o *synth.Options) { o.Rate = -1 }},
		{"no map", func(o *synth.Options) { o.MapSource = nil }},
		{"bad map", func(o *synth.Options) { o.MapSource = []byte("#") }},
		{"tick rate", func(o *synth.Options) { o.TickRate = 5 }},
	} {
		o := good
		tt.edit(&o)
		if _, err := synth.NewMatch(o); err == nil {
			t.Errorf("%s: no error", tt.name)
		}
	}
}

// TestFlood: a flooded match carries replay.MaxTickEvents events in every
// tick once its first bot has joined, and still plays to its hashes.
func TestFlood(t *testing.T) {
	t.Parallel()
	o := options(t)
	o.Players, o.Duration, o.Flood = 2, 2*time.Second, replay.MaxTickEvents
	var b buf
	if err := synth.Write(&b, o); err != nil {
		t.Fatal(err)
	}
	r, err := replay.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for f, err := range r.Frames(1, 120) {
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Events) != replay.MaxTickEvents {
			t.Fatalf("tick %d: %d events, want %d", f.Tick, len(f.Events), replay.MaxTickEvents)
		}
	}
	if err := r.Verify(nil); err != nil {
		t.Fatal(err)
	}
	o.Flood = replay.MaxTickEvents + 1
	if err := synth.Write(&buf{}, o); err == nil {
		t.Error("a flood above MaxTickEvents: no error")
	}
}
