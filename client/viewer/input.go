package viewer

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Action is something the viewer is asked to do, by a key (the Ebiten
// layer maps keys to actions) or a script.
type Action uint8

// Actions, with their keys.
const (
	ActPlayPause   Action = iota // Space
	ActSlower                    // [
	ActFaster                    // ]
	ActStepBack                  // , (pauses)
	ActStepForward               // . (pauses)
	ActJumpBack                  // ←: 10 s back
	ActJumpForward               // →: 10 s on
	ActReverse                   // R: play backward / forward
	ActStart                     // Home
	ActEnd                       // End (live: back to live)
	ActNextPlayer                // Tab
	ActPrevPlayer                // Shift+Tab
	ActOverview                  // O
	ActFollow                    // F
	ActPOV                       // P
	ActFree                      // C
	ActLive                      // L: back to the live edge
	ActHelp                      // H
	ActBack                      // Esc: back to the list, or quit
	ActQuit                      // Q
	ActUp                        // ↑ (the list)
	ActDown                      // ↓ (the list)
	ActOpen                      // Enter (the list)
	ActTakeOver                  // T: play on from here (TakeOver)
	numActions
)

var actionNames = [numActions]string{"space", "[", "]", ",", ".", "left", "right", "r", "home", "end",
	"tab", "shift+tab", "o", "f", "p", "c", "l", "h", "esc", "q", "up", "down", "enter", "t"}

func (a Action) String() string {
	if a >= numActions {
		return fmt.Sprintf("action(%d)", uint8(a))
	}
	return actionNames[a]
}

// Actions is a set of actions.
type Actions uint32

// Has reports whether a is in the set.
func (as Actions) Has(a Action) bool { return as&(1<<a) != 0 }

// With returns the set with a in it.
func (as Actions) With(a Action) Actions { return as | 1<<a }

// Input is what the keyboard and mouse did in one frame, and the screen's
// size.
type Input struct {
	W, H float64 // the screen, pixels
	// DT is how far a replay plays in this frame, in seconds at 1×: 1/60
	// at Ebiten's 60 updates a second. Now is the wall clock: a live match
	// is played at its pace.
	DT  float64
	Now time.Time
	// Actions pressed this frame, and a number key (1 to 9, 10 for 0;
	// 0 for none): the player of that row of the list.
	Actions Actions
	Player  int
	// The mouse: where it is, whether its left button is down and went
	// down this frame, and the wheel's turn (up is positive).
	MouseX, MouseY          float64
	MouseDown, MousePressed bool
	Wheel                   float64
}

// ScriptStep is one step of a Script: at frame Frame, an action or a
// number key.
type ScriptStep struct {
	Frame  int
	Action Action
	Player int // a number key, instead of Action, if not 0
}

// Script is a sequence of actions by frame, to drive the viewer without a
// person.
type Script []ScriptStep

// ParseScript reads a script: comma-separated FRAME:KEY, where KEY is an
// action's key as Action.String spells it (space [ ] , . left right r home
// end tab shift+tab o f p c l h esc q up down enter t) or a digit. Example:
// "0:p,60:r,120:space". Frames count from 0.
func ParseScript(s string) (Script, error) {
	var out Script
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, item := range strings.Split(s, ",") {
		fs, key, ok := strings.Cut(strings.TrimSpace(item), ":")
		frame, err := strconv.Atoi(fs)
		if !ok || err != nil || frame < 0 {
			return nil, fmt.Errorf("script step %q: want FRAME:KEY", item)
		}
		step := ScriptStep{Frame: frame}
		if len(key) == 1 && key[0] >= '0' && key[0] <= '9' {
			step.Player = int(key[0] - '0')
			if step.Player == 0 {
				step.Player = 10
			}
			out = append(out, step)
			continue
		}
		found := false
		for a := Action(0); a < numActions; a++ {
			if actionNames[a] == key {
				step.Action, found = a, true
			}
		}
		if !found {
			return nil, fmt.Errorf("script step %q: unknown key %q", item, key)
		}
		out = append(out, step)
	}
	return out, nil
}

// Apply adds the script's steps for frame to in.
func (s Script) Apply(frame int, in *Input) {
	for _, st := range s {
		if st.Frame != frame {
			continue
		}
		if st.Player != 0 {
			in.Player = st.Player
		} else {
			in.Actions = in.Actions.With(st.Action)
		}
	}
}
