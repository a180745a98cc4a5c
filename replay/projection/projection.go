package projection

import (
	"regexp"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// Projection consumes the events of matches, with the world at each tick,
// and maintains a read model. An Engine (or PlayFile) calls its methods from
// one goroutine, in this order for each match: Start once, Apply for every
// tick in order, End once, and Remove if the match's file goes. Matches
// interleave: two live matches feed their ticks alternately, each with its
// own Match.
//
// Start, Apply and End are called exactly once per match and tick, across
// restarts, as long as MarshalState and UnmarshalState round-trip the state:
// the engine checkpoints the state together with how far each match has been
// consumed, and resumes from there.
//
// A read model is derived from the files in the directory, and stays so when
// files go: once an engine has seen that a file was removed (Engine.Removed,
// or its next scan of the directory), every projection's state is what a
// new engine, without checkpoints, builds from the files that remain. That
// is what Remove must do, and why a projection keeps, for each match it has
// seen, what it needs to take the match back.
type Projection interface {
	// Name names the projection and its checkpoint file: 1 to 32 lowercase
	// letters, digits, '-' or '_', starting with a letter or digit.
	Name() string
	// Start begins a match; w is the world its recording starts from.
	Start(m *Match, w *sim.World)
	// Apply takes one tick of a match.
	Apply(t *Tick)
	// End ends a match: its file's footer was reached, or its file stopped
	// without one (m.Recovered). m.LastTick is the last tick applied.
	End(m *Match)
	// Remove takes back everything the match m.ID contributed, ended or
	// not: its file has been removed. Afterwards the state must be what it
	// would be had the match never been seen (MarshalState gives the same
	// bytes). Only m.ID is sure to be set (the rest is, for a match not yet
	// ended). A match the projection never started (an empty recording) is
	// removed too, and then nothing changes.
	Remove(m *Match)
	// MarshalState returns the projection's whole state as JSON, matches in
	// progress included.
	MarshalState() ([]byte, error)
	// UnmarshalState replaces the state with one that MarshalState
	// returned; nil resets it to empty. After an error the engine resets
	// the projection with nil and rebuilds it from history.
	UnmarshalState(b []byte) error
}

// Publisher is implemented by projections whose read model is queried from
// other goroutines. The engine calls Publish, on its goroutine, after each
// batch of work (at most a few times a second); the projection then makes an
// immutable copy of its read model available (an atomic.Pointer, say), which
// its query methods read from any goroutine.
type Publisher interface {
	Publish()
}

// Match describes the match of one replay file. Projections get a pointer
// that is valid during the call; they copy what they keep.
type Match struct {
	// ID is the replay's id: its file name without the .skr extension. It
	// is unique within a replay directory (MatchID is not: a named match
	// may be played many times), so read models key matches by it.
	ID       string    `json:"id"`
	MatchID  string    `json:"match_id"`
	Map      string    `json:"map"` // the map's id, as in assets/maps
	TickRate int32     `json:"tick_rate"`
	Start    time.Time `json:"start"`
	// FirstTick is the tick of the world the recording starts from.
	FirstTick uint32 `json:"first_tick"`
	// LastTick is the last tick applied; End sees it set.
	LastTick uint32 `json:"last_tick"`
	// Recovered is set for End when the file ended without a footer (a
	// crashed match) or at a corrupt chunk: the match ends at its last
	// readable tick.
	Recovered bool `json:"recovered,omitempty"`
}

func matchOf(id string, h replay.Header) Match {
	return Match{ID: id, MatchID: h.MatchID, Map: h.Map, TickRate: h.TickRate, Start: h.Start,
		FirstTick: h.StartTick, LastTick: h.StartTick}
}

// Tick is one tick of a match: its frame, the worlds before and after it,
// and what it did (replay.TickAnalyzer's facts). Everything in it is valid
// only during Apply and must not be changed.
type Tick struct {
	Match  *Match
	Frame  *protocol.Frame // the tick's events; Frame.Tick is the tick
	Before *sim.World      // the world before the tick
	World  *sim.World      // the world after the tick
	// Facts says which inputs were accepted, who hit whom, how the kill
	// counters changed and how far each player walked; Facts.Players[i] is
	// about World.Players[i].
	Facts *replay.TickFacts
}

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// ValidName reports whether s may name a projection, or a map in a query:
// 1 to 32 lowercase letters, digits, '-' or '_', starting with a letter or
// digit. Such a name is safe in a file name and a URL path.
func ValidName(s string) bool { return namePattern.MatchString(s) }
