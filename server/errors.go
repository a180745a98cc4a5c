package server

import "errors"

var (
	errMatchFull = errors.New("server: match full")
	errBadResume = errors.New("server: unknown or expired resume token")
	errClosed    = errors.New("server: session closed")
	errByteFlood = errors.New("server: client sends bytes faster than its message limit allows")
	// errWouldBlock: the socket has no room for the frame now, or another
	// frame is being written; the session's writer goroutine takes over.
	errWouldBlock = errors.New("server: write would wait")
	// errCloseSent: the WebSocket library has sent a close frame, after
	// which no message may go out.
	errCloseSent = errors.New("server: close frame sent")
	// errNoReplay: a chunk URL names a replay that is not there.
	errNoReplay = errors.New("server: no such replay")
	// errNotSealed: a chunk URL names a piece not written yet: a chunk not
	// sealed yet, the footer of a match still running.
	errNotSealed = errors.New("server: not sealed yet")
)

// Errors of Server.Fork and Server.Create, wrapped with the details; test them with
// errors.Is. The HTTP API answers each with the status noted.
var (
	// ErrForkRange: the tick is outside the source recording, or a
	// running match has not reached it (422).
	ErrForkRange = errors.New("server: fork: tick out of range")
	// ErrForkSource: the source recording cannot be read there: a
	// corrupt file, a chunk that cannot be read (422).
	ErrForkSource = errors.New("server: fork: the source replay cannot be read")
	// ErrForkVersion: the source was recorded in a format or by a
	// simulation version that this server does not play (422).
	ErrForkVersion = errors.New("server: fork: the source replay is of another version")
	// ErrForkMap: the source's map is not the map this server and its
	// clients have under that name (422).
	ErrForkMap = errors.New("server: fork: the source's map differs from this server's")
	// ErrForkRequest: the request cannot be met as it is: a player to
	// wait for that is not in the forked world, an invalid match id (400).
	ErrForkRequest = errors.New("server: fork: bad request")
	// ErrCreateRequest: a request of Server.Create cannot be met as it
	// is: an invalid match id, a map this server does not have (400).
	ErrCreateRequest = errors.New("server: create: bad request")
	// ErrMatchExists: the id asked for names a match that runs already,
	// here or on another node of the fleet (409).
	ErrMatchExists = errors.New("server: a match of that id is running")
	// ErrRefused: the server cannot take a new match now: it is full,
	// the address has created too many, it is shutting down, or its
	// replay cannot be created (503).
	ErrRefused = errors.New("server: no new match now")
)
