package sim

import (
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseMapShipped(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(mapsDir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no maps in %s", mapsDir)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m, err := ParseMap(name, src)
			if err != nil {
				t.Fatal(err)
			}
			if m.Name == "" || m.Name == name {
				t.Errorf("Name = %q, want the map's own name: line", m.Name)
			}
			if m.Width < MinMapSize || m.Height < MinMapSize || m.Width > MaxMapSize || m.Height > MaxMapSize {
				t.Errorf("size %dx%d", m.Width, m.Height)
			}
			if len(m.Spawns()) < MinSpawns {
				t.Errorf("%d spawns", len(m.Spawns()))
			}
			for _, sp := range m.Spawns() {
				if m.At(sp.X, sp.Y) != Spawn {
					t.Errorf("spawn %v is tile %d", sp, m.At(sp.X, sp.Y))
				}
				// A player standing on the spawn point fits.
				w := newWorld(t, m, 60)
				if x, y := SpawnCenter(sp); w.boxInWall(x, y) {
					t.Errorf("a player at spawn %v is in a wall", sp)
				}
			}
			again, err := ParseMap(name, src)
			if err != nil {
				t.Fatal(err)
			}
			if again.Checksum() != m.Checksum() {
				t.Errorf("checksum not stable: %08x, then %08x", m.Checksum(), again.Checksum())
			}
		})
	}
}

func TestParseMapSpawnsAndTiles(t *testing.T) {
	t.Parallel()
	m := parseMap(t, `; a comment
name:  Small Room 
##########
#........#
#.S....S.#
#...#....#
#........#
#.S....S.#
#........#
##########

; trailing comments are fine
`)
	if m.Name != "Small Room" {
		t.Errorf("Name = %q", m.Name)
	}
	if m.Width != 10 || m.Height != 8 {
		t.Errorf("size %dx%d, want 10x8", m.Width, m.Height)
	}
	want := []Point{{2, 2}, {7, 2}, {2, 5}, {7, 5}}
	got := m.Spawns()
	if len(got) != len(want) {
		t.Fatalf("Spawns = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Spawns = %v, want %v (row-major)", got, want)
		}
	}
	tiles := []struct {
		x, y int32
		want Tile
	}{
		{0, 0, Wall}, {2, 2, Spawn}, {1, 1, Floor}, {4, 3, Wall}, {9, 7, Wall}, {5, 6, Floor},
		// Outside the grid everything is wall.
		{-1, 0, Wall}, {0, -1, Wall}, {10, 1, Wall}, {1, 8, Wall}, {-1000, -1000, Wall},
		{1 << 30, 1 << 30, Wall}, {-1 << 31, 3, Wall}, {3, 1<<31 - 1, Wall},
	}
	for _, tc := range tiles {
		if got := m.At(tc.x, tc.y); got != tc.want {
			t.Errorf("At(%d, %d) = %d, want %d", tc.x, tc.y, got, tc.want)
		}
	}
	// CRLF line endings and trailing blanks give the same grid.
	crlf := "##########\r\n#........#  \r\n#.S....S.#\r\n#...#....#\r\n#........#\r\n#.S....S.#\t\r\n#........#\r\n##########\r\n"
	if m2 := parseMap(t, crlf); m2.Checksum() != m.Checksum() {
		t.Errorf("CRLF copy checksum %08x, want %08x", m2.Checksum(), m.Checksum())
	}
}

func TestParseMapErrors(t *testing.T) {
	t.Parallel()
	room := func(rows ...string) string { return strings.Join(rows, "\n") + "\n" }
	const wall = "##########"
	ok := []string{wall, "#........#", "#.S....S.#", "#........#", "#........#", "#.S....S.#", "#........#", wall}
	if _, err := ParseMap("ok", []byte(room(ok...))); err != nil {
		t.Fatalf("the base room is invalid: %v", err)
	}
	// with returns the base room with row i replaced.
	with := func(i int, row string) string {
		rows := append([]string(nil), ok...)
		rows[i] = row
		return room(rows...)
	}
	tests := []struct {
		name, src string
		want      []string // substrings of the error
	}{
		{"empty", "", []string{"no grid"}},
		{"only comments and blanks", "; nothing\n\n; here\n", []string{"no grid"}},
		{"empty name", "name:   \n" + room(ok...), []string{"line 1", "empty name"}},
		{"ragged row", with(3, "#.........#"), []string{"line 4", "11 tiles wide", "first row 10"}},
		{"short row", with(6, "#.......#"), []string{"line 7", "9 tiles wide"}},
		{"unknown tile", with(3, "#...x....#"), []string{"line 4", "column 5", `'x'`}},
		{"tab inside a row", with(3, "#...\t....#"), []string{"line 4", "unknown tile"}},
		{"leading space", with(3, " #.......#"), []string{"line 4", "column 1", "unknown tile"}},
		{"old Mac line ends", strings.Join(ok, "\r"), []string{"line 1", "column 11", `unknown tile '\r'`}},
		{"open left border", with(3, ".........#"), []string{"(0,3)", "border is not a wall"}},
		{"open right border", with(4, "#........."), []string{"(9,4)", "border is not a wall"}},
		{"open top", with(0, "####.#####"), []string{"(4,0)", "border is not a wall"}},
		{"spawn on the bottom border", with(7, "#####S####"), []string{"(5,7)", "border is not a wall"}},
		{"no spawns", room(wall, "#........#", "#........#", "#........#", "#........#", "#........#", "#........#", wall), []string{"0 spawn points", "want at least 2"}},
		{"one spawn", room(wall, "#........#", "#.S......#", "#........#", "#........#", "#........#", "#........#", wall), []string{"1 spawn points", "want at least 2"}},
		{"spawn touching the border", with(1, "#S.......#"), []string{"spawn point (1,1) touches a wall"}},
		{"spawn touching an inner wall", with(2, "#.S#...S.#"), []string{"spawn point (2,2) touches a wall"}},
		{"spawn touching diagonally", with(3, "#......#.#"), []string{"spawn point (7,2) touches a wall"}},
		{"too small", room("#######", "#.....#", "#.S.S.#", "#.....#", "#.....#", "#.S.S.#", "#.....#", "#######"), []string{"size 7x8", "outside 8..128"}},
		{"too short", room(wall, "#........#", "#.S....S.#", "#........#", "#.S....S.#", "#........#", wall), []string{"size 10x7", "outside 8..128"}},
		{"too wide", room(wideRoom(MaxMapSize + 1)...), []string{"size 129x8", "outside 8..128"}},
		{"too tall", room(tallRoom(MaxMapSize + 1)...), []string{"line 129", "more than 128 rows"}},
		{"text after the grid", room(ok...) + "\n#.S..S.#\n", []string{"line 10", "text after the end of the grid"}},
		{"name after the grid", room(ok...) + "\n; fine\nname: late\n", []string{"line 11", "text after the end of the grid"}},
		{"name inside the grid", room(ok[:3]...) + "name: abcd\n" + room(ok[3:]...), []string{"line 4", "unknown tile 'n'"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := ParseMap("bad", []byte(tc.src))
			if err == nil {
				t.Fatalf("ParseMap accepted:\n%s\nas %dx%d", tc.src, m.Width, m.Height)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "sim: map bad: ") {
				t.Errorf("error %q does not name the map", msg)
			}
			if len(tc.want) == 0 {
				t.Fatalf("no expected text for error %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
		})
	}
}

// wideRoom returns the rows of a valid-looking room width tiles wide.
func wideRoom(width int) []string {
	wall := strings.Repeat("#", width)
	inner := "#" + strings.Repeat(".", width-2) + "#"
	spawns := "#.S" + strings.Repeat(".", width-6) + "S.#"
	return []string{wall, inner, spawns, inner, inner, inner, inner, wall}
}

// tallRoom returns the rows of a valid-looking room height tiles tall.
func tallRoom(height int) []string {
	rows := []string{"##########"}
	for i := 1; i < height-1; i++ {
		row := "#........#"
		if i == 2 || i == height-3 {
			row = "#..S..S..#"
		}
		rows = append(rows, row)
	}
	return append(rows, "##########")
}

func TestParseMapLimits(t *testing.T) {
	t.Parallel()
	for _, size := range []int{MinMapSize, MaxMapSize} {
		if _, err := ParseMap("wide", []byte(strings.Join(wideRoom(size), "\n"))); err != nil {
			t.Errorf("width %d: %v", size, err)
		}
	}
	if _, err := ParseMap("tall", []byte(strings.Join(tallRoom(MaxMapSize), "\n"))); err != nil {
		t.Errorf("height %d: %v", MaxMapSize, err)
	}
}

func TestMapChecksum(t *testing.T) {
	t.Parallel()
	sums := map[uint32]string{}
	for _, name := range []string{"arena", "duel", "yard"} {
		m := loadMap(t, name)
		if other, dup := sums[m.Checksum()]; dup {
			t.Errorf("maps %s and %s share checksum %08x", other, name, m.Checksum())
		}
		sums[m.Checksum()] = name
	}
	rows := []string{"##########", "#........#", "#.S....S.#", "#........#", "#........#", "#.S....S.#", "#........#", "##########"}
	base := strings.Join(rows, "\n") + "\n"
	a := parseMap(t, base)
	// The checksum is a fixed function of the grid, CRC-32C of the rows
	// joined by newlines: replays and snapshots on disk depend on it.
	if want := crc32.Checksum([]byte(strings.Join(rows, "\n")), crc32.MakeTable(crc32.Castagnoli)); a.Checksum() != want {
		t.Errorf("Checksum = %08x, want CRC-32C of the grid %08x", a.Checksum(), want)
	}
	// One tile changed changes it; comments and the name do not.
	b := parseMap(t, strings.Replace(base, "#........#", "#....#...#", 1))
	c := parseMap(t, "; comment\nname: Other\n"+base)
	if a.Checksum() == b.Checksum() {
		t.Errorf("one tile changed, same checksum %08x", a.Checksum())
	}
	if a.Checksum() != c.Checksum() {
		t.Errorf("name and comment changed the checksum: %08x vs %08x", a.Checksum(), c.Checksum())
	}
}
