// Package bots is Skirmish's load-test engine: it plays a server with many
// bots, each a real client on its own WebSocket, and measures what players
// would feel. It has no graphics; cmd/skirmish-bots is its command line.
//
// Use Run with an Options to run a test; it returns Results, which print as
// a table (WriteTable), marshal as JSON, and render as a self-contained HTML
// report (WriteHTML). Results are returned even when the run fails (an
// unreachable server, a refused handshake, a server shutting down mid-test):
// the error says what happened and the results hold what was measured. Use
// Play for bots that only keep a match busy until a context ends (the
// desktop client's practice bots): they measure nothing and come back when
// dropped.
//
// Every bot uses package client/session. A few bots of each match
// (Options.FullBots, 2 by default) are full clients, a session.Session as
// the desktop client uses: it performs the handshake, keeps the clock in
// sync, applies every frame to its own copy of the world and compares the
// server's hashes with its own; their commands come from a sim/brain
// (brain.New) thinking about that world after each frame. The others are
// blind, a session.Tracker: the same handshake and clock, no world, a read
// path of one system call per message, and commands from a brain that
// plays from its own events and rejects (blind.go). What the run measures
// needs only the frames' ticks and each bot's own events, so both kinds
// measure it the same way; desyncs only the full bots can see. Any bot
// replays a recorded match instead of thinking with Options.Replay; the
// driver (driver.go) that asks for the commands is the same for Run and
// Play.
//
// A run has three phases. During the ramp the bots connect, evenly spread
// over Options.Ramp, and start playing. The measurement window opens when
// every bot has connected or failed and lasts Options.Duration; only
// commands sent and frames received in it are measured. Then the bots stop
// sending, wait up to Options.Drain for the answers to their last commands,
// and close their connections.
//
// What is measured (see Results for the exact definitions):
//
//   - command-to-event latency: from sending a command to the arrival of the
//     frame that carries its event, matched by sequence number; a reject,
//     matched the same way, is counted by reason instead;
//   - frame jitter: |interval between consecutive frames − tick period|;
//   - clock-sync round trips (the session's pings);
//   - missed ticks: ticks the server failed to deliver on schedule;
//   - frames, disconnects, desyncs, bytes in and out per bot per second,
//     the bots' CPU time in the window (and per frame received), and, with
//     Options.ServerPID, the server's (and per client per tick).
package bots
