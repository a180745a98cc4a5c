// Package datadir says where Skirmish's commands keep their files on the
// user's machine. The libraries never guess a place from the environment
// (server.Options.ReplayDir is required); the commands do, here, so that
// skirmish play, skirmish watch and skirmishd agree.
package datadir

import (
	"fmt"
	"os"
	"path/filepath"
)

// Replays returns the directory where skirmishd and the desktop client's
// practice server write replays, and where skirmish watch lists them:
// skirmish/replays under the user's data directory ($XDG_DATA_HOME, or
// ~/.local/share).
func Replays() (string, error) { return under("replays") }

// Projector returns the directory where skirmish-projector keeps its
// mirror of a fleet's replays and its read models' checkpoints:
// skirmish/projector under the user's data directory.
func Projector() (string, error) { return under("projector") }

func under(name string) (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "skirmish", name), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no %s directory given and no home directory: %w", name, err)
	}
	return filepath.Join(home, ".local", "share", "skirmish", name), nil
}
