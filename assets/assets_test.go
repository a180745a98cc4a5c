package assets

import (
	"bytes"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestMapNames(t *testing.T) {
	t.Parallel()
	names := MapNames()
	if !slices.IsSorted(names) {
		t.Errorf("MapNames() = %q, not sorted", names)
	}
	for _, want := range []string{"arena", "yard"} {
		if !slices.Contains(names, want) {
			t.Errorf("MapNames() = %q, missing %q", names, want)
		}
	}
	for _, name := range names {
		if strings.HasSuffix(name, ".txt") {
			t.Errorf("MapNames() entry %q keeps its extension", name)
		}
		if _, err := MapSource(name); err != nil {
			t.Errorf("MapSource(%q) for a listed name: %v", name, err)
		}
	}
}

func TestMapSource(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"arena", "yard"} {
		b, err := MapSource(name)
		if err != nil {
			t.Fatalf("MapSource(%q): %v", name, err)
		}
		want, err := fs.ReadFile(Maps, "maps/"+name+".txt")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("MapSource(%q) differs from the embedded file", name)
		}
	}
}

func TestMapSourceInvalidName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"",
		"Arena",
		"arena.txt",
		"../arena",
		"maps/arena",
		"/etc/passwd",
		"a b",
		"arena\x00",
		"café",
		strings.Repeat("a", 33),
	} {
		_, err := MapSource(name)
		if err == nil {
			t.Errorf("MapSource(%q) = nil error, want invalid name", name)
			continue
		}
		if !strings.Contains(err.Error(), "invalid map name") {
			t.Errorf("MapSource(%q) = %v, want an invalid name error", name, err)
		}
		if errors.Is(err, fs.ErrNotExist) {
			t.Errorf("MapSource(%q) = %v, an invalid name must not look like a missing map", name, err)
		}
	}
}

func TestMapSourceUnknown(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"nosuchmap", strings.Repeat("z", 32), "a-b_c9"} {
		_, err := MapSource(name)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("MapSource(%q) = %v, want an error wrapping fs.ErrNotExist", name, err)
		}
		if err != nil && !strings.Contains(err.Error(), "unknown map") {
			t.Errorf("MapSource(%q) = %v, want it to say unknown map", name, err)
		}
	}
}

// TestMapShape checks the rules of the map format that do not need the sim
// parser: every embedded map has a rectangular grid, walls all round, only the
// three tile characters, enough spawn points with room to stand, and no floor
// cut off from the spawns.
func TestMapShape(t *testing.T) {
	t.Parallel()
	for _, name := range MapNames() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := MapSource(name)
			if err != nil {
				t.Fatal(err)
			}
			grid := parseGrid(t, string(src))
			checkGrid(t, grid)
		})
	}
}

func parseGrid(t *testing.T, src string) []string {
	t.Helper()
	var rows []string
	for i, line := range strings.Split(strings.TrimSuffix(src, "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, ";"):
		case len(rows) == 0 && line == "":
		case len(rows) == 0 && strings.HasPrefix(line, "name: "):
			if strings.TrimSpace(strings.TrimPrefix(line, "name: ")) == "" {
				t.Errorf("line %d: empty name", i+1)
			}
		case line == "":
			t.Errorf("line %d: blank line inside the grid", i+1)
		default:
			rows = append(rows, line)
		}
	}
	return rows
}

func checkGrid(t *testing.T, rows []string) {
	t.Helper()
	h := len(rows)
	if h < 8 || h > 128 {
		t.Fatalf("height %d, want 8..128", h)
	}
	w := len(rows[0])
	if w < 8 || w > 128 {
		t.Fatalf("width %d, want 8..128", w)
	}
	type pos struct{ r, c int }
	var spawns []pos
	floor := 0
	for r, row := range rows {
		if len(row) != w {
			t.Fatalf("row %d has width %d, want %d", r, len(row), w)
		}
		for c := 0; c < w; c++ {
			ch := row[c]
			if !strings.ContainsRune("#.S", rune(ch)) {
				t.Errorf("tile %d,%d is %q", r, c, ch)
			}
			if (r == 0 || c == 0 || r == h-1 || c == w-1) && ch != '#' {
				t.Errorf("border tile %d,%d is not a wall", r, c)
			}
			if ch != '#' {
				floor++
			}
			if ch == 'S' {
				spawns = append(spawns, pos{r, c})
			}
		}
	}
	if len(spawns) < 4 {
		t.Errorf("%d spawn points, want at least 4", len(spawns))
	}
	for _, s := range spawns {
		if s.r == 0 || s.c == 0 || s.r == h-1 || s.c == w-1 {
			continue // reported above as a border that is not a wall
		}
		for dr := -1; dr <= 1; dr++ {
			for dc := -1; dc <= 1; dc++ {
				if rows[s.r+dr][s.c+dc] == '#' {
					t.Errorf("spawn %d,%d has a wall next to it", s.r, s.c)
				}
			}
		}
	}
	seen := make(map[pos]bool)
	queue := append([]pos(nil), spawns...)
	for _, s := range spawns {
		seen[s] = true
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, n := range []pos{{p.r + 1, p.c}, {p.r - 1, p.c}, {p.r, p.c + 1}, {p.r, p.c - 1}} {
			if rows[n.r][n.c] != '#' && !seen[n] {
				seen[n] = true
				queue = append(queue, n)
			}
		}
	}
	if len(seen) != floor {
		t.Errorf("%d floor tiles cannot be reached from a spawn point", floor-len(seen))
	}
}
