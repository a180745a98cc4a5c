// Package viewer is the replay viewer and live spectator of the desktop
// client, apart from drawing: what `skirmish watch` shows and how it
// answers the keys and the mouse, computed without Ebiten so that it is
// tested without a display. The Ebiten layer (client/ui's RunWatch) turns
// the keyboard and mouse into an Input, calls App.Update once per frame,
// and draws the Frame that App.View returns.
//
// Where a recording comes from:
//
//   - OpenFile opens a replay file; a file without a footer (a crashed
//     match) plays up to its last sealed chunk.
//   - Download fetches one from a server (GET /api/replays/ID).
//   - DialLive follows a running match through its chunk URLs (GET
//     /api/matches/ID/chunks names the replay; its header, each chunk as it
//     is sealed and the footer each have an immutable URL, so an HTTP cache
//     can serve a crowd); Live keeps the bytes and grows a replay.Reader
//     over them, so everything received so far can be sought.
//   - ListReplays lists a directory of replays to choose from.
//
// What a frame shows is drawn the way the game draws a match: the camera,
// the players between two ticks, the effects and the kill feed are package
// client/scene's. The viewer depends on nothing of live play (connections,
// prediction).
//
// The pieces, one file each:
//
//   - Playback: the playhead over a replay.Cursor. It keeps the worlds of
//     the two ticks around the playhead, so that players move smoothly at
//     any speed, and chooses between stepping (forward or back, one tick at
//     a time, with effects) and seeking (a keyframe, then fast-forward).
//   - Speeds and Bar: the speed steps, and the timeline's mapping between
//     screen x and ticks.
//   - Cameras: follow a player, that player's point of view (the picture
//     turns with their heading), a free camera, and the whole-map overview.
//   - Layout: where the panels go on a screen of a given size.
//   - LiveEdge and LiveStep: play a live match a fixed delay behind its
//     present, smoothly, although its chunks arrive a second at a time.
//   - KillIndex: the kills of the whole recording, found on a goroutine of
//     its own, for the timeline's markers and the kill feed.
//   - Model: one recording being watched; App: the chooser, the model, or
//     an error, whichever is on screen.
//
// An App and a Model are not safe for concurrent use: the game loop owns
// them. Live and KillIndex run goroutines of their own and are safe to use
// from the game loop while they run; Close stops them.
package viewer
