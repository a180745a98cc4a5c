// Package scene is what the desktop client's two screens of a match, play
// (package client/game) and watch (package client/viewer), both draw,
// computed without Ebiten: the camera, the players between two ticks, the
// effects and the kill feed, found from consecutive worlds. It knows
// nothing of connections or prediction, so that watching a replay does not
// depend on the live-play stack.
//
// The pieces, one file each:
//
//   - Camera: world units to screen pixels (Follow centres a point on a
//     map), which the viewer's cameras also zoom and turn; TilePixels and
//     UIScale size tiles and text for a screen.
//   - History: the players and projectiles of the last confirmed ticks,
//     sampled between two of them (Body, Shot) so that others move
//     smoothly.
//   - Effects: hits, deaths, spawns, shots and impacts found by comparing
//     consecutive worlds; EffectView is one to draw now.
//   - Feed: the kill feed; Kills pairs each death with its killer.
//
// Its values are not safe for concurrent use: a game loop owns them.
package scene
