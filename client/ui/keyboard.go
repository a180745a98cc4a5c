package ui

import (
	"fmt"

	"github.com/hajimehoshi/ebiten/v2"
	"github.com/hajimehoshi/ebiten/v2/inpututil"
	"github.com/skirmishgg/skirmish/client/keys"
)

// ebitenKeys maps package keys' keys to Ebiten's, by name; keys.Key is the
// index. Shift, Ctrl and Alt are either side's.
var ebitenKeys = func() []ebiten.Key {
	named := map[string]ebiten.Key{
		"space": ebiten.KeySpace, "enter": ebiten.KeyEnter, "esc": ebiten.KeyEscape, "tab": ebiten.KeyTab,
		"backspace": ebiten.KeyBackspace, "delete": ebiten.KeyDelete, "insert": ebiten.KeyInsert,
		"home": ebiten.KeyHome, "end": ebiten.KeyEnd, "pageup": ebiten.KeyPageUp, "pagedown": ebiten.KeyPageDown,
		"up": ebiten.KeyArrowUp, "down": ebiten.KeyArrowDown, "left": ebiten.KeyArrowLeft, "right": ebiten.KeyArrowRight,
		"shift": ebiten.KeyShift, "ctrl": ebiten.KeyControl, "alt": ebiten.KeyAlt, "capslock": ebiten.KeyCapsLock,
		"-": ebiten.KeyMinus, "=": ebiten.KeyEqual, "[": ebiten.KeyBracketLeft, "]": ebiten.KeyBracketRight,
		";": ebiten.KeySemicolon, "'": ebiten.KeyQuote, ",": ebiten.KeyComma, ".": ebiten.KeyPeriod,
		"/": ebiten.KeySlash, `\`: ebiten.KeyBackslash, "`": ebiten.KeyBackquote, "kpenter": ebiten.KeyNumpadEnter,
	}
	for i := range 26 {
		named[string(rune('a'+i))] = ebiten.KeyA + ebiten.Key(i)
	}
	for i := range 10 {
		named[string(rune('0'+i))] = ebiten.KeyDigit0 + ebiten.Key(i)
		named["kp"+string(rune('0'+i))] = ebiten.KeyNumpad0 + ebiten.Key(i)
	}
	for i := range 12 {
		named[fmt.Sprintf("f%d", i+1)] = ebiten.KeyF1 + ebiten.Key(i)
	}
	out := make([]ebiten.Key, keys.Count)
	for i := range out {
		out[i] = -1
	}
	for _, k := range keys.All() {
		if ek, ok := named[k.String()]; ok {
			out[k] = ek
		}
	}
	return out
}()

// input is the keyboard and the mouse in one frame, the keyboard's keys
// held together with those a script holds, so that a scripted run and a
// person drive every screen alike.
type input struct {
	script   keys.Script
	scripted keys.Set // held by the script
	held     keys.Set // held now: keyboard and script
	prev     keys.Set
	frames   []int // how many frames each key has been held
	text     string

	mouseX, mouseY float64
	click          bool
	wheel          float64
}

func newInput(script keys.Script) *input {
	return &input{script: script, frames: make([]int, keys.Count)}
}

// read reads frame's keyboard, mouse and script.
func (in *input) read(frame int) {
	var typed string
	in.scripted, typed = in.script.Apply(frame, in.scripted)
	in.prev, in.held = in.held, in.scripted
	for k, ek := range ebitenKeys {
		if ek >= 0 && ebiten.IsKeyPressed(ek) {
			in.held = in.held.With(keys.Key(k), true)
		}
	}
	for k := range in.frames {
		if in.held.Has(keys.Key(k)) {
			in.frames[k]++
		} else {
			in.frames[k] = 0
		}
	}
	in.text = string(ebiten.AppendInputChars(nil)) + typed
	x, y := ebiten.CursorPosition()
	in.mouseX, in.mouseY = float64(x), float64(y)
	in.click = inpututil.IsMouseButtonJustPressed(ebiten.MouseButtonLeft)
	_, in.wheel = ebiten.Wheel()
}

// down reports whether k went down this frame.
func (in *input) down(k keys.Key) bool { return in.frames[k] == 1 }

// press reports whether k went down this frame or, held, repeats now:
// after a third of a second, 15 times a second.
func (in *input) press(k keys.Key) bool {
	d := in.frames[k]
	return d == 1 || d >= 20 && (d-20)%4 == 0
}

// pressed appends the keys that went down this frame or repeat.
func (in *input) pressed(dst []keys.Key) []keys.Key {
	for k := keys.Key(1); k < keys.Count; k++ {
		if in.press(k) {
			dst = append(dst, k)
		}
	}
	return dst
}

// key returns the key named name; it panics on an unknown name (a bug).
func key(name string) keys.Key {
	k, ok := keys.Parse(name)
	if !ok {
		panic("ui: unknown key " + name)
	}
	return k
}
