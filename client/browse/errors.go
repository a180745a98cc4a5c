package browse

import "errors"

var (
	// ErrAddress: what was typed is not a server's address.
	ErrAddress = errors.New("browse: not a server address")
	// ErrUnreachable: no connection to the server.
	ErrUnreachable = errors.New("browse: cannot reach the server")
	// ErrRefused: the server answered, but not with its matches.
	ErrRefused = errors.New("browse: the server refused")
	// ErrListing: the server's answer is not a list of matches.
	ErrListing = errors.New("browse: not a list of matches")
)
