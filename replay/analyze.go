package replay

import (
	"math"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// TickAnalyzer works out what one tick of a recording did, from the world
// before it, its frame and the world after it: which inputs the world
// accepted, who fired, which shots hit whom, how far each player walked and
// how their kill and death counters changed. The read models of package
// replay/projection count what it reports. The zero value
// is ready to use; it keeps scratch space from one call to the next and is
// not safe for concurrent use.
//
// The simulation does not say whose projectile hit a player: a hit is a
// health loss of sim.ProjectileDamage (a kill counts as the hits it took),
// credited to the owner of the projectile removed that tick whose path came
// closest to the victim.
type TickAnalyzer struct {
	mid     *sim.World // before with the tick's inputs applied, before Advance
	removed []removedShot
	facts   TickFacts
}

// TickFacts is what one tick did, as TickAnalyzer reports it. It belongs to
// the analyzer and is valid until its next Analyze.
type TickFacts struct {
	// Accepted holds the tick's inputs that the world accepted, in order.
	// A recording holds only accepted events, so normally all of them.
	Accepted []sim.Input
	// Hits holds each hit, in the order of the victims in the world.
	Hits []Hit
	// Players has one entry for each player of the world after the tick,
	// in the same order.
	Players []PlayerTick
}

// Hit is a shot of Shooter's that damaged Victim. The shooter may have left
// the match.
type Hit struct {
	Shooter, Victim sim.PlayerID
}

// PlayerTick is what one tick did to a player.
type PlayerTick struct {
	// Kills and Deaths are the changes of the player's counters (from zero
	// for a player who joined this tick).
	Kills, Deaths int32
	// DX and DY are how far the player walked, in world units: zero unless
	// it was alive before and after moving (a spawn is not a walk).
	DX, DY int32
}

type removedShot struct {
	owner sim.PlayerID
	x, y  int32 // start of its path this tick
	dx    int32 // its path this tick
	dy    int32
	used  bool
}

// Analyze reports what the tick of frame f did: before is the world before
// the tick, after the world after it. Neither is changed.
func (a *TickAnalyzer) Analyze(before *sim.World, f *protocol.Frame, after *sim.World) *TickFacts {
	t := &a.facts
	t.Accepted, t.Hits, t.Players = t.Accepted[:0], t.Hits[:0], t.Players[:0]
	// Re-apply the inputs to learn which were accepted and where new
	// projectiles start. Without inputs the world before Advance is before.
	mid := before
	if len(f.Events) > 0 {
		if a.mid == nil {
			a.mid = before.Clone()
		} else {
			a.mid.CopyFrom(before)
		}
		mid = a.mid
		for i := range f.Events {
			in := f.Events[i].Input
			if sim.Apply(mid, in) == nil {
				t.Accepted = append(t.Accepted, in)
			}
		}
	}
	a.hits(mid, after)
	for i := range after.Players {
		q := &after.Players[i]
		d := PlayerTick{Kills: q.Kills, Deaths: q.Deaths}
		if b := before.Player(q.ID); b != nil {
			d.Kills -= b.Kills
			d.Deaths -= b.Deaths
		}
		if q.Alive {
			if m := mid.Player(q.ID); m != nil && m.Alive {
				// mid already has a spawn's position, so the teleport is
				// not counted as a walk.
				d.DX, d.DY = q.X-m.X, q.Y-m.Y
			}
		}
		t.Players = append(t.Players, d)
	}
	return t
}

// hits credits each health loss between mid and after to a removed
// projectile.
func (a *TickAnalyzer) hits(mid, after *sim.World) {
	// Projectiles keep their order and each owner fires at most once a tick,
	// so (owner, life) names a projectile from one tick to the next.
	a.removed = a.removed[:0]
	speed := sim.ProjectileSpeed / after.TickRate
	j := 0
	for _, pr := range mid.Projectiles {
		if j < len(after.Projectiles) && after.Projectiles[j].Owner == pr.Owner && after.Projectiles[j].Life == pr.Life-1 {
			j++
			continue
		}
		dx, dy := sim.Direction(pr.Heading, speed)
		a.removed = append(a.removed, removedShot{owner: pr.Owner, x: pr.X, y: pr.Y, dx: dx, dy: dy})
	}
	if len(a.removed) == 0 {
		return // nothing hit anyone
	}
	for i := range after.Players {
		v := &after.Players[i]
		before := mid.Player(v.ID)
		if before == nil || !before.Alive || before.Health <= v.Health {
			continue
		}
		n := int((before.Health - v.Health + sim.ProjectileDamage - 1) / sim.ProjectileDamage)
		for range n {
			if k := a.nearest(v); k >= 0 {
				a.removed[k].used = true
				a.facts.Hits = append(a.facts.Hits, Hit{Shooter: a.removed[k].owner, Victim: v.ID})
			}
		}
	}
}

// nearest returns the unused removed projectile not owned by v whose path
// passes closest to v, or -1.
func (a *TickAnalyzer) nearest(v *sim.Player) int {
	best, bestD := -1, math.Inf(1)
	for k := range a.removed {
		s := &a.removed[k]
		if s.used || s.owner == v.ID {
			continue
		}
		if d := segmentDist(float64(s.x), float64(s.y), float64(s.dx), float64(s.dy), float64(v.X), float64(v.Y)); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// segmentDist is the distance from (px, py) to the segment from (x, y) to
// (x+dx, y+dy).
func segmentDist(x, y, dx, dy, px, py float64) float64 {
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = max(0, min(1, ((px-x)*dx+(py-y)*dy)/l))
	}
	return math.Hypot(x+t*dx-px, y+t*dy-py)
}
