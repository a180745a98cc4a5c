package keys

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Step is one step of a Script: at frame Frame, Key goes down or up, or
// Text is typed.
type Step struct {
	Frame int
	Key   Key
	Down  bool
	Text  string
}

// Script presses and releases keys and types text by frame number, to
// drive the client without a person.
type Script []Step

// ParseScript reads a script: comma-separated FRAME:KEY with a suffix +
// for a press, - for a release, or none for a tap (pressed at FRAME,
// released the frame after), or FRAME:text=TEXT to type TEXT (which cannot
// hold a comma). KEY is a key's name (Key.String). Frames count from 0.
// Example: "0:w+,30:space,60:w-,90:text=ws://127.0.0.1:7777/ws".
func ParseScript(s string) (Script, error) {
	var sc Script
	if strings.TrimSpace(s) == "" {
		return sc, nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		f, k, ok := strings.Cut(item, ":")
		frame, err := strconv.Atoi(f)
		if !ok || err != nil || frame < 0 {
			return nil, fmt.Errorf("keys: script step %q: want FRAME:KEY or FRAME:text=TEXT", item)
		}
		if text, ok := strings.CutPrefix(k, "text="); ok {
			if text == "" {
				return nil, fmt.Errorf("keys: script step %q: no text", item)
			}
			sc = append(sc, Step{Frame: frame, Text: text})
			continue
		}
		tap, down := true, true
		if len(k) > 1 {
			switch k[len(k)-1] {
			case '+':
				k, tap = k[:len(k)-1], false
			case '-':
				k, tap, down = k[:len(k)-1], false, false
			}
		}
		key, ok := Parse(k)
		if !ok {
			return nil, fmt.Errorf("keys: script step %q: unknown key %q", item, k)
		}
		sc = append(sc, Step{Frame: frame, Key: key, Down: down})
		if tap {
			sc = append(sc, Step{Frame: frame + 1, Key: key, Down: false})
		}
	}
	// Stable: the steps of one frame keep their order.
	slices.SortStableFunc(sc, func(a, b Step) int { return a.Frame - b.Frame })
	return sc, nil
}

// Apply returns the keys held at frame, given those held at the frame
// before, and the text typed at frame: the script's steps for frame
// applied in order.
func (sc Script) Apply(frame int, held Set) (Set, string) {
	text := ""
	for _, st := range sc {
		switch {
		case st.Frame != frame:
		case st.Text != "":
			text += st.Text
		default:
			held = held.With(st.Key, st.Down)
		}
	}
	return held, text
}
