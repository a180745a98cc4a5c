package projection_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/sim"
)

// StrafeShots counts, per player name, the shots fired while strafing: the
// example projection of docs/PROJECTIONS.md.
type StrafeShots struct {
	st  strafeState
	pub atomic.Pointer[map[string]int64] // the published read model
}

type strafeState struct {
	// Shots holds each match's counts by player name, by replay id: kept
	// per match, so that a match whose file is removed can be taken back.
	Shots map[string]map[string]int64 `json:"shots"`
	// Names is each match in progress's names by player id.
	Names map[string]map[sim.PlayerID]string `json:"names"`
}

func NewStrafeShots() *StrafeShots {
	p := &StrafeShots{}
	p.UnmarshalState(nil)
	return p
}

func (p *StrafeShots) Name() string { return "strafe-shots" }

func (p *StrafeShots) Start(m *projection.Match, w *sim.World) {
	names := map[sim.PlayerID]string{}
	for _, pl := range w.Players {
		names[pl.ID] = pl.Name
	}
	p.st.Names[m.ID] = names
	p.st.Shots[m.ID] = map[string]int64{}
}

func (p *StrafeShots) Apply(t *projection.Tick) {
	names, shots := p.st.Names[t.Match.ID], p.st.Shots[t.Match.ID]
	for _, in := range t.Facts.Accepted {
		switch in.Action {
		case sim.Join:
			names[in.Player] = in.Name
		case sim.Fire:
			// The world before the tick says how the shooter was moving
			// when the shot was fired.
			if pl := t.Before.Player(in.Player); pl != nil && pl.Strafe != 0 {
				shots[names[in.Player]]++
			}
		}
	}
}

func (p *StrafeShots) End(m *projection.Match) { delete(p.st.Names, m.ID) }

// Remove takes the match back: its file is gone.
func (p *StrafeShots) Remove(m *projection.Match) {
	delete(p.st.Shots, m.ID)
	delete(p.st.Names, m.ID)
}

func (p *StrafeShots) MarshalState() ([]byte, error) { return json.Marshal(&p.st) }

func (p *StrafeShots) UnmarshalState(b []byte) error {
	st := strafeState{Shots: map[string]map[string]int64{}, Names: map[string]map[sim.PlayerID]string{}}
	if b != nil {
		if err := json.Unmarshal(b, &st); err != nil {
			return err
		}
	}
	p.st = st
	return nil
}

// Publish sums the matches' counts for readers on other goroutines.
func (p *StrafeShots) Publish() {
	sum := map[string]int64{}
	for _, shots := range p.st.Shots {
		for name, n := range shots {
			sum[name] += n
		}
	}
	p.pub.Store(&sum)
}

// Shots returns the published counts; the map must not be changed.
func (p *StrafeShots) Shots() map[string]int64 {
	if m := p.pub.Load(); m != nil {
		return *m
	}
	return nil
}

// Example adds a projection: shots fired while strafing. PlayFile runs it
// over a file; an Engine would run it over a whole replay directory, with
// checkpoints, then live.
func Example() {
	p := NewStrafeShots()
	lb := projection.NewLeaderboard()
	path := filepath.Join("..", "testdata", "arena-4p-30s.skr")
	if err := projection.PlayFile(path, nil, p, lb); err != nil {
		fmt.Println(err)
		return
	}
	shots := p.Shots()
	for _, name := range slices.Sorted(maps.Keys(shots)) {
		row, _, _ := lb.View().Player(name)
		fmt.Printf("%s: %d of %d shots while strafing\n", name, shots[name], row.Shots)
	}
	// Output:
	// bot01: 20 of 39 shots while strafing
	// bot02: 10 of 27 shots while strafing
}

// TestExampleInDocs checks that docs/PROJECTIONS.md shows the example
// above as it is.
func TestExampleInDocs(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "PROJECTIONS.md"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(doc), "```go\n// StrafeShots counts")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("docs/PROJECTIONS.md has no code block of StrafeShots")
	}
	if !strings.Contains(string(src), "// StrafeShots counts"+block) {
		t.Error("docs/PROJECTIONS.md's StrafeShots is not the code of example_test.go")
	}
}
