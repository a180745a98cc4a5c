package sim

import (
	"fmt"
	"hash/crc32"
	"strings"
)

// Map limits, checked by ParseMap.
const (
	MinMapSize = 8
	MaxMapSize = 128
	// MinSpawns is the fewest spawn points a map may have.
	MinSpawns = 2
)

// Tile is one cell of a map's grid.
type Tile uint8

// Tiles.
const (
	Floor Tile = iota
	Wall
	Spawn // a floor tile where players may spawn
)

// Point is a tile coordinate.
type Point struct{ X, Y int32 }

// Map is an immutable tile grid. A Map is safe for concurrent use.
type Map struct {
	Name          string
	Width, Height int32
	tiles         []Tile  // row-major
	spawns        []Point // in row-major order
	checksum      uint32
}

// ParseMap reads a map in the text format of assets/maps:
//
//	; comment lines start with a semicolon
//	name: Human Readable Name   (optional, before the grid)
//	#########
//	#S.....S#   # wall, . floor, S spawn point
//	#########
//
// All rows have the same length, the border is wall, and there are at least
// MinSpawns spawn points, each with room around it. The error says which line
// is wrong and why.
func ParseMap(id string, src []byte) (*Map, error) {
	m := &Map{Name: id}
	var rows []string
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
scan:
	for i, line := range lines {
		ln := i + 1
		line = strings.TrimRight(line, " \t")
		switch {
		case strings.HasPrefix(line, ";"):
			continue
		case len(rows) == 0 && line == "":
			continue
		case len(rows) == 0 && strings.HasPrefix(line, "name:"):
			m.Name = strings.TrimSpace(strings.TrimPrefix(line, "name:"))
			if m.Name == "" {
				return nil, mapErr(id, ln, "empty name")
			}
			continue
		case line == "":
			// A blank line ends the grid; only blank lines and comments may follow.
			for j, rest := range lines[i+1:] {
				rest = strings.TrimSpace(rest)
				if rest != "" && !strings.HasPrefix(rest, ";") {
					return nil, mapErr(id, ln+1+j, "text after the end of the grid")
				}
			}
			break scan
		default:
			if len(rows) > 0 && len(line) != len(rows[0]) {
				return nil, mapErr(id, ln, fmt.Sprintf("row is %d tiles wide, the first row %d", len(line), len(rows[0])))
			}
			for col, c := range []byte(line) {
				if c != '#' && c != '.' && c != 'S' {
					return nil, mapErr(id, ln, fmt.Sprintf("column %d: unknown tile %q (want # . or S)", col+1, c))
				}
			}
			rows = append(rows, line)
			if len(rows) > MaxMapSize {
				return nil, mapErr(id, ln, fmt.Sprintf("more than %d rows", MaxMapSize))
			}
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("sim: map %s: no grid", id)
	}
	m.Width, m.Height = int32(len(rows[0])), int32(len(rows))
	if m.Width < MinMapSize || m.Width > MaxMapSize || m.Height < MinMapSize || m.Height > MaxMapSize {
		return nil, fmt.Errorf("sim: map %s: size %dx%d outside %d..%d", id, m.Width, m.Height, MinMapSize, MaxMapSize)
	}
	m.tiles = make([]Tile, 0, m.Width*m.Height)
	for y, row := range rows {
		for x, c := range []byte(row) {
			t := Floor
			switch c {
			case '#':
				t = Wall
			case 'S':
				t = Spawn
				m.spawns = append(m.spawns, Point{int32(x), int32(y)})
			}
			border := x == 0 || y == 0 || x == int(m.Width)-1 || y == int(m.Height)-1
			if border && t != Wall {
				return nil, fmt.Errorf("sim: map %s: tile (%d,%d) on the border is not a wall", id, x, y)
			}
			m.tiles = append(m.tiles, t)
		}
	}
	if len(m.spawns) < MinSpawns {
		return nil, fmt.Errorf("sim: map %s: %d spawn points, want at least %d", id, len(m.spawns), MinSpawns)
	}
	for _, p := range m.spawns {
		for dy := int32(-1); dy <= 1; dy++ {
			for dx := int32(-1); dx <= 1; dx++ {
				if m.At(p.X+dx, p.Y+dy) == Wall {
					return nil, fmt.Errorf("sim: map %s: spawn point (%d,%d) touches a wall", id, p.X, p.Y)
				}
			}
		}
	}
	m.checksum = crc32.Checksum([]byte(strings.Join(rows, "\n")), crc32.MakeTable(crc32.Castagnoli))
	return m, nil
}

func mapErr(id string, line int, why string) error {
	return fmt.Errorf("sim: map %s: line %d: %s", id, line, why)
}

// At returns the tile at (x, y); everything outside the grid is wall.
func (m *Map) At(x, y int32) Tile {
	if x < 0 || y < 0 || x >= m.Width || y >= m.Height {
		return Wall
	}
	return m.tiles[y*m.Width+x]
}

// Spawns returns the map's spawn points in row-major order. The caller must
// not modify the slice.
func (m *Map) Spawns() []Point { return m.spawns }

// Checksum is the CRC-32C of the map's grid, so that a replay or a snapshot
// can tell that it is being played on the same map it was recorded on.
func (m *Map) Checksum() uint32 { return m.checksum }

// SpawnCenter returns the world position of the centre of tile p.
func SpawnCenter(p Point) (x, y int32) {
	return p.X*Unit + Unit/2, p.Y*Unit + Unit/2
}

// wallAt reports whether world position (x, y) lies in a wall tile.
func (m *Map) wallAt(x, y int32) bool {
	return m.At(floorDiv(x, Unit), floorDiv(y, Unit)) == Wall
}

func floorDiv(a, b int32) int32 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
