package projection

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skirmishgg/skirmish/sim"
)

// Heatmap resolution and sampling.
const (
	// CellsPerTile is the heatmap's cells along each side of a tile: 2
	// gives four cells per tile.
	CellsPerTile = 2
	// SamplesPerSecond is how often each living player's position is
	// counted: on the ticks where the match clock crosses a tenth of a
	// second, so that a count means the same at every tick rate (a tenth of
	// a second spent there).
	SamplesPerSecond = 10
)

// Heatmap is a read model of where living players spend their time, per
// map: a grid of CellsPerTile×CellsPerTile cells per tile, each counting
// samples of players standing in it (see SamplesPerSecond), rendered to PNG
// by PNG. Replays carry their map's text, so a map whose layout changed
// keeps one grid per layout (by checksum); PNG shows the layout of the most
// recently started match.
//
// The engine drives it; Stats, Maps and PNG may be called from any goroutine.
type Heatmap struct {
	st    heatState
	cur   map[string]*heatGrid // the grid of each match in progress, by replay id
	dirty map[string]bool      // grids changed since the last publish
	pub   atomic.Pointer[heatView]

	mu    sync.Mutex // guards cache; held while rendering, so a PNG is rendered once
	cache map[string]renderedPNG
}

type heatState struct {
	Version int                  `json:"v"`
	Grids   map[string]*heatGrid `json:"grids"` // by gridKey
	// Matches holds what each match added to its grid, by replay id, so
	// that it can be taken back when its file is removed.
	Matches map[string]*heatMatch `json:"matches"`
}

// heatMatch is what one match added to a grid. Its cells are kept packed
// (a few bytes per visited cell): a read model of thousands of matches keeps
// thousands of them.
type heatMatch struct {
	Grid    string    `json:"grid"` // the gridKey
	Start   time.Time `json:"start"`
	Samples uint64    `json:"samples"`
	// Cells is the match's samples per cell, packed by packCells; while
	// the match runs they are counted in counts and packed for a
	// checkpoint (MarshalState) and at End.
	Cells  []byte `json:"cells"`
	counts []uint32
}

// heatGrid is the heat of one map layout.
type heatGrid struct {
	Map      string    `json:"map"`
	Checksum uint32    `json:"checksum"`
	W        int32     `json:"w"` // tiles
	H        int32     `json:"h"`
	Tiles    []string  `json:"tiles"` // rows of '#' wall, '.' floor, 'S' spawn
	Last     time.Time `json:"last"`  // the latest start of a match on it
	Samples  uint64    `json:"samples"`
	Cells    []uint64  `json:"cells"` // W·CellsPerTile × H·CellsPerTile, row-major
}

type renderedPNG struct {
	key     string
	samples uint64
	png     []byte
}

const heatVersion = 2

// NewHeatmap returns an empty Heatmap.
func NewHeatmap() *Heatmap {
	h := &Heatmap{}
	h.reset()
	return h
}

func (h *Heatmap) reset() {
	h.st = heatState{Version: heatVersion, Grids: map[string]*heatGrid{}, Matches: map[string]*heatMatch{}}
	h.cur = map[string]*heatGrid{}
	h.dirty = map[string]bool{}
	h.pub.Store(nil)
}

func gridKey(mapID string, checksum uint32) string { return fmt.Sprintf("%s@%08x", mapID, checksum) }

// Name implements Projection.
func (h *Heatmap) Name() string { return "heatmap" }

// grid returns the grid of match m, played on w's map, creating it if need be.
func (h *Heatmap) grid(m *Match, w *sim.World) *heatGrid {
	if g := h.cur[m.ID]; g != nil {
		return g
	}
	k := gridKey(m.Map, w.Map.Checksum())
	g := h.st.Grids[k]
	if g == nil {
		mp := w.Map
		g = &heatGrid{Map: m.Map, Checksum: mp.Checksum(), W: mp.Width, H: mp.Height,
			Cells: make([]uint64, int(mp.Width)*int(mp.Height)*CellsPerTile*CellsPerTile)}
		row := make([]byte, mp.Width)
		for y := range mp.Height {
			for x := range mp.Width {
				row[x] = ".#S"[min(int(mp.At(x, y)), 2)]
			}
			g.Tiles = append(g.Tiles, string(row))
		}
		h.st.Grids[k] = g
	}
	h.cur[m.ID] = g
	return g
}

// match returns what match m has added to grid g so far, with its counts
// ready to grow.
func (h *Heatmap) match(m *Match, g *heatGrid) *heatMatch {
	hm := h.st.Matches[m.ID]
	if hm == nil {
		hm = &heatMatch{Grid: gridKey(g.Map, g.Checksum), Start: m.Start}
		h.st.Matches[m.ID] = hm
	}
	if hm.counts == nil {
		hm.counts = make([]uint32, len(g.Cells))
		unpackCells(hm.Cells, hm.counts) // checked by UnmarshalState
	}
	return hm
}

// Start implements Projection.
func (h *Heatmap) Start(m *Match, w *sim.World) {
	g := h.grid(m, w)
	if m.Start.After(g.Last) {
		g.Last = m.Start
	}
	h.match(m, g)
	h.dirty[gridKey(g.Map, g.Checksum)] = true
}

// Apply implements Projection.
func (h *Heatmap) Apply(t *Tick) {
	w := t.World
	r := uint64(w.TickRate)
	if tk := uint64(w.Tick); tk == 0 || tk*SamplesPerSecond/r == (tk-1)*SamplesPerSecond/r {
		return
	}
	g := h.grid(t.Match, w)
	hm := h.match(t.Match, g)
	cw, ch := g.W*CellsPerTile, g.H*CellsPerTile
	n := 0
	for i := range w.Players {
		p := &w.Players[i]
		if !p.Alive {
			continue
		}
		cx := min(max(p.X*CellsPerTile/sim.Unit, 0), cw-1)
		cy := min(max(p.Y*CellsPerTile/sim.Unit, 0), ch-1)
		g.Cells[cy*cw+cx]++
		hm.counts[cy*cw+cx]++
		n++
	}
	if n > 0 {
		g.Samples += uint64(n)
		hm.Samples += uint64(n)
		h.dirty[gridKey(g.Map, g.Checksum)] = true
	}
}

// End implements Projection: the match's counts are packed.
func (h *Heatmap) End(m *Match) {
	delete(h.cur, m.ID)
	if hm := h.st.Matches[m.ID]; hm != nil && hm.counts != nil {
		hm.Cells, hm.counts = packCells(hm.counts), nil
	}
}

// Remove implements Projection: the match's samples are taken out of its
// grid, and a grid left without matches goes.
func (h *Heatmap) Remove(m *Match) {
	delete(h.cur, m.ID)
	hm := h.st.Matches[m.ID]
	if hm == nil {
		return
	}
	delete(h.st.Matches, m.ID)
	g := h.st.Grids[hm.Grid]
	if g == nil {
		return
	}
	h.dirty[hm.Grid] = true
	if hm.counts != nil {
		for i, c := range hm.counts {
			g.Cells[i] -= uint64(c)
		}
	} else {
		eachCell(hm.Cells, len(g.Cells), func(i int, c uint32) { g.Cells[i] -= uint64(c) })
	}
	g.Samples -= hm.Samples
	// The grid's latest start is the latest of the matches left on it.
	left := false
	g.Last = time.Time{}
	for _, o := range h.st.Matches {
		if o.Grid == hm.Grid {
			left = true
			if o.Start.After(g.Last) {
				g.Last = o.Start
			}
		}
	}
	if !left {
		delete(h.st.Grids, hm.Grid)
	}
}

// MarshalState implements Projection.
func (h *Heatmap) MarshalState() ([]byte, error) {
	for _, hm := range h.st.Matches {
		if hm.counts != nil {
			hm.Cells = packCells(hm.counts)
		}
	}
	return json.Marshal(&h.st)
}

// packCells packs a match's counts per cell: for each cell with samples, in
// order, the uvarint distance from the previous such cell (from cell 0 for
// the first) and the uvarint count.
func packCells(counts []uint32) []byte {
	var b []byte
	prev := 0
	for i, c := range counts {
		if c != 0 {
			b = binary.AppendUvarint(b, uint64(i-prev))
			b = binary.AppendUvarint(b, uint64(c))
			prev = i
		}
	}
	return b
}

// unpackCells adds the counts packed in b to counts.
func unpackCells(b []byte, counts []uint32) {
	eachCell(b, len(counts), func(i int, c uint32) { counts[i] += c })
}

// eachCell calls fn with each cell index and count packed in b, and
// reports whether b is well formed with every index below n. It stops at
// the first fault, having called fn for the cells before it.
func eachCell(b []byte, n int, fn func(i int, c uint32)) bool {
	i := 0
	for len(b) > 0 {
		d, k := binary.Uvarint(b)
		if k <= 0 || d >= uint64(n) {
			return false
		}
		b = b[k:]
		c, k := binary.Uvarint(b)
		if k <= 0 || c == 0 || c > 1<<32-1 {
			return false
		}
		b = b[k:]
		if i += int(d); i >= n {
			return false
		}
		if fn != nil {
			fn(i, uint32(c))
		}
	}
	return true
}

// UnmarshalState implements Projection.
func (h *Heatmap) UnmarshalState(b []byte) error {
	h.reset()
	if b == nil {
		return nil
	}
	var st heatState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("heatmap: %w", err)
	}
	if st.Version != heatVersion {
		return fmt.Errorf("heatmap: state version %d, want %d", st.Version, heatVersion)
	}
	for k, g := range st.Grids {
		switch {
		case g == nil || g.W < sim.MinMapSize || g.W > sim.MaxMapSize || g.H < sim.MinMapSize || g.H > sim.MaxMapSize:
			return fmt.Errorf("heatmap: grid %s: bad size", k)
		case k != gridKey(g.Map, g.Checksum):
			return fmt.Errorf("heatmap: grid %s: named %s", k, gridKey(g.Map, g.Checksum))
		case len(g.Cells) != int(g.W*g.H*CellsPerTile*CellsPerTile) || len(g.Tiles) != int(g.H):
			return fmt.Errorf("heatmap: grid %s: %d cells and %d rows for %dx%d tiles", k, len(g.Cells), len(g.Tiles), g.W, g.H)
		}
		for _, row := range g.Tiles {
			if len(row) != int(g.W) {
				return fmt.Errorf("heatmap: grid %s: a row of %d tiles, want %d", k, len(row), g.W)
			}
		}
	}
	if st.Grids == nil {
		st.Grids = map[string]*heatGrid{}
	}
	if st.Matches == nil {
		st.Matches = map[string]*heatMatch{}
	}
	for id, hm := range st.Matches {
		if hm == nil || st.Grids[hm.Grid] == nil || !eachCell(hm.Cells, len(st.Grids[hm.Grid].Cells), nil) {
			return fmt.Errorf("heatmap: match %s: no grid, or cells that do not fit it", id)
		}
	}
	h.st = st
	// h.cur is rebuilt as matches in progress apply their next tick.
	return nil
}

// heatView is a published heatmap: immutable copies of the grids.
type heatView struct {
	grids map[string]*heatGrid // by gridKey
	byMap map[string]string    // map id -> the key of its latest layout
}

// Publish implements Publisher: it copies the grids that changed.
func (h *Heatmap) Publish() {
	old := h.pub.Load()
	if old != nil && len(h.dirty) == 0 {
		return
	}
	v := &heatView{grids: map[string]*heatGrid{}, byMap: map[string]string{}}
	for k, g := range h.st.Grids {
		if old != nil && !h.dirty[k] {
			if og := old.grids[k]; og != nil {
				v.grids[k] = og
				continue
			}
		}
		c := *g
		c.Cells = append([]uint64(nil), g.Cells...)
		v.grids[k] = &c
	}
	for k, g := range v.grids {
		cur, ok := v.byMap[g.Map]
		if !ok || g.Last.After(v.grids[cur].Last) || (g.Last.Equal(v.grids[cur].Last) && k > cur) {
			v.byMap[g.Map] = k
		}
	}
	clear(h.dirty)
	h.pub.Store(v)
}

// HeatStats summarizes a map's heat.
type HeatStats struct {
	Map      string // the map's id
	Checksum uint32 // of the layout shown
	W, H     int32  // tiles
	Samples  uint64
	Max      uint64 // the hottest cell
}

// Stats returns what PNG would show for the map: its latest layout's size
// and counts.
func (h *Heatmap) Stats(mapID string) (HeatStats, bool) {
	g := h.latest(mapID)
	if g == nil {
		return HeatStats{}, false
	}
	st := HeatStats{Map: g.Map, Checksum: g.Checksum, W: g.W, H: g.H, Samples: g.Samples}
	for _, c := range g.Cells {
		st.Max = max(st.Max, c)
	}
	return st, true
}

func (h *Heatmap) latest(mapID string) *heatGrid {
	v := h.pub.Load()
	if v == nil {
		return nil
	}
	k, ok := v.byMap[mapID]
	if !ok {
		return nil
	}
	return v.grids[k]
}

// Maps returns the ids of the maps with a heatmap.
func (h *Heatmap) Maps() []string {
	v := h.pub.Load()
	if v == nil {
		return nil
	}
	out := make([]string, 0, len(v.byMap))
	for m := range v.byMap {
		out = append(out, m)
	}
	return out
}

// PNG returns the map's heatmap as a PNG image, and a tag that changes when
// the image does (an HTTP ETag). The image is rendered again only when the
// counts have changed; the bytes are shared and must not be changed.
func (h *Heatmap) PNG(mapID string) (img []byte, tag string, ok bool) {
	g := h.latest(mapID)
	if g == nil {
		return nil, "", false
	}
	k := gridKey(g.Map, g.Checksum)
	tag = fmt.Sprintf("%s-%d", k, g.Samples)
	h.mu.Lock()
	defer h.mu.Unlock()
	if c, ok := h.cache[mapID]; ok && c.key == k && c.samples == g.Samples {
		return c.png, tag, true
	}
	b := render(g)
	if h.cache == nil {
		h.cache = map[string]renderedPNG{}
	}
	h.cache[mapID] = renderedPNG{key: k, samples: g.Samples, png: b}
	return b, tag, true
}

// Colours of the rendering.
var (
	wallColor  = color.RGBA{0x5c, 0x60, 0x6b, 0xff}
	floorColor = color.RGBA{0x14, 0x14, 0x1e, 0xff} // no samples
	gridColor  = color.RGBA{0x00, 0x00, 0x00, 0xff}
	// ramp is the colour scale from the fewest samples to the most, on a
	// logarithmic scale (after the "inferno" colour map).
	ramp = []color.RGBA{
		{0x2a, 0x0b, 0x5e, 0xff},
		{0x6a, 0x17, 0x6e, 0xff},
		{0xb0, 0x32, 0x5a, 0xff},
		{0xe8, 0x5a, 0x2d, 0xff},
		{0xfb, 0xa4, 0x0a, 0xff},
		{0xfc, 0xff, 0xa4, 0xff},
	}
)

// render draws g: walls grey, unvisited floor near black, visited cells on
// ramp by the logarithm of their count (from the coldest visited cell to
// the hottest), a thin dark line around each tile when the tiles are large
// enough to show it.
func render(g *heatGrid) []byte {
	cw, ch := int(g.W)*CellsPerTile, int(g.H)*CellsPerTile
	px := min(max(768/max(cw, ch), 2), 16) // pixels per cell: about 768 pixels across
	img := image.NewRGBA(image.Rect(0, 0, cw*px, ch*px))
	// The ramp spans the logarithms of the coldest visited cell and the
	// hottest, so that the colours use the whole scale.
	var lo, hi uint64 = math.MaxUint64, 0
	for _, c := range g.Cells {
		if c > 0 {
			lo, hi = min(lo, c), max(hi, c)
		}
	}
	logLo, span := math.Log(float64(lo)), math.Log(float64(hi))-math.Log(float64(lo))
	tilePx := px * CellsPerTile
	for cy := range ch {
		for cx := range cw {
			var col color.RGBA
			switch {
			case g.Tiles[cy/CellsPerTile][cx/CellsPerTile] == '#':
				col = wallColor
			case g.Cells[cy*cw+cx] == 0:
				col = floorColor
			case span == 0:
				col = rampAt(1)
			default:
				col = rampAt((math.Log(float64(g.Cells[cy*cw+cx])) - logLo) / span)
			}
			for y := cy * px; y < (cy+1)*px; y++ {
				for x := cx * px; x < (cx+1)*px; x++ {
					c := col
					if tilePx >= 12 && col != wallColor && (x%tilePx == 0 || y%tilePx == 0) {
						c = blend(col, gridColor, 0.25)
					}
					img.SetRGBA(x, y, c)
				}
			}
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // writing to memory does not fail
	return buf.Bytes()
}

// rampAt returns the colour at f in [0, 1] on ramp.
func rampAt(f float64) color.RGBA {
	f = min(max(f, 0), 1) * float64(len(ramp)-1)
	i := min(int(f), len(ramp)-2)
	return blend(ramp[i], ramp[i+1], f-float64(i))
}

func blend(a, b color.RGBA, f float64) color.RGBA {
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + (float64(y)-float64(x))*f)) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}
