package game

import (
	"fmt"
	"strconv"
	"strings"
)

// Key is one of the game's keys (not a keyboard key: the Ebiten layer maps
// keyboard keys to these).
type Key uint8

// Keys of the game.
const (
	KeyForward     Key = iota // W
	KeyBack                   // S
	KeyLeft                   // A: rotate counter-clockwise
	KeyRight                  // D: rotate clockwise
	KeyStrafeLeft             // Q
	KeyStrafeRight            // E
	KeyFire                   // Space
	KeyRespawn                // R
	KeyScores                 // Tab
	KeyMenu                   // Esc
	NumKeys
)

var keyNames = [NumKeys]string{"w", "s", "a", "d", "q", "e", "space", "r", "tab", "esc"}

func (k Key) String() string {
	if k >= NumKeys {
		return fmt.Sprintf("key(%d)", uint8(k))
	}
	return keyNames[k]
}

// ParseKey returns the key named s, as Key.String spells it.
func ParseKey(s string) (Key, bool) {
	for k := Key(0); k < NumKeys; k++ {
		if keyNames[k] == s {
			return k, true
		}
	}
	return 0, false
}

// Keys is a set of keys held down.
type Keys uint16

// Has reports whether k is in the set.
func (ks Keys) Has(k Key) bool { return ks&(1<<k) != 0 }

// With returns the set with k held (down) or not.
func (ks Keys) With(k Key, down bool) Keys {
	if down {
		return ks | 1<<k
	}
	return ks &^ (1 << k)
}

// Pressed returns the keys held in ks that were not held in prev.
func (ks Keys) Pressed(prev Keys) Keys { return ks &^ prev }

// ScriptEvent is one step of a Script: at game frame Frame, Key goes down
// or up.
type ScriptEvent struct {
	Frame int
	Key   Key
	Down  bool
}

// Script is a sequence of key presses and releases by frame number, for
// driving the client without a person.
type Script []ScriptEvent

// ParseScript reads a script: comma-separated FRAME:KEY with a suffix + for
// a press, - for a release, or none for a tap (pressed at FRAME, released
// the frame after). Frames count game ticks from 0. Example:
// "0:w+,30:space,60:w-" walks forward for a second and fires once.
func ParseScript(s string) (Script, error) {
	var sc Script
	if strings.TrimSpace(s) == "" {
		return sc, nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		f, k, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("game: script item %q: want FRAME:KEY", item)
		}
		frame, err := strconv.Atoi(f)
		if err != nil || frame < 0 {
			return nil, fmt.Errorf("game: script item %q: bad frame %q", item, f)
		}
		tap := true
		down := true
		switch {
		case strings.HasSuffix(k, "+"):
			k, tap = strings.TrimSuffix(k, "+"), false
		case strings.HasSuffix(k, "-"):
			k, tap, down = strings.TrimSuffix(k, "-"), false, false
		}
		key, ok := ParseKey(strings.ToLower(k))
		if !ok {
			return nil, fmt.Errorf("game: script item %q: unknown key %q (want one of %s)", item, k, strings.Join(keyNames[:], " "))
		}
		sc = append(sc, ScriptEvent{Frame: frame, Key: key, Down: down})
		if tap {
			sc = append(sc, ScriptEvent{Frame: frame + 1, Key: key, Down: false})
		}
	}
	// Stable: events of one frame keep their order.
	for i := 1; i < len(sc); i++ {
		for j := i; j > 0 && sc[j].Frame < sc[j-1].Frame; j-- {
			sc[j], sc[j-1] = sc[j-1], sc[j]
		}
	}
	return sc, nil
}

// Apply returns the keys held at frame, given those held at the previous
// frame: every event of the script for this frame applied in order.
func (sc Script) Apply(frame int, held Keys) Keys {
	for _, ev := range sc {
		if ev.Frame == frame {
			held = held.With(ev.Key, ev.Down)
		}
	}
	return held
}

// End returns the last frame the script acts on, or -1 if it is empty.
func (sc Script) End() int {
	end := -1
	for _, ev := range sc {
		end = max(end, ev.Frame)
	}
	return end
}
