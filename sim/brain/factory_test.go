package brain

import (
	"errors"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/sim"
)

// TestNew: every brain Names lists is made by New and described by About;
// an unknown name is an error that lists the known ones.
func TestNew(t *testing.T) {
	t.Parallel()
	names := Names()
	if len(names) < 3 {
		t.Fatalf("Names() = %v, want random, chase and storm at least", names)
	}
	for _, name := range names {
		b, err := New(name, 1, 3)
		if err != nil || b == nil {
			t.Errorf("New(%q) = %v, %v", name, b, err)
		}
		if About(name) == "" {
			t.Errorf("About(%q) is empty", name)
		}
	}
	for _, name := range []string{"", "Chase", "nope"} {
		_, err := New(name, 1, 3)
		if !errors.Is(err, ErrUnknown) || !strings.Contains(err.Error(), strings.Join(names, ", ")) {
			t.Errorf("New(%q): %v, want ErrUnknown listing %v", name, err, names)
		}
		if About(name) != "" {
			t.Errorf("About(%q) = %q, want empty", name, About(name))
		}
	}
}

// TestNewPlaysLikeItsName: New(name) plays exactly as the brain of that
// name: the same seed gives the same match as the constructor.
func TestNewPlaysLikeItsName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		want Brain
	}{{"random", newRandom(7, 3)}, {"chase", newChase(7, 3)}} {
		got, err := New(c.name, 7, 3)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := runHash(t, 1500, got, newRandom(8, 2)), runHash(t, 1500, c.want, newRandom(8, 2)); a != b {
			t.Errorf("New(%q): hash %#x, the constructor's %#x", c.name, a, b)
		}
	}
}

// TestStormFires: a storm brain fires on every tick its weapon allows,
// besides moving at random, and sends only valid commands.
func TestStormFires(t *testing.T) {
	t.Parallel()
	b, err := New("storm", 3, 3)
	if err != nil {
		t.Fatal(err)
	}
	mt := newMatch(t, loadMap(t, "arena"), 60, b, nil)
	could, fired, moved := 0, 0, 0
	mt.onInput = func(_ int, in sim.Input) {
		switch in.Action {
		case sim.Fire:
			fired++
		case sim.MoveStart, sim.StrafeStart, sim.RotateStart:
			moved++
		}
	}
	for range 1200 {
		if sim.Validate(mt.w, sim.Input{Player: 1, Action: sim.Fire}) == nil {
			could++
		}
		mt.tick()
	}
	if could < 50 || fired != could {
		t.Errorf("the weapon was ready on %d ticks and the storm fired on %d", could, fired)
	}
	if moved == 0 {
		t.Error("the storm never moved")
	}
}

// TestSeed: the bots of a group get distinct seeds, and the mixing is
// pinned: skirmish-replay gen's output (the golden replays) depends on it.
func TestSeed(t *testing.T) {
	t.Parallel()
	seen := map[uint64]bool{}
	for _, group := range []uint64{0, 1, 2} {
		for i := range 1000 {
			s := Seed(group, i)
			if seen[s] {
				t.Fatalf("Seed(%d, %d) = %#x, given before", group, i, s)
			}
			seen[s] = true
		}
	}
	if got, want := Seed(1, 0), uint64(0x5d8fc1269c2f61ce); got != want { // the sum of the two odd constants, wrapped
		t.Errorf("Seed(1, 0) = %#x, want %#x", got, want)
	}
}
