package sim

import "math/bits"

// maxSubstep bounds how far anything moves between collision checks. It is
// smaller than PlayerRadius and a tile, so nothing passes through a wall or a
// player in one tick, whatever the tick rate.
const maxSubstep = Unit / 4

// Advance simulates one tick: timers, rotation, movement with collisions,
// then projectiles and their hits. It is the part of Step that follows the
// inputs.
func Advance(w *World) {
	w.Tick++
	for i := range w.Players {
		p := &w.Players[i]
		if p.Cooldown > 0 {
			p.Cooldown--
		}
		if !p.Alive {
			if p.Respawn > 0 {
				p.Respawn--
			}
			continue
		}
		p.Heading += uint16(w.perTick(clamp(p.Rotate, MaxRotateRate)))
		fx, fy := Direction(p.Heading, w.perTick(clamp(p.Move, MaxMoveSpeed)))
		sx, sy := Direction(p.Heading+FullTurn/4, w.perTick(clamp(p.Strafe, MaxStrafeSpeed)))
		w.movePlayer(i, fx+sx, fy+sy)
	}
	w.advanceProjectiles()
}

// movePlayer moves player i by (dx, dy) in substeps, one axis at a time, so
// that it slides along walls and stops against other players.
func (w *World) movePlayer(i int, dx, dy int32) {
	if dx == 0 && dy == 0 {
		return
	}
	// Broad phase: the player stays within the box from where it is to
	// where it is going, so only players within 2·PlayerRadius of that box
	// can be in its way (a tile more, so that this holds even in a world
	// that Step could not have made).
	p := &w.Players[i]
	near := w.playersNear(p.X, p.Y, p.X+dx, p.Y+dy, 2*PlayerRadius+Unit)
	if i < 64 {
		near &^= 1 << uint(i)
	}
	n := max(abs32(dx), abs32(dy))/maxSubstep + 1
	var doneX, doneY int32
	for k := int32(1); k <= n; k++ {
		sx, sy := dx*k/n-doneX, dy*k/n-doneY
		doneX, doneY = doneX+sx, doneY+sy
		w.moveAxis(i, sx, true, near)
		w.moveAxis(i, sy, false, near)
	}
}

// playersNear returns the set of living players whose centres lie less than
// reach from the box with corners (x0, y0) and (x1, y1): bit i stands for
// w.Players[i]. It is a broad phase: the exact tests that follow check the
// players of the set in index order, as they would check every player, and
// get the same results. A world holds at most MaxPlayers (64); players past
// the 64th, which only a hand-built world could have, are left out of the
// set and checked one by one.
func (w *World) playersNear(x0, y0, x1, y1, reach int32) uint64 {
	minX, maxX := min(x0, x1)-reach, max(x0, x1)+reach
	minY, maxY := min(y0, y1)-reach, max(y0, y1)+reach
	var set uint64
	for i := range min(len(w.Players), 64) {
		q := &w.Players[i]
		if q.Alive && q.X > minX && q.X < maxX && q.Y > minY && q.Y < maxY {
			set |= 1 << uint(i)
		}
	}
	return set
}

// moveAxis moves player i by d along X (or Y), stopping at the first wall or
// player in the way; near holds the players that may be in the way (see
// playersNear). d is at most maxSubstep, so only the tiles at the leading
// edge can be newly entered.
func (w *World) moveAxis(i int, d int32, alongX bool, near uint64) {
	if d == 0 {
		return
	}
	p := &w.Players[i]
	pos, side := &p.X, p.Y
	if !alongX {
		pos, side = &p.Y, p.X
	}
	next := *pos + d
	// Walls: the tile column (or row) under the leading edge.
	lead := next + PlayerRadius - 1
	if d < 0 {
		lead = next - PlayerRadius
	}
	leadTile := floorDiv(lead, Unit)
	for t := floorDiv(side-PlayerRadius, Unit); t <= floorDiv(side+PlayerRadius-1, Unit); t++ {
		tx, ty := leadTile, t
		if !alongX {
			tx, ty = t, leadTile
		}
		if w.Map.At(tx, ty) != Wall {
			continue
		}
		if d > 0 {
			next = leadTile*Unit - PlayerRadius
		} else {
			next = (leadTile+1)*Unit + PlayerRadius
		}
		break
	}
	// Players: stop touching the first one in the way, never move backward.
	for ; near != 0; near &= near - 1 {
		next = stopBefore(&w.Players[bits.TrailingZeros64(near)], alongX, d, *pos, side, next)
	}
	for j := 64; j < len(w.Players); j++ {
		if j != i && w.Players[j].Alive {
			next = stopBefore(&w.Players[j], alongX, d, *pos, side, next)
		}
	}
	*pos = next
}

// stopBefore returns next, pulled back so that a player moving by d along X
// (or Y) from pos, at side on the other axis, stops touching q, but never
// behind pos.
func stopBefore(q *Player, alongX bool, d, pos, side, next int32) int32 {
	qpos, qside := q.X, q.Y
	if !alongX {
		qpos, qside = q.Y, q.X
	}
	if abs32(side-qside) >= 2*PlayerRadius || abs32(next-qpos) >= 2*PlayerRadius {
		return next
	}
	if d > 0 {
		return max(pos, min(next, qpos-2*PlayerRadius))
	}
	return min(pos, max(next, qpos+2*PlayerRadius))
}

// advanceProjectiles flies every projectile one tick in substeps, removing
// those that hit a wall, hit a player or run out of range.
func (w *World) advanceProjectiles() {
	speed := w.perTick(ProjectileSpeed)
	kept := w.Projectiles[:0]
	for _, pr := range w.Projectiles {
		vx, vy := Direction(pr.Heading, speed)
		// Broad phase: this tick the projectile stays within the box from
		// where it is to where it is going. Only this projectile changes
		// players while it flies, and it stops at its first hit, so the
		// set stays right for the whole tick.
		near := w.playersNear(pr.X, pr.Y, pr.X+vx, pr.Y+vy, PlayerRadius+ProjectileRadius)
		n := speed/maxSubstep + 1
		alive := !w.projectileStops(&pr, near)
		var doneX, doneY int32
		for k := int32(1); alive && k <= n; k++ {
			sx, sy := vx*k/n-doneX, vy*k/n-doneY
			doneX, doneY = doneX+sx, doneY+sy
			pr.X += sx
			pr.Y += sy
			alive = !w.projectileStops(&pr, near)
		}
		pr.Life--
		if alive && pr.Life > 0 {
			kept = append(kept, pr)
		}
	}
	clear(w.Projectiles[len(kept):])
	w.Projectiles = kept
}

// projectileStops reports whether pr is in a wall or hits a living player
// other than its owner, applying the damage and any kill; near holds the
// players it may hit (see playersNear).
func (w *World) projectileStops(pr *Projectile, near uint64) bool {
	if w.Map.wallAt(pr.X, pr.Y) {
		return true
	}
	for ; near != 0; near &= near - 1 {
		if w.hit(pr, &w.Players[bits.TrailingZeros64(near)]) {
			return true
		}
	}
	for j := 64; j < len(w.Players); j++ {
		if w.hit(pr, &w.Players[j]) {
			return true
		}
	}
	return false
}

// hit reports whether pr hits v, applying the damage and any kill.
func (w *World) hit(pr *Projectile, v *Player) bool {
	const reach = PlayerRadius + ProjectileRadius
	if !v.Alive || v.ID == pr.Owner || abs32(v.X-pr.X) >= reach || abs32(v.Y-pr.Y) >= reach {
		return false
	}
	v.Health -= ProjectileDamage
	if v.Health <= 0 {
		w.kill(v, pr.Owner)
	}
	return true
}

// kill makes v die by a shot of killer's, who may have left the match.
func (w *World) kill(v *Player, killer PlayerID) {
	v.Alive = false
	v.Health = 0
	v.Deaths++
	v.Respawn = w.ticks(RespawnDelayMs)
	if k := w.Player(killer); k != nil {
		k.Kills++
	}
}

func clamp(v, limit int32) int32 { return max(-limit, min(v, limit)) }
