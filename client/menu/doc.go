// Package menu is the desktop client's menu, apart from drawing: the main
// menu, practice setup, the server browser, the settings and the key
// bindings, and the pause menu over a match, computed without Ebiten so
// that it is tested without a display. The Ebiten layer (package
// client/ui) turns the keyboard and mouse into an Input, calls
// Model.Update once per frame, does what the Request it returns asks
// (start practice, join a match, watch replays, resume, leave, quit) and
// draws the View.
//
// The pieces, one file each:
//
//   - Model: the screen shown, the keys and the mouse, the Requests.
//   - Item: a line of a screen: a button, a choice (← →), a toggle or a
//     text field; the screens' items and what they do (screens.go).
//   - the server browser (browser.go): the servers of the settings, their
//     matches fetched by package client/browse off the game loop,
//     refreshed every few seconds, sorted, joined with a click or Enter.
//   - the create screen (create.go): a new match's name and one of the
//     server's maps, created by the Fetcher off the game loop (POST
//     /api/matches) and then joined, or the server's reason for not.
//   - Layout: where the title, the items, the browser's tabs and table
//     go on a screen of a given size, so that the mouse is hit-tested
//     here and drawn there alike.
//
// The Model edits the settings it is given (package client/settings) and
// saves them through Options.Save when a settings screen is left. A Model
// is not safe for concurrent use: the game loop owns it.
package menu
