package game

import "fmt"

// Key is one of the game's keys: an action, not a keyboard key (Bindings
// map keyboard keys to these).
type Key uint8

// Keys of the game, with their default keyboard keys.
const (
	KeyForward     Key = iota // W, ↑
	KeyBack                   // S, ↓
	KeyLeft                   // A, ←: rotate counter-clockwise
	KeyRight                  // D, →: rotate clockwise
	KeyStrafeLeft             // Q
	KeyStrafeRight            // E
	KeyFire                   // Space
	KeyRespawn                // R
	KeyScores                 // Tab
	KeyMenu                   // Esc
	NumKeys
)

// keyNames name the game's keys in the settings file.
var keyNames = [NumKeys]string{"forward", "back", "turn-left", "turn-right", "strafe-left", "strafe-right",
	"fire", "respawn", "scores", "menu"}

// keyTitles name them on screen.
var keyTitles = [NumKeys]string{"Forward", "Back", "Turn left", "Turn right", "Strafe left", "Strafe right",
	"Fire", "Respawn", "Scoreboard", "Menu"}

// String returns the key's name, as the settings file spells it:
// "forward", "turn-left", "fire".
func (k Key) String() string {
	if k >= NumKeys {
		return fmt.Sprintf("key(%d)", uint8(k))
	}
	return keyNames[k]
}

// Title returns the key's name as the screen shows it: "Forward".
func (k Key) Title() string {
	if k >= NumKeys {
		return k.String()
	}
	return keyTitles[k]
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
