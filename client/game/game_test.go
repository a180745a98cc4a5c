package game

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/simtest"
)

// world returns a world on the open map with the own player (1) spawned
// facing +X, and an opponent (2) far away.
func world(t *testing.T) *sim.World {
	t.Helper()
	w, _ := sim.NewWorld(simtest.OpenRoom(t), 60)
	sim.Step(w, []sim.Input{
		{Player: 1, Action: sim.Join, Name: "me"}, {Player: 1, Action: sim.SpawnAt, X: 10, Y: 9},
		{Player: 2, Action: sim.Join, Name: "them"}, {Player: 2, Action: sim.SpawnAt, X: 2, Y: 2},
	})
	return w
}

func gameKeys(ks ...Key) Keys {
	var k Keys
	for _, x := range ks {
		k = k.With(x, true)
	}
	return k
}

func TestControlsMotion(t *testing.T) {
	t.Parallel()
	w := world(t)
	var c Controls
	c.Reset(w.Player(1), false)
	steps := []struct {
		keys Keys
		want []sim.Input
	}{
		{gameKeys(KeyForward), []sim.Input{{Player: 1, Action: sim.MoveStart, Value: sim.MaxMoveSpeed}}},
		{gameKeys(KeyForward), nil}, // held: nothing new
		{gameKeys(KeyForward, KeyBack), []sim.Input{{Player: 1, Action: sim.MoveStop}}},
		{gameKeys(KeyBack), []sim.Input{{Player: 1, Action: sim.MoveStart, Value: -sim.MaxMoveSpeed}}},
		{gameKeys(KeyBack, KeyRight, KeyStrafeLeft), []sim.Input{
			{Player: 1, Action: sim.StrafeStart, Value: -sim.MaxStrafeSpeed},
			{Player: 1, Action: sim.RotateStart, Value: sim.MaxRotateRate}}},
		{gameKeys(KeyLeft, KeyStrafeRight), []sim.Input{
			{Player: 1, Action: sim.MoveStop},
			{Player: 1, Action: sim.StrafeStart, Value: sim.MaxStrafeSpeed},
			{Player: 1, Action: sim.RotateStart, Value: -sim.MaxRotateRate}}},
		{0, []sim.Input{{Player: 1, Action: sim.StrafeStop}, {Player: 1, Action: sim.RotateStop}}},
	}
	for i, s := range steps {
		got := c.Commands(s.keys, w, 1, nil)
		if !slices.Equal(got, s.want) {
			t.Errorf("step %d: %v, want %v", i, got, s.want)
		}
	}
	// After a reconnection the server has stopped the player: held keys
	// are sent again.
	c.Commands(gameKeys(KeyForward), w, 1, nil)
	c.Reset(w.Player(1), false) // the world says Move 0
	if got := c.Commands(gameKeys(KeyForward), w, 1, nil); len(got) != 1 || got[0].Action != sim.MoveStart {
		t.Errorf("after a reset with W held: %v, want a move start", got)
	}
}

// TestControlsFire: holding Space fires once per cooldown (plus margin), a
// tap during the cooldown is kept until the weapon is ready.
func TestControlsFire(t *testing.T) {
	t.Parallel()
	w := world(t)
	var c Controls
	c.Reset(w.Player(1), false)
	var shots []uint32
	for i := 0; i < 120; i++ {
		for _, in := range c.Commands(gameKeys(KeyFire), w, 1, nil) {
			if in.Action == sim.Fire {
				shots = append(shots, w.Tick+1)
				sim.Apply(w, in)
			}
		}
		sim.Advance(w)
	}
	spacing := uint32(sim.FireCooldownMs*60/1000) + FireMarginTicks
	if len(shots) < 6 {
		t.Fatalf("%d shots in 2 s, want about %d", len(shots), 120/spacing)
	}
	for i := 1; i < len(shots); i++ {
		if d := shots[i] - shots[i-1]; d != spacing {
			t.Errorf("shots %d ticks apart, want %d", d, spacing)
		}
	}
	// A tap while cooling down.
	c.Commands(0, w, 1, nil)
	sim.Apply(w, sim.Input{Player: 1, Action: sim.Fire})
	sim.Advance(w)
	if got := c.Commands(gameKeys(KeyFire), w, 1, nil); len(got) != 0 {
		t.Fatalf("fire during the cooldown: %v", got)
	}
	fired := false
	for i := 0; i < 30 && !fired; i++ {
		for _, in := range c.Commands(0, w, 1, nil) {
			fired = fired || in.Action == sim.Fire
		}
		sim.Advance(w)
	}
	if !fired {
		t.Error("a tap during the cooldown was never fired")
	}
}

func TestControlsRespawn(t *testing.T) {
	t.Parallel()
	w := world(t)
	p := w.Player(1)
	p.Alive, p.Health, p.Respawn = false, 0, 3
	var c Controls
	c.Reset(p, false)
	if got := c.Commands(0, w, 1, nil); len(got) != 0 {
		t.Errorf("dead without R: %v", got)
	}
	c.Commands(gameKeys(KeyRespawn), w, 1, nil) // pressed during the delay: kept
	for range 3 {
		sim.Advance(w)
	}
	got := c.Commands(0, w, 1, nil)
	if len(got) != 1 || got[0].Action != sim.SpawnAt {
		t.Fatalf("after the delay: %v, want a spawn", got)
	}
	// The farthest spawn from the opponent at (2,2) is the opposite corner.
	if got[0].X != 17 || got[0].Y != 17 {
		t.Errorf("spawn at %d,%d, want 17,17", got[0].X, got[0].Y)
	}
	c.Sent(7, got[0])
	c.Rejected(7, 0)
	if again := c.Commands(0, w, 1, nil); len(again) != 1 || again[0].Action != sim.SpawnAt {
		t.Errorf("after a refused spawn: %v, want another spawn", again)
	}
}

// TestScores: the scoreboard ranks by kills, then fewest deaths, then name,
// and marks the own player.
func TestScores(t *testing.T) {
	t.Parallel()
	w := &sim.World{Players: []sim.Player{
		{ID: 1, Name: "bob", Kills: 0, Deaths: 1},
		{ID: 2, Name: "ann", Kills: 1},
		{ID: 3, Name: "cy"},
		{ID: 4, Name: "al"},
	}}
	scores := Scores(w, 3, nil)
	var names []string
	for _, s := range scores {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"ann", "al", "cy", "bob"}) || !scores[2].Me || scores[0].Me {
		t.Errorf("scoreboard %+v, want ann, al, cy (me), bob", scores)
	}
}

// TestModelPlays drives the model through a lossy fake network with a key
// script: the own player walks where the keys say, at once, and the
// predicted player ends where the server has it.
func TestModelPlays(t *testing.T) {
	t.Parallel()
	c := newFakeConn(t, simtest.OpenRoom(t), 50, 10)
	m := New(c, Options{})
	// Walk, turn right a little, fire once, stop, strafe left a while.
	held := func(f int) Keys {
		var k Keys
		k = k.With(KeyForward, f >= 60 && f < 260)
		k = k.With(KeyRight, f >= 120 && f < 135)
		k = k.With(KeyFire, f == 200)
		return k.With(KeyStrafeLeft, f >= 300 && f < 330)
	}
	var drawn []scene.Body
	sawShot := false
	play(c, m, 0, 8_000, held, func(now time.Time, ms int) {
		v := m.View(now)
		if v.Self != nil {
			drawn = append(drawn, *v.Self)
		}
		for _, e := range v.Effects {
			sawShot = sawShot || e.Kind == scene.EffectShot && e.Player == 1
		}
	})
	if len(drawn) == 0 {
		t.Fatal("the player never appeared (auto-spawn)")
	}
	conf, pred := m.Confirmed().Player(1), m.Predicted().Player(1)
	if conf == nil || !conf.Alive {
		t.Fatalf("confirmed player %+v, want alive", conf)
	}
	if float64(conf.X) == drawn[0].X && float64(conf.Y) == drawn[0].Y {
		t.Error("the player did not move")
	}
	if pred.X != conf.X || pred.Y != conf.Y || pred.Heading != conf.Heading {
		t.Errorf("predicted %d,%d/%d, confirmed %d,%d/%d", pred.X, pred.Y, pred.Heading, conf.X, conf.Y, conf.Heading)
	}
	if !sawShot {
		t.Error("no muzzle flash for the own shot")
	}
	s := m.Stats()
	if s.HashesDiffer != 0 || s.HashesMatch == 0 {
		t.Errorf("hashes: %d match, %d differ", s.HashesMatch, s.HashesDiffer)
	}
	if s.WorstJump > sim.Unit/8 {
		t.Errorf("the drawn player jumped %.0f units in a frame", s.WorstJump)
	}
	t.Logf("stats %+v", s)
}

// TestModelResync: a snapshot that repairs a desync resets the prediction
// and says so on screen.
func TestModelResync(t *testing.T) {
	t.Parallel()
	c := newFakeConn(t, simtest.OpenRoom(t), 20, 0)
	m := New(c, Options{})
	play(c, m, 0, 1000, nil, nil)
	if m.Predicted().Player(1) == nil {
		t.Fatal("not joined")
	}
	// The server sends a fresh world, as it does after a bad hash report.
	fresh := c.world.Clone()
	fresh.Player(1).X += sim.Unit / 4 // the client's world was off
	c.toClient = append(c.toClient, fakeMsg{at: c.now, u: link.Update{Kind: link.Reset, Gen: 1, World: fresh, Player: 1, TickRate: 60, Desync: true}})
	c.world = fresh.Clone()
	var notices []string
	play(c, m, 1000, 1100, nil, func(now time.Time, _ int) { notices = append(notices, m.View(now).Notices...) })
	if s := m.Stats(); s.Resyncs != 1 {
		t.Errorf("resyncs %d, want 1", s.Resyncs)
	}
	if !slices.ContainsFunc(notices, func(n string) bool { return strings.Contains(n, "resynchronised") }) {
		t.Errorf("notices %q, want one about the resync", notices)
	}
	play(c, m, 1100, 2000, nil, nil)
	w := m.Confirmed()
	if got, want := w.Hash(), c.hashes[w.Tick]; got != want {
		t.Errorf("tick %d after the resync: confirmed world %016x, server's %016x", w.Tick, got, want)
	}
}
