package sim

import "unicode/utf8"

// Action is the kind of an Input: the game's whole action vocabulary.
type Action uint8

// Actions. Zero is no action, so a zeroed Input is never valid.
const (
	Join        Action = iota + 1 // Name
	Leave                         //
	SpawnAt                       // X, Y: the tile of a free spawn point
	MoveStart                     // Value: speed, negative is backward
	MoveStop                      //
	StrafeStart                   // Value: speed, negative is left
	StrafeStop                    //
	RotateStart                   // Value: rate, negative is counter-clockwise
	RotateStop                    //
	Fire                          //
	numActions
)

var actionNames = [numActions]string{"", "join", "leave", "spawn", "move_start", "move_stop",
	"strafe_start", "strafe_stop", "rotate_start", "rotate_stop", "fire"}

func (a Action) String() string {
	if a == 0 || a >= numActions {
		return "unknown"
	}
	return actionNames[a]
}

// ParseAction returns the action named s (as Action.String spells it).
func ParseAction(s string) (Action, bool) {
	for a := Join; a < numActions; a++ {
		if actionNames[a] == s {
			return a, true
		}
	}
	return 0, false
}

// Input is one action by one player, applied at the start of a tick.
type Input struct {
	Player PlayerID
	Action Action
	Value  int32  // speed or rate
	X, Y   int32  // spawn tile
	Name   string // join
}

// Reason says why an input is invalid. It is an error, so Validate's result
// can be compared directly or with errors.Is. Codes are stable: they go on the
// wire in reject messages.
type Reason uint8

// Reasons an input is invalid. Codes 64 and up are left to the server.
const (
	ReasonUnknownAction Reason = iota + 1
	ReasonUnknownPlayer
	ReasonAlreadyJoined
	ReasonWorldFull
	ReasonBadName
	ReasonDead
	ReasonAlive
	ReasonRespawnDelay
	ReasonNotSpawnPoint
	ReasonSpawnOccupied
	ReasonSpeed
	ReasonRate
	ReasonCooldown
	ReasonBadPlayerID
	ReasonProjectileLimit
	numReasons
)

var reasonTexts = [numReasons]string{"",
	"unknown action", "unknown player", "player already joined", "world is full",
	"bad name", "player is dead", "player is alive", "respawn delay not over",
	"not a spawn point", "spawn point occupied", "speed out of range",
	"rate out of range", "weapon cooling down", "bad player id",
	"too many projectiles"}

func (r Reason) Error() string {
	if r == 0 || r >= numReasons {
		return "sim: invalid input"
	}
	return "sim: " + reasonTexts[r]
}

// Validate reports whether in may be applied to w now, and if not, why. It
// does not change w.
func Validate(w *World, in Input) error {
	if in.Action == 0 || in.Action >= numActions {
		return ReasonUnknownAction
	}
	if in.Player == 0 {
		return ReasonBadPlayerID
	}
	p := w.Player(in.Player)
	if in.Action == Join {
		switch {
		case p != nil:
			return ReasonAlreadyJoined
		case len(w.Players) >= MaxPlayers:
			return ReasonWorldFull
		case !ValidName(in.Name):
			return ReasonBadName
		}
		return nil
	}
	if p == nil {
		return ReasonUnknownPlayer
	}
	switch in.Action {
	case SpawnAt:
		switch {
		case p.Alive:
			return ReasonAlive
		case p.Respawn > 0:
			return ReasonRespawnDelay
		case w.Map.At(in.X, in.Y) != Spawn:
			return ReasonNotSpawnPoint
		case !w.spawnFree(Point{in.X, in.Y}):
			return ReasonSpawnOccupied
		}
	case MoveStart:
		if in.Value < -MaxMoveSpeed || in.Value > MaxMoveSpeed {
			return ReasonSpeed
		}
	case StrafeStart:
		if in.Value < -MaxStrafeSpeed || in.Value > MaxStrafeSpeed {
			return ReasonSpeed
		}
	case RotateStart:
		if in.Value < -MaxRotateRate || in.Value > MaxRotateRate {
			return ReasonRate
		}
	case Fire:
		switch {
		case !p.Alive:
			return ReasonDead
		case p.Cooldown > 0:
			return ReasonCooldown
		case len(w.Projectiles) >= MaxProjectiles:
			return ReasonProjectileLimit
		}
	}
	return nil
}

// ValidName reports whether s may be a player's name: 1 to MaxNameLen bytes
// of printable UTF-8 without leading or trailing spaces.
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > MaxNameLen || !utf8.ValidString(s) || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// Apply validates in and, if it is valid, applies it to w as part of the next
// tick; an invalid input changes nothing and its Reason is returned. The
// server applies commands one by one with Apply, so each is judged in the
// light of those before it in the same tick; clients use Step, which does the
// same. Motion commands are accepted while dead and take effect on spawning.
func Apply(w *World, in Input) error {
	if err := Validate(w, in); err != nil {
		return err
	}
	switch in.Action {
	case Join:
		w.insertPlayer(Player{ID: in.Player, Name: in.Name})
		return nil
	case Leave:
		w.removePlayer(in.Player)
		return nil
	}
	p := w.Player(in.Player)
	switch in.Action {
	case SpawnAt:
		p.Alive = true
		p.Health = MaxHealth
		p.X, p.Y = SpawnCenter(Point{in.X, in.Y})
	case MoveStart:
		p.Move = in.Value
	case MoveStop:
		p.Move = 0
	case StrafeStart:
		p.Strafe = in.Value
	case StrafeStop:
		p.Strafe = 0
	case RotateStart:
		p.Rotate = in.Value
	case RotateStop:
		p.Rotate = 0
	case Fire:
		p.Cooldown = w.ticks(FireCooldownMs)
		dx, dy := Direction(p.Heading, PlayerRadius+ProjectileRadius)
		w.Projectiles = append(w.Projectiles, Projectile{
			Owner: p.ID, X: p.X + dx, Y: p.Y + dy, Heading: p.Heading,
			Life: ProjectileRange / w.perTick(ProjectileSpeed),
		})
	}
	return nil
}

// Step applies inputs in order (invalid ones are skipped, exactly as Apply
// rejects them) and then advances the world by one tick.
func Step(w *World, inputs []Input) {
	for _, in := range inputs {
		_ = Apply(w, in) // an invalid input is dropped; Apply has changed nothing
	}
	Advance(w)
}

func (w *World) insertPlayer(p Player) {
	i := len(w.Players)
	for i > 0 && w.Players[i-1].ID > p.ID {
		i--
	}
	w.Players = append(w.Players, Player{})
	copy(w.Players[i+1:], w.Players[i:])
	w.Players[i] = p
}

func (w *World) removePlayer(id PlayerID) {
	for i := range w.Players {
		if w.Players[i].ID == id {
			w.Players = append(w.Players[:i], w.Players[i+1:]...)
			return
		}
	}
}

// spawnFree reports whether no living player's box overlaps the box of a
// player standing on spawn point p.
func (w *World) spawnFree(p Point) bool {
	x, y := SpawnCenter(p)
	for i := range w.Players {
		q := &w.Players[i]
		if q.Alive && abs32(q.X-x) < 2*PlayerRadius && abs32(q.Y-y) < 2*PlayerRadius {
			return false
		}
	}
	return true
}

func abs32(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}
