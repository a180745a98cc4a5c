// Package session is the client side of the Skirmish protocol, without any
// graphics: the desktop client, the load-test bots and the tests all use it.
//
// Use Dial to connect and join a match; the Session then holds the
// client's own copy of the world at the last confirmed tick. Call Recv in a
// loop: it reads the server's next message and applies it (a frame steps the
// world, a pong refines the Clock, a snapshot replaces the world). Call Send
// to issue a command for your player; it is stamped with the estimated
// server clock and returns the sequence number that the command's event
// will carry when it comes back in a frame.
//
// Use DialTracker for a client that keeps no world, such as a load-test
// bot that does not simulate: a Tracker reads every frame (checking that
// the ticks follow one another), keeps the clock in sync and sends
// commands; its caller learns what became of them from the frames' events
// and the rejects, which Run hands it. It speaks WebSocket itself
// (wsclient.go) to read each message with one system call.
package session
