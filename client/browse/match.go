package browse

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// Match is a running match as GET /api/matches lists it. Fields a server
// does not send stay zero: a standalone server sends no Node, URL or
// MaxPlayers.
type Match struct {
	ID      string    `json:"id"`
	Map     string    `json:"map"`
	Players int       `json:"players"`
	Tick    uint32    `json:"tick"`
	Started time.Time `json:"started"`
	State   string    `json:"state"`
	Replay  string    `json:"replay"`
	// In a fleet: the node that hosts the match, its address, and the
	// most players the match takes (0: not said).
	Node       string `json:"node"`
	URL        string `json:"url"`
	MaxPlayers int    `json:"max_players"`
}

// MaxListing is the most bytes of a listing read: a fleet of many nodes
// lists thousands of matches in a few hundred KiB.
const MaxListing = 4 << 20

// maxID bounds a match id: the servers' are at most 32 bytes.
const maxID = 64

// DecodeMatches reads the body of GET /api/matches: a JSON array of
// matches. Fields it does not know are ignored; an entry that is not a
// match (not an object, no id, a field of the wrong type) is skipped and
// counted in skipped, so that one odd entry does not hide the others.
func DecodeMatches(data []byte) (ms []Match, skipped int, err error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrListing, err)
	}
	ms = make([]Match, 0, len(raw))
	for _, r := range raw {
		var m Match
		if err := json.Unmarshal(r, &m); err != nil || !validID(m.ID) || m.Players < 0 || m.MaxPlayers < 0 {
			skipped++
			continue
		}
		ms = append(ms, m)
	}
	return ms, skipped, nil
}

// validID reports whether id can name a match to join: printable, short.
func validID(id string) bool {
	if id == "" || len(id) > maxID || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// Age returns how long the match has run at now, or 0 if it did not say
// when it started.
func (m *Match) Age(now time.Time) time.Duration {
	if m.Started.IsZero() {
		return 0
	}
	return max(0, now.Sub(m.Started))
}

// Full reports whether the match has as many players as it takes, when it
// says how many that is.
func (m *Match) Full() bool { return m.MaxPlayers > 0 && m.Players >= m.MaxPlayers }
