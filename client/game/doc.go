// Package game is the desktop client's game model, apart from drawing: what
// the player sees and does, computed without Ebiten so that it is tested
// without a display. The Ebiten layer (package client/ui) reads the keys,
// calls Model.Update once per game tick, and draws the View it gets back.
//
// A Model follows one link (package client/link). Each Update it takes the
// link's updates (confirmed frames, resets, rejects, notices), feeds them to
// the predictor (package client/predict), to the history that other players
// are interpolated from, to the effects and to the kill feed (those three
// are package client/scene's, shared with the replay viewer); then it steps
// the predicted world to the present, turns the keys held into commands
// (Controls), sends them and predicts them at once.
//
// The pieces, one file each:
//
//   - Keys: the game's keys (actions, not keyboard keys); Bindings: which
//     keyboard keys (package client/keys) hold them, as the settings keep
//     them and the menu rebinds them.
//   - Controls: held keys to start/stop commands; fire while the weapon
//     allows; spawn at the spawn point farthest from opponents.
//   - Timeline: a smooth, monotonic estimate of the server's clock.
//   - Delay: the render delay of other players, adapted to the network's
//     jitter.
//   - Scores: the scoreboard's order.
//   - View: what to draw now, in world units.
//   - Connection: what the HUD's connection indicator shows (ping, late
//     frames, silence) and its colour.
//   - Layout: where the HUD's panels go on a screen of a given size; they
//     never overlap.
//
// A Model is not safe for concurrent use: the game loop owns it.
package game
