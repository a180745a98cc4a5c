package projection

import (
	"math"

	"github.com/skirmishgg/skirmish/sim"
)

// PlayerStats is what one player did in one match. Everything is an
// integer, so that sums do not depend on the order they are taken in: a
// read model rebuilt from history equals the one built incrementally.
type PlayerStats struct {
	ID     sim.PlayerID `json:"id"`
	Name   string       `json:"name"`
	Kills  int64        `json:"kills"`
	Deaths int64        `json:"deaths"`
	Shots  int64        `json:"shots"` // accepted fire commands
	Hits   int64        `json:"hits"`  // shots that damaged another player
	// Distance is the ground walked while alive, in fixed point:
	// DistanceScale per tile.
	Distance int64 `json:"distance"`
	// Alive and Played are the ticks spent alive and in the match.
	Alive  int64 `json:"alive"`
	Played int64 `json:"played"`
}

// MatchStats accumulates PlayerStats for one match, tick by tick, from
// replay.TickAnalyzer's facts: the per-player counting that Leaderboard and
// Summaries share, and that a new projection can reuse. It marshals to JSON,
// so that a projection can checkpoint a match in progress. It is not safe
// for concurrent use.
type MatchStats struct {
	TickRate int32  `json:"tick_rate"`
	Ticks    uint32 `json:"ticks"` // ticks applied
	// Players holds one entry per player, in order of first appearance.
	Players []PlayerStats `json:"players"`
	index   map[sim.PlayerID]int
	// at[i] is the index in Players of the world's i-th player at the
	// last tick: players keep their order in the world, so this saves a
	// map lookup per player and tick.
	at []int
}

// NewMatchStats starts counting a match from the world its recording
// starts from.
func NewMatchStats(m *Match, w *sim.World) *MatchStats {
	s := &MatchStats{TickRate: m.TickRate}
	for i := range w.Players {
		s.player(w.Players[i].ID, w.Players[i].Name)
	}
	return s
}

func (s *MatchStats) player(id sim.PlayerID, name string) *PlayerStats {
	if s.index == nil {
		s.index = make(map[sim.PlayerID]int, len(s.Players))
		for i := range s.Players {
			s.index[s.Players[i].ID] = i
		}
	}
	if i, ok := s.index[id]; ok {
		p := &s.Players[i]
		if name != "" && p.Name != name {
			p.Name = name
		}
		return p
	}
	s.index[id] = len(s.Players)
	s.Players = append(s.Players, PlayerStats{ID: id, Name: name})
	return &s.Players[len(s.Players)-1]
}

// Apply counts one tick.
func (s *MatchStats) Apply(t *Tick) {
	s.Ticks++
	for _, in := range t.Facts.Accepted {
		switch in.Action {
		case sim.Join:
			s.player(in.Player, in.Name)
		case sim.Fire:
			s.player(in.Player, "").Shots++
		}
	}
	for _, h := range t.Facts.Hits {
		s.player(h.Shooter, "").Hits++
	}
	if n := len(t.World.Players); len(s.at) < n {
		s.at = append(s.at, make([]int, n-len(s.at))...)
	}
	for i := range t.World.Players {
		q, d := &t.World.Players[i], &t.Facts.Players[i]
		j := s.at[i]
		if j >= len(s.Players) || s.Players[j].ID != q.ID {
			s.player(q.ID, "")
			j = s.index[q.ID]
			s.at[i] = j
		}
		p := &s.Players[j]
		p.Kills += int64(d.Kills)
		p.Deaths += int64(d.Deaths)
		p.Played++
		if q.Alive {
			p.Alive++
			if d.DX != 0 || d.DY != 0 {
				p.Distance += stepLength(d.DX, d.DY)
			}
		}
	}
}

// DistanceScale is the fixed-point scale of distances: 2^20 per tile, 256
// per world unit. Each tick's step is rounded to it; since players move by
// the same step tick after tick, a coarser scale (whole units) would round
// the same way every tick and drift.
const DistanceScale = sim.Unit * 256

// stepLength is the length of (dx, dy) world units in 1/DistanceScale
// tiles. The square root of an integer below 2^53 is correctly rounded on
// every machine, and multiplying by a power of two is exact, so the result
// is the same everywhere.
func stepLength(dx, dy int32) int64 {
	x, y := int64(dx), int64(dy)
	return int64(math.Sqrt(float64(x*x+y*y))*(DistanceScale/sim.Unit) + 0.5)
}

// ms converts ticks at rate to milliseconds, rounded.
func ms(ticks int64, rate int32) int64 {
	if rate <= 0 {
		return 0
	}
	return (ticks*1000 + int64(rate)/2) / int64(rate)
}
