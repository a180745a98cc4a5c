package replay_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/sim"
)

var update = flag.Bool("update", false, "regenerate the golden replays in testdata and their hashes in testdata/golden.json")

const goldenJSON = "testdata/golden.json"

// goldens are the golden replays: small synthetic matches with fixed seeds.
// Regenerate them (after a deliberate change to sim that bumps sim.Version,
// or to the format that bumps FormatVersion) with
//
//	go test ./replay -run TestGolden -update
var goldens = []struct {
	file string
	opt  synth.Options
}{
	{"arena-4p-30s.skr", synth.Options{Players: 4, Chasers: 2, Duration: 30 * time.Second, Rate: 3, Seed: 1, Map: "arena", TickRate: 60,
		MatchID: "golden-arena", Start: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), Writer: replay.Options{KeyframeTicks: 300}}},
	{"duel-2p-20s-30hz.skr", synth.Options{Players: 2, Chasers: 2, Duration: 20 * time.Second, Rate: 5, Seed: 2, Map: "duel", TickRate: 30,
		MatchID: "golden-duel", Writer: replay.Options{ChunkTicks: 15, KeyframeTicks: 150}}},
}

// goldenHashes is what golden.json records for each replay.
type goldenHashes struct {
	SimVersion int          `json:"sim_version"`
	LastTick   uint32       `json:"last_tick"`
	Keyframes  []tickHash   `json:"keyframes"` // the world at each keyframe's snapshot
	Final      tickHash     `json:"final"`
	Players    []goldenStat `json:"players"`
}

type tickHash struct {
	Tick uint32 `json:"tick"`
	Hash string `json:"hash"`
}

type goldenStat struct {
	Name          string `json:"name"`
	Kills, Deaths int
	Shots, Hits   int
}

// goldenOf plays a replay and collects what golden.json records.
func goldenOf(t *testing.T, path string) goldenHashes {
	t.Helper()
	r, err := replay.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in := r.Info()
	g := goldenHashes{SimVersion: in.SimVersion, LastTick: in.LastTick}
	keyTicks := map[uint32]bool{}
	for i := range in.Chunks {
		c, err := r.Chunk(i)
		if err != nil {
			t.Fatal(err)
		}
		if c.Keyframe {
			keyTicks[c.First-1] = true
		}
	}
	hash := func(w *sim.World) string { return fmt.Sprintf("%016x", w.Hash()) }
	w0, err := r.Seek(in.FirstTick)
	if err != nil {
		t.Fatal(err)
	}
	g.Keyframes = append(g.Keyframes, tickHash{w0.Tick, hash(w0)})
	err = r.Play(func(_ *protocol.Frame, w *sim.World) error {
		if keyTicks[w.Tick] {
			g.Keyframes = append(g.Keyframes, tickHash{w.Tick, hash(w)})
		}
		if w.Tick == in.LastTick {
			g.Final = tickHash{w.Tick, hash(w)}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The players' counts as the read models make them, in the order of
	// their names (the bots join in that order).
	sums := projection.NewSummaries()
	if err := projection.PlayFile(path, nil, sums); err != nil {
		t.Fatal(err)
	}
	sum, ok := sums.View().Get(projection.ReplayID(path))
	if !ok {
		t.Fatalf("%s: no summary", path)
	}
	for _, p := range sum.Players {
		g.Players = append(g.Players, goldenStat{p.Name, int(p.Kills), int(p.Deaths), int(p.Shots), int(p.Hits)})
	}
	slices.SortFunc(g.Players, func(a, b goldenStat) int { return strings.Compare(a.Name, b.Name) })
	return g
}

// TestGolden plays the golden replays to the hashes recorded for them: a
// change to sim that changes results fails here until sim.Version is bumped
// and the replays regenerated.
func TestGolden(t *testing.T) {
	if *update {
		want := map[string]goldenHashes{}
		for _, g := range goldens {
			path := filepath.Join("testdata", g.file)
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			o := g.opt
			o.MapSource = mapSource(t, o.Map)
			if err := synth.Generate(path, o); err != nil {
				t.Fatal(err)
			}
			want[g.file] = goldenOf(t, path)
		}
		b, err := json.MarshalIndent(want, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenJSON, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(goldenJSON)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]goldenHashes
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	for _, g := range goldens {
		t.Run(g.file, func(t *testing.T) {
			w, ok := want[g.file]
			if !ok {
				t.Fatalf("%s has no entry; run go test ./replay -run TestGolden -update", goldenJSON)
			}
			if w.SimVersion != sim.Version {
				t.Fatalf("recorded with simulation version %d, this build is version %d: regenerate with go test ./replay -run TestGolden -update", w.SimVersion, sim.Version)
			}
			path := filepath.Join("testdata", g.file)
			got := goldenOf(t, path)
			for i := range max(len(got.Keyframes), len(w.Keyframes)) {
				if i >= len(got.Keyframes) || i >= len(w.Keyframes) || got.Keyframes[i] != w.Keyframes[i] {
					t.Fatalf("keyframe %d: got %v, want %v (a change to sim's results must bump sim.Version; then regenerate with -update)",
						i, at(got.Keyframes, i), at(w.Keyframes, i))
				}
			}
			if got.Final != w.Final || got.LastTick != w.LastTick {
				t.Errorf("final world: got %v, want %v", got.Final, w.Final)
			}
			if fmt.Sprint(got.Players) != fmt.Sprint(w.Players) {
				t.Errorf("stats: got %v, want %v", got.Players, w.Players)
			}
			r, err := replay.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := r.Verify(nil); err != nil {
				t.Error(err)
			}
		})
	}
}

func at(s []tickHash, i int) any {
	if i < len(s) {
		return s[i]
	}
	return "none"
}
