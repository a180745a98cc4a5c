// Package ui is the desktop client's Ebiten layer: it opens the window,
// reads the keyboard and the mouse, plays the sound and draws what the
// models say is there. It holds no game logic: the menu is package
// client/menu's, a match package client/game's, the viewer package
// client/viewer's, the sounds package client/audio's.
//
// One game loop (loop.go) runs a Scene: it opens the window, ticks 60 times
// a second, draws, counts frames and measures the frame rate, ends a
// scripted run after its frames and saves its last frame as a PNG, so that
// tests and anyone checking a build can drive the real client without a
// person.
//
// Run runs the shell (shell.go): the menu (menudraw.go draws it), and
// whatever it opens: a match (play.go, drawn by draw.go), with the pause
// menu over it on Esc, or the replays (watch.go). The keyboard and a
// script (Options.Script: keys pressed and text typed by frame) reach
// every screen through one input (keyboard.go); in a match the keys go
// through the player's bindings. Options.Start opens a match at once
// (skirmish play) or the server browser (skirmish menu -browse).
//
// RunWatch runs the replay viewer and live spectator on its own: its scene
// turns the keys and the mouse into viewer.Input for a viewer.App and draws
// the frames it returns.
//
// Both draw a match with the same painter (paint.go), from package
// client/scene's camera, bodies, shots, effects and kill feed, inside the
// panels that client/game's and client/viewer's layouts give them.
//
// Sound (sound.go) plays on Ebiten's own backend, oto, opened in the
// background: a machine without a sound device plays silently, and says so
// once.
//
// Ebiten runs the game on the main thread: call Run or RunWatch from main.
package ui
