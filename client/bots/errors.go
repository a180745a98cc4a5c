package bots

import "errors"

// Errors that Run wraps, so that callers can tell the failures apart with
// errors.Is. The wrapping error carries the detail (the server's reason).
var (
	// ErrConnect: some bots could not connect or were refused.
	ErrConnect = errors.New("bots: connect failed")
	// ErrDisconnect: the server closed some bots' connections mid-test.
	ErrDisconnect = errors.New("bots: disconnected")
	// ErrDesync: some bots' worlds differed from the server's.
	ErrDesync = errors.New("bots: desync")
)
