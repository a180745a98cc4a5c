package sim

import "errors"

// Errors from Restore, wrapped with the detail of what is wrong.
var (
	ErrCorrupt     = errors.New("sim: corrupt snapshot")
	ErrVersion     = errors.New("sim: snapshot of another simulation version")
	ErrMapMismatch = errors.New("sim: snapshot of another map")
)
