package game

import (
	"cmp"
	"slices"

	"github.com/skirmishgg/skirmish/sim"
)

// Score is a row of the scoreboard.
type Score struct {
	ID     sim.PlayerID
	Name   string
	Kills  int32
	Deaths int32
	Alive  bool
	Me     bool
}

// Scores appends the scoreboard of w to dst: most kills first, then fewest
// deaths, then by name and id.
func Scores(w *sim.World, me sim.PlayerID, dst []Score) []Score {
	start := len(dst)
	for i := range w.Players {
		p := &w.Players[i]
		dst = append(dst, Score{ID: p.ID, Name: p.Name, Kills: p.Kills, Deaths: p.Deaths, Alive: p.Alive, Me: p.ID == me})
	}
	slices.SortFunc(dst[start:], func(a, b Score) int {
		return cmp.Or(
			cmp.Compare(b.Kills, a.Kills),
			cmp.Compare(a.Deaths, b.Deaths),
			cmp.Compare(a.Name, b.Name),
			cmp.Compare(a.ID, b.ID))
	})
	return dst
}
