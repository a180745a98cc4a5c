package sim

import "fmt"

// Version is the simulation version. Replays record it in their header; any
// change to Step's results, to the snapshot encoding or to the rules below
// must bump it (the golden tests in testdata fail until it is).
const Version = 1

// Rules. Speeds are in units per second, rates in angle units per second,
// durations in milliseconds (turned into ticks by the world's tick rate).
const (
	MinTickRate = 10
	MaxTickRate = 128

	// MaxPlayers is the most players a world can hold.
	MaxPlayers = 64
	// MaxProjectiles bounds the projectiles in flight (and a snapshot's size).
	MaxProjectiles = 1024
	// MaxNameLen is the longest player name, in bytes.
	MaxNameLen = 16

	MaxMoveSpeed   = 6 * Unit         // forward or backward, units per second
	MaxStrafeSpeed = 9 * Unit / 2     // sideways, units per second
	MaxRotateRate  = FullTurn * 3 / 4 // angle units per second

	PlayerRadius = Unit * 35 / 100 // half the side of a player's box
	MaxHealth    = 100

	ProjectileSpeed  = 18 * Unit // units per second
	ProjectileRange  = 14 * Unit // units flown before it expires
	ProjectileDamage = 25
	// ProjectileRadius is added to PlayerRadius for hit tests.
	ProjectileRadius = Unit / 10

	FireCooldownMs = 250
	RespawnDelayMs = 2000
)

// PlayerID identifies a player within a match. Zero is never a player.
type PlayerID uint32

// Player is one participant's state. Positions are the centre of the player.
type Player struct {
	ID      PlayerID
	Name    string
	Alive   bool
	X, Y    int32  // world units
	Heading uint16 // angle units, 0 = +X, clockwise on screen
	Move    int32  // forward speed, units/s, negative is backward
	Strafe  int32  // sideways speed, units/s, negative is left
	Rotate  int32  // angle units/s, negative is counter-clockwise
	Health  int32
	// Cooldown is the ticks until the player may fire again.
	Cooldown int32
	// Respawn is the ticks until a dead player may spawn again.
	Respawn int32
	Kills   int32
	Deaths  int32
}

// Projectile is a shot in flight. Its velocity follows from its heading.
type Projectile struct {
	Owner   PlayerID
	X, Y    int32
	Heading uint16
	// Life is the ticks left before it expires.
	Life int32
}

// World is the whole state of a match. A World is not safe for concurrent
// use: one goroutine owns it.
type World struct {
	Map      *Map
	TickRate int32
	// Tick is the last tick simulated; a new world is at tick 0.
	Tick        uint32
	Players     []Player // sorted by ID
	Projectiles []Projectile
}

// NewWorld returns an empty world on m at tickRate ticks per second.
func NewWorld(m *Map, tickRate int32) (*World, error) {
	if m == nil {
		return nil, fmt.Errorf("sim: nil map")
	}
	if tickRate < MinTickRate || tickRate > MaxTickRate {
		return nil, fmt.Errorf("sim: tick rate %d outside %d..%d", tickRate, MinTickRate, MaxTickRate)
	}
	return &World{Map: m, TickRate: tickRate}, nil
}

// Player returns the player with id, or nil. The pointer is valid until the
// next Step or Apply.
func (w *World) Player(id PlayerID) *Player {
	lo, hi := 0, len(w.Players)
	for lo < hi {
		mid := (lo + hi) / 2
		if w.Players[mid].ID < id {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(w.Players) && w.Players[lo].ID == id {
		return &w.Players[lo]
	}
	return nil
}

// Clone returns a deep copy of w that shares only the immutable map.
func (w *World) Clone() *World {
	c := *w
	c.Players = append([]Player(nil), w.Players...)
	c.Projectiles = append([]Projectile(nil), w.Projectiles...)
	return &c
}

// CopyFrom makes w equal to src, reusing w's storage (for rollback without
// allocating).
func (w *World) CopyFrom(src *World) {
	w.Map, w.TickRate, w.Tick = src.Map, src.TickRate, src.Tick
	w.Players = append(w.Players[:0], src.Players...)
	w.Projectiles = append(w.Projectiles[:0], src.Projectiles...)
}

// ticks converts a duration in milliseconds to whole ticks at the world's rate.
func (w *World) ticks(ms int32) int32 { return ms * w.TickRate / 1000 }

// perTick converts a per-second quantity to a per-tick step, rounding toward zero.
func (w *World) perTick(perSecond int32) int32 { return perSecond / w.TickRate }
