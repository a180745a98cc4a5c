package protocol

import "errors"

// Decoding errors, wrapped with the message kind and what is wrong.
var (
	ErrMalformed = errors.New("protocol: malformed message")
	ErrTooLarge  = errors.New("protocol: message too large")
)
