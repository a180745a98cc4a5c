package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Path returns where the settings file is: skirmish/settings.json in the
// user's configuration directory (os.UserConfigDir: $XDG_CONFIG_HOME or
// ~/.config on Linux).
func Path() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("settings: %w", err)
	}
	return filepath.Join(dir, "skirmish", "settings.json"), nil
}

// maxFile bounds the settings file read: a real one is a few KiB.
const maxFile = 1 << 20

// Load reads the settings at path. No file gives the defaults. A file that
// cannot be read as settings (ErrCorrupt, ErrNewer) is renamed to
// path.bad-YYYYMMDD-HHMMSS and replaced by the defaults, and note says so
// and where the old file went; values out of range are brought back (see
// Normalize), and note says which. err is only for what Load could not
// handle (a file it may not read, a directory it may not write): the
// settings returned are then the defaults, and the file is left alone.
func Load(path string) (s Settings, note string, err error) {
	s = Defaults()
	data, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, "", nil
	}
	if err != nil {
		return s, "", fmt.Errorf("settings: %w", err)
	}
	loaded, err := Decode(data)
	if err != nil {
		backup := path + ".bad-" + time.Now().Format("20060102-150405")
		if rerr := os.Rename(path, backup); rerr != nil {
			return s, "", fmt.Errorf("settings: %s: %v; keeping it failed: %w", path, err, rerr)
		}
		if serr := Save(path, &s); serr != nil {
			return s, "", serr
		}
		return s, fmt.Sprintf("%s could not be read (%v): it was kept as %s and the settings start again from the defaults", path, err, backup), nil
	}
	notes := loaded.Normalize()
	if len(notes) > 0 {
		note = fmt.Sprintf("%s: %s", path, strings.Join(notes, "; "))
	}
	return loaded, note, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, maxFile)
	}
	return data, nil
}

// Decode reads a settings file's bytes: JSON of a version from 1 to
// Version, fields left out taking their defaults. It does not Normalize.
func Decode(data []byte) (Settings, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Settings{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	switch {
	case head.Version == nil:
		return Settings{}, fmt.Errorf("%w: no version", ErrCorrupt)
	case *head.Version > Version:
		return Settings{}, fmt.Errorf("%w: version %d, this one reads up to %d", ErrNewer, *head.Version, Version)
	case *head.Version < 1:
		return Settings{}, fmt.Errorf("%w: version %d", ErrCorrupt, *head.Version)
	}
	s := Defaults()
	if err := json.Unmarshal(data, &s); err != nil {
		return Settings{}, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	// Version 1 is the first: there is nothing older to bring forward.
	s.Version = Version
	return s, nil
}

// Save writes s to path, creating its directory: to a temporary file
// first, renamed over the old one, so that a crash leaves the old file or
// the new one, never half of one.
func Save(path string, s *Settings) error {
	c := s.Clone()
	c.Version = Version
	data, err := json.MarshalIndent(&c, "", "  ")
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	data = append(data, '\n')
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".settings-*.json")
	if err != nil {
		return fmt.Errorf("settings: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("settings: save %s: %w", path, err)
	}
	return nil
}
