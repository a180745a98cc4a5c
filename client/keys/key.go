package keys

import "strings"

// Key is a key of the keyboard. The zero Key is no key.
type Key uint8

// None is no key.
const None Key = 0

// key is a key's name (as scripts and settings spell it) and its label (as
// the screen shows it).
type key struct{ name, label string }

// table lists every key the client knows, in the order of their values
// from 1. Shift, Ctrl and Alt stand for either side's key.
var table = func() []key {
	t := []key{{"", ""}} // None
	for c := 'a'; c <= 'z'; c++ {
		t = append(t, key{string(c), strings.ToUpper(string(c))})
	}
	for c := '0'; c <= '9'; c++ {
		t = append(t, key{string(c), string(c)})
	}
	t = append(t,
		key{"space", "Space"}, key{"enter", "Enter"}, key{"esc", "Esc"}, key{"tab", "Tab"},
		key{"backspace", "Backspace"}, key{"delete", "Delete"}, key{"insert", "Insert"},
		key{"home", "Home"}, key{"end", "End"}, key{"pageup", "Page Up"}, key{"pagedown", "Page Down"},
		key{"up", "↑"}, key{"down", "↓"}, key{"left", "←"}, key{"right", "→"},
		key{"shift", "Shift"}, key{"ctrl", "Ctrl"}, key{"alt", "Alt"}, key{"capslock", "Caps Lock"},
		key{"-", "-"}, key{"=", "="}, key{"[", "["}, key{"]", "]"}, key{";", ";"}, key{"'", "'"},
		key{",", ","}, key{".", "."}, key{"/", "/"}, key{`\`, `\`}, key{"`", "`"},
		key{"kpenter", "Keypad Enter"},
	)
	for i := 1; i <= 12; i++ {
		n := "f" + itoa(i)
		t = append(t, key{n, strings.ToUpper(n)})
	}
	for c := '0'; c <= '9'; c++ {
		t = append(t, key{"kp" + string(c), "Keypad " + string(c)})
	}
	return t
}()

// Count is one more than the largest Key: keys are 1 to Count-1.
var Count = Key(len(table))

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// All returns every key, from 1 to Count-1.
func All() []Key {
	ks := make([]Key, 0, len(table)-1)
	for k := Key(1); k < Count; k++ {
		ks = append(ks, k)
	}
	return ks
}

// String returns the key's name: "w", "space", "up", "f1", ","; "" for
// None.
func (k Key) String() string {
	if k >= Count {
		return "key(" + itoa(int(k)%100) + ")"
	}
	return table[k].name
}

// Label returns the key as the screen shows it: "W", "Space", "↑".
func (k Key) Label() string {
	if k >= Count {
		return k.String()
	}
	return table[k].label
}

// Parse returns the key named name (case does not matter for letters and
// named keys), and whether there is one.
func Parse(name string) (Key, bool) {
	n := strings.ToLower(name)
	for k := Key(1); k < Count; k++ {
		if table[k].name == n {
			return k, true
		}
	}
	return None, false
}

// Letter returns the key of letter or digit c ('a' to 'z', 'A' to 'Z',
// '0' to '9'), or None.
func Letter(c rune) Key {
	switch {
	case c >= 'a' && c <= 'z':
		return Key(1 + c - 'a')
	case c >= 'A' && c <= 'Z':
		return Key(1 + c - 'A')
	case c >= '0' && c <= '9':
		return Key(27 + c - '0')
	}
	return None
}
