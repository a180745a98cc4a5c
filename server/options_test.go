package server_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/server"
)

// TestReplayDirRequired: a server given no replay directory refuses to
// start and names the option, and it reads nothing from the environment to
// pick one: the user's data directory (XDG_DATA_HOME, HOME) stays empty.
// Choosing a place on the user's disk is the commands' job (cmd/).
func TestReplayDirRequired(t *testing.T) {
	xdg, home := t.TempDir(), t.TempDir()
	t.Setenv("XDG_DATA_HOME", xdg)
	t.Setenv("HOME", home)
	srv, err := server.New(server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		srv.Shutdown(context.Background())
		t.Fatal("New without a ReplayDir: no error")
	}
	if !strings.Contains(err.Error(), "ReplayDir") {
		t.Errorf("error %q does not name Options.ReplayDir", err)
	}
	for _, dir := range []string{xdg, home} {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if path != dir {
				t.Errorf("New created %s", path)
			}
			return nil
		})
	}
}
