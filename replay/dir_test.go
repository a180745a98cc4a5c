package replay_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
)

// hostileDir makes a replay directory with one good replay and, beside it,
// names ending in .skr that are not regular files: symbolic links out of
// the directory and into it, a named pipe, a directory, a dangling link. It
// returns the directory and the bad ids with what each is.
func hostileDir(t *testing.T) (dir string, bad map[string]string) {
	t.Helper()
	dir = t.TempDir()
	good := filepath.Join(dir, "good.skr")
	if err := os.WriteFile(good, small().data, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{
		"passwd.skr":   "/etc/passwd",
		"twin.skr":     "good.skr",
		"relative.skr": "../" + filepath.Base(dir) + "/good.skr",
		"dangling.skr": "nowhere.skr",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	fifo := filepath.Join(dir, "fifo.skr")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	// A reader blocked in open(2) on the pipe (the bug this guards
	// against) is released when a writer comes: let the test end.
	t.Cleanup(func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	if err := os.Mkdir(filepath.Join(dir, "sub.skr"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, map[string]string{
		"passwd": "a symbolic link", "twin": "a symbolic link", "relative": "a symbolic link",
		"dangling": "a symbolic link", "fifo": "a named pipe", "sub": "a directory",
	}
}

// within runs fn and fails the test if it has not returned within 10 s (a
// blocked open of a named pipe never returns).
func within(t *testing.T, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still blocked after 10 s", what)
		return nil
	}
}

// TestDirRefusesNonRegular: a Dir lists what is not a regular file with a
// reason and opens none of it, promptly; the good replay opens.
func TestDirRefusesNonRegular(t *testing.T) {
	t.Parallel()
	path, bad := hostileDir(t)
	d, err := replay.OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	entries, err := d.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(bad)+1 {
		t.Errorf("listed %d names, want %d", len(entries), len(bad)+1)
	}
	for _, e := range entries {
		want, isBad := bad[e.ID]
		switch {
		case e.ID == "good" && (e.Err != nil || e.Size != int64(len(small().data)) || e.ModTime.IsZero()):
			t.Errorf("good: %+v", e)
		case isBad && (!errors.Is(e.Err, replay.ErrNotRegular) || !strings.Contains(e.Err.Error(), want)):
			t.Errorf("%s: listed with %v, want %s", e.ID, e.Err, want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for id, want := range bad {
		for _, op := range []struct {
			name string
			fn   func() error
		}{
			{"Stat", func() error { _, err := d.Stat(id); return err }},
			{"OpenFile", func() error { _, _, err := d.OpenFile(id); return err }},
			{"Open", func() error { _, err := d.Open(id); return err }},
			{"Follow", func() error { _, err := d.Follow(ctx, id, replay.FollowOptions{}); return err }},
			{"Remove", func() error { return d.Remove(id) }},
		} {
			err := within(t, id+": "+op.name, op.fn)
			if !errors.Is(err, replay.ErrNotRegular) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: %s: %v, want %v (%s)", id, op.name, err, replay.ErrNotRegular, want)
			}
		}
	}
	// Nothing was removed, and the target of the links is untouched.
	if _, err := os.Lstat(filepath.Join(path, "twin.skr")); err != nil {
		t.Errorf("twin.skr: %v", err)
	}

	r, err := d.Open("good")
	if err != nil {
		t.Fatal(err)
	}
	if in := r.Info(); in.Chunks != 20 {
		t.Errorf("good: %d chunks", in.Chunks)
	}
	r.Close()
	f, err := d.Follow(ctx, "good", replay.FollowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, id := range []string{"", ".", "..", "../good", "a/b", `a\b`} {
		if _, err := d.Open(id); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Open(%q): %v, want %v", id, err, fs.ErrInvalid)
		}
	}
	if err := d.Remove("good"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Stat("good"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Remove: %v", err)
	}
}

// TestOpenPathRefusesNonRegular: a path a user gives may be a symbolic link
// to a replay, but Open and Follow refuse at once one that leads to a named
// pipe or a directory.
func TestOpenPathRefusesNonRegular(t *testing.T) {
	t.Parallel()
	dir, _ := hostileDir(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, tc := range []struct{ name, want string }{
		{"fifo.skr", "a named pipe"},
		{"sub.skr", "a directory"},
	} {
		path := filepath.Join(dir, tc.name)
		err := within(t, "Open "+tc.name, func() error { _, err := replay.Open(path); return err })
		if !errors.Is(err, replay.ErrNotRegular) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("Open(%s): %v, want %v naming the file and %s", tc.name, err, replay.ErrNotRegular, tc.want)
		}
		err = within(t, "Follow "+tc.name, func() error { _, err := replay.Follow(ctx, path, replay.FollowOptions{}); return err })
		if !errors.Is(err, replay.ErrNotRegular) {
			t.Errorf("Follow(%s): %v, want %v", tc.name, err, replay.ErrNotRegular)
		}
	}
	r, err := replay.Open(filepath.Join(dir, "twin.skr"))
	if err != nil {
		t.Fatalf("a link to a replay, given as a path: %v", err)
	}
	r.Close()
}
