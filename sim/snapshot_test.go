package sim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestSnapshotRoundTrip: at several points of a match, a world restored from
// its snapshot continues exactly like the original, tick by tick, and
// re-encodes to the same bytes.
func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		mapName string
		rate    int32
		players int
	}{
		{"arena", 60, 16},
		{"duel", MinTickRate, 4},
		{"yard", MaxTickRate, 32},
	}
	points := []int{0, 1, 30, 500, 2000, 4000} // ticks into the match
	const continueFor = 300
	for _, sc := range scenarios {
		t.Run(fmt.Sprintf("%s/%dHz", sc.mapName, sc.rate), func(t *testing.T) {
			t.Parallel()
			m := loadMap(t, sc.mapName)
			w := newWorld(t, m, sc.rate)
			s := newScript(7, sc.players)
			for _, point := range points {
				s.run(w, point-int(w.Tick), nil)
				b := w.AppendSnapshot(nil)
				r, err := Restore(m, b)
				if err != nil {
					t.Fatalf("tick %d: Restore: %v", point, err)
				}
				if again := r.AppendSnapshot(nil); !bytes.Equal(again, b) {
					t.Fatalf("tick %d: re-encoded restore differs\n%s", point, snapDiff(b, again))
				}
				if r.Hash() != w.Hash() || w.Hash() != HashSnapshot(b) {
					t.Fatalf("tick %d: hashes %016x (restored), %016x (original), %016x (bytes)", point, r.Hash(), w.Hash(), HashSnapshot(b))
				}
				// Continue both with the same inputs, from another script so
				// that the main line does not depend on this check.
				orig := w.Clone()
				cont := newScript(uint64(point), sc.players)
				var in []Input
				for range continueFor {
					in = cont.inputs(orig, in[:0])
					Step(orig, in)
					Step(r, in)
					want, got := orig.AppendSnapshot(nil), r.AppendSnapshot(nil)
					if !bytes.Equal(got, want) || r.Hash() != orig.Hash() {
						t.Fatalf("restored at tick %d, diverged at tick %d\n%s", point, orig.Tick, snapDiff(want, got))
					}
				}
				if err := checkInvariants(orig); err != nil {
					t.Fatalf("tick %d: %v", orig.Tick, err)
				}
			}
		})
	}
}

func TestAppendSnapshotAppends(t *testing.T) {
	t.Parallel()
	w := newWorld(t, loadMap(t, "arena"), 60)
	newScript(3, 8).run(w, 300, nil)
	snap := w.AppendSnapshot(nil)
	got := w.AppendSnapshot([]byte("prefix"))
	if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len("prefix"):], snap) {
		t.Errorf("AppendSnapshot did not append to dst")
	}
	// Equal worlds reached differently encode equally: a clone, a copy.
	var c World
	c.CopyFrom(w)
	if !bytes.Equal(w.Clone().AppendSnapshot(nil), snap) || !bytes.Equal(c.AppendSnapshot(nil), snap) {
		t.Error("Clone or CopyFrom encodes differently")
	}
}

func TestCloneIsDeep(t *testing.T) {
	t.Parallel()
	w := newWorld(t, loadMap(t, "arena"), 60)
	newScript(4, 8).run(w, 600, nil)
	if len(w.Players) == 0 || len(w.Projectiles) == 0 {
		t.Fatalf("nothing to copy: %s", describe(w))
	}
	before := w.AppendSnapshot(nil)
	for _, c := range []*World{w.Clone(), func() *World { var c World; c.CopyFrom(w); return &c }()} {
		c.Players[0].X++
		c.Players[0].Name = "changed"
		c.Projectiles[0].Life++
		Step(c, []Input{{Player: 99, Action: Join, Name: "new"}})
		if !bytes.Equal(w.AppendSnapshot(nil), before) {
			t.Fatal("changing a copy changed the original")
		}
	}
}

// TestSnapshotCoversEveryField changes each field of the world, a player
// and a projectile in turn, and checks that the snapshot (and so Hash) sees
// the change and that Restore brings it back. A field added to one of these
// structs fails here until it is given a case, and so a thought about its
// place in the snapshot.
func TestSnapshotCoversEveryField(t *testing.T) {
	t.Parallel()
	m := parseMap(t, rangeMap)
	base := func() *World {
		w := newWorld(t, m, 60)
		w.Tick = 1000
		joinAndSpawn(t, w, 3, 2, 2, 100)
		mustApply(t, w, Input{Player: 5, Action: Join, Name: "five"})
		p := w.Player(3)
		p.Move, p.Strafe, p.Rotate = 10, -20, 30
		p.Health, p.Cooldown, p.Kills, p.Deaths = 50, 2, 7, 8
		v := w.Player(5)
		v.Respawn, v.Deaths = 9, 1
		x, y := SpawnCenter(Point{10, 4})
		w.Projectiles = append(w.Projectiles, Projectile{Owner: 3, X: x, Y: y, Heading: 200, Life: 10})
		return w
	}
	worldCases := map[string]func(w *World){
		"Map": func(w *World) {
			w.Map = parseMap(t, strings.Replace(rangeMap, "#.S....S.............S.#", "#.S....S......#......S.#", 1))
		},
		"TickRate":    func(w *World) { w.TickRate = 61 },
		"Tick":        func(w *World) { w.Tick = 1001 },
		"Players":     func(w *World) { w.Players = w.Players[:1] },
		"Projectiles": func(w *World) { w.Projectiles = nil },
	}
	playerCases := map[string]func(p *Player){
		"ID":       func(p *Player) { p.ID = 4 },
		"Name":     func(p *Player) { p.Name = "other" },
		"Alive":    func(p *Player) { p.Alive, p.Health = false, 0 },
		"X":        func(p *Player) { p.X++ },
		"Y":        func(p *Player) { p.Y-- },
		"Heading":  func(p *Player) { p.Heading = 0xffff },
		"Move":     func(p *Player) { p.Move = -MaxMoveSpeed },
		"Strafe":   func(p *Player) { p.Strafe = MaxStrafeSpeed },
		"Rotate":   func(p *Player) { p.Rotate = -1 },
		"Health":   func(p *Player) { p.Health = MaxHealth },
		"Cooldown": func(p *Player) { p.Cooldown = 0 },
		"Respawn":  func(p *Player) { p.Alive, p.Health, p.Respawn = false, 0, 1 },
		"Kills":    func(p *Player) { p.Kills = 1<<31 - 1 },
		"Deaths":   func(p *Player) { p.Deaths = 0 },
	}
	projectileCases := map[string]func(pr *Projectile){
		"Owner":   func(pr *Projectile) { pr.Owner = 1<<32 - 1 },
		"X":       func(pr *Projectile) { pr.X += 1000 },
		"Y":       func(pr *Projectile) { pr.Y -= 1000 },
		"Heading": func(pr *Projectile) { pr.Heading = 201 },
		"Life":    func(pr *Projectile) { pr.Life = 1 },
	}
	orig := base().AppendSnapshot(nil)
	if _, err := Restore(m, orig); err != nil {
		t.Fatalf("base world: %v", err)
	}
	check := func(what string, change func(w *World)) {
		t.Helper()
		w := base()
		change(w)
		snap := w.AppendSnapshot(nil)
		if bytes.Equal(snap, orig) || w.Hash() == HashSnapshot(orig) {
			t.Errorf("%s: changing it does not change the snapshot or the hash", what)
			return
		}
		r, err := Restore(w.Map, snap)
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		if !reflect.DeepEqual(normalize(r), normalize(w)) {
			t.Errorf("%s: restored %+v, want %+v", what, r, w)
		}
	}
	fields := func(v any) []string {
		var names []string
		for f := range reflect.TypeOf(v).Fields() {
			names = append(names, f.Name)
		}
		return names
	}
	for _, name := range fields(World{}) {
		change, ok := worldCases[name]
		if !ok {
			t.Errorf("World.%s: no case; is it in the snapshot?", name)
			continue
		}
		check("World."+name, change)
	}
	for _, name := range fields(Player{}) {
		change, ok := playerCases[name]
		if !ok {
			t.Errorf("Player.%s: no case; is it in the snapshot?", name)
			continue
		}
		check("Player."+name, func(w *World) { change(&w.Players[0]) })
	}
	for _, name := range fields(Projectile{}) {
		change, ok := projectileCases[name]
		if !ok {
			t.Errorf("Projectile.%s: no case; is it in the snapshot?", name)
			continue
		}
		check("Projectile."+name, func(w *World) { change(&w.Projectiles[0]) })
	}
}

// normalize makes empty slices nil, which Restore and the tests may spell
// differently without the worlds differing.
func normalize(w *World) World {
	c := *w
	if len(c.Players) == 0 {
		c.Players = nil
	}
	if len(c.Projectiles) == 0 {
		c.Projectiles = nil
	}
	return c
}

// TestRestoreErrors feeds Restore broken snapshots: bytes damaged after
// encoding, and worlds that break a rule, encoded as they are.
func TestRestoreErrors(t *testing.T) {
	t.Parallel()
	m := parseMap(t, rangeMap)
	// base has player 1 alive at (2,2), player 2 dead, one projectile.
	base := func() *World {
		w := newWorld(t, m, 60)
		joinAndSpawn(t, w, 1, 2, 2, 0)
		mustApply(t, w, Input{Player: 2, Action: Join, Name: "b"})
		x, y := SpawnCenter(Point{10, 4})
		w.Projectiles = append(w.Projectiles, Projectile{Owner: 1, X: x, Y: y, Life: 5})
		return w
	}
	good := base().AppendSnapshot(nil)
	if _, err := Restore(m, good); err != nil {
		t.Fatal(err)
	}
	// Offsets in good: version 0, checksum 1-4, tick rate 5, tick 6,
	// player count 7, player 1's id 8, name length 9, name 10-11, flags 12.
	edit := func(off int, b ...byte) func(*World) []byte {
		return func(*World) []byte {
			s := bytes.Clone(good)
			return append(s[:off:off], append(b, s[off+1:]...)...)
		}
	}
	encode := func(change func(w *World)) func(*World) []byte {
		return func(w *World) []byte {
			change(w)
			return w.AppendSnapshot(nil)
		}
	}
	tests := []struct {
		name    string
		data    func(w *World) []byte
		wantErr error
		want    string
	}{
		{"empty", func(*World) []byte { return nil }, ErrCorrupt, "truncated"},
		{"version", edit(0, Version+1), ErrVersion, fmt.Sprintf("version %d, this is %d", Version+1, Version)},
		{"map", edit(1, good[1]^1), ErrMapMismatch, "map Range has"},
		{"trailing byte", func(*World) []byte { return append(bytes.Clone(good), 0) }, ErrCorrupt, "1 bytes after the end"},
		{"non-canonical varint", edit(5, 60|0x80, 0), ErrCorrupt, "non-canonical varint for tick rate"},
		{"overlong varint", func(*World) []byte { return append(bytes.Clone(good[:6]), bytes.Repeat([]byte{0xff}, 11)...) }, ErrCorrupt, "bad varint for tick"},
		{"flags", edit(12, 2), ErrCorrupt, "flags 2 above 1"},
		{"tick rate too low", encode(func(w *World) { w.TickRate = MinTickRate - 1 }), ErrCorrupt, "tick rate 9 below 10"},
		{"tick rate too high", encode(func(w *World) { w.TickRate = MaxTickRate + 1 }), ErrCorrupt, "tick rate 129 above 128"},
		{"too many players", encode(func(w *World) {
			for id := PlayerID(100); len(w.Players) <= MaxPlayers; id++ {
				w.Players = append(w.Players, Player{ID: id, Name: "x"}) // past Apply's limit
			}
		}), ErrCorrupt, "player count 65 above 64"},
		{"player id 0", encode(func(w *World) { w.Players[0].ID = 0 }), ErrCorrupt, "player id 0 below 1"},
		{"ids not ascending", encode(func(w *World) { w.Players[0], w.Players[1] = w.Players[1], w.Players[0] }), ErrCorrupt, "player ids not ascending"},
		{"duplicate id", encode(func(w *World) { w.Players[1].ID = 1 }), ErrCorrupt, "player ids not ascending"},
		{"empty name", encode(func(w *World) { w.Players[1].Name = "" }), ErrCorrupt, `invalid name ""`},
		{"name with a control char", encode(func(w *World) { w.Players[1].Name = "a\nb" }), ErrCorrupt, "invalid name"},
		{"name too long", encode(func(w *World) { w.Players[1].Name = strings.Repeat("n", MaxNameLen+1) }), ErrCorrupt, "name length 17 above 16"},
		{"x outside the map", encode(func(w *World) { w.Players[1].X = m.Width * Unit }), ErrCorrupt, "x 98304 above 98303"},
		{"negative y", encode(func(w *World) { w.Players[1].Y = -1 }), ErrCorrupt, "y "},
		{"alive in a wall", encode(func(w *World) { w.Players[0].X = Unit }), ErrCorrupt, "player 1 inside a wall"},
		{"alive without health", encode(func(w *World) { w.Players[0].Health = 0 }), ErrCorrupt, "player 1 alive with health 0"},
		{"alive and waiting to respawn", encode(func(w *World) { w.Players[0].Respawn = 1 }), ErrCorrupt, "alive with health 100, respawn 1"},
		{"dead with health", encode(func(w *World) { w.Players[1].Health = 1 }), ErrCorrupt, "player 2 dead with health 1"},
		{"health", encode(func(w *World) { w.Players[0].Health = MaxHealth + 1 }), ErrCorrupt, "health 101 above 100"},
		{"move", encode(func(w *World) { w.Players[0].Move = MaxMoveSpeed + 1 }), ErrCorrupt, "move"},
		{"move backward", encode(func(w *World) { w.Players[0].Move = -MaxMoveSpeed - 1 }), ErrCorrupt, "move"},
		{"strafe", encode(func(w *World) { w.Players[0].Strafe = -MaxStrafeSpeed - 1 }), ErrCorrupt, "strafe"},
		{"rotate", encode(func(w *World) { w.Players[0].Rotate = MaxRotateRate + 1 }), ErrCorrupt, "rotate"},
		{"cooldown", encode(func(w *World) { w.Players[0].Cooldown = w.ticks(FireCooldownMs) + 1 }), ErrCorrupt, "cooldown 16 above 15"},
		{"respawn", encode(func(w *World) { w.Players[1].Respawn = w.ticks(RespawnDelayMs) + 1 }), ErrCorrupt, "respawn 121 above 120"},
		{"negative kills", encode(func(w *World) { w.Players[0].Kills = -1 }), ErrCorrupt, "kills"},
		{"negative deaths", encode(func(w *World) { w.Players[0].Deaths = -1 }), ErrCorrupt, "deaths"},
		{"players overlap", encode(func(w *World) {
			p := w.Players[1]
			p.Alive, p.Health, p.X, p.Y = true, 1, w.Players[0].X+2*PlayerRadius-1, w.Players[0].Y-2*PlayerRadius+1
			w.Players[1] = p
		}), ErrCorrupt, "players 1 and 2 overlap"},
		{"too many projectiles", encode(fillProjectiles(MaxProjectiles)), ErrCorrupt, "projectile count 1025 above 1024"},
		{"projectile owner 0", encode(func(w *World) { w.Projectiles[0].Owner = 0 }), ErrCorrupt, "owner 0 below 1"},
		{"projectile outside", encode(func(w *World) { w.Projectiles[0].Y = m.Height * Unit }), ErrCorrupt, "projectile y"},
		{"projectile expired", encode(func(w *World) { w.Projectiles[0].Life = 0 }), ErrCorrupt, "life 0 below 1"},
		{"projectile life too long", encode(func(w *World) { w.Projectiles[0].Life = w.maxLife() + 1 }), ErrCorrupt, "life 47 above 46"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := tc.data(base())
			w, err := Restore(m, data)
			if err == nil {
				t.Fatalf("Restore accepted %x:\n%s", data, describe(w))
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("error %q is not %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if tc.wantErr == ErrCorrupt && !strings.Contains(err.Error(), "at byte ") {
				t.Errorf("error %q does not say where", err)
			}
		})
	}
	t.Run("every truncation", func(t *testing.T) {
		t.Parallel()
		for n := range len(good) {
			if w, err := Restore(m, good[:n]); !errors.Is(err, ErrCorrupt) {
				t.Errorf("Restore(first %d of %d bytes) = %v, %v; want ErrCorrupt", n, len(good), w, err)
			}
		}
	})
}

// The largest player id a protocol message can carry is 1<<32-1; a world
// holding it must snapshot and restore.
func TestSnapshotLargestIDs(t *testing.T) {
	t.Parallel()
	m := parseMap(t, rangeMap)
	w := newWorld(t, m, 60)
	const top = 1<<32 - 1
	joinAndSpawn(t, w, top, 2, 2, 0)
	joinAndSpawn(t, w, 1<<31, 7, 2, 0)
	Step(w, []Input{{Player: top, Action: Fire}})
	if err := checkInvariants(w); err != nil {
		t.Fatal(err)
	}
	// One more than a uint32 holds is corrupt.
	snap := w.AppendSnapshot(nil)
	i := bytes.Index(snap, binary.AppendUvarint(nil, top))
	if i < 0 {
		t.Fatal("id not found in the snapshot")
	}
	bad := append(append(bytes.Clone(snap[:i]), binary.AppendUvarint(nil, top+1)...), snap[i+5:]...)
	if _, err := Restore(m, bad); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Restore with id 1<<32: %v, want ErrCorrupt", err)
	}
}
