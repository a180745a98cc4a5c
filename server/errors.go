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
)
