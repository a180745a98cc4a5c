package projection

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/skirmishgg/skirmish/sim"
)

// Totals is a player's sum over matches.
type Totals struct {
	Matches  int64 `json:"matches"`
	Kills    int64 `json:"kills"`
	Deaths   int64 `json:"deaths"`
	Shots    int64 `json:"shots"`
	Hits     int64 `json:"hits"`
	Distance int64 `json:"distance"`  // 1/DistanceScale tiles
	AliveMs  int64 `json:"alive_ms"`  // rounded per match
	PlayedMs int64 `json:"played_ms"` // rounded per match
}

// plus adds o to t.
func (t *Totals) plus(o *Totals) {
	t.Matches += o.Matches
	t.Kills += o.Kills
	t.Deaths += o.Deaths
	t.Shots += o.Shots
	t.Hits += o.Hits
	t.Distance += o.Distance
	t.AliveMs += o.AliveMs
	t.PlayedMs += o.PlayedMs
}

// minus takes o from t.
func (t *Totals) minus(o *Totals) {
	t.Matches -= o.Matches
	t.Kills -= o.Kills
	t.Deaths -= o.Deaths
	t.Shots -= o.Shots
	t.Hits -= o.Hits
	t.Distance -= o.Distance
	t.AliveMs -= o.AliveMs
	t.PlayedMs -= o.PlayedMs
}

func (t *Totals) add(p *PlayerStats, rate int32) {
	t.Kills += p.Kills
	t.Deaths += p.Deaths
	t.Shots += p.Shots
	t.Hits += p.Hits
	t.Distance += p.Distance
	t.AliveMs += ms(p.Alive, rate)
	t.PlayedMs += ms(p.Played, rate)
}

// PlayerRow is a player's line in the leaderboard, or in a match summary.
type PlayerRow struct {
	Name    string `json:"name"`
	Matches int64  `json:"matches"`
	Kills   int64  `json:"kills"`
	Deaths  int64  `json:"deaths"`
	// KD is kills per death; with no deaths, the kills.
	KD    float64 `json:"kd"`
	Shots int64   `json:"shots"`
	Hits  int64   `json:"hits"`
	// Accuracy is hits per shot, 0 without shots.
	Accuracy   float64 `json:"accuracy"`
	TimePlayed float64 `json:"time_played_s"`
	TimeAlive  float64 `json:"time_alive_s"`
	Distance   float64 `json:"distance_tiles"`
}

func rowOf(name string, t *Totals) PlayerRow {
	r := PlayerRow{Name: name, Matches: t.Matches, Kills: t.Kills, Deaths: t.Deaths, Shots: t.Shots, Hits: t.Hits,
		TimePlayed: float64(t.PlayedMs) / 1000, TimeAlive: float64(t.AliveMs) / 1000,
		Distance: float64(t.Distance) / DistanceScale}
	r.KD = float64(t.Kills)
	if t.Deaths > 0 {
		r.KD = round(float64(t.Kills)/float64(t.Deaths), 1e4)
	}
	if t.Shots > 0 {
		r.Accuracy = round(float64(t.Hits)/float64(t.Shots), 1e4)
	}
	return r
}

func round(x, scale float64) float64 { return math.Round(x*scale) / scale }

// Sort is a leaderboard order.
type Sort uint8

// Orders of the leaderboard. Each sorts descending by default, but ByName;
// ties go by name, ascending.
const (
	ByKills Sort = iota
	ByDeaths
	ByKD
	ByAccuracy
	ByTime // time played
	ByDistance
	ByName
	ByShots
	ByHits
	ByMatches
	numSorts
)

var sortNames = [numSorts]string{"kills", "deaths", "kd", "accuracy", "time", "distance", "name", "shots", "hits", "matches"}

func (s Sort) String() string {
	if s >= numSorts {
		return fmt.Sprintf("sort(%d)", uint8(s))
	}
	return sortNames[s]
}

// SortNames lists the orders by name, as ParseSort reads them.
func SortNames() []string { return sortNames[:] }

// ParseSort returns the order named s.
func ParseSort(s string) (Sort, bool) {
	for i, n := range sortNames {
		if n == s {
			return Sort(i), true
		}
	}
	return 0, false
}

// compare orders a before b in s's ascending order.
func (s Sort) compare(a, b *PlayerRow) int {
	switch s {
	case ByKills:
		return cmp.Compare(a.Kills, b.Kills)
	case ByDeaths:
		return cmp.Compare(a.Deaths, b.Deaths)
	case ByKD:
		return cmp.Compare(a.KD, b.KD)
	case ByAccuracy:
		return cmp.Compare(a.Accuracy, b.Accuracy)
	case ByTime:
		return cmp.Compare(a.TimePlayed, b.TimePlayed)
	case ByDistance:
		return cmp.Compare(a.Distance, b.Distance)
	case ByShots:
		return cmp.Compare(a.Shots, b.Shots)
	case ByHits:
		return cmp.Compare(a.Hits, b.Hits)
	case ByMatches:
		return cmp.Compare(a.Matches, b.Matches)
	case ByName:
		return cmp.Compare(a.Name, b.Name)
	}
	return 0
}

// Leaderboard is a read model of every player across all matches: kills,
// deaths, K/D, shots, hits, accuracy, time played and alive, distance.
// Players are keyed by name: a name is not an account, so two people who
// use the same name share a line, and one person under two names has two.
// Matches in progress count as far as they have been consumed.
//
// The engine drives it; View may be called from any goroutine.
type Leaderboard struct {
	st  lbState
	pub atomic.Pointer[LeaderboardView]
}

type lbState struct {
	Version int   `json:"v"`
	Matches int64 `json:"matches"` // ended matches
	// Ticks is the ticks of the ended matches.
	Ticks   uint64             `json:"ticks"`
	Players map[string]*Totals `json:"players"` // over ended matches
	// Open holds the matches in progress, by replay id.
	Open map[string]*MatchStats `json:"open"`
	// Ended holds what each ended match added to Players, by replay id,
	// so that it can be taken back when its file is removed.
	Ended map[string]*lbMatch `json:"ended"`
}

// lbMatch is what one ended match added to the leaderboard.
type lbMatch struct {
	Ticks   uint64             `json:"ticks"`
	Players map[string]*Totals `json:"players"` // by name
}

const lbVersion = 2

// NewLeaderboard returns an empty leaderboard.
func NewLeaderboard() *Leaderboard {
	l := &Leaderboard{}
	l.reset()
	return l
}

func (l *Leaderboard) reset() {
	l.st = lbState{Version: lbVersion, Players: map[string]*Totals{}, Open: map[string]*MatchStats{}, Ended: map[string]*lbMatch{}}
}

// Name implements Projection.
func (l *Leaderboard) Name() string { return "leaderboard" }

// Start implements Projection.
func (l *Leaderboard) Start(m *Match, w *sim.World) { l.st.Open[m.ID] = NewMatchStats(m, w) }

// Apply implements Projection.
func (l *Leaderboard) Apply(t *Tick) {
	if s := l.st.Open[t.Match.ID]; s != nil {
		s.Apply(t)
	}
}

// End implements Projection: the match's stats join the totals.
func (l *Leaderboard) End(m *Match) {
	s := l.st.Open[m.ID]
	if s == nil {
		return
	}
	delete(l.st.Open, m.ID)
	e := &lbMatch{Ticks: uint64(s.Ticks), Players: map[string]*Totals{}}
	addMatch(e.Players, s)
	l.st.Ended[m.ID] = e
	l.st.Matches++
	l.st.Ticks += e.Ticks
	for name, t := range e.Players {
		sum := l.st.Players[name]
		if sum == nil {
			sum = &Totals{}
			l.st.Players[name] = sum
		}
		sum.plus(t)
	}
}

// Remove implements Projection: a match in progress is dropped, an ended
// one taken out of the totals (a name left with no match goes).
func (l *Leaderboard) Remove(m *Match) {
	delete(l.st.Open, m.ID)
	e := l.st.Ended[m.ID]
	if e == nil {
		return
	}
	delete(l.st.Ended, m.ID)
	l.st.Matches--
	l.st.Ticks -= e.Ticks
	for name, t := range e.Players {
		if sum := l.st.Players[name]; sum != nil {
			sum.minus(t)
			if sum.Matches <= 0 {
				delete(l.st.Players, name)
			}
		}
	}
}

// addMatch adds a match's players to totals by name. A player with no name
// (one that never joined in the recording) is left out.
func addMatch(totals map[string]*Totals, s *MatchStats) {
	var seen map[string]bool
	for i := range s.Players {
		p := &s.Players[i]
		if p.Name == "" {
			continue
		}
		t := totals[p.Name]
		if t == nil {
			t = &Totals{}
			totals[p.Name] = t
		}
		// One person leaving and joining again is two players of one
		// match; the match counts once for the name.
		if seen == nil {
			seen = map[string]bool{}
		}
		if !seen[p.Name] {
			seen[p.Name] = true
			t.Matches++
		}
		t.add(p, s.TickRate)
	}
}

// MarshalState implements Projection.
func (l *Leaderboard) MarshalState() ([]byte, error) { return json.Marshal(&l.st) }

// UnmarshalState implements Projection.
func (l *Leaderboard) UnmarshalState(b []byte) error {
	l.reset()
	if b == nil {
		return nil
	}
	var st lbState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("leaderboard: %w", err)
	}
	if st.Version != lbVersion {
		return fmt.Errorf("leaderboard: state version %d, want %d", st.Version, lbVersion)
	}
	if st.Players == nil {
		st.Players = map[string]*Totals{}
	}
	if st.Open == nil {
		st.Open = map[string]*MatchStats{}
	}
	if st.Ended == nil {
		st.Ended = map[string]*lbMatch{}
	}
	for id, e := range st.Ended {
		if e == nil || e.Players == nil {
			return fmt.Errorf("leaderboard: ended match %s without players", id)
		}
	}
	l.st = st
	return nil
}

// Publish implements Publisher.
func (l *Leaderboard) Publish() {
	totals := make(map[string]*Totals, len(l.st.Players))
	for name, t := range l.st.Players {
		c := *t
		totals[name] = &c
	}
	v := &LeaderboardView{Matches: l.st.Matches, Ticks: l.st.Ticks}
	for _, s := range l.st.Open {
		v.Matches++
		v.Ticks += uint64(s.Ticks)
		addMatch(totals, s)
	}
	v.rows = make([]PlayerRow, 0, len(totals))
	for name, t := range totals {
		v.rows = append(v.rows, rowOf(name, t))
	}
	slices.SortFunc(v.rows, func(a, b PlayerRow) int { return cmp.Compare(a.Name, b.Name) })
	l.pub.Store(v)
}

// View returns the leaderboard as last published. It is never nil.
func (l *Leaderboard) View() *LeaderboardView {
	if v := l.pub.Load(); v != nil {
		return v
	}
	return &LeaderboardView{}
}

// LeaderboardView is a published leaderboard: immutable, safe for
// concurrent use.
type LeaderboardView struct {
	// Matches and Ticks count the matches consumed (in progress included)
	// and their ticks.
	Matches int64
	Ticks   uint64
	rows    []PlayerRow // by name

	mu     sync.Mutex
	orders map[order][]int32 // indexes into rows, by sort and direction
}

type order struct {
	by   Sort
	desc bool
}

// Len returns the number of players.
func (v *LeaderboardView) Len() int { return len(v.rows) }

// Page returns the players ranked offset to offset+limit-1 in the order by
// (descending if desc; ties by name), and the number of players. A negative
// limit means all.
func (v *LeaderboardView) Page(by Sort, desc bool, offset, limit int) (total int, rows []PlayerRow) {
	total = len(v.rows)
	if offset < 0 || offset >= total || limit == 0 {
		return total, []PlayerRow{}
	}
	end := total
	if limit > 0 {
		end = min(total, offset+limit)
	}
	idx := v.order(by, desc)
	rows = make([]PlayerRow, 0, end-offset)
	for _, i := range idx[offset:end] {
		rows = append(rows, v.rows[i])
	}
	return total, rows
}

func (v *LeaderboardView) order(by Sort, desc bool) []int32 {
	v.mu.Lock()
	defer v.mu.Unlock()
	k := order{by, desc}
	if idx, ok := v.orders[k]; ok {
		return idx
	}
	idx := make([]int32, len(v.rows))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortStableFunc(idx, func(a, b int32) int {
		c := by.compare(&v.rows[a], &v.rows[b])
		if desc {
			c = -c
		}
		return c // stable: ties stay by name
	})
	if v.orders == nil {
		v.orders = map[order][]int32{}
	}
	v.orders[k] = idx
	return idx
}

// Player returns the named player's row and rank by kills (1 is first).
func (v *LeaderboardView) Player(name string) (row PlayerRow, rank int, ok bool) {
	i, found := slices.BinarySearchFunc(v.rows, name, func(r PlayerRow, n string) int { return cmp.Compare(r.Name, n) })
	if !found {
		return PlayerRow{}, 0, false
	}
	for r, j := range v.order(ByKills, true) {
		if int(j) == i {
			rank = r + 1
			break
		}
	}
	return v.rows[i], rank, true
}
