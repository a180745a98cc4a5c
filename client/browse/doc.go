// Package browse is the server browser's data, apart from drawing: which
// matches a server runs, and how far away it is. The menu (package
// client/menu) asks for it and the Ebiten layer draws it.
//
// Use ParseAddress to turn what a player types ("host:port",
// "ws://host:port/ws", "http://host:port") into a server's WebSocket and
// HTTP addresses. Use Fetch to read a server's matches (GET /api/matches,
// decoded by DecodeMatches, which ignores fields it does not know: a
// fleet's nodes add theirs) and measure its ping (the quickest of a few
// GET /healthz). Use Maps to read the maps a server offers (GET
// /api/maps, decoded by DecodeMaps) and Create to make a match on one of
// them (POST /api/matches), to be joined at once by its id.
//
// A Browser runs these requests on goroutines of its own, at most one of
// each kind per server, so that a slow or unreachable server never holds
// up a frame: Refresh, FetchMaps and Create start one, Poll collects
// what finished (a Result says which by its Op), Close stops them all.
//
// In a fleet any node lists the fleet's matches; a client that joins one
// hosted elsewhere is redirected by the node it asked (package
// client/session follows the redirect), so the browser joins through the
// server the player added.
package browse
