// Package assets holds the game's embedded data files: today the maps, later the
// art and fonts of the desktop client.
//
// Everything here is original to the Skirmish project and licensed like the code
// (see LICENSE.md in this directory). The files are compiled into the binary with
// go:embed, so the server, the client, the bots and the replay tool all see the same
// bytes and never read them from disk at run time.
//
// Use MapNames to list the maps and MapSource to get the text of one; the sim
// package parses that text. Maps is the raw embedded file system, for tools that
// want to walk it.
//
// # Map format
//
// A map is a text file maps/NAME.txt. Lines starting with ';' are comments. Blank
// lines are allowed only before the grid. An optional header line
// "name: Human Readable Name" may come before the grid. The grid follows: rows of
// equal length made of '#' (wall), '.' (floor) and 'S' (spawn point, a floor tile
// where players may spawn). The border is all walls, width and height are between
// 8 and 128, and every floor tile is reachable from the spawn points.
package assets
