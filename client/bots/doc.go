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
// Every bot uses package client/session, the code the desktop client uses:
// it performs the handshake, keeps the clock in sync, applies every frame to
// its own copy of the world and compares the server's hashes with its own.
// A bot's commands come from a sim/brain (brain.New) thinking about that
// world after each frame, or from a recorded match (Options.Replay); the
// driver (driver.go) that asks for them is the same for Run and Play.
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
//     and, with Options.ServerPID, the server's CPU time in the window.
package bots
