package viewer

import (
	"errors"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/replay"
)

// TestTakeOver: T pauses and asks to take over the player followed at the
// tick shown, once; a failure shows on screen until the playhead moves.
func TestTakeOver(t *testing.T) {
	t.Parallel()
	r := openGolden(t)
	d := newDriver(t, r, Options{Name: "/replays/golden-arena.skr", Start: 900, Seek: true, NoIndex: true})
	d.frames(30)
	if _, ok := d.m.TakeOver(); ok {
		t.Fatal("a take-over before T")
	}
	d.frame(Input{Player: 3}) // follow the third player
	f := d.press(ActTakeOver)
	if f.Playing {
		t.Error("still playing after T")
	}
	to, ok := d.m.TakeOver()
	w := d.m.World()
	want := w.Players[2]
	if !ok || to.Tick != w.Tick || to.Player != want.ID || to.Name != want.Name || to.Source != r || to.SourceID != "golden-arena" {
		t.Fatalf("take-over %+v (%v); want tick %d, player %d %s of golden-arena", to, ok, w.Tick, want.ID, want.Name)
	}
	if _, ok := d.m.TakeOver(); ok {
		t.Error("the same take-over twice")
	}
	d.m.TakeOverFailed(errors.New("no practice here"))
	if f := d.frames(10); f.Note != "cannot take over: no practice here" || f.Tick != to.Tick {
		t.Errorf("note %q at tick %d; want the failure, still at %d", f.Note, f.Tick, to.Tick)
	}
	if f := d.press(ActStepForward); f.Note != "" {
		t.Errorf("note %q after the playhead moved", f.Note)
	}
	// In the overview, T takes the player last followed.
	d.press(ActOverview)
	d.press(ActTakeOver)
	if to, ok := d.m.TakeOver(); !ok || to.Player != want.ID {
		t.Errorf("from the overview: %+v, want player %d", to, want.ID)
	}
}

func TestSourceID(t *testing.T) {
	t.Parallel()
	h := replay.Header{MatchID: "friday"}
	for _, c := range []struct{ name, want string }{
		{"match.skr", "match"},
		{"/a/b/duel-20250101-120000-ab12.skr", "duel-20250101-120000-ab12"},
		{"http://host:7777/api/replays/duel-20250101-120000-ab12", "duel-20250101-120000-ab12"},
		{"https://host/api/matches/friday/live", "friday"},
		{"", "friday"},
		{strings.Repeat("é", 200) + ".skr", strings.Repeat("é", replay.MaxOriginIDLen/2)},
	} {
		if got := SourceID(c.name, h); got != c.want {
			t.Errorf("SourceID(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	if got := SourceID("", replay.Header{}); got != "replay" {
		t.Errorf("SourceID of nothing = %q", got)
	}
}
