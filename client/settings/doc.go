// Package settings is what the desktop client remembers between runs: the
// player's name, the key bindings, the volumes, the window, the servers of
// the browser and the last practice setup, in one JSON file in the user's
// configuration directory (Path: os.UserConfigDir()/skirmish/settings.json).
//
// Use Load to read the file and Save to write it. The file carries a
// version; Load takes an older one forward, and a file it cannot read (not
// JSON, a version it does not know) is kept beside it under another name
// and replaced by the defaults, with a message that says so: a damaged file
// never keeps the game from starting and is never silently lost. Values out
// of range are brought back within it (Normalize).
//
// The format is described on Settings; the key bindings are kept by name
// (package client/game's Bindings.Names), so that this package needs no
// keyboard.
package settings
