package viewer

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/skirmishgg/skirmish/replay"
)

// IsURL reports whether name is an http or https URL rather than a file.
func IsURL(name string) bool {
	return strings.HasPrefix(name, "http://") || strings.HasPrefix(name, "https://")
}

// DefaultMaxDownload bounds a replay downloaded by Download: a 60-minute
// match of 32 players is 1.5 MiB.
const DefaultMaxDownload = 256 << 20

// Download fetches the replay at url (a server's GET /api/replays/ID) into
// memory, at most max bytes (0: DefaultMaxDownload), and reads it.
func Download(ctx context.Context, client *http.Client, url string, max int64) (*replay.Reader, error) {
	if client == nil {
		client = &http.Client{Timeout: 2 * time.Minute}
	}
	if max <= 0 {
		max = DefaultMaxDownload
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("viewer: GET %s: %s", url, httpReason(resp))
	}
	if resp.ContentLength > max {
		return nil, fmt.Errorf("viewer: GET %s: %d bytes, more than the %d allowed", url, resp.ContentLength, max)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("viewer: GET %s: %w", url, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("viewer: GET %s: more than the %d bytes allowed", url, max)
	}
	return replay.NewReader(bytes.NewReader(b), int64(len(b)))
}

// Entry is a replay file of a directory, as the chooser lists it.
type Entry struct {
	Path    string
	Name    string // the file's name
	ModTime time.Time
	Info    replay.Info // if Err is nil
	// Err says why the file cannot be read (it is listed all the same,
	// so that a damaged replay does not just vanish).
	Err error
}

// ListReplays lists the replays (files ending in replay.Extension) in dir,
// newest first. A directory that does not exist holds no replays. Only
// regular files are listed and read, through a replay.Dir: no symbolic
// link is followed, and a named pipe cannot block the chooser.
func ListReplays(dir string) ([]Entry, error) {
	d, err := replay.OpenDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	defer d.Close()
	des, err := d.List()
	if err != nil {
		return nil, fmt.Errorf("viewer: %w", err)
	}
	var out []Entry
	for _, de := range des {
		if de.Err != nil {
			continue // not a regular file
		}
		e := Entry{Path: filepath.Join(dir, de.ID+replay.Extension), Name: de.ID + replay.Extension, ModTime: de.ModTime}
		r, err := d.Open(de.ID)
		if err != nil {
			e.Err = err
		} else {
			e.Info = r.Info()
			r.Close()
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(b.started().Compare(a.started()), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// started is when the match began, or the file's time if it is unreadable.
func (e *Entry) started() time.Time {
	if e.Err == nil && !e.Info.Start.IsZero() {
		return e.Info.Start
	}
	return e.ModTime
}
