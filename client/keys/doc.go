// Package keys is the desktop client's keyboard, apart from any keyboard
// library: the keys by name, sets of keys held down, and scripts that press
// them by frame number, so that the menu, the bindings and the scripted
// runs of the client are written and tested without a display. The Ebiten
// layer (package client/ui) maps each Key to its Ebiten key.
//
// The pieces, one file each:
//
//   - Key: a key of the keyboard, named as scripts and the settings file
//     spell it ("w", "space", "up", "f1", ","), with a Label to show.
//   - Set: the keys held down at one moment.
//   - Script: presses, releases and typed text by frame
//     ("0:w+,30:space,60:w-,90:text=ada").
//
// Its values are plain data, safe to copy.
package keys
