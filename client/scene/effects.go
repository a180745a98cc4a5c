package scene

import (
	"github.com/skirmishgg/skirmish/sim"
)

// EffectKind says what an Effect shows.
type EffectKind uint8

// Effect kinds.
const (
	EffectHit    EffectKind = iota + 1 // a player lost health
	EffectDeath                        // a player died
	EffectSpawn                        // a player spawned
	EffectShot                         // a shot was fired (muzzle flash)
	EffectImpact                       // a projectile hit a wall or a player
)

// effectSeconds is how long each kind of effect lasts.
var effectSeconds = [...]float64{
	EffectHit:    0.35,
	EffectDeath:  0.9,
	EffectSpawn:  0.6,
	EffectShot:   0.12,
	EffectImpact: 0.3,
}

// Effect is a short animation at a place in the world.
type Effect struct {
	// ID numbers the effects of an Effects in the order they were
	// added, from 1: whoever reacts to an effect once (a sound) knows it
	// again in the next frame.
	ID   uint64
	Kind EffectKind
	// Tick is when it starts, in ticks, on the timeline it is drawn on:
	// other players' (the render time) or, when Own, the predicted present.
	Tick    float64
	Own     bool
	X, Y    float64 // world units
	Heading float64 // angle units (shots)
	// Player is the player it concerns; a hit or a spawn follows the
	// player as drawn.
	Player sim.PlayerID
}

// Progress returns how far the effect has played, from 0 to 1, at time now
// (ticks on its timeline), at tickRate; below 0 it has not started, above 1
// it is over.
func (e *Effect) Progress(now float64, tickRate int32) float64 {
	return (now - e.Tick) / (effectSeconds[e.Kind] * float64(tickRate))
}

// EffectView is an effect to draw now.
type EffectView struct {
	ID       uint64 // the Effect's
	Kind     EffectKind
	X, Y     float64
	Heading  float64
	Progress float64 // 0 to 1
	Player   sim.PlayerID
}

// Effects finds effects by comparing consecutive confirmed worlds, and keeps
// them while they play. The zero value is ready to use.
type Effects struct {
	list []Effect
	last uint64 // the ID of the last effect added
}

// Add adds an effect (the own shots, which are shown when predicted rather
// than when confirmed), giving it the next ID.
func (e *Effects) Add(ef Effect) {
	e.last++
	ef.ID = e.last
	e.list = append(e.list, ef)
}

// List returns the effects held; the slice is reused.
func (e *Effects) List() []Effect { return e.list }

// Reset forgets every effect. IDs go on from where they were, so that an
// effect after a reset is never taken for one before it.
func (e *Effects) Reset() { e.list = e.list[:0] }

// View returns the effect as drawn at progress p.
func (ef *Effect) View(p float64) EffectView {
	return EffectView{ID: ef.ID, Kind: ef.Kind, X: ef.X, Y: ef.Y, Heading: ef.Heading, Progress: p, Player: ef.Player}
}

// Prune drops the effects that are over at render time now (ticks) and
// predicted time own.
func (e *Effects) Prune(now, own float64, tickRate int32) {
	kept := e.list[:0]
	for _, ef := range e.list {
		t := now
		if ef.Own {
			t = own
		}
		if ef.Progress(t, tickRate) <= 1 {
			kept = append(kept, ef)
		}
	}
	e.list = kept
}

// Observe adds the effects of the tick that turned prev into cur: hits,
// deaths and spawns from the players' states, shots and impacts from the
// projectiles. Shots by me are left out: they were shown when predicted.
func (e *Effects) Observe(prev, cur *sim.World, me sim.PlayerID) {
	if prev == nil || cur.Tick != prev.Tick+1 {
		return
	}
	t := float64(cur.Tick)
	j := 0
	for i := range cur.Players {
		q := &cur.Players[i]
		for j < len(prev.Players) && prev.Players[j].ID < q.ID {
			j++
		}
		if j == len(prev.Players) || prev.Players[j].ID != q.ID {
			continue
		}
		p := &prev.Players[j]
		x, y := float64(q.X), float64(q.Y)
		switch {
		case p.Alive && !q.Alive:
			e.Add(Effect{Kind: EffectDeath, Tick: t, X: x, Y: y, Player: q.ID})
		case !p.Alive && q.Alive:
			e.Add(Effect{Kind: EffectSpawn, Tick: t, X: x, Y: y, Player: q.ID})
		case q.Health < p.Health:
			e.Add(Effect{Kind: EffectHit, Tick: t, X: x, Y: y, Player: q.ID})
		}
	}

	// Projectiles keep their order; those fired this tick come last.
	k := 0
	for i := range prev.Projectiles {
		p := &prev.Projectiles[i]
		if k < len(cur.Projectiles) {
			if c := &cur.Projectiles[k]; c.Owner == p.Owner && c.Heading == p.Heading && c.Life == p.Life-1 {
				k++
				continue
			}
		}
		if p.Life <= 1 {
			continue // out of range: it fades
		}
		x, y := impactPoint(prev, cur, p)
		e.Add(Effect{Kind: EffectImpact, Tick: t, X: x, Y: y, Heading: float64(p.Heading)})
	}
	for ; k < len(cur.Projectiles); k++ {
		c := &cur.Projectiles[k]
		if c.Owner == me {
			continue
		}
		if o := cur.Player(c.Owner); o != nil {
			e.Add(Effect{Kind: EffectShot, Tick: t, X: float64(o.X), Y: float64(o.Y), Heading: float64(c.Heading), Player: c.Owner})
		}
	}
}

// impactPoint finds where projectile p of world prev stopped during the
// tick: the first wall or living player (of cur) on its path, sampled as
// finely as the simulation moves it, or the end of its step.
func impactPoint(prev, cur *sim.World, p *sim.Projectile) (float64, float64) {
	speed := sim.ProjectileSpeed / prev.TickRate
	vx, vy := sim.Direction(p.Heading, speed)
	n := speed/(sim.Unit/4) + 1
	const reach = sim.PlayerRadius + sim.ProjectileRadius
	x, y := p.X, p.Y
	for s := int32(1); s <= n; s++ {
		x, y = p.X+vx*s/n, p.Y+vy*s/n
		if cur.Map.At(floorDiv(x, sim.Unit), floorDiv(y, sim.Unit)) == sim.Wall {
			break
		}
		hit := false
		for i := range cur.Players {
			v := &cur.Players[i]
			if v.ID != p.Owner && abs32(v.X-x) < reach && abs32(v.Y-y) < reach {
				hit = true
				break
			}
		}
		if hit {
			break
		}
	}
	return float64(x), float64(y)
}

func floorDiv(a, b int32) int32 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
