package replay

import "errors"

// Errors from reading a replay, wrapped with where (header, chunk N at byte
// offset X, footer) and why. Test them with errors.Is.
var (
	// ErrCorrupt: the bytes are not a valid replay: a bad magic, a checksum
	// mismatch, a length above its cap, a value out of range.
	ErrCorrupt = errors.New("replay: corrupt")
	// ErrTruncated: the file ends in the middle of a header or chunk.
	ErrTruncated = errors.New("replay: truncated")
	// ErrVersion: the file was written in a format version this package does
	// not read, or its simulation version differs from this build's (so it
	// can be listed but not played).
	ErrVersion = errors.New("replay: unsupported version")
	// ErrRange: a tick outside the recording.
	ErrRange = errors.New("replay: out of range")
	// ErrClosed: the Writer or Reader was closed.
	ErrClosed = errors.New("replay: closed")
	// ErrBehind: the Writer's goroutine has fallen so far behind the tick
	// loop that the chunk being assembled reached MaxChunkTicks; recording
	// stops rather than block the caller or grow without bound.
	ErrBehind = errors.New("replay: writer too far behind")
	// ErrNotRegular: the name is not a regular file (a symbolic link in a
	// replay directory, a named pipe, a device, a directory, ...), so it is
	// not opened: a named pipe would block the reader, a link could lead
	// anywhere.
	ErrNotRegular = errors.New("replay: not a regular file")
	// ErrNotFork: VerifyOrigin was asked about a recording whose header
	// has no origin.
	ErrNotFork = errors.New("replay: not a fork: the header has no origin")
)
