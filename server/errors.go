package server

import "errors"

var (
	errMatchFull = errors.New("server: match full")
	errBadResume = errors.New("server: unknown or expired resume token")
	errClosed    = errors.New("server: session closed")
	errByteFlood = errors.New("server: client sends bytes faster than its message limit allows")
	// errNoReplay: a chunk URL names a replay that is not there.
	errNoReplay = errors.New("server: no such replay")
	// errNotSealed: a chunk URL names a piece not written yet: a chunk not
	// sealed yet, the footer of a match still running.
	errNotSealed = errors.New("server: not sealed yet")
)
