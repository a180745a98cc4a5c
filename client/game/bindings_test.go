package game

import (
	"slices"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/client/keys"
)

func key(t *testing.T, name string) keys.Key {
	t.Helper()
	k, ok := keys.Parse(name)
	if !ok {
		t.Fatalf("no key %q", name)
	}
	return k
}

func TestBindings(t *testing.T) {
	t.Parallel()
	b := DefaultBindings()
	held := keys.Set{}.With(key(t, "w"), true).With(key(t, "left"), true).With(key(t, "space"), true)
	if got, want := b.Held(held), gameKeys(KeyForward, KeyLeft, KeyFire); got != want {
		t.Errorf("W, ← and Space held: %b, want %b", got, want)
	}
	if got := b.Help(); got != "W/S move · A/D turn · Q/E strafe · Space fire · R respawn · Tab scores · Esc menu" {
		t.Errorf("help %q", got)
	}
	if c := b.Conflicts(KeyForward); len(c) != 0 {
		t.Errorf("default forward conflicts with %v", c)
	}

	// Forward on I: W no longer moves, I does, the arrow still does.
	b.Bind(KeyForward, key(t, "i"))
	if b.Held(keys.Set{}.With(key(t, "w"), true)).Has(KeyForward) {
		t.Error("W still moves forward after binding forward to I")
	}
	if !b.Held(keys.Set{}.With(key(t, "i"), true)).Has(KeyForward) || !b.Held(keys.Set{}.With(key(t, "up"), true)).Has(KeyForward) {
		t.Error("I or ↑ does not move forward")
	}
	if b.Label(KeyForward) != "I / ↑" {
		t.Errorf("label %q", b.Label(KeyForward))
	}
	// Fire on E: a conflict with strafing right, shown on both.
	b.Bind(KeyFire, key(t, "e"))
	if c := b.Conflicts(KeyFire); !slices.Equal(c, []Key{KeyStrafeRight}) {
		t.Errorf("fire on E conflicts with %v, want strafe right", c)
	}
	if c := b.Conflicts(KeyStrafeRight); !slices.Equal(c, []Key{KeyFire}) {
		t.Errorf("strafe right conflicts with %v, want fire", c)
	}
	// Binding the alternative as the main key keeps no duplicate.
	b.Bind(KeyBack, key(t, "down"))
	if b.Label(KeyBack) != "↓" {
		t.Errorf("back on ↓: %q", b.Label(KeyBack))
	}

	// Through the settings file's names and back.
	got, err := ParseBindings(b.Names())
	if err != nil || got.Label(KeyForward) != "I / ↑" || got.Label(KeyFire) != "E" {
		t.Errorf("round trip: %v, forward %q, fire %q", err, got.Label(KeyForward), got.Label(KeyFire))
	}
	for k := range b {
		if !slices.Equal(got[k], b[k]) {
			t.Errorf("round trip %v: %v, want %v", Key(k), got[k], b[k])
		}
	}
}

// TestParseBindingsErrors: wrong entries keep their defaults and are all
// named; the rest is taken.
func TestParseBindingsErrors(t *testing.T) {
	t.Parallel()
	b, err := ParseBindings(map[string][]string{
		"forward": {"hyper"},
		"fire":    {"f"},
		"menu":    {"m"},
		"jump":    {"space"},
		"back":    {},
	})
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`forward: unknown key "hyper"`, "menu: stays on Esc", `unknown action "jump"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	def := DefaultBindings()
	if b.Label(KeyForward) != def.Label(KeyForward) || b.Label(KeyMenu) != "Esc" || b.Label(KeyFire) != "F" || b.Label(KeyBack) != "none" {
		t.Errorf("forward %q, menu %q, fire %q, back %q", b.Label(KeyForward), b.Label(KeyMenu), b.Label(KeyFire), b.Label(KeyBack))
	}
}

// FuzzParseBindings: whatever the settings file holds for the keys, the
// bindings are usable: known keys only, and the menu on Esc.
func FuzzParseBindings(f *testing.F) {
	f.Add("forward=i up;fire=space")
	f.Add("menu=m;jump=x;back=")
	f.Add("forward=hyper hyper")
	f.Fuzz(func(t *testing.T, s string) {
		m := map[string][]string{}
		for _, entry := range strings.Split(s, ";") {
			name, list, _ := strings.Cut(entry, "=")
			m[name] = strings.Fields(list)
		}
		b, _ := ParseBindings(m)
		for k, bound := range b {
			for _, key := range bound {
				if key == keys.None || key >= keys.Count {
					t.Fatalf("%q: %v bound to key %d", s, Key(k), key)
				}
			}
		}
		if b.Label(KeyMenu) != "Esc" {
			t.Fatalf("%q: the menu on %q", s, b.Label(KeyMenu))
		}
	})
}
