package sim

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// rangeMap is a long open room for the rules tests: row 2 is a firing range
// with spawn points at x = 2, 7 and 21, and the border is the only wall.
const rangeMap = `name: Range
########################
#......................#
#.S....S.............S.#
#......................#
#......................#
#.S..................S.#
#......................#
########################
`

// tickRates are the rates the motion tests run at: the slowest (largest
// steps per tick), the default and the fastest.
var tickRates = []int32{MinTickRate, 60, MaxTickRate}

// joinAndSpawn joins player id and spawns it at spawn tile (x, y) facing
// heading.
func joinAndSpawn(tb testing.TB, w *World, id PlayerID, x, y int32, heading uint16) *Player {
	tb.Helper()
	mustApply(tb, w, Input{Player: id, Action: Join, Name: fmt.Sprintf("p%d", id)})
	mustApply(tb, w, Input{Player: id, Action: SpawnAt, X: x, Y: y})
	p := w.Player(id)
	p.Heading = heading
	return p
}

func TestReasonCodes(t *testing.T) {
	t.Parallel()
	// The codes go on the wire in reject messages: they must never change.
	codes := []struct {
		r    Reason
		code uint8
	}{
		{ReasonUnknownAction, 1}, {ReasonUnknownPlayer, 2}, {ReasonAlreadyJoined, 3},
		{ReasonWorldFull, 4}, {ReasonBadName, 5}, {ReasonDead, 6}, {ReasonAlive, 7},
		{ReasonRespawnDelay, 8}, {ReasonNotSpawnPoint, 9}, {ReasonSpawnOccupied, 10},
		{ReasonSpeed, 11}, {ReasonRate, 12}, {ReasonCooldown, 13}, {ReasonBadPlayerID, 14},
		{ReasonProjectileLimit, 15},
	}
	if len(codes) != int(numReasons)-1 {
		t.Errorf("%d reasons listed, sim has %d: add the new one here", len(codes), numReasons-1)
	}
	seen := map[string]Reason{}
	for _, c := range codes {
		if uint8(c.r) != c.code {
			t.Errorf("%v has code %d, want %d", c.r, uint8(c.r), c.code)
		}
		msg := c.r.Error()
		if !strings.HasPrefix(msg, "sim: ") || msg == "sim: invalid input" {
			t.Errorf("Reason(%d).Error() = %q", c.code, msg)
		}
		if other, dup := seen[msg]; dup {
			t.Errorf("reasons %d and %d share the text %q", other, c.r, msg)
		}
		seen[msg] = c.r
	}
	for _, r := range []Reason{0, numReasons, 63, 255} {
		if got := r.Error(); got != "sim: invalid input" {
			t.Errorf("Reason(%d).Error() = %q", r, got)
		}
	}
}

func TestActionNames(t *testing.T) {
	t.Parallel()
	for a := Join; a < numActions; a++ {
		got, ok := ParseAction(a.String())
		if !ok || got != a {
			t.Errorf("ParseAction(%q) = %v, %v; want %d", a.String(), got, ok, a)
		}
	}
	for _, a := range []Action{0, numActions, 99, 255} {
		if a.String() != "unknown" {
			t.Errorf("Action(%d).String() = %q", a, a.String())
		}
	}
	for _, s := range []string{"", "unknown", "Fire", "fire "} {
		if a, ok := ParseAction(s); ok {
			t.Errorf("ParseAction(%q) = %v, true", s, a)
		}
	}
}

func TestValidName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ok   bool
	}{
		{"a", true},
		{"Player One", true},
		{"Ünïcödé", true},
		{"sixteen-bytes-ok", true},
		{strings.Repeat("é", 8), true},
		{"", false},
		{" leading", false},
		{"trailing ", false},
		{" ", false},
		{"seventeen-bytes-x", false},
		{strings.Repeat("é", 9), false}, // 9 runes but 18 bytes
		{"nul\x00", false},
		{"tab\there", false},
		{"new\nline", false},
		{"del\x7f", false},
		{"c1\u0085", false},
		{"bad\xffutf8", false},
	}
	for _, tc := range tests {
		if got := ValidName(tc.name); got != tc.ok {
			t.Errorf("ValidName(%q) = %v, want %v", tc.name, got, tc.ok)
		}
	}
}

// TestValidate drives every Reason through Validate and Apply: each case
// sets up a world, then one input must be refused with want (and leave the
// world unchanged) or accepted.
func TestValidate(t *testing.T) {
	t.Parallel()
	m := parseMap(t, rangeMap)
	// Every case starts from player 1 alive at spawn (2,2) and player 2
	// joined but not yet spawned.
	base := func(t *testing.T) *World {
		w := newWorld(t, m, 60)
		joinAndSpawn(t, w, 1, 2, 2, 0)
		mustApply(t, w, Input{Player: 2, Action: Join, Name: "p2"})
		return w
	}
	kill := func(id PlayerID) func(*World) {
		return func(w *World) { w.kill(w.Player(id), 0) }
	}
	tests := []struct {
		name  string
		setup func(w *World)
		in    Input
		want  error // a Reason, or nil when accepted
	}{
		{"action 0", nil, Input{Player: 1}, ReasonUnknownAction},
		{"action 99", nil, Input{Player: 1, Action: 99}, ReasonUnknownAction},
		{"action after the last", nil, Input{Player: 1, Action: numActions}, ReasonUnknownAction},
		{"unknown action by player 0", nil, Input{Action: 99}, ReasonUnknownAction},
		{"player id 0 joins", nil, Input{Action: Join, Name: "zero"}, ReasonBadPlayerID},
		{"player id 0 fires", nil, Input{Action: Fire}, ReasonBadPlayerID},
		{"unknown player moves", nil, Input{Player: 3, Action: MoveStart, Value: 1}, ReasonUnknownPlayer},
		{"unknown player leaves", nil, Input{Player: 3, Action: Leave}, ReasonUnknownPlayer},
		{"unknown player spawns", nil, Input{Player: 1 << 31, Action: SpawnAt, X: 7, Y: 2}, ReasonUnknownPlayer},

		{"join", nil, Input{Player: 3, Action: Join, Name: "p3"}, nil},
		{"join with the largest id", nil, Input{Player: 1<<32 - 1, Action: Join, Name: "max"}, nil},
		{"join twice", nil, Input{Player: 2, Action: Join, Name: "again"}, ReasonAlreadyJoined},
		{"join twice with a bad name", nil, Input{Player: 1, Action: Join, Name: ""}, ReasonAlreadyJoined},
		{"world full", fill(MaxPlayers), Input{Player: 1000, Action: Join, Name: "late"}, ReasonWorldFull},
		{"last place", fill(MaxPlayers - 1), Input{Player: 1000, Action: Join, Name: "last"}, nil},
		{"empty name", nil, Input{Player: 3, Action: Join}, ReasonBadName},
		{"name too long", nil, Input{Player: 3, Action: Join, Name: strings.Repeat("x", MaxNameLen+1)}, ReasonBadName},
		{"name with a control char", nil, Input{Player: 3, Action: Join, Name: "a\x1bb"}, ReasonBadName},
		{"name with NUL", nil, Input{Player: 3, Action: Join, Name: "a\x00"}, ReasonBadName},
		{"name with a leading space", nil, Input{Player: 3, Action: Join, Name: " a"}, ReasonBadName},
		{"name with a trailing space", nil, Input{Player: 3, Action: Join, Name: "a "}, ReasonBadName},
		{"name not UTF-8", nil, Input{Player: 3, Action: Join, Name: "\xc3"}, ReasonBadName},

		{"leave", nil, Input{Player: 1, Action: Leave}, nil},
		{"spawn", nil, Input{Player: 2, Action: SpawnAt, X: 7, Y: 2}, nil},
		{"spawn while alive", nil, Input{Player: 1, Action: SpawnAt, X: 7, Y: 2}, ReasonAlive},
		{"spawn during the respawn delay", kill(1), Input{Player: 1, Action: SpawnAt, X: 7, Y: 2}, ReasonRespawnDelay},
		{"spawn on the last tick of the delay", func(w *World) { kill(1)(w); w.Player(1).Respawn = 1 }, Input{Player: 1, Action: SpawnAt, X: 7, Y: 2}, ReasonRespawnDelay},
		{"spawn after the delay", func(w *World) { kill(1)(w); w.Player(1).Respawn = 0 }, Input{Player: 1, Action: SpawnAt, X: 7, Y: 2}, nil},
		{"spawn on floor", nil, Input{Player: 2, Action: SpawnAt, X: 3, Y: 2}, ReasonNotSpawnPoint},
		{"spawn on a wall", nil, Input{Player: 2, Action: SpawnAt, X: 0, Y: 0}, ReasonNotSpawnPoint},
		{"spawn outside the map", nil, Input{Player: 2, Action: SpawnAt, X: -1, Y: 1 << 30}, ReasonNotSpawnPoint},
		{"spawn on an occupied spawn", nil, Input{Player: 2, Action: SpawnAt, X: 2, Y: 2}, ReasonSpawnOccupied},
		{"spawn next to a player", func(w *World) { w.Player(1).X += Unit / 2 }, Input{Player: 2, Action: SpawnAt, X: 2, Y: 2}, ReasonSpawnOccupied},
		{"spawn just clear of a player", func(w *World) { w.Player(1).X += 2 * PlayerRadius }, Input{Player: 2, Action: SpawnAt, X: 2, Y: 2}, nil},
		{"spawn where a dead player lies", kill(1), Input{Player: 2, Action: SpawnAt, X: 2, Y: 2}, nil},

		{"move at top speed", nil, Input{Player: 1, Action: MoveStart, Value: MaxMoveSpeed}, nil},
		{"move backward at top speed", nil, Input{Player: 1, Action: MoveStart, Value: -MaxMoveSpeed}, nil},
		{"move too fast", nil, Input{Player: 1, Action: MoveStart, Value: MaxMoveSpeed + 1}, ReasonSpeed},
		{"move backward too fast", nil, Input{Player: 1, Action: MoveStart, Value: -MaxMoveSpeed - 1}, ReasonSpeed},
		{"move at MinInt32", nil, Input{Player: 1, Action: MoveStart, Value: -1 << 31}, ReasonSpeed},
		{"move while dead", kill(1), Input{Player: 1, Action: MoveStart, Value: MaxMoveSpeed}, nil},
		{"strafe at top speed", nil, Input{Player: 1, Action: StrafeStart, Value: -MaxStrafeSpeed}, nil},
		{"strafe too fast", nil, Input{Player: 1, Action: StrafeStart, Value: MaxStrafeSpeed + 1}, ReasonSpeed},
		{"strafe left too fast", nil, Input{Player: 1, Action: StrafeStart, Value: -MaxStrafeSpeed - 1}, ReasonSpeed},
		{"rotate at top rate", nil, Input{Player: 1, Action: RotateStart, Value: MaxRotateRate}, nil},
		{"rotate too fast", nil, Input{Player: 1, Action: RotateStart, Value: MaxRotateRate + 1}, ReasonRate},
		{"rotate back too fast", nil, Input{Player: 1, Action: RotateStart, Value: -MaxRotateRate - 1}, ReasonRate},
		{"stop moving", nil, Input{Player: 1, Action: MoveStop}, nil},

		{"fire", nil, Input{Player: 1, Action: Fire}, nil},
		{"fire during the cooldown", func(w *World) { _ = Apply(w, Input{Player: 1, Action: Fire}) }, Input{Player: 1, Action: Fire}, ReasonCooldown},
		{"fire on the last tick of the cooldown", func(w *World) { w.Player(1).Cooldown = 1 }, Input{Player: 1, Action: Fire}, ReasonCooldown},
		{"fire while dead", kill(1), Input{Player: 1, Action: Fire}, ReasonDead},
		{"fire before spawning", nil, Input{Player: 2, Action: Fire}, ReasonDead},
		{"fire at the projectile limit", fillProjectiles(MaxProjectiles), Input{Player: 1, Action: Fire}, ReasonProjectileLimit},
		{"fire below the projectile limit", fillProjectiles(MaxProjectiles - 1), Input{Player: 1, Action: Fire}, nil},
	}
	covered := map[Reason]bool{}
	for _, tc := range tests {
		if r, ok := tc.want.(Reason); ok {
			covered[r] = true
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := base(t)
			if tc.setup != nil {
				tc.setup(w)
			}
			before := w.AppendSnapshot(nil)
			err := Validate(w, tc.in)
			if err != tc.want {
				t.Fatalf("Validate(%+v) = %v, want %v", tc.in, err, tc.want)
			}
			if !bytes.Equal(w.AppendSnapshot(nil), before) {
				t.Fatal("Validate changed the world")
			}
			err = Apply(w, tc.in)
			if err != tc.want {
				t.Fatalf("Apply(%+v) = %v, want %v", tc.in, err, tc.want)
			}
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Errorf("errors.Is(%v, %v) = false", err, tc.want)
				}
				if !bytes.Equal(w.AppendSnapshot(nil), before) {
					t.Fatal("a refused Apply changed the world")
				}
				return
			}
			if bytes.Equal(w.AppendSnapshot(nil), before) && tc.in.Action != MoveStop {
				t.Error("an accepted Apply changed nothing")
			}
			Advance(w)
			if err := checkInvariants(w); err != nil {
				t.Errorf("after the tick: %v\n%s", err, describe(w))
			}
		})
	}
	for r := Reason(1); r < numReasons; r++ {
		if !covered[r] {
			t.Errorf("no case refuses with %d (%v)", r, r)
		}
	}
}

// fill returns a setup that joins players until the world holds n.
func fill(n int) func(*World) {
	return func(w *World) {
		for id := PlayerID(100); len(w.Players) < n; id++ {
			if err := Apply(w, Input{Player: id, Action: Join, Name: fmt.Sprint(id)}); err != nil {
				panic(err)
			}
		}
	}
}

// fillProjectiles returns a setup that puts n projectiles in flight, all in
// the open, far from the players.
func fillProjectiles(n int) func(*World) {
	return func(w *World) {
		x, y := SpawnCenter(Point{15, 5})
		for range n {
			w.Projectiles = append(w.Projectiles, Projectile{Owner: 1, X: x, Y: y, Heading: FullTurn / 2, Life: w.maxLife()})
		}
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	w := newWorld(t, parseMap(t, rangeMap), 60)
	// Players are kept sorted by id whatever the order they join in.
	for _, id := range []PlayerID{5, 2, 9, 1, 7} {
		mustApply(t, w, Input{Player: id, Action: Join, Name: fmt.Sprint("n", id)})
	}
	mustApply(t, w, Input{Player: 7, Action: Leave})
	var ids []PlayerID
	for _, p := range w.Players {
		ids = append(ids, p.ID)
	}
	if fmt.Sprint(ids) != "[1 2 5 9]" {
		t.Errorf("player ids %v, want [1 2 5 9]", ids)
	}
	if p := w.Player(5); p == nil || p.Name != "n5" || p.Alive || p.Health != 0 {
		t.Errorf("joined player 5 = %+v", p)
	}
	if w.Player(7) != nil || w.Player(3) != nil {
		t.Error("Player finds a player who is not there")
	}

	mustApply(t, w, Input{Player: 2, Action: SpawnAt, X: 7, Y: 2})
	p := w.Player(2)
	if x, y := SpawnCenter(Point{7, 2}); !p.Alive || p.Health != MaxHealth || p.X != x || p.Y != y {
		t.Errorf("spawned player = %+v, want alive at (%d,%d) with %d health", *p, x, y, MaxHealth)
	}
	for _, in := range []Input{
		{Player: 2, Action: MoveStart, Value: 100},
		{Player: 2, Action: StrafeStart, Value: -200},
		{Player: 2, Action: RotateStart, Value: 300},
	} {
		mustApply(t, w, in)
	}
	if p.Move != 100 || p.Strafe != -200 || p.Rotate != 300 {
		t.Errorf("move, strafe, rotate = %d, %d, %d", p.Move, p.Strafe, p.Rotate)
	}
	for _, a := range []Action{MoveStop, StrafeStop, RotateStop} {
		mustApply(t, w, Input{Player: 2, Action: a})
	}
	if p.Move != 0 || p.Strafe != 0 || p.Rotate != 0 {
		t.Errorf("after the stops: move, strafe, rotate = %d, %d, %d", p.Move, p.Strafe, p.Rotate)
	}

	// Step applies in order and skips what Apply refuses.
	Step(w, []Input{
		{Player: 2, Action: Fire},
		{Player: 2, Action: Fire}, // cooling down: dropped
		{Player: 1, Action: Fire}, // dead: dropped
		{Player: 3, Action: Join, Name: "three"},
		{Player: 3, Action: Join, Name: "again"}, // dropped
	})
	if len(w.Projectiles) != 1 || w.Player(3) == nil || w.Player(3).Name != "three" || w.Tick != 1 {
		t.Errorf("after Step: %s", describe(w))
	}
}

func TestMoveIntoWallStopsFlush(t *testing.T) {
	t.Parallel()
	m := parseMap(t, rangeMap)
	// From spawn (2,5): the walls are the border, tiles x=0, x=23, y=0, y=7.
	tests := []struct {
		name    string
		heading uint16
		wantX   int32 // -1: unchanged
		wantY   int32
	}{
		{"east", 0, 23*Unit - PlayerRadius, -1},
		{"south", FullTurn / 4, -1, 7*Unit - PlayerRadius},
		{"west", FullTurn / 2, 1*Unit + PlayerRadius, -1},
		{"north", FullTurn * 3 / 4, -1, 1*Unit + PlayerRadius},
	}
	for _, rate := range tickRates {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/%dHz", tc.name, rate), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, m, rate)
				p := joinAndSpawn(t, w, 1, 2, 5, tc.heading)
				x0, y0 := p.X, p.Y
				mustApply(t, w, Input{Player: 1, Action: MoveStart, Value: MaxMoveSpeed})
				step := w.perTick(MaxMoveSpeed)
				for range 30 * int(rate) / 6 { // 30 tiles at 6 tiles/s
					px, py := p.X, p.Y
					Step(w, nil)
					p = w.Player(1)
					if w.boxInWall(p.X, p.Y) {
						t.Fatalf("tick %d: inside a wall at (%d,%d)", w.Tick, p.X, p.Y)
					}
					if moved := abs32(p.X-px) + abs32(p.Y-py); moved > step {
						t.Fatalf("tick %d: moved %d, more than %d", w.Tick, moved, step)
					}
				}
				wantX, wantY := tc.wantX, tc.wantY
				if wantX < 0 {
					wantX = x0
				}
				if wantY < 0 {
					wantY = y0
				}
				if p.X != wantX || p.Y != wantY {
					t.Errorf("stopped at (%d,%d), want flush at (%d,%d)", p.X, p.Y, wantX, wantY)
				}
			})
		}
	}
}

func TestSlideAlongWall(t *testing.T) {
	t.Parallel()
	m := parseMap(t, rangeMap)
	tests := []struct {
		name             string
		spawn            Point
		heading          uint16
		slideX           bool  // the first wall met stops Y, and X slides on
		flush            int32 // the stopped coordinate against that wall
		cornerX, cornerY int32 // where it ends up
	}{
		// 30° below east from (2,2): meets the south wall first (4 tiles
		// away) and slides east into the corner.
		{"south-east", Point{2, 2}, FullTurn / 12, true, 7*Unit - PlayerRadius, 23*Unit - PlayerRadius, 7*Unit - PlayerRadius},
		// 60° above east from (21,5): meets the east wall and slides north.
		{"north-east", Point{21, 5}, FullTurn - FullTurn/6, false, 23*Unit - PlayerRadius, 23*Unit - PlayerRadius, 1*Unit + PlayerRadius},
		// Exactly diagonal, south-west from (21,2): the floor, then west.
		{"south-west", Point{21, 2}, FullTurn * 3 / 8, true, 7*Unit - PlayerRadius, 1*Unit + PlayerRadius, 7*Unit - PlayerRadius},
	}
	for _, rate := range tickRates {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/%dHz", tc.name, rate), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, m, rate)
				p := joinAndSpawn(t, w, 1, tc.spawn.X, tc.spawn.Y, tc.heading)
				mustApply(t, w, Input{Player: 1, Action: MoveStart, Value: MaxMoveSpeed})
				dx, dy := Direction(tc.heading, w.perTick(MaxMoveSpeed))
				slides := 0
				for range 40 * int(rate) / 6 {
					px, py := p.X, p.Y
					Step(w, nil)
					p = w.Player(1)
					if w.boxInWall(p.X, p.Y) {
						t.Fatalf("tick %d: inside a wall at (%d,%d)", w.Tick, p.X, p.Y)
					}
					// Against the wall and short of the corner, the other
					// coordinate keeps its full speed: no sticking, no
					// slowing down.
					switch {
					case tc.slideX && p.Y == tc.flush && p.X != tc.cornerX:
						if p.X-px != dx {
							t.Fatalf("tick %d: slid %d along the wall, want %d", w.Tick, p.X-px, dx)
						}
						slides++
					case !tc.slideX && p.X == tc.flush && p.Y != tc.cornerY:
						if p.Y-py != dy {
							t.Fatalf("tick %d: slid %d along the wall, want %d", w.Tick, p.Y-py, dy)
						}
						slides++
					}
				}
				if slides < int(rate)/5 {
					t.Fatalf("slid along the wall for %d ticks only", slides)
				}
				if p.X != tc.cornerX || p.Y != tc.cornerY {
					t.Errorf("ended at (%d,%d), want the corner (%d,%d)", p.X, p.Y, tc.cornerX, tc.cornerY)
				}
			})
		}
	}
}

// TestNoWallPenetration runs players at top speed, strafing and turning,
// into every wall and corner of the yard, at the slowest tick rate (the
// largest step per tick) and the fastest, and checks after every tick that
// nobody is in a wall or overlaps anyone.
func TestNoWallPenetration(t *testing.T) {
	t.Parallel()
	m := loadMap(t, "yard")
	for _, rate := range []int32{MinTickRate, MaxTickRate} {
		for first := uint16(0); first < 1009*8; first += 1009 {
			t.Run(fmt.Sprintf("%dHz/heading%d", rate, first), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, m, rate)
				for i, sp := range m.Spawns() {
					id := PlayerID(i + 1)
					// Headings 8·1009 apart: 8 subtests × 16 players cover
					// 128 headings round the circle.
					p := joinAndSpawn(t, w, id, sp.X, sp.Y, first+uint16(i)*1009*8)
					sign := int32(1 - 2*(i&1))
					p.Move, p.Strafe = MaxMoveSpeed*sign, MaxStrafeSpeed*sign
					p.Rotate = int32(i%5-2) * (FullTurn / 64)
				}
				for range 60 * int(rate) {
					Step(w, nil)
					if err := checkState(w); err != nil {
						t.Fatalf("tick %d: %v", w.Tick, err)
					}
				}
			})
		}
	}
}

func TestPlayersBlockEachOther(t *testing.T) {
	t.Parallel()
	m := parseMap(t, rangeMap)
	tests := []struct {
		name      string
		offsetY   int32 // of player 2 from row 2's centre
		bMoves    bool
		wantBlock bool
	}{
		{"head on", 0, true, true},
		{"into a standing player", 0, false, true},
		{"off-centre", PlayerRadius, true, true},
		{"barely touching sideways", 2*PlayerRadius - 1, true, true},
		{"passing side by side", 2 * PlayerRadius, true, false},
	}
	for _, rate := range tickRates {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/%dHz", tc.name, rate), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, m, rate)
				joinAndSpawn(t, w, 1, 2, 2, 0)
				joinAndSpawn(t, w, 2, 7, 2, FullTurn/2)
				a, b := w.Player(1), w.Player(2) // after both joins: w.Players moves
				b.Y += tc.offsetY
				b.Move = 0
				if tc.bMoves {
					b.Move = MaxMoveSpeed
				}
				a.Move = MaxMoveSpeed
				ay, by, bx0 := a.Y, b.Y, b.X
				met := false
				for range 5 * int(rate) {
					Step(w, nil)
					if err := checkState(w); err != nil {
						t.Fatalf("tick %d: %v", w.Tick, err)
					}
					a, b = w.Player(1), w.Player(2)
					if a.Y != ay || b.Y != by {
						t.Fatalf("tick %d: pushed sideways: y %d→%d, %d→%d", w.Tick, ay, a.Y, by, b.Y)
					}
					if !tc.bMoves && b.X != bx0 {
						t.Fatalf("tick %d: standing player pushed from x=%d to %d", w.Tick, bx0, b.X)
					}
					if b.X-a.X == 2*PlayerRadius {
						met = true
					}
				}
				if tc.wantBlock {
					if !met || b.X-a.X != 2*PlayerRadius {
						t.Errorf("a at x=%d, b at x=%d: want them touching, %d apart", a.X, b.X, 2*PlayerRadius)
					}
				} else if a.X != 23*Unit-PlayerRadius || b.X != Unit+PlayerRadius {
					t.Errorf("a at x=%d, b at x=%d: want them past each other, at the far walls", a.X, b.X)
				}
			})
		}
	}
}

func TestProjectileStopsAtWall(t *testing.T) {
	t.Parallel()
	m := parseMap(t, rangeMap)
	headings := []uint16{FullTurn / 2, FullTurn * 3 / 4, FullTurn/2 + 3000, FullTurn*3/4 - 5000}
	for _, rate := range tickRates {
		for _, h := range headings {
			t.Run(fmt.Sprintf("%dHz/heading%d", rate, h), func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, m, rate)
				joinAndSpawn(t, w, 1, 2, 2, h)
				mustApply(t, w, Input{Player: 1, Action: Fire})
				pr := w.Projectiles[0]
				vx, vy := Direction(h, w.perTick(ProjectileSpeed))
				for k := int32(1); ; k++ {
					Advance(w)
					// The wall is a half-plane here, so the projectile is
					// gone exactly when its position this tick is in it.
					x, y := pr.X+k*vx, pr.Y+k*vy
					if inWall := m.wallAt(x, y); inWall != (len(w.Projectiles) == 0) {
						t.Fatalf("tick %d: %d projectiles, position (%d,%d) in wall: %v", k, len(w.Projectiles), x, y, inWall)
					}
					if len(w.Projectiles) == 0 {
						if k >= pr.Life {
							t.Fatalf("gone after %d ticks, its whole life: it flew out of range, not into the wall", k)
						}
						return
					}
					if got := w.Projectiles[0]; got.X != x || got.Y != y || got.Life != pr.Life-k {
						t.Fatalf("tick %d: projectile %+v, want at (%d,%d) with life %d", k, got, x, y, pr.Life-k)
					}
				}
			})
		}
	}
}

func TestProjectileExpires(t *testing.T) {
	t.Parallel()
	m := parseMap(t, rangeMap)
	for _, rate := range tickRates {
		t.Run(fmt.Sprintf("%dHz", rate), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, m, rate)
			p := joinAndSpawn(t, w, 1, 2, 2, 0)
			mustApply(t, w, Input{Player: 1, Action: Fire})
			pr := w.Projectiles[0]
			if pr.X != p.X+PlayerRadius+ProjectileRadius || pr.Y != p.Y || pr.Owner != 1 || pr.Heading != 0 {
				t.Fatalf("new projectile %+v, player at (%d,%d)", pr, p.X, p.Y)
			}
			speed := w.perTick(ProjectileSpeed)
			ticks := 0
			for len(w.Projectiles) > 0 {
				Advance(w)
				ticks++
			}
			if flown := int32(ticks) * speed; flown > ProjectileRange || flown <= ProjectileRange-speed {
				t.Errorf("flew %d units in %d ticks, want the last step to end within range %d", flown, ticks, ProjectileRange)
			}
			if int32(ticks) != pr.Life {
				t.Errorf("lived %d ticks, want %d", ticks, pr.Life)
			}
		})
	}
}

// TestKillAndRespawn: a player shot four times dies, the kill goes to the
// shooter, and the victim may spawn again exactly RespawnDelayMs later.
func TestKillAndRespawn(t *testing.T) {
	t.Parallel()
	m := parseMap(t, rangeMap)
	for _, rate := range tickRates {
		t.Run(fmt.Sprintf("%dHz", rate), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, m, rate)
			joinAndSpawn(t, w, 1, 2, 2, 0)
			joinAndSpawn(t, w, 2, 7, 2, FullTurn/2)
			var health []int32
			for w.Player(2).Alive {
				if w.Tick > uint32(10*rate) {
					t.Fatalf("victim still alive after 10 s: %s", describe(w))
				}
				if w.Player(1).Cooldown == 0 {
					mustApply(t, w, Input{Player: 1, Action: Fire})
				}
				before := w.Player(2).Health
				Advance(w)
				if h := w.Player(2).Health; h != before {
					if h != before-ProjectileDamage && !(h == 0 && before <= ProjectileDamage) {
						t.Fatalf("tick %d: health %d → %d, want a hit of %d", w.Tick, before, h, ProjectileDamage)
					}
					health = append(health, h)
				}
			}
			if fmt.Sprint(health) != "[75 50 25 0]" {
				t.Errorf("health after each hit %v, want [75 50 25 0]", health)
			}
			shooter, victim := w.Player(1), w.Player(2)
			if shooter.Kills != 1 || shooter.Deaths != 0 || victim.Kills != 0 || victim.Deaths != 1 {
				t.Errorf("kills/deaths: shooter %d/%d, victim %d/%d; want 1/0, 0/1", shooter.Kills, shooter.Deaths, victim.Kills, victim.Deaths)
			}
			if victim.Health != 0 || victim.Respawn != w.ticks(RespawnDelayMs) {
				t.Errorf("victim health %d, respawn %d; want 0, %d", victim.Health, victim.Respawn, w.ticks(RespawnDelayMs))
			}
			// Spawning is refused until RespawnDelayMs have passed.
			spawn := Input{Player: 2, Action: SpawnAt, X: 7, Y: 2}
			waited := 0
			for ; Validate(w, spawn) != nil; waited++ {
				if err := Validate(w, spawn); err != ReasonRespawnDelay {
					t.Fatalf("after %d ticks: %v, want %v", waited, err, ReasonRespawnDelay)
				}
				if err := checkInvariants(w); err != nil {
					t.Fatal(err)
				}
				Step(w, []Input{spawn})
				if w.Player(2).Alive {
					t.Fatalf("spawned after %d ticks of the delay", waited)
				}
			}
			if ms := int32(waited) * 1000 / rate; ms != RespawnDelayMs {
				t.Errorf("could spawn again after %d ticks = %d ms, want %d ms", waited, ms, RespawnDelayMs)
			}
			Step(w, []Input{spawn})
			if v := w.Player(2); !v.Alive || v.Health != MaxHealth {
				t.Errorf("after spawning again: %+v", *v)
			}
		})
	}
}

// TestKillByDeparted: a shot still in flight when its owner leaves kills
// without crediting anyone, and does not trip over the missing owner.
func TestKillByDeparted(t *testing.T) {
	t.Parallel()
	w := newWorld(t, parseMap(t, rangeMap), 60)
	joinAndSpawn(t, w, 1, 2, 2, 0)
	joinAndSpawn(t, w, 2, 7, 2, 0)
	w.Player(2).Health = ProjectileDamage
	Step(w, []Input{{Player: 1, Action: Fire}})
	Step(w, []Input{{Player: 1, Action: Leave}})
	for range 60 {
		Step(w, nil)
	}
	if v := w.Player(2); v.Alive || v.Deaths != 1 || v.Kills != 0 {
		t.Errorf("victim %+v, want dead once", *v)
	}
	if len(w.Players) != 1 {
		t.Errorf("%d players, want 1", len(w.Players))
	}
	if err := checkInvariants(w); err != nil {
		t.Error(err)
	}
}
