package replay_test

import (
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// scripted records a match whose frames are given by tick.
func scripted(t *testing.T, ticks uint32, script map[uint32][]sim.Input) *replay.Reader {
	t.Helper()
	src := mapSource(t, "arena")
	m, err := sim.ParseMap("arena", src)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := sim.NewWorld(m, 60)
	f := &memFile{}
	wr, err := replay.NewWriter(f, replay.Header{Map: "arena", MapSource: src, TickRate: 60}, w, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for tick := uint32(1); tick <= ticks; tick++ {
		fr := &protocol.Frame{Tick: tick}
		for _, in := range script[tick] {
			if err := sim.Apply(w, in); err != nil {
				t.Fatalf("tick %d: %v: %v", tick, in, err)
			}
			fr.Events = append(fr.Events, protocol.Event{Input: in})
		}
		sim.Advance(w)
		if err := wr.Append(fr, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	return openBytes(t, f.bytes())
}

func TestStatsScripted(t *testing.T) {
	t.Parallel()
	fire := sim.Input{Player: 1, Action: sim.Fire}
	// Arena's spawn points (8,5) and (15,5) face each other along row 5.
	r := scripted(t, 240, map[uint32][]sim.Input{
		1:   {{Player: 1, Action: sim.Join, Name: "ann"}, {Player: 2, Action: sim.Join, Name: "bob"}},
		2:   {{Player: 1, Action: sim.SpawnAt, X: 8, Y: 5}, {Player: 2, Action: sim.SpawnAt, X: 15, Y: 5}},
		3:   {fire},
		30:  {fire, {Player: 2, Action: sim.RotateStart, Value: sim.MaxRotateRate}},
		60:  {fire},
		90:  {fire, {Player: 2, Action: sim.RotateStop}},
		120: {fire, {Player: 2, Action: sim.MoveStart, Value: -sim.MaxMoveSpeed / 2}}, // bob backs off after the kill: he is dead, it waits
		150: {fire},
	})
	st, err := replay.ComputeStats(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Players) != 2 {
		t.Fatalf("%d players, want 2", len(st.Players))
	}
	ann, bob := st.Players[0], st.Players[1]
	if ann.Name != "ann" || ann.Shots != 6 || ann.Hits != 4 || ann.Kills != 1 || ann.Deaths != 0 {
		t.Errorf("ann: %+v; want 6 shots, 4 hits, 1 kill", ann)
	}
	if bob.Name != "bob" || bob.Shots != 0 || bob.Hits != 0 || bob.Kills != 0 || bob.Deaths != 1 {
		t.Errorf("bob: %+v; want 1 death", bob)
	}
	if ann.Distance != 0 {
		t.Errorf("ann, who stood still, travelled %v tiles", ann.Distance)
	}
	// Ann lives from tick 2 to the end; bob until the fourth hit lands.
	if want := 239 * time.Second / 60; ann.Alive != want {
		t.Errorf("ann alive %v, want %v", ann.Alive, want)
	}
	if bob.Alive <= 88*time.Second/60 || bob.Alive >= 120*time.Second/60 {
		t.Errorf("bob alive %v, want between the third and the fourth shot", bob.Alive)
	}
}

func TestStatsDistance(t *testing.T) {
	t.Parallel()
	// Walk east along row 2 from spawn (2,2) at full speed for one second.
	r := scripted(t, 200, map[uint32][]sim.Input{
		1:  {{Player: 1, Action: sim.Join, Name: "walker"}},
		2:  {{Player: 1, Action: sim.SpawnAt, X: 2, Y: 2}, {Player: 1, Action: sim.MoveStart, Value: sim.MaxMoveSpeed}},
		62: {{Player: 1, Action: sim.MoveStop}},
	})
	st, err := replay.ComputeStats(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 60 ticks of MaxMoveSpeed/60 units.
	want := float64(60*(sim.MaxMoveSpeed/60)) / sim.Unit
	if d := st.Players[0].Distance; d < want-0.01 || d > want+0.01 {
		t.Errorf("distance %v tiles, want %v", d, want)
	}
}

// TestStatsSynthetic checks the projection's invariants on a busy match.
func TestStatsSynthetic(t *testing.T) {
	t.Parallel()
	rec := record(t, matchOptions(t, 8, 90*time.Second, 13), replay.Options{})
	r := openBytes(t, rec.data)
	st, err := replay.ComputeStats(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	var kills, deaths, shots, hits, fires int
	for _, p := range st.Players {
		kills += p.Kills
		deaths += p.Deaths
		shots += p.Shots
		hits += p.Hits
		if p.Alive <= 0 || p.Alive > 90*time.Second || p.Distance <= 0 {
			t.Errorf("%s: alive %v, distance %v", p.Name, p.Alive, p.Distance)
		}
	}
	for _, f := range rec.frames {
		for _, ev := range f.Events {
			if ev.Input.Action == sim.Fire {
				fires++
			}
		}
	}
	t.Logf("kills %d, deaths %d, shots %d, hits %d", kills, deaths, shots, hits)
	switch {
	case deaths == 0:
		t.Error("nobody died: not a useful test match")
	case kills != deaths:
		t.Errorf("%d kills, %d deaths", kills, deaths)
	case shots != fires:
		t.Errorf("%d shots, %d fire events (all accepted when recorded)", shots, fires)
	case hits < 4*deaths || hits > shots:
		t.Errorf("%d hits: want at least 4 per death (%d) and at most the shots (%d)", hits, 4*deaths, shots)
	}
	final := rec.final
	for _, p := range st.Players {
		if q := final.Player(p.ID); q == nil || int(q.Kills) != p.Kills || int(q.Deaths) != p.Deaths {
			t.Errorf("%s: %d kills, %d deaths; the world says %+v", p.Name, p.Kills, p.Deaths, q)
		}
	}
}
