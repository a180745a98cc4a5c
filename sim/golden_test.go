package sim

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt from the current simulation")

var goldenFile = filepath.Join("testdata", "golden.txt")

// goldenScenarios are seeded scripted matches (see script) whose hashes at
// goldenTicks are recorded in testdata/golden.txt. They cover each map and
// the slowest, default and fastest tick rates.
var goldenScenarios = []struct {
	mapName string
	rate    int32
	seed    uint64
	players int
	ticks   int
}{
	{"arena", 60, 1, 16, 6000},
	{"duel", MinTickRate, 2, 4, 3000},
	{"yard", MaxTickRate, 3, 32, 6000},
}

// goldenTicks are the ticks whose hashes are recorded, besides the last.
var goldenTicks = []int{1, 10, 100, 1000, 2000, 3000, 4000, 5000}

const goldenHeader = `# Golden hashes of sim's seeded scenarios (TestGolden in golden_test.go):
# "scenario tick hash", the hash (World.Hash, FNV-1a of the snapshot) after
# that tick. Every machine and architecture must reproduce them exactly
# (make crossarch runs them on 386 and arm64).
#
# A hash that changes while the scenario code (script, goldenScenarios) has
# not means that Step, the rules or the snapshot encoding changed results:
# recorded replays no longer play back, so bump sim.Version in the same
# change, then regenerate this file with
#
#	go test ./sim -run TestGolden -update
#
# The version line records the sim.Version the hashes were made with.
`

func goldenName(mapName string, rate int32, seed uint64, players int) string {
	return fmt.Sprintf("%s/%dHz/seed%d/%dp", mapName, rate, seed, players)
}

// TestGolden plays the golden scenarios and compares their hashes with the
// ones recorded in testdata/golden.txt.
func TestGolden(t *testing.T) {
	t.Parallel()
	got := map[string]uint64{}
	var keys []string
	for _, sc := range goldenScenarios {
		m := loadMap(t, sc.mapName)
		w := newWorld(t, m, sc.rate)
		s := newScript(sc.seed, sc.players)
		name := goldenName(sc.mapName, sc.rate, sc.seed, sc.players)
		record := func(w *World) {
			key := fmt.Sprintf("%s %d", name, w.Tick)
			if _, dup := got[key]; !dup {
				keys = append(keys, key)
			}
			got[key] = w.Hash()
		}
		i := 0
		s.run(w, sc.ticks, func(w *World, _ []Input) {
			if i < len(goldenTicks) && int(w.Tick) == goldenTicks[i] {
				record(w)
				i++
			}
		})
		record(w)
		if err := checkInvariants(w); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	if *update {
		var b bytes.Buffer
		b.WriteString(goldenHeader)
		fmt.Fprintf(&b, "\nversion %d\n\n", Version)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s %016x\n", k, got[k])
		}
		if err := os.WriteFile(goldenFile, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d hashes)", goldenFile, len(keys))
		return
	}

	version, want, err := readGolden(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	if version != Version {
		t.Fatalf("%s holds hashes of sim.Version %d, this is %d: regenerate it with go test ./sim -run TestGolden -update", goldenFile, version, Version)
	}
	bad := 0
	for _, k := range keys {
		w, ok := want[k]
		switch {
		case !ok:
			t.Errorf("%s: no recorded hash (got %016x)", k, got[k])
			bad++
		case w != got[k]:
			t.Errorf("%s: hash %016x, recorded %016x", k, got[k], w)
			bad++
		}
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("%s: recorded but no longer played", k)
			bad++
		}
	}
	if bad > 0 {
		t.Log("The simulation's results changed. If that is intended, bump sim.Version and run go test ./sim -run TestGolden -update; if not, it is a determinism bug.")
	}
}

// readGolden parses golden.txt: comments, a version line, then
// "scenario tick hash" lines.
func readGolden(path string) (version int, hashes map[string]uint64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	hashes = map[string]uint64{}
	version = -1
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		switch {
		case len(fields) == 2 && fields[0] == "version":
			if version, err = strconv.Atoi(fields[1]); err != nil {
				return 0, nil, fmt.Errorf("%s:%d: %v", path, n, err)
			}
		case len(fields) == 3:
			h, err := strconv.ParseUint(fields[2], 16, 64)
			if err != nil {
				return 0, nil, fmt.Errorf("%s:%d: %v", path, n, err)
			}
			hashes[fields[0]+" "+fields[1]] = h
		default:
			return 0, nil, fmt.Errorf("%s:%d: cannot parse %q", path, n, line)
		}
	}
	if version < 0 {
		return 0, nil, fmt.Errorf("%s: no version line", path)
	}
	return version, hashes, sc.Err()
}
