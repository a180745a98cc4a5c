// Package link keeps the desktop client connected to its match: it owns the
// session (package client/session) on goroutines of its own, so that the game
// loop never waits on the network, and reconnects by itself when the
// connection is lost.
//
// Use Start to connect; it returns at once and connects in the background.
// Call Poll once per game frame to take the updates that arrived since the
// last call, oldest first: a Reset (the welcome after connecting or
// reconnecting, or the fresh snapshot that repairs a desync), a Frame (the
// confirmed world after one tick, with the tick's events), a Reject or a
// Notice. Each update carries a copy of the session's world, so the game
// reads it without locks; hand the updates back with Release when done, and
// they are reused. Call Send to issue a command: it queues the command for
// the sender goroutine and returns the sequence number the command's event
// will carry. Status says whether the link is connecting, playing,
// reconnecting or closed, and why. Close ends it all.
//
// A lost connection (a network error, the server dropping the socket) is
// retried with growing delays, resuming the same player with the resume
// token of the last welcome; if the server no longer knows the token, the
// link joins afresh as a new player. A connection the server ended on
// purpose (the match ended, the server shut down, the player was kicked, a
// refused handshake) is not retried: the link closes and Status says why;
// Reason turns that error into what a player reads (the server's close
// reason).
//
// Session numbers commands 1, 2, 3… in the order Send is called. The sender
// goroutine is the only caller of Send on a session, so Link knows each
// command's sequence number when it queues it, before it is sent.
//
// Link's methods are safe for concurrent use.
package link
