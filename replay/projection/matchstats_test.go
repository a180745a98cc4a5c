package projection_test

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/sim"
)

// scripted records a match on arena whose events are given by tick, and
// returns the file's path.
func scripted(t *testing.T, ticks uint32, script map[uint32][]sim.Input) string {
	t.Helper()
	src, err := assets.MapSource("arena")
	if err != nil {
		t.Fatal(err)
	}
	m, err := sim.ParseMap("arena", src)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(m, 60)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "scripted"+replay.Extension)
	wr, err := replay.Create(path, replay.Header{Map: "arena", MapSource: src, TickRate: 60}, w, replay.Options{NoSync: true})
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
	return path
}

// summary plays the replay at path through Summaries and returns its
// match's summary.
func summary(t *testing.T, path string) *projection.MatchSummary {
	t.Helper()
	s := projection.NewSummaries()
	if err := projection.PlayFile(path, nil, s); err != nil {
		t.Fatal(err)
	}
	sum, ok := s.View().Get(projection.ReplayID(path))
	if !ok {
		t.Fatalf("no summary of %s", path)
	}
	return sum
}

// row returns the summary's line of the player called name.
func row(t *testing.T, sum *projection.MatchSummary, name string) projection.PlayerRow {
	t.Helper()
	for _, r := range sum.Players {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s in %+v", name, sum.Players)
	return projection.PlayerRow{}
}

// TestStatsScripted counts a scripted duel: shots, hits (the kill's shot
// included), kills, deaths, time alive.
func TestStatsScripted(t *testing.T) {
	t.Parallel()
	fire := sim.Input{Player: 1, Action: sim.Fire}
	// Arena's spawn points (8,5) and (15,5) face each other along row 5.
	sum := summary(t, scripted(t, 240, map[uint32][]sim.Input{
		1:   {{Player: 1, Action: sim.Join, Name: "ann"}, {Player: 2, Action: sim.Join, Name: "bob"}},
		2:   {{Player: 1, Action: sim.SpawnAt, X: 8, Y: 5}, {Player: 2, Action: sim.SpawnAt, X: 15, Y: 5}},
		3:   {fire},
		30:  {fire, {Player: 2, Action: sim.RotateStart, Value: sim.MaxRotateRate}},
		60:  {fire},
		90:  {fire, {Player: 2, Action: sim.RotateStop}},
		120: {fire, {Player: 2, Action: sim.MoveStart, Value: -sim.MaxMoveSpeed / 2}}, // bob backs off after the kill: he is dead, it waits
		150: {fire},
	}))
	if len(sum.Players) != 2 || sum.Ticks != 240 {
		t.Fatalf("%d players over %d ticks, want 2 over 240", len(sum.Players), sum.Ticks)
	}
	ann, bob := row(t, sum, "ann"), row(t, sum, "bob")
	if ann.Shots != 6 || ann.Hits != 4 || ann.Kills != 1 || ann.Deaths != 0 {
		t.Errorf("ann: %+v; want 6 shots, 4 hits, 1 kill", ann)
	}
	if bob.Shots != 0 || bob.Hits != 0 || bob.Kills != 0 || bob.Deaths != 1 {
		t.Errorf("bob: %+v; want 1 death", bob)
	}
	if ann.Distance != 0 {
		t.Errorf("ann, who stood still, travelled %v tiles", ann.Distance)
	}
	// Ann lives from tick 2 to the end; bob until the fourth hit lands.
	if want := math.Round(239*1000/60.0) / 1000; ann.TimeAlive != want {
		t.Errorf("ann alive %v s, want %v", ann.TimeAlive, want)
	}
	if bob.TimeAlive <= 88/60.0 || bob.TimeAlive >= 120/60.0 {
		t.Errorf("bob alive %v s, want between the third and the fourth shot", bob.TimeAlive)
	}
}

// TestStatsDistance: a walk of a second at full speed counts its length.
func TestStatsDistance(t *testing.T) {
	t.Parallel()
	// Walk east along row 2 from spawn (2,2) at full speed for one second.
	sum := summary(t, scripted(t, 200, map[uint32][]sim.Input{
		1:  {{Player: 1, Action: sim.Join, Name: "walker"}},
		2:  {{Player: 1, Action: sim.SpawnAt, X: 2, Y: 2}, {Player: 1, Action: sim.MoveStart, Value: sim.MaxMoveSpeed}},
		62: {{Player: 1, Action: sim.MoveStop}},
	}))
	// 60 ticks of MaxMoveSpeed/60 units.
	want := float64(60*(sim.MaxMoveSpeed/60)) / sim.Unit
	if d := row(t, sum, "walker").Distance; d < want-0.01 || d > want+0.01 {
		t.Errorf("distance %v tiles, want %v", d, want)
	}
}

// TestStatsSynthetic checks the counts' invariants on a busy match against
// the recording itself: kills and deaths as the world counts them, a shot
// for every fire event, at least four hits per death.
func TestStatsSynthetic(t *testing.T) {
	t.Parallel()
	o := synthOptions(t, 13, 8, 90*time.Second)
	path := genFile(t, t.TempDir(), "busy", o)
	sum := summary(t, path)
	r, err := replay.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in := r.Info()
	fires := map[string]int64{}
	names := map[sim.PlayerID]string{}
	for f, err := range r.Frames(in.FirstTick+1, in.LastTick) {
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range f.Events {
			switch ev.Input.Action {
			case sim.Join:
				names[ev.Input.Player] = ev.Input.Name
			case sim.Fire:
				fires[names[ev.Input.Player]]++
			}
		}
	}
	final, err := r.Seek(in.LastTick)
	if err != nil {
		t.Fatal(err)
	}
	var kills, deaths, shots, hits int64
	for _, p := range sum.Players {
		kills += p.Kills
		deaths += p.Deaths
		shots += p.Shots
		hits += p.Hits
		if p.TimeAlive <= 0 || p.TimeAlive > 90 || p.Distance <= 0 {
			t.Errorf("%s: alive %v s, distance %v", p.Name, p.TimeAlive, p.Distance)
		}
		if p.Shots != fires[p.Name] {
			t.Errorf("%s: %d shots, %d fire events (all accepted when recorded)", p.Name, p.Shots, fires[p.Name])
		}
	}
	for _, q := range final.Players {
		if p := row(t, sum, q.Name); p.Kills != int64(q.Kills) || p.Deaths != int64(q.Deaths) {
			t.Errorf("%s: %d kills, %d deaths; the world says %d and %d", q.Name, p.Kills, p.Deaths, q.Kills, q.Deaths)
		}
	}
	t.Logf("kills %d, deaths %d, shots %d, hits %d", kills, deaths, shots, hits)
	switch {
	case deaths == 0:
		t.Error("nobody died: not a useful test match")
	case kills != deaths:
		t.Errorf("%d kills, %d deaths", kills, deaths)
	case hits < 4*deaths || hits > shots:
		t.Errorf("%d hits: want at least 4 per death (%d) and at most the shots (%d)", hits, 4*deaths, shots)
	}
}
