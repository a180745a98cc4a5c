package settings

import "errors"

var (
	// ErrCorrupt: the file is not a settings file this version can read.
	ErrCorrupt = errors.New("settings: unreadable file")
	// ErrNewer: the file was written by a newer version of Skirmish.
	ErrNewer = errors.New("settings: written by a newer version")
)
