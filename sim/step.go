package sim

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
	n := max(abs32(dx), abs32(dy))/maxSubstep + 1
	var doneX, doneY int32
	for k := int32(1); k <= n; k++ {
		sx, sy := dx*k/n-doneX, dy*k/n-doneY
		doneX, doneY = doneX+sx, doneY+sy
		w.moveAxis(i, sx, true)
		w.moveAxis(i, sy, false)
	}
}

// moveAxis moves player i by d along X (or Y), stopping at the first wall or
// player in the way. d is at most maxSubstep, so only the tiles at the leading
// edge can be newly entered.
func (w *World) moveAxis(i int, d int32, alongX bool) {
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
	for j := range w.Players {
		q := &w.Players[j]
		if j == i || !q.Alive {
			continue
		}
		qpos, qside := q.X, q.Y
		if !alongX {
			qpos, qside = q.Y, q.X
		}
		if abs32(side-qside) >= 2*PlayerRadius || abs32(next-qpos) >= 2*PlayerRadius {
			continue
		}
		if d > 0 {
			next = max(*pos, min(next, qpos-2*PlayerRadius))
		} else {
			next = min(*pos, max(next, qpos+2*PlayerRadius))
		}
	}
	*pos = next
}

// advanceProjectiles flies every projectile one tick in substeps, removing
// those that hit a wall, hit a player or run out of range.
func (w *World) advanceProjectiles() {
	speed := w.perTick(ProjectileSpeed)
	kept := w.Projectiles[:0]
	for _, pr := range w.Projectiles {
		vx, vy := Direction(pr.Heading, speed)
		n := speed/maxSubstep + 1
		alive := !w.projectileStops(&pr)
		var doneX, doneY int32
		for k := int32(1); alive && k <= n; k++ {
			sx, sy := vx*k/n-doneX, vy*k/n-doneY
			doneX, doneY = doneX+sx, doneY+sy
			pr.X += sx
			pr.Y += sy
			alive = !w.projectileStops(&pr)
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
// other than its owner, applying the damage and any kill.
func (w *World) projectileStops(pr *Projectile) bool {
	if w.Map.wallAt(pr.X, pr.Y) {
		return true
	}
	const reach = PlayerRadius + ProjectileRadius
	for i := range w.Players {
		v := &w.Players[i]
		if !v.Alive || v.ID == pr.Owner || abs32(v.X-pr.X) >= reach || abs32(v.Y-pr.Y) >= reach {
			continue
		}
		v.Health -= ProjectileDamage
		if v.Health <= 0 {
			w.kill(v, pr.Owner)
		}
		return true
	}
	return false
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
