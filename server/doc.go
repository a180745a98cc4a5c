// Package server is Skirmish's authoritative dedicated server: it hosts
// matches, accepts players over WebSockets and answers the HTTP query API.
//
// Create a Server with New (Options needs a ReplayDir; its other zero fields
// are working defaults) and call Serve (or ServeTLS) with a listener: it
// applies the HTTP limits (listen.go: timeouts, header size, connections
// per address and in total). Shutdown ends every match, tells the clients
// and finalizes the replays, then stops what Serve started. Handler serves
// the same routes without those limits, for tests and embedding; shut such
// an http.Server down after Shutdown, since http.Server.Shutdown does not
// close WebSockets.
//
// Inside, one goroutine owns each match (match.go): it runs the tick loop on
// a drift-free schedule, validates queued commands against the world, turns
// them into events, steps the world, hands the frame to the replay writer and
// encodes it once as a WebSocket frame (wsframe.go) for every session. Each
// session (session.go) has a reader goroutine that checks the client's
// messages where they enter (size, shape, rate, timestamps). Its messages
// go to the socket at once, from whichever goroutine sends them, when the
// socket has room and nothing waits before them: a write that never waits
// (wsconn_unix.go), so the match goroutine writes the tick's frame itself
// and wakes no other goroutine for it. What cannot go at once waits in the
// session's bounded queue for its writer goroutine; a session whose queue
// fills is disconnected, so no client can delay a tick. Under each session,
// wsconn.go counts the client's bytes, keeps the WebSocket library's
// control frames and the session's frames whole on the wire, and closes the
// socket gracefully, so that the close frame that says why is not lost to a
// TCP reset. The HTTP API
// (api.go) reads matches through atomics or by running a function inside the
// match loop; /readyz also says whether replays can be written (disk.go).
// The replay directory is read only through a replay.Dir (regular files, no
// link followed): the replay list, files and live streams (replays.go), the
// chunk URLs, which serve each sealed piece of a replay at an immutable URL
// for HTTP caches (chunks.go: chunkIndex and chunkPiece decide where the
// pieces come from), the read models (readmodels.go), and the retention
// that removes old replays on its own goroutine (retention.go).
//
// Fork (fork.go) makes a match from the world of a recording at any of its
// ticks, through the same reservation, fleet claim and creation as any new
// match; the HTTP API's fork routes (forkapi.go) and the desktop client's
// practice server both call it. Inside the loop (forkmatch.go), a forked
// match holds its first world until the clients of its players have taken
// their places by name, then starts, and the match goroutine runs a
// sim/brain bot for each player nobody took (or removes it).
//
// Create (create.go) makes an empty match on any map Options.Maps serves,
// by the path of a hello that names a new match; POST /api/matches calls
// it, so that a client can choose the map before its players say hello.
package server
