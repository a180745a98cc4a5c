package assets

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Maps holds the map files, as maps/NAME.txt.
//
//go:embed maps/*.txt
var Maps embed.FS

const (
	mapDir     = "maps"
	mapExt     = ".txt"
	maxNameLen = 32
)

// MapNames returns the names of the embedded maps, without the .txt extension,
// sorted.
func MapNames() []string {
	entries, err := fs.ReadDir(Maps, mapDir)
	if err != nil {
		// The directory is embedded at build time; it cannot be missing.
		panic("assets: " + err.Error())
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), mapExt)
		if ok && !e.IsDir() && validName(name) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// MapSource returns the text of the map called name (without the .txt
// extension). A name that is not 1 to 32 characters of [a-z0-9_-] is rejected
// before anything is looked up; a valid name with no map gives an error that
// satisfies errors.Is(err, fs.ErrNotExist).
func MapSource(name string) ([]byte, error) {
	if !validName(name) {
		return nil, fmt.Errorf("assets: invalid map name %q", name)
	}
	b, err := Maps.ReadFile(path.Join(mapDir, name+mapExt))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("assets: unknown map %q: %w", name, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("assets: map %q: %w", name, err)
	}
	return b, nil
}

// validName reports whether name is 1 to maxNameLen characters of [a-z0-9_-].
// Names come from flags, URLs and replay headers, so nothing that could walk
// a path (dots, slashes) gets through.
func validName(name string) bool {
	if len(name) == 0 || len(name) > maxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
