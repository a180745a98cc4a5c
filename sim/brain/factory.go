package brain

import (
	"fmt"
	"strings"
)

// kinds are the brains New makes, in the order Names lists them. Adding a
// brain is adding a line here.
var kinds = [...]struct {
	name, about string
	make        func(seed uint64, rate float64) Brain
}{
	{"chase", "hunts the nearest opponent and aims like a person", newChase},
	{"random", "moves, turns and fires at random, aimlessly", newRandom},
	{"storm", "moves at random and fires whenever the weapon allows", newStorm},
}

// New returns a new brain of the kind name (one of Names), seeded with seed.
// rate is its command rate per second: a random brain's average, a chase
// brain's cap (0: DefaultChaseRate), a storm brain's average besides its
// shots. A negative or NaN rate counts as 0, and one above MaxRate as
// MaxRate. An unknown name is ErrUnknown.
func New(name string, seed uint64, rate float64) (Brain, error) {
	for _, k := range kinds {
		if k.name == name {
			return k.make(seed, rate), nil
		}
	}
	return nil, fmt.Errorf("%w %q (want %s)", ErrUnknown, name, strings.Join(Names(), ", "))
}

// Names returns the names of the brains New makes, for help texts and
// option checks.
func Names() []string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}
	return names
}

// About returns a line saying how the brain called name plays, or "" for an
// unknown name.
func About(name string) string {
	for _, k := range kinds {
		if k.name == name {
			return k.about
		}
	}
	return ""
}

// Seed returns the seed of bot i of a group of bots seeded with group: a
// fixed mix, so that the bots of a group play differently and the same
// group seed gives the same bots. skirmish-replay gen's output depends on
// it, so it never changes.
func Seed(group uint64, i int) uint64 {
	return group*0x9e3779b97f4a7c15 + uint64(i+1)*0xbf58476d1ce4e5b9
}
