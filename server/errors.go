package server

import "errors"

var (
	errMatchFull = errors.New("server: match full")
	errBadResume = errors.New("server: unknown or expired resume token")
	errClosed    = errors.New("server: session closed")
	errByteFlood = errors.New("server: client sends bytes faster than its message limit allows")
)
