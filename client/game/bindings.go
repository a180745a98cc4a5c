package game

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/skirmishgg/skirmish/client/keys"
)

// Bindings map the game's keys to keyboard keys: a game key is held while
// any of its keyboard keys is. The first keyboard key of each is its main
// one, which the settings screen rebinds; more are alternatives (the
// arrows, by default). A keyboard key may be bound to two game keys: a
// conflict, which the settings screen shows rather than forbids.
type Bindings [NumKeys][]keys.Key

// DefaultBindings returns the game's default keys: W/S move, A/D turn,
// Q/E strafe, Space fire, R respawn, Tab scores, Esc menu, and the arrows
// as alternatives to W, S, A and D.
func DefaultBindings() Bindings {
	k := func(names ...string) []keys.Key {
		var ks []keys.Key
		for _, n := range names {
			key, ok := keys.Parse(n)
			if !ok {
				panic("game: default binding of unknown key " + n)
			}
			ks = append(ks, key)
		}
		return ks
	}
	return Bindings{
		KeyForward:     k("w", "up"),
		KeyBack:        k("s", "down"),
		KeyLeft:        k("a", "left"),
		KeyRight:       k("d", "right"),
		KeyStrafeLeft:  k("q"),
		KeyStrafeRight: k("e"),
		KeyFire:        k("space"),
		KeyRespawn:     k("r"),
		KeyScores:      k("tab"),
		KeyMenu:        k("esc"),
	}
}

// Rebindable reports whether the settings screen may rebind k: every key
// but the menu's, which stays on Esc so that the way to the settings is
// never lost.
func Rebindable(k Key) bool { return k < NumKeys && k != KeyMenu }

// Held returns the game keys held while the keyboard keys of held are.
func (b *Bindings) Held(held keys.Set) Keys {
	var ks Keys
	for k, bound := range b {
		for _, key := range bound {
			if held.Has(key) {
				ks = ks.With(Key(k), true)
				break
			}
		}
	}
	return ks
}

// Bind makes key the main keyboard key of k, in place of the one it had;
// key no longer doubles as one of k's alternatives.
func (b *Bindings) Bind(k Key, key keys.Key) {
	alts := slices.DeleteFunc(slices.Clone(b[k]), func(x keys.Key) bool { return x == key })
	if len(alts) > 0 {
		alts = alts[1:]
	}
	b[k] = append([]keys.Key{key}, alts...)
}

// Conflicts returns the other game keys that share a keyboard key with k.
func (b *Bindings) Conflicts(k Key) []Key {
	var out []Key
	for o := range b {
		if Key(o) == k {
			continue
		}
		for _, key := range b[o] {
			if slices.Contains(b[k], key) {
				out = append(out, Key(o))
				break
			}
		}
	}
	return out
}

// Label returns k's keyboard keys as the screen shows them: "W / ↑";
// "none" when unbound.
func (b *Bindings) Label(k Key) string {
	if len(b[k]) == 0 {
		return "none"
	}
	var parts []string
	for _, key := range b[k] {
		parts = append(parts, key.Label())
	}
	return strings.Join(parts, " / ")
}

// main returns the label of k's main keyboard key, or "?".
func (b *Bindings) main(k Key) string {
	if len(b[k]) == 0 {
		return "?"
	}
	return b[k][0].Label()
}

// Help returns the keys to show at the start of a match, from the
// bindings: "W/S move · A/D turn · Q/E strafe · Space fire · R respawn ·
// Tab scores · Esc menu".
func (b *Bindings) Help() string { return b.HelpMenu("menu") }

// HelpMenu is Help with what the menu key does said as menu: "back to the
// replay" in a match taken over from the viewer.
func (b *Bindings) HelpMenu(menu string) string {
	pair := func(a, c Key) string { return b.main(a) + "/" + b.main(c) }
	return strings.Join([]string{
		pair(KeyForward, KeyBack) + " move",
		pair(KeyLeft, KeyRight) + " turn",
		pair(KeyStrafeLeft, KeyStrafeRight) + " strafe",
		b.main(KeyFire) + " fire",
		b.main(KeyRespawn) + " respawn",
		b.main(KeyScores) + " scores",
		b.main(KeyMenu) + " " + menu,
	}, " · ")
}

// Names returns the bindings as the settings file keeps them: each game
// key's name and its keyboard keys' names.
func (b *Bindings) Names() map[string][]string {
	m := make(map[string][]string, NumKeys)
	for k, bound := range b {
		names := []string{}
		for _, key := range bound {
			names = append(names, key.String())
		}
		m[Key(k).String()] = names
	}
	return m
}

// ParseBindings reads bindings as Names writes them. A game key that m
// leaves out keeps its default keys, and so does one whose entry is wrong
// (an unknown keyboard key; the menu bound elsewhere than Esc); the error
// then names every wrong entry, and the bindings returned are still
// usable. An entry for an unknown game key is reported and ignored.
func ParseBindings(m map[string][]string) (Bindings, error) {
	b := DefaultBindings()
	var errs []error
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names) // the errors in a stable order
	for _, name := range names {
		k, ok := ParseKey(name)
		if !ok {
			errs = append(errs, fmt.Errorf("unknown action %q", name))
			continue
		}
		var bound []keys.Key
		bad := false
		for _, kn := range m[name] {
			key, ok := keys.Parse(kn)
			if !ok {
				errs = append(errs, fmt.Errorf("%s: unknown key %q", name, kn))
				bad = true
				break
			}
			if !slices.Contains(bound, key) {
				bound = append(bound, key)
			}
		}
		if !bad && !Rebindable(k) && !slices.Equal(bound, b[k]) {
			errs = append(errs, fmt.Errorf("%s: stays on %s", name, b.Label(k)))
			bad = true
		}
		if !bad {
			b[k] = bound
		}
	}
	if len(errs) > 0 {
		return b, fmt.Errorf("game: key bindings: %w", errors.Join(errs...))
	}
	return b, nil
}
