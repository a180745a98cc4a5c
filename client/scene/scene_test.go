package scene

import (
	"math"
	"testing"

	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/simtest"
)

func TestCamera(t *testing.T) {
	t.Parallel()
	small := simtest.OpenRoom(t) // 20×20 tiles
	// A screen wider than the map centres it across, and follows the
	// point up and down.
	c := Follow(small, 1920, 1080, 0, 10*sim.Unit)
	if tile := c.Scale * sim.Unit; tile != math.Round(1080.0/ViewTiles) {
		t.Errorf("tile %.1f px, want %.0f", tile, math.Round(1080.0/ViewTiles))
	}
	if cx, cy := c.ToScreen(10*sim.Unit, 10*sim.Unit); cx != 960 || cy != 540 {
		t.Errorf("map centre drawn at %.0f,%.0f, want the screen centre", cx, cy)
	}
	// A small screen follows the point, up to half a tile past the edge.
	c = Follow(small, 400, 400, 10*sim.Unit, 10*sim.Unit)
	if sx, sy := c.ToScreen(10*sim.Unit, 10*sim.Unit); sx != 200 || sy != 200 {
		t.Errorf("followed point at %.0f,%.0f, want 200,200", sx, sy)
	}
	c = Follow(small, 400, 400, 0, 0)
	if sx, sy := c.ToScreen(-sim.Unit/2, -sim.Unit/2); math.Abs(sx) > 1e-9 || math.Abs(sy) > 1e-9 {
		t.Errorf("corner view: the point half a tile past the edge at %.1f,%.1f, want 0,0", sx, sy)
	}
	x, y := c.ToWorld(c.ToScreen(12345, 6789))
	if math.Abs(x-12345) > 1e-6 || math.Abs(y-6789) > 1e-6 {
		t.Errorf("ToWorld(ToScreen) = %.3f,%.3f", x, y)
	}
	if x0, y0, _, _ := c.TileRange(); x0 != -1 || y0 != -1 {
		t.Errorf("tile range starts at %d,%d, want -1,-1", x0, y0)
	}
	// A tiny window keeps tiles readable.
	if tile := TilePixels(160, 120); tile != MinTilePixels {
		t.Errorf("tile on a tiny screen %.0f px, want %d", tile, MinTilePixels)
	}
}

// TestFeedAndEffects plays a duel in a real world: the kill is paired with
// its killer, and the hits, the death and the impacts become effects.
func TestFeedAndEffects(t *testing.T) {
	t.Parallel()
	w, _ := sim.NewWorld(simtest.OpenRoom(t), 60)
	sim.Step(w, []sim.Input{
		{Player: 1, Action: sim.Join, Name: "ann"}, {Player: 1, Action: sim.SpawnAt, X: 2, Y: 9},
		{Player: 2, Action: sim.Join, Name: "bob"}, {Player: 2, Action: sim.SpawnAt, X: 10, Y: 9},
		{Player: 3, Action: sim.Join, Name: "cy"}, {Player: 3, Action: sim.SpawnAt, X: 17, Y: 17},
	})
	var feed Feed
	var fx Effects
	prev := w.Clone()
	kinds := map[EffectKind]int{}
	fired := 0
	for i := 0; i < 600 && w.Player(2).Alive; i++ {
		var in []sim.Input
		if w.Player(1).Cooldown == 0 {
			in = append(in, sim.Input{Player: 1, Action: sim.Fire}) // ann faces bob
			fired++
		}
		sim.Step(w, in)
		fx.Observe(prev, w, 0)
		feed.Observe(prev, w)
		prev.CopyFrom(w)
	}
	if w.Player(2).Alive {
		t.Fatal("bob survived")
	}
	for _, e := range fx.List() {
		kinds[e.Kind]++
	}
	if kinds[EffectHit] != 3 || kinds[EffectDeath] != 1 || kinds[EffectShot] != fired || kinds[EffectImpact] != 4 {
		t.Errorf("effects %v; want 3 hits, a death, %d shots, 4 impacts", kinds, fired)
	}
	kills := feed.Recent(float64(w.Tick), 60, nil)
	if len(kills) != 1 || kills[0].Killer != "ann" || kills[0].Victim != "bob" {
		t.Errorf("feed %+v, want ann killed bob", kills)
	}
	if k := feed.Recent(float64(w.Tick)+FeedSeconds*60+1, 60, nil); len(k) != 0 {
		t.Errorf("feed after %d s: %+v, want empty", FeedSeconds, k)
	}
}

// TestFeedKeepsTheLatest: the feed holds the latest FeedLen kills, and
// Observe returns a tick's new kills even when the feed is full.
func TestFeedKeepsTheLatest(t *testing.T) {
	t.Parallel()
	var feed Feed
	w := &sim.World{Players: []sim.Player{{ID: 1, Name: "ann"}, {ID: 2, Name: "bob"}}}
	for i := range FeedLen + 3 {
		prev := w.Clone()
		w.Tick++
		w.Players[0].Kills++
		w.Players[1].Deaths++
		got := feed.Observe(prev, w)
		if len(got) != 1 || got[0].Killer != "ann" || got[0].Victim != "bob" || got[0].Tick != w.Tick {
			t.Fatalf("kill %d: Observe returned %+v, want ann killing bob at tick %d", i+1, got, w.Tick)
		}
	}
	recent := feed.Recent(float64(w.Tick), 60, nil)
	if len(recent) != FeedLen || recent[0].Tick != w.Tick-FeedLen+1 || recent[FeedLen-1].Tick != w.Tick {
		t.Errorf("the feed holds %+v, want the last %d kills", recent, FeedLen)
	}
}
