package sim

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Helpers shared by the tests, fuzz targets and benchmarks of this package.

// mapsDir holds the shipped maps. sim imports no other project package, so
// the tests read the files rather than the assets package's embedded copies.
var mapsDir = filepath.Join("..", "assets", "maps")

// loadMap parses the shipped map assets/maps/name.txt.
func loadMap(tb testing.TB, name string) *Map {
	tb.Helper()
	src, err := os.ReadFile(filepath.Join(mapsDir, name+".txt"))
	if err != nil {
		tb.Fatal(err)
	}
	m, err := ParseMap(name, src)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// parseMap parses a map written inline in a test.
func parseMap(tb testing.TB, src string) *Map {
	tb.Helper()
	m, err := ParseMap("test", []byte(src))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func newWorld(tb testing.TB, m *Map, tickRate int32) *World {
	tb.Helper()
	w, err := NewWorld(m, tickRate)
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

// mustApply applies in and fails the test if it is rejected.
func mustApply(tb testing.TB, w *World, in Input) {
	tb.Helper()
	if err := Apply(w, in); err != nil {
		tb.Fatalf("tick %d: Apply(%+v): %v", w.Tick, in, err)
	}
}

// maxLife is the life of a new projectile at w's tick rate.
func (w *World) maxLife() int32 { return ProjectileRange / w.perTick(ProjectileSpeed) }

// checkInvariants returns what is wrong with w, or nil. These are the rules
// every world reached by Step must keep; restoring its snapshot (also
// checked) must give back the same bytes.
func checkInvariants(w *World) error {
	if err := checkState(w); err != nil {
		return err
	}
	for i := range w.Projectiles {
		pr := &w.Projectiles[i]
		if w.Map.wallAt(pr.X, pr.Y) {
			return fmt.Errorf("projectile %d (%d,%d) inside a wall", i, pr.X, pr.Y)
		}
	}
	snap := w.AppendSnapshot(nil)
	r, err := Restore(w.Map, snap)
	if err != nil {
		return fmt.Errorf("snapshot does not restore: %v", err)
	}
	if again := r.AppendSnapshot(nil); !bytes.Equal(again, snap) {
		return fmt.Errorf("snapshot re-encodes differently: %s", snapDiff(snap, again))
	}
	return nil
}

// checkState checks the invariants that Restore promises to enforce on any
// snapshot it accepts, and that Step keeps.
func checkState(w *World) error {
	if w.TickRate < MinTickRate || w.TickRate > MaxTickRate {
		return fmt.Errorf("tick rate %d", w.TickRate)
	}
	if len(w.Players) > MaxPlayers {
		return fmt.Errorf("%d players", len(w.Players))
	}
	maxX, maxY := w.Map.Width*Unit, w.Map.Height*Unit
	for i := range w.Players {
		p := &w.Players[i]
		switch {
		case p.ID == 0:
			return fmt.Errorf("player %d has id 0", i)
		case i > 0 && p.ID <= w.Players[i-1].ID:
			return fmt.Errorf("player ids %d, %d not ascending", w.Players[i-1].ID, p.ID)
		case !ValidName(p.Name):
			return fmt.Errorf("player %d: bad name %q", p.ID, p.Name)
		case p.Health < 0 || p.Health > MaxHealth:
			return fmt.Errorf("player %d: health %d", p.ID, p.Health)
		case p.Alive && (p.Health == 0 || p.Respawn != 0):
			return fmt.Errorf("player %d alive with health %d, respawn %d", p.ID, p.Health, p.Respawn)
		case !p.Alive && p.Health != 0:
			return fmt.Errorf("player %d dead with health %d", p.ID, p.Health)
		case p.Alive && (p.X-PlayerRadius < 0 || p.Y-PlayerRadius < 0 || p.X+PlayerRadius > maxX || p.Y+PlayerRadius > maxY):
			return fmt.Errorf("player %d at (%d,%d) outside the map", p.ID, p.X, p.Y)
		case p.Alive && w.boxInWall(p.X, p.Y):
			return fmt.Errorf("player %d at (%d,%d) inside a wall", p.ID, p.X, p.Y)
		case p.Move < -MaxMoveSpeed || p.Move > MaxMoveSpeed:
			return fmt.Errorf("player %d: move %d", p.ID, p.Move)
		case p.Strafe < -MaxStrafeSpeed || p.Strafe > MaxStrafeSpeed:
			return fmt.Errorf("player %d: strafe %d", p.ID, p.Strafe)
		case p.Rotate < -MaxRotateRate || p.Rotate > MaxRotateRate:
			return fmt.Errorf("player %d: rotate %d", p.ID, p.Rotate)
		case p.Cooldown < 0 || p.Cooldown > w.ticks(FireCooldownMs):
			return fmt.Errorf("player %d: cooldown %d", p.ID, p.Cooldown)
		case p.Respawn < 0 || p.Respawn > w.ticks(RespawnDelayMs):
			return fmt.Errorf("player %d: respawn %d", p.ID, p.Respawn)
		case p.Kills < 0 || p.Deaths < 0:
			return fmt.Errorf("player %d: kills %d, deaths %d", p.ID, p.Kills, p.Deaths)
		}
		for j := range i {
			q := &w.Players[j]
			if p.Alive && q.Alive && abs32(p.X-q.X) < 2*PlayerRadius && abs32(p.Y-q.Y) < 2*PlayerRadius {
				return fmt.Errorf("players %d (%d,%d) and %d (%d,%d) overlap", q.ID, q.X, q.Y, p.ID, p.X, p.Y)
			}
		}
	}
	if len(w.Projectiles) > MaxProjectiles {
		return fmt.Errorf("%d projectiles", len(w.Projectiles))
	}
	for i := range w.Projectiles {
		pr := &w.Projectiles[i]
		switch {
		case pr.Owner == 0:
			return fmt.Errorf("projectile %d: owner 0", i)
		case pr.X < 0 || pr.Y < 0 || pr.X >= maxX || pr.Y >= maxY:
			return fmt.Errorf("projectile %d at (%d,%d) outside the map", i, pr.X, pr.Y)
		case pr.Life < 1 || pr.Life > w.maxLife():
			return fmt.Errorf("projectile %d: life %d", i, pr.Life)
		}
	}
	return nil
}

// script generates a match's inputs at random from a seed, looking at the
// world to make most of them valid: players join, spawn at a free spawn point
// after their respawn delay, move, strafe, rotate, fire, stop, and now and
// then leave and rejoin; a share of the inputs are invalid on purpose (out of
// range, too early, unknown player), since rejecting them must be
// deterministic too.
//
// TestGolden's hashes depend on this code and on the PCG algorithm (which
// math/rand/v2 specifies), not on rand.Rand's methods, whose algorithms may
// change between Go releases: changing script means regenerating
// testdata/golden.txt, without bumping Version.
type script struct {
	rng     *rand.PCG
	players int // ids 1..players
}

func newScript(seed uint64, players int) *script {
	return &script{rng: rand.NewPCG(seed, seed^0x5eed), players: players}
}

// n returns a number in [0, n).
func (s *script) n(n int) int { return int(s.rng.Uint64() % uint64(n)) }

// chance reports true once in n calls on average.
func (s *script) chance(n int) bool { return s.n(n) == 0 }

// between returns a number in [lo, hi].
func (s *script) between(lo, hi int32) int32 { return lo + int32(s.n(int(hi-lo+1))) }

// inputs appends tick w.Tick+1's inputs to dst.
func (s *script) inputs(w *World, dst []Input) []Input {
	for i := 1; i <= s.players; i++ {
		id := PlayerID(i)
		p := w.Player(id)
		if p == nil {
			if s.chance(20) {
				dst = append(dst, Input{Player: id, Action: Join, Name: fmt.Sprintf("p%d", i)})
			}
			continue
		}
		if s.chance(2500) {
			dst = append(dst, Input{Player: id, Action: Leave})
			continue
		}
		if !p.Alive {
			switch {
			case p.Respawn == 0 && s.chance(3):
				spawns := w.Map.Spawns()
				for k, off := 0, s.n(len(spawns)); k < len(spawns); k++ {
					sp := spawns[(off+k)%len(spawns)]
					if w.spawnFree(sp) {
						dst = append(dst, Input{Player: id, Action: SpawnAt, X: sp.X, Y: sp.Y})
						break
					}
				}
			case s.chance(40): // too early, or not a spawn point: rejected
				dst = append(dst, Input{Player: id, Action: SpawnAt, X: int32(s.n(int(w.Map.Width))), Y: int32(s.n(int(w.Map.Height)))})
			}
		}
		switch s.n(60) {
		case 0, 1:
			dst = append(dst, Input{Player: id, Action: MoveStart, Value: s.between(-MaxMoveSpeed, MaxMoveSpeed)})
		case 2:
			dst = append(dst, Input{Player: id, Action: MoveStart, Value: MaxMoveSpeed})
		case 3:
			dst = append(dst, Input{Player: id, Action: MoveStop})
		case 4, 5:
			dst = append(dst, Input{Player: id, Action: StrafeStart, Value: s.between(-MaxStrafeSpeed, MaxStrafeSpeed)})
		case 6:
			dst = append(dst, Input{Player: id, Action: StrafeStop})
		case 7, 8:
			dst = append(dst, Input{Player: id, Action: RotateStart, Value: s.between(-MaxRotateRate, MaxRotateRate)})
		case 9:
			dst = append(dst, Input{Player: id, Action: RotateStop})
		case 10: // invalid: out of range
			dst = append(dst, Input{Player: id, Action: MoveStart, Value: MaxMoveSpeed + 1 + s.between(0, 1000)})
		case 11: // invalid: not an action
			dst = append(dst, Input{Player: id, Action: Action(s.n(256))})
		}
		if p.Alive && (p.Cooldown == 0 && s.chance(4) || s.chance(50)) {
			dst = append(dst, Input{Player: id, Action: Fire})
		}
	}
	if s.chance(100) { // invalid: nobody by that id
		dst = append(dst, Input{Player: PlayerID(s.players + 1 + s.n(5)), Action: Fire})
	}
	return dst
}

// run steps w for ticks ticks with s's inputs, calling each after every tick
// (if not nil).
func (s *script) run(w *World, ticks int, each func(w *World, in []Input)) {
	var in []Input
	for range ticks {
		in = s.inputs(w, in[:0])
		Step(w, in)
		if each != nil {
			each(w, in)
		}
	}
}

// describe summarises w for failure messages.
func describe(w *World) string {
	var b strings.Builder
	fmt.Fprintf(&b, "tick %d, %d players, %d projectiles", w.Tick, len(w.Players), len(w.Projectiles))
	for i := range w.Players {
		p := &w.Players[i]
		fmt.Fprintf(&b, "\n  %+v", *p)
	}
	return b.String()
}
