package projection_test

import (
	"bytes"
	"image/png"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/sim"
)

var goldens = []string{
	filepath.Join("..", "testdata", "arena-4p-30s.skr"),
	filepath.Join("..", "testdata", "duel-2p-20s-30hz.skr"),
}

// TestGoldenModels: over the golden replays, each match's summary and the
// leaderboard agree line for line, and both agree with the recording: its
// ticks, its map, and the kills and deaths its final world counts.
func TestGoldenModels(t *testing.T) {
	t.Parallel()
	for _, path := range goldens {
		r, err := replay.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		in := r.Info()
		final, err := r.Seek(in.LastTick)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		m := playFiles(t, path)
		sum, ok := m.sum.View().Get(projection.ReplayID(path))
		if !ok || sum.State != projection.StateEnded || sum.Ticks != in.Ticks || sum.Map != in.Map || len(sum.Players) != len(final.Players) {
			t.Fatalf("%s: summary %+v", path, sum)
		}
		for _, p := range final.Players {
			row, _, ok := m.lb.View().Player(p.Name)
			if !ok {
				t.Errorf("%s: no %s in the leaderboard", path, p.Name)
				continue
			}
			if row.Kills != int64(p.Kills) || row.Deaths != int64(p.Deaths) {
				t.Errorf("%s: %s: %d kills, %d deaths; the world counts %d and %d", path, p.Name, row.Kills, row.Deaths, p.Kills, p.Deaths)
			}
			var line *projection.PlayerRow
			for i := range sum.Players {
				if sum.Players[i].Name == p.Name {
					line = &sum.Players[i]
				}
			}
			if line == nil || *line != row {
				t.Errorf("%s: %s: the summary says %+v, the leaderboard %+v", path, p.Name, line, row)
			}
			if row.Matches != 1 || row.Shots == 0 || row.TimePlayed <= row.TimeAlive || row.TimePlayed > in.Duration.Seconds() {
				t.Errorf("%s: %s: %+v", path, p.Name, row)
			}
		}
	}
}

func TestLeaderboardPages(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var paths []string
	for i := range 3 {
		o := synthOptions(t, uint64(90+i), 12, 20*time.Second)
		o.MatchID = "" // bot names repeat across matches: one line per name
		paths = append(paths, genFile(t, dir, string(rune('a'+i)), o))
	}
	v := playFiles(t, paths...).lb.View()
	if v.Len() != 12 || v.Matches != 3 || v.Ticks != 3*20*60 {
		t.Fatalf("%d players, %d matches, %d ticks", v.Len(), v.Matches, v.Ticks)
	}
	for _, name := range projection.SortNames() {
		by, ok := projection.ParseSort(name)
		if !ok || by.String() != name {
			t.Fatalf("ParseSort(%q) = %v, %v", name, by, ok)
		}
		for _, desc := range []bool{false, true} {
			total, all := v.Page(by, desc, 0, -1)
			if total != 12 || len(all) != 12 {
				t.Fatalf("%s: %d of %d", name, len(all), total)
			}
			sorted := slices.IsSortedFunc(all, func(a, b projection.PlayerRow) int {
				c := compareBy(by, a, b)
				if desc {
					c = -c
				}
				if c == 0 && a.Name != b.Name {
					if a.Name < b.Name { // ties by name, ascending
						return -1
					}
					return 1
				}
				return c
			})
			if !sorted {
				t.Errorf("%s desc=%v not sorted: %+v", name, desc, all)
			}
			// Pages put together give the whole.
			var joined []projection.PlayerRow
			for off := 0; off < total; off += 5 {
				_, page := v.Page(by, desc, off, 5)
				joined = append(joined, page...)
			}
			if !slices.Equal(joined, all) {
				t.Errorf("%s desc=%v: pages differ from the whole", name, desc)
			}
		}
	}
	for _, tc := range []struct{ offset, limit, want int }{{0, 0, 0}, {12, 5, 0}, {-1, 5, 0}, {10, 5, 2}, {0, 100, 12}} {
		if _, rows := v.Page(projection.ByKills, true, tc.offset, tc.limit); len(rows) != tc.want || rows == nil {
			t.Errorf("offset %d limit %d: %d rows, want %d", tc.offset, tc.limit, len(rows), tc.want)
		}
	}
	_, top := v.Page(projection.ByKills, true, 0, 1)
	row, rank, ok := v.Player(top[0].Name)
	if !ok || rank != 1 || row != top[0] {
		t.Errorf("Player(%q) = %+v, %d, %v", top[0].Name, row, rank, ok)
	}
	if row.Matches != 3 {
		t.Errorf("%s played %d matches, want 3", row.Name, row.Matches)
	}
	if _, _, ok := v.Player("nobody"); ok {
		t.Error("Player(nobody) found")
	}
}

func compareBy(by projection.Sort, a, b projection.PlayerRow) int {
	f := map[projection.Sort]func(projection.PlayerRow) float64{
		projection.ByKills:    func(r projection.PlayerRow) float64 { return float64(r.Kills) },
		projection.ByDeaths:   func(r projection.PlayerRow) float64 { return float64(r.Deaths) },
		projection.ByKD:       func(r projection.PlayerRow) float64 { return r.KD },
		projection.ByAccuracy: func(r projection.PlayerRow) float64 { return r.Accuracy },
		projection.ByTime:     func(r projection.PlayerRow) float64 { return r.TimePlayed },
		projection.ByDistance: func(r projection.PlayerRow) float64 { return r.Distance },
		projection.ByShots:    func(r projection.PlayerRow) float64 { return float64(r.Shots) },
		projection.ByHits:     func(r projection.PlayerRow) float64 { return float64(r.Hits) },
		projection.ByMatches:  func(r projection.PlayerRow) float64 { return float64(r.Matches) },
	}[by]
	if f == nil { // by name
		switch {
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	}
	switch x, y := f(a), f(b); {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func TestSummaries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o1 := synthOptions(t, 100, 4, 10*time.Second)
	o2 := synthOptions(t, 101, 4, 10*time.Second)
	o1.MatchID, o2.MatchID = "duel", "duel" // one match id played twice
	a := genFile(t, dir, "duel-1", o1)
	b := genFile(t, dir, "duel-2", o2)
	v := playFiles(t, b, a).sum.View() // order does not matter
	if v.Len() != 2 {
		t.Fatalf("%d summaries", v.Len())
	}
	s, ok := v.Get("duel")
	if !ok || s.ID != "duel-2" || s.MatchID != "duel" || s.State != projection.StateEnded || s.Ticks != 600 || s.DurationS != 10 || len(s.Players) != 4 {
		t.Fatalf("latest duel: %+v", s)
	}
	if s1, ok := v.Get("duel-1"); !ok || !s1.Started.Equal(o1.Start) {
		t.Errorf("duel-1: %+v", s1)
	}
	for i := 1; i < len(s.Players); i++ {
		if s.Players[i-1].Kills < s.Players[i].Kills {
			t.Errorf("players not ranked by kills: %+v", s.Players)
		}
	}
	pm := v.PlayerMatches("bot01", 10)
	if len(pm) != 2 || pm[0].ID != "duel-2" || pm[1].ID != "duel-1" {
		t.Errorf("bot01's matches: %+v", pm)
	}
	if pm := v.PlayerMatches("bot01", 1); len(pm) != 1 {
		t.Errorf("limit 1: %+v", pm)
	}
	if _, ok := v.Get("nope"); ok {
		t.Error("Get(nope) found")
	}
}

func TestHeatmap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := genFile(t, dir, "a", synthOptions(t, 110, 8, 30*time.Second))
	h := projection.NewHeatmap()
	if _, _, ok := h.PNG("arena"); ok {
		t.Error("a PNG before any match")
	}
	if err := projection.PlayFile(path, nil, h); err != nil {
		t.Fatal(err)
	}
	st, ok := h.Stats("arena")
	// Eight players alive most of 30 s, ten samples a second.
	if !ok || st.W != 24 || st.H != 16 || st.Samples < 8*30*10/2 || st.Samples > 8*30*10 || st.Max == 0 {
		t.Fatalf("heat %+v", st)
	}
	b, tag, ok := h.PNG("arena")
	if !ok {
		t.Fatal("no PNG")
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	bounds := img.Bounds()
	if bounds.Dx() != 48*16 || bounds.Dy() != 32*16 {
		t.Errorf("image %v, want 768x512", bounds)
	}
	// The corner is wall; some cell is hot.
	if r, g, b, _ := img.At(0, 0).RGBA(); r>>8 != 0x5c || g>>8 != 0x60 || b>>8 != 0x6b {
		t.Errorf("corner colour %x %x %x, want the wall's", r>>8, g>>8, b>>8)
	}
	hot := false
	for y := 0; y < bounds.Dy() && !hot; y += 4 {
		for x := 0; x < bounds.Dx(); x += 4 {
			if r, g, _, _ := img.At(x, y).RGBA(); r>>8 > 0xf0 && g>>8 > 0xa0 {
				hot = true
				break
			}
		}
	}
	if !hot {
		t.Error("no hot pixel")
	}
	// Cached until the counts change.
	b2, tag2, _ := h.PNG("arena")
	if &b2[0] != &b[0] || tag2 != tag {
		t.Error("rendered again without a change")
	}
	if err := projection.PlayFile(genFile(t, dir, "b", synthOptions(t, 111, 8, 10*time.Second)), nil, h); err != nil {
		t.Fatal(err)
	}
	if _, tag3, _ := h.PNG("arena"); tag3 == tag {
		t.Error("same tag after more samples")
	}
	if _, _, ok := h.PNG("yard"); ok {
		t.Error("a PNG of a map never played")
	}
	if maps := h.Maps(); !slices.Equal(maps, []string{"arena"}) {
		t.Errorf("maps %v", maps)
	}
}

// TestHeatmapLayouts: a map whose layout changed keeps a grid per layout;
// the PNG shows the layout of the latest match.
func TestHeatmapLayouts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := synthOptions(t, 120, 4, 5*time.Second)
	old := genFile(t, dir, "old", o)
	o2 := synthOptions(t, 121, 4, 5*time.Second) // starts later
	o2.MapSource = append([]byte("; a comment does not change the layout\n"), o2.MapSource...)
	o2.MapSource = bytes.Replace(o2.MapSource, []byte("#..#......####......#..#"), []byte("#..#......#..#......#..#"), 1)
	if _, err := sim.ParseMap("arena", o2.MapSource); err != nil {
		t.Fatal(err)
	}
	newer := genFile(t, dir, "new", o2)
	for _, order := range [][]string{{old, newer}, {newer, old}} {
		h := projection.NewHeatmap()
		for _, p := range order {
			if err := projection.PlayFile(p, nil, h); err != nil {
				t.Fatal(err)
			}
		}
		m, _ := sim.ParseMap("arena", o2.MapSource)
		if st, _ := h.Stats("arena"); st.Checksum != m.Checksum() {
			t.Errorf("order %v: shows layout %08x, want the newer %08x", order, st.Checksum, m.Checksum())
		}
	}
}
