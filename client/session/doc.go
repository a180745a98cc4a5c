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
package session
