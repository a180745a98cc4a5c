package brain

import (
	"math"

	"github.com/skirmishgg/skirmish/sim"
)

// FarthestSpawn returns the free spawn point farthest from the living
// opponents of me (the distance to the nearest opponent is maximised; ties go
// to the first in the map's row-major order), for clients choosing where to
// spawn. With no living opponent it returns the first free spawn point. ok is
// false when no spawn point is free.
func FarthestSpawn(w *sim.World, me sim.PlayerID) (p sim.Point, ok bool) {
	best := int64(-1)
	for _, sp := range w.Map.Spawns() {
		if !spawnFree(w, sp) {
			continue
		}
		x, y := sim.SpawnCenter(sp)
		nearest := int64(math.MaxInt64)
		for i := range w.Players {
			q := &w.Players[i]
			if q.Alive && q.ID != me {
				nearest = min(nearest, dist2(x, y, q.X, q.Y))
			}
		}
		if nearest > best {
			best, p = nearest, sp
		}
	}
	return p, best >= 0
}

// randomSpawn returns a free spawn point chosen uniformly, or false.
func randomSpawn(w *sim.World, r rng) (sim.Point, bool) {
	free := 0
	for _, sp := range w.Map.Spawns() {
		if spawnFree(w, sp) {
			free++
		}
	}
	if free == 0 {
		return sim.Point{}, false
	}
	k := int(r.below(uint64(free)))
	for _, sp := range w.Map.Spawns() {
		if spawnFree(w, sp) {
			if k == 0 {
				return sp, true
			}
			k--
		}
	}
	panic("unreachable")
}

// spawnFree reports whether a player could spawn on spawn point sp: no living
// player's box overlaps the box of a player standing on it. It is the rule
// sim.Validate applies to SpawnAt.
func spawnFree(w *sim.World, sp sim.Point) bool {
	x, y := sim.SpawnCenter(sp)
	for i := range w.Players {
		q := &w.Players[i]
		if q.Alive && abs32(q.X-x) < 2*sim.PlayerRadius && abs32(q.Y-y) < 2*sim.PlayerRadius {
			return false
		}
	}
	return true
}
