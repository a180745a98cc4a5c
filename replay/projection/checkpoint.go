package projection

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// CheckpointFormat is the version of the checkpoint file layout. A
// checkpoint of another version is not read: its projection is rebuilt from
// history.
const CheckpointFormat = 1

// checkpoint is the content of one projection's checkpoint file,
// <dir>/<name>.json:
//
//	{"format": 1, "projection": "leaderboard", "saved": "2026-...Z",
//	 "files": {"<replay id>": {"tick": 1800, "done": true}, ...},
//	 "state": <the projection's MarshalState>}
//
// The marks and the state are taken together, between two ticks, so that
// they always agree.
type checkpoint struct {
	Format     int              `json:"format"`
	Projection string           `json:"projection"`
	Saved      time.Time        `json:"saved"`
	Files      map[string]*Mark `json:"files"`
	State      json.RawMessage  `json:"state"`
}

func checkpointPath(dir, name string) string { return filepath.Join(dir, name+".json") }

// loadCheckpoint reads a projection's checkpoint. A missing file is
// (nil, nil).
func loadCheckpoint(dir, name string) (*checkpoint, error) {
	b, err := os.ReadFile(checkpointPath(dir, name))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c checkpoint
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("not a checkpoint: %w", err)
	}
	switch {
	case c.Format != CheckpointFormat:
		return nil, fmt.Errorf("checkpoint format %d, this build reads %d", c.Format, CheckpointFormat)
	case c.Projection != name:
		return nil, fmt.Errorf("checkpoint of projection %q", c.Projection)
	case c.State == nil:
		return nil, fmt.Errorf("checkpoint without a state")
	}
	for id, mk := range c.Files {
		if mk == nil {
			return nil, fmt.Errorf("checkpoint: file %q without a mark", id)
		}
		if mk.Match != nil && mk.Match.ID != id {
			return nil, fmt.Errorf("checkpoint: file %q holds match %q", id, mk.Match.ID)
		}
	}
	if c.Files == nil {
		c.Files = map[string]*Mark{}
	}
	return &c, nil
}

// saveCheckpoint writes a checkpoint atomically: to a temporary file,
// fsynced, then renamed over the old one, and the directory fsynced. A
// crash leaves the old checkpoint or the new one, never a mix.
func saveCheckpoint(dir string, c *checkpoint) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	path := checkpointPath(dir, c.Projection)
	f, err := os.CreateTemp(dir, c.Projection+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(0o644) // CreateTemp makes it private; a checkpoint is as readable as the replays
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // not every system can sync a directory
		d.Close()
	}
	return nil
}
