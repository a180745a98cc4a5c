package replay

import (
	"math"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// PlayerStats is what one player did during a recording.
type PlayerStats struct {
	ID     sim.PlayerID `json:"id"`
	Name   string       `json:"name"`
	Kills  int          `json:"kills"`
	Deaths int          `json:"deaths"`
	Shots  int          `json:"shots"` // accepted fire commands
	Hits   int          `json:"hits"`  // shots that damaged another player
	// Distance is the ground covered while alive, in tiles.
	Distance float64 `json:"distance"`
	// Alive is the time spent alive.
	Alive time.Duration `json:"alive_ns"`
}

// Stats is the stats projection of a recording: one entry per player, in
// order of first appearance.
type Stats struct {
	Ticks   uint32        `json:"ticks"`
	Players []PlayerStats `json:"players"`
}

// StatsProjection builds Stats from a recording, one tick at a time: give it
// the world the recording starts from, then every frame with the world after
// it (Reader.Play's callback has that shape). It is not safe for concurrent
// use.
//
// Kills and deaths are the world's own counters (their change over the
// recording). A shot is an accepted fire command. A hit is a health loss of
// sim.ProjectileDamage (a kill counts as the hits it took); the simulation
// does not say whose projectile it was, so each hit is credited to the
// owner of the projectile removed that tick whose path came closest to the
// victim.
type StatsProjection struct {
	prev    *sim.World // the world before the tick being applied
	mid     *sim.World // prev with the tick's inputs applied, before Advance
	players []PlayerStats
	byID    map[sim.PlayerID]int
	ticks   uint32
	removed []removedShot
	alive   []int64 // ticks alive of each player
}

type removedShot struct {
	owner sim.PlayerID
	x, y  int32 // start of its path this tick
	dx    int32 // its path this tick
	dy    int32
	used  bool
}

// NewStatsProjection starts a projection from the world w (which it copies).
func NewStatsProjection(w *sim.World) *StatsProjection {
	p := &StatsProjection{prev: w.Clone(), mid: w.Clone(), byID: map[sim.PlayerID]int{}}
	for i := range w.Players {
		p.player(w.Players[i].ID, w.Players[i].Name)
	}
	return p
}

func (p *StatsProjection) player(id sim.PlayerID, name string) *PlayerStats {
	if i, ok := p.byID[id]; ok {
		if name != "" {
			p.players[i].Name = name
		}
		return &p.players[i]
	}
	p.byID[id] = len(p.players)
	p.players = append(p.players, PlayerStats{ID: id, Name: name})
	p.alive = append(p.alive, 0)
	return &p.players[len(p.players)-1]
}

// Apply takes the frame of the next tick and the world after it.
func (p *StatsProjection) Apply(f *protocol.Frame, w *sim.World) {
	p.ticks++
	// Re-apply the inputs to learn which were accepted and where new
	// projectiles start.
	p.mid.CopyFrom(p.prev)
	for i := range f.Events {
		in := f.Events[i].Input
		if sim.Apply(p.mid, in) != nil {
			continue
		}
		switch in.Action {
		case sim.Join:
			p.player(in.Player, in.Name)
		case sim.Fire:
			p.player(in.Player, "").Shots++
		}
	}
	p.hits(w)
	for i := range w.Players {
		q := &w.Players[i]
		s := p.player(q.ID, q.Name)
		before := p.prev.Player(q.ID)
		if before == nil {
			before = &sim.Player{} // joined this tick
		}
		s.Kills += int(q.Kills - before.Kills)
		s.Deaths += int(q.Deaths - before.Deaths)
		if q.Alive {
			p.alive[p.byID[q.ID]]++
			if m := p.mid.Player(q.ID); m != nil && m.Alive {
				// Moved this tick; mid already has a spawn's position, so
				// the teleport is not counted as a walk.
				dx, dy := float64(q.X-m.X), float64(q.Y-m.Y)
				s.Distance += math.Hypot(dx, dy) / sim.Unit
			}
		}
	}
	p.prev.CopyFrom(w)
}

// hits credits each health loss between mid and w to a removed projectile.
func (p *StatsProjection) hits(w *sim.World) {
	// Projectiles keep their order and each owner fires at most once a tick,
	// so (owner, life) names a projectile from one tick to the next.
	p.removed = p.removed[:0]
	speed := sim.ProjectileSpeed / w.TickRate
	j := 0
	for _, pr := range p.mid.Projectiles {
		if j < len(w.Projectiles) && w.Projectiles[j].Owner == pr.Owner && w.Projectiles[j].Life == pr.Life-1 {
			j++
			continue
		}
		dx, dy := sim.Direction(pr.Heading, speed)
		p.removed = append(p.removed, removedShot{owner: pr.Owner, x: pr.X, y: pr.Y, dx: dx, dy: dy})
	}
	for i := range w.Players {
		v := &w.Players[i]
		before := p.mid.Player(v.ID)
		if before == nil || !before.Alive || before.Health <= v.Health {
			continue
		}
		n := int((before.Health - v.Health + sim.ProjectileDamage - 1) / sim.ProjectileDamage)
		for range n {
			if k := p.nearest(v); k >= 0 {
				p.removed[k].used = true
				p.player(p.removed[k].owner, "").Hits++
			}
		}
	}
}

// nearest returns the unused removed projectile not owned by v whose path
// passes closest to v, or -1.
func (p *StatsProjection) nearest(v *sim.Player) int {
	best, bestD := -1, math.Inf(1)
	for k := range p.removed {
		s := &p.removed[k]
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

// Stats returns the stats so far. The slice is the caller's.
func (p *StatsProjection) Stats() Stats {
	s := Stats{Ticks: p.ticks, Players: append([]PlayerStats(nil), p.players...)}
	for i := range s.Players {
		s.Players[i].Alive = time.Duration(p.alive[i]) * time.Second / time.Duration(p.prev.TickRate)
	}
	return s
}

// ComputeStats replays r and returns its stats projection. progress, if not
// nil, is called now and then with the ticks done and the total.
func ComputeStats(r *Reader, progress func(done, total uint32)) (Stats, error) {
	in := r.Info()
	if in.Chunks == 0 {
		return Stats{}, nil
	}
	w0, err := r.Seek(in.FirstTick)
	if err != nil {
		return Stats{}, err
	}
	p := NewStatsProjection(w0)
	every := max(in.Ticks/200, 1)
	err = r.Play(func(f *protocol.Frame, w *sim.World) error {
		p.Apply(f, w)
		if progress != nil && ((w.Tick-in.FirstTick)%every == 0 || w.Tick == in.LastTick) {
			progress(w.Tick-in.FirstTick, in.Ticks)
		}
		return nil
	})
	if err != nil {
		return Stats{}, err
	}
	return p.Stats(), nil
}
