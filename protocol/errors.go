package protocol

import "errors"

// Decoding errors, wrapped with the message kind and what is wrong.
var (
	ErrMalformed = errors.New("protocol: malformed message")
	ErrTooLarge  = errors.New("protocol: message too large")
)

// ErrInvalidAction is CheckAction's error: an action or an argument that
// the formats cannot hold.
var ErrInvalidAction = errors.New("protocol: invalid action")
