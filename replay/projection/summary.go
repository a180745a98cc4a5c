package projection

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/skirmishgg/skirmish/sim"
)

// Match states in a summary.
const (
	StateRunning   = "running"   // started, not ended: live, or being caught up
	StateEnded     = "ended"     // the file's footer was reached
	StateRecovered = "recovered" // the file stopped without a footer (a crash) or at a corrupt chunk
)

// MatchSummary is the summary of one match.
type MatchSummary struct {
	ID        string    `json:"id"` // the replay id
	MatchID   string    `json:"match"`
	Map       string    `json:"map"`
	Started   time.Time `json:"started"`
	State     string    `json:"state"`
	TickRate  int32     `json:"tick_rate"`
	Ticks     uint32    `json:"ticks"`
	DurationS float64   `json:"duration_s"`
	// Players are ranked by kills, then deaths (fewer first), then name.
	Players []PlayerRow `json:"players"`
}

// Summaries is a read model of every match: its map, time, state, and each
// player's kills, deaths, shots, hits, time and distance. It keeps every
// match it has seen (a few hundred bytes per player and match, in its
// checkpoint too).
//
// The engine drives it; View may be called from any goroutine.
type Summaries struct {
	st    sumState
	dirty map[string]bool // matches changed since the last publish
	pub   atomic.Pointer[SummariesView]
}

type sumState struct {
	Version int                     `json:"v"`
	Matches map[string]*matchRecord `json:"matches"` // by replay id
}

type matchRecord struct {
	Match Match       `json:"match"`
	State string      `json:"state"`
	Stats *MatchStats `json:"stats"`
}

const sumVersion = 1

// NewSummaries returns an empty Summaries.
func NewSummaries() *Summaries {
	s := &Summaries{}
	s.reset()
	return s
}

func (s *Summaries) reset() {
	s.st = sumState{Version: sumVersion, Matches: map[string]*matchRecord{}}
	s.dirty = map[string]bool{}
	s.pub.Store(nil) // everything is new
}

// Name implements Projection.
func (s *Summaries) Name() string { return "summaries" }

// Start implements Projection.
func (s *Summaries) Start(m *Match, w *sim.World) {
	s.st.Matches[m.ID] = &matchRecord{Match: *m, State: StateRunning, Stats: NewMatchStats(m, w)}
	s.dirty[m.ID] = true
}

// Apply implements Projection.
func (s *Summaries) Apply(t *Tick) {
	if r := s.st.Matches[t.Match.ID]; r != nil {
		r.Stats.Apply(t)
		r.Match.LastTick = t.World.Tick
		s.dirty[t.Match.ID] = true
	}
}

// End implements Projection.
func (s *Summaries) End(m *Match) {
	r := s.st.Matches[m.ID]
	if r == nil {
		return
	}
	r.State = StateEnded
	if m.Recovered {
		r.State = StateRecovered
	}
	r.Match.LastTick, r.Match.Recovered = m.LastTick, m.Recovered
	s.dirty[m.ID] = true
}

// Remove implements Projection: the match's summary goes.
func (s *Summaries) Remove(m *Match) {
	if _, ok := s.st.Matches[m.ID]; ok {
		delete(s.st.Matches, m.ID)
		s.dirty[m.ID] = true
	}
}

// MarshalState implements Projection.
func (s *Summaries) MarshalState() ([]byte, error) { return json.Marshal(&s.st) }

// UnmarshalState implements Projection.
func (s *Summaries) UnmarshalState(b []byte) error {
	s.reset()
	if b == nil {
		return nil
	}
	var st sumState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("summaries: %w", err)
	}
	if st.Version != sumVersion {
		return fmt.Errorf("summaries: state version %d, want %d", st.Version, sumVersion)
	}
	for id, r := range st.Matches {
		if r == nil || r.Stats == nil {
			return fmt.Errorf("summaries: match %s without stats", id)
		}
	}
	if st.Matches == nil {
		st.Matches = map[string]*matchRecord{}
	}
	s.st = st
	return nil
}

// Publish implements Publisher. Only the matches that changed are
// summarized again.
func (s *Summaries) Publish() {
	old := s.pub.Load()
	if old != nil && len(s.dirty) == 0 {
		return
	}
	v := &SummariesView{byID: map[string]*MatchSummary{}, latest: map[string]string{}}
	if old != nil {
		v.byID = maps.Clone(old.byID)
		v.latest = maps.Clone(old.latest)
		var gone map[string]bool // match ids whose latest replay may have been removed
		for id := range s.dirty {
			if r := s.st.Matches[id]; r != nil {
				v.add(summarize(r))
			} else if ms := v.byID[id]; ms != nil {
				delete(v.byID, id)
				if gone == nil {
					gone = map[string]bool{}
				}
				gone[ms.MatchID] = true
			}
		}
		if gone != nil {
			for mid := range gone {
				delete(v.latest, mid)
			}
			for _, ms := range v.byID {
				if gone[ms.MatchID] {
					v.add(ms)
				}
			}
		}
	} else {
		for _, r := range s.st.Matches {
			v.add(summarize(r))
		}
	}
	clear(s.dirty)
	s.pub.Store(v)
}

func summarize(r *matchRecord) *MatchSummary {
	m := &r.Match
	sum := &MatchSummary{ID: m.ID, MatchID: m.MatchID, Map: m.Map, Started: m.Start.UTC(), State: r.State,
		TickRate: m.TickRate, Ticks: r.Stats.Ticks, Players: []PlayerRow{}}
	sum.DurationS = float64(ms(int64(r.Stats.Ticks), m.TickRate)) / 1000
	// By name, as in the leaderboard: one person who left and joined again
	// is one line.
	totals := map[string]*Totals{}
	addMatch(totals, r.Stats)
	for name, t := range totals {
		sum.Players = append(sum.Players, rowOf(name, t))
	}
	slices.SortFunc(sum.Players, func(a, b PlayerRow) int {
		if c := cmp.Compare(b.Kills, a.Kills); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Deaths, b.Deaths); c != 0 {
			return c
		}
		return cmp.Compare(a.Name, b.Name)
	})
	return sum
}

// View returns the summaries as last published. It is never nil.
func (s *Summaries) View() *SummariesView {
	if v := s.pub.Load(); v != nil {
		return v
	}
	return &SummariesView{}
}

// SummariesView is a published set of summaries: immutable, safe for
// concurrent use.
type SummariesView struct {
	byID   map[string]*MatchSummary
	latest map[string]string // match id -> replay id of its latest start
}

func (v *SummariesView) add(ms *MatchSummary) {
	v.byID[ms.ID] = ms
	if cur, ok := v.latest[ms.MatchID]; !ok || later(ms, v.byID[cur]) {
		v.latest[ms.MatchID] = ms.ID
	}
}

// later reports whether a started after b (by replay id when at the same
// time), so that "the latest" does not depend on the order matches came in.
func later(a, b *MatchSummary) bool {
	if !a.Started.Equal(b.Started) {
		return a.Started.After(b.Started)
	}
	return a.ID > b.ID
}

// Len returns the number of matches.
func (v *SummariesView) Len() int { return len(v.byID) }

// Get returns the summary of the match whose replay id is id or, failing
// that, of the latest match whose match id is id. The summary is shared:
// the caller must not change it.
func (v *SummariesView) Get(id string) (*MatchSummary, bool) {
	if ms, ok := v.byID[id]; ok {
		return ms, true
	}
	if rid, ok := v.latest[id]; ok {
		return v.byID[rid], true
	}
	return nil, false
}

// PlayerMatch is a player's line in one match, for a player's history.
type PlayerMatch struct {
	ID      string    `json:"id"` // the replay id
	Map     string    `json:"map"`
	Started time.Time `json:"started"`
	State   string    `json:"state"`
	Kills   int64     `json:"kills"`
	Deaths  int64     `json:"deaths"`
}

// PlayerMatches returns the latest limit matches the named player played,
// latest first.
func (v *SummariesView) PlayerMatches(name string, limit int) []PlayerMatch {
	var all []*MatchSummary
	for _, ms := range v.byID {
		for i := range ms.Players {
			if ms.Players[i].Name == name {
				all = append(all, ms)
				break
			}
		}
	}
	slices.SortFunc(all, func(a, b *MatchSummary) int {
		if later(a, b) {
			return -1
		}
		return 1
	})
	out := []PlayerMatch{}
	for _, ms := range all[:min(len(all), max(limit, 0))] {
		pm := PlayerMatch{ID: ms.ID, Map: ms.Map, Started: ms.Started, State: ms.State}
		for i := range ms.Players {
			if p := &ms.Players[i]; p.Name == name {
				pm.Kills, pm.Deaths = p.Kills, p.Deaths
			}
		}
		out = append(out, pm)
	}
	return out
}
