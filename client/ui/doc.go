// Package ui is the desktop client's Ebiten layer: it opens the window,
// reads the keyboard and the mouse, and draws what the models say is
// there. It holds no game logic.
//
// One game loop (loop.go) runs a Scene: it opens the window, ticks 60 times
// a second, draws, counts frames and measures the frame rate, ends a
// scripted run after its frames and saves its last frame as a PNG, so that
// tests and anyone checking a build can drive the real client without a
// person. A Scene reads its input, moves its model and draws.
//
// Run plays: its scene passes the keys to game.Model.Update (package
// client/game) and draws game.Model.View, until the player quits (Esc, then
// Q), the scripted frames are done (Options.Frames), or the window is
// closed. Options.Script presses keys by frame number.
//
// RunWatch runs the replay viewer and live spectator the same way: its
// scene turns the keys and the mouse into viewer.Input for a viewer.App
// (package client/viewer, where all of the viewer's logic is) and draws the
// frames it returns.
//
// Both draw a match with the same painter (paint.go), from package
// client/scene's camera, bodies, shots, effects and kill feed: the same
// map, players, shots and effects, through a camera that, watching, may
// also zoom and turn.
//
// Ebiten runs the game on the main thread: call Run or RunWatch from main.
package ui
