package replay

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Opening replay files. A replay directory is written by a server and read
// by its HTTP API, its projections and the viewer's chooser, and anyone who
// can write to it can put something there that is not a replay: a symbolic
// link (to /etc/passwd, or to another replay, which would then be counted
// twice), a named pipe (open(2) of a FIFO blocks until a writer comes, and
// pins a thread per reader), a device, a directory. Every reader of a
// directory goes through a Dir, which opens regular files only:
//
//   - it looks at the name itself (lstat, through an os.Root, so that no
//     path can leave the directory) and refuses anything but a regular file;
//   - it opens with O_NONBLOCK, so that a name swapped for a FIFO after the
//     check cannot block the open;
//   - it checks the open file (fstat) again: still a regular file, and the
//     same file as the one checked, so that a name swapped for a symbolic
//     link after the check is refused too.
//
// O_NONBLOCK changes nothing for a regular file: reads of regular files
// never block in that sense. Paths given by a user (Open, Follow) follow
// symbolic links, since the user chose the path, but are refused at once
// when they do not lead to a regular file.

// Dir is a replay directory opened for reading: the files named ID.skr in
// it, where ID is the replay id. It opens nothing but regular files and
// never follows a symbolic link, in the directory or out of it. Its methods
// are safe for concurrent use.
type Dir struct {
	root *os.Root
}

// OpenDir opens the replay directory at path, which must exist.
func OpenDir(path string) (*Dir, error) {
	root, err := os.OpenRoot(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return &Dir{root: root}, nil
}

// Name returns the directory's path, as given to OpenDir.
func (d *Dir) Name() string { return d.root.Name() }

// Close releases the directory. Files already open stay usable.
func (d *Dir) Close() error { return d.root.Close() }

// DirEntry is a name ending in Extension in a replay directory.
type DirEntry struct {
	ID      string // the replay id: the file name without Extension
	Size    int64
	ModTime time.Time
	// Err is set for a name that is not a regular file (it wraps
	// ErrNotRegular and says what it is); nothing reads it. Size and
	// ModTime are then zero.
	Err error
}

// List returns every name in the directory that ends in Extension, by id.
// Names that are not regular files are listed with Err set, so that a
// caller can say why it ignores them.
func (d *Dir) List() ([]DirEntry, error) {
	f, err := d.root.Open(".")
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	des, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("replay: reading %s: %w", d.Name(), err)
	}
	out := make([]DirEntry, 0, len(des))
	for _, de := range des {
		id, ok := strings.CutSuffix(de.Name(), Extension)
		if !ok || id == "" {
			continue
		}
		e := DirEntry{ID: id}
		if !de.Type().IsRegular() {
			e.Err = notRegular(d.path(id), de.Type())
			out = append(out, e)
			continue
		}
		fi, err := de.Info()
		if err != nil {
			continue // removed since the directory was read
		}
		e.Size, e.ModTime = fi.Size(), fi.ModTime()
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b DirEntry) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Stat describes the file of replay id without opening it. It fails with
// ErrNotRegular for anything but a regular file.
func (d *Dir) Stat(id string) (fs.FileInfo, error) {
	name, err := fileName(id)
	if err != nil {
		return nil, err
	}
	fi, err := d.root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(d.path(id), fi.Mode())
	}
	return fi, nil
}

// OpenFile opens the file of replay id for reading, if it is a regular
// file, and returns it with its description. It never blocks on a named
// pipe and never follows a symbolic link: those fail with ErrNotRegular.
func (d *Dir) OpenFile(id string) (*os.File, fs.FileInfo, error) {
	name, err := fileName(id)
	if err != nil {
		return nil, nil, err
	}
	before, err := d.Stat(id)
	if err != nil {
		return nil, nil, err
	}
	f, err := d.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	switch {
	case err != nil:
		f.Close()
		return nil, nil, err
	case !st.Mode().IsRegular():
		f.Close()
		return nil, nil, notRegular(d.path(id), st.Mode())
	case !os.SameFile(before, st):
		// The name was replaced between the check and the open, by a
		// link to another file, say.
		f.Close()
		return nil, nil, &fs.PathError{Op: "open", Path: d.path(id), Err: fmt.Errorf("%w (replaced while being opened)", ErrNotRegular)}
	}
	return f, st, nil
}

// Open opens the replay id for reading, as Open does a path.
func (d *Dir) Open(id string) (*Reader, error) { return d.OpenWith(id, ReadOptions{}) }

// OpenWith opens the replay id for reading with options.
func (d *Dir) OpenWith(id string, o ReadOptions) (*Reader, error) {
	f, st, err := d.OpenFile(id)
	if err != nil {
		return nil, err
	}
	return newFileReader(f, st, o)
}

// Follow tails the replay id, as Follow does a path.
func (d *Dir) Follow(ctx context.Context, id string, o FollowOptions) (*Follower, error) {
	f, _, err := d.OpenFile(id)
	if err != nil {
		return nil, err
	}
	return follow(ctx, f, o)
}

// Remove removes the file of replay id. Only a regular file is removed.
func (d *Dir) Remove(id string) error {
	name, err := fileName(id)
	if err != nil {
		return err
	}
	if _, err := d.Stat(id); err != nil {
		return err
	}
	return d.root.Remove(name)
}

func (d *Dir) path(id string) string { return filepath.Join(d.Name(), id+Extension) }

// fileName returns the file name of replay id: one name in the directory,
// never a path.
func fileName(id string) (string, error) {
	if id == "" || id == "." || id == ".." || strings.ContainsAny(id, `/\`+"\x00") {
		return "", &fs.PathError{Op: "open", Path: id + Extension, Err: fs.ErrInvalid}
	}
	return id + Extension, nil
}

// openFile opens the file at path for reading: symbolic links are followed,
// but what they lead to must be a regular file, and nothing blocks.
func openFile(path string) (*os.File, fs.FileInfo, error) {
	before, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !before.Mode().IsRegular() {
		return nil, nil, notRegular(path, before.Mode())
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = notRegular(path, st.Mode())
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// notRegular is the error for a name that is not a regular file.
func notRegular(path string, m fs.FileMode) error {
	what := "not a regular file"
	switch {
	case m&fs.ModeSymlink != 0:
		what = "a symbolic link"
	case m.IsDir():
		what = "a directory"
	case m&fs.ModeNamedPipe != 0:
		what = "a named pipe"
	case m&fs.ModeSocket != 0:
		what = "a socket"
	case m&fs.ModeDevice != 0:
		what = "a device"
	}
	return &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, what)}
}
