package viewer

import (
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// TakeOver is what T asks for: to play on from the tick shown, in a
// practice match forked from the recording there, as the player the
// camera follows (or the first, if it follows nobody who is there). The
// viewer pauses; the Ebiten layer takes the request (App.TakeOver), starts
// the match and comes back to the viewer, at the same tick, when it ends.
type TakeOver struct {
	// Source is the recording (the Model's, which it keeps owning) and
	// SourceID the id a fork records as its origin (SourceID).
	Source   *replay.Reader
	SourceID string
	// Tick is the tick shown; Player and Name the player to play.
	Tick   uint32
	Player sim.PlayerID
	Name   string
}

// askTakeOver pauses and makes the take-over request for the tick shown.
func (m *Model) askTakeOver() {
	w := m.pb.World()
	id := m.target()
	p := w.Player(id)
	if p == nil {
		m.note = "cannot take over: nobody plays at this tick"
		return
	}
	m.playing, m.following = false, false
	m.takeOver = &TakeOver{Source: m.r, SourceID: SourceID(m.o.Name, m.r.Header()), Tick: w.Tick, Player: id, Name: p.Name}
}

// TakeOver returns the take-over asked for since the last call, if any.
func (m *Model) TakeOver() (TakeOver, bool) {
	t := m.takeOver
	m.takeOver = nil
	if t == nil {
		return TakeOver{}, false
	}
	return *t, true
}

// TakeOverFailed shows why a take-over could not start, until the
// playhead next moves.
func (m *Model) TakeOverFailed(err error) { m.note = "cannot take over: " + err.Error() }

// TakeOver returns the take-over asked for on the recording shown, if any
// (Model.TakeOver).
func (a *App) TakeOver() (TakeOver, bool) {
	if a.screen != ScreenWatch {
		return TakeOver{}, false
	}
	return a.model.TakeOver()
}

// TakeOverFailed shows on the recording why a take-over could not start.
func (a *App) TakeOverFailed(err error) {
	if a.screen == ScreenWatch {
		a.model.TakeOverFailed(err)
	}
}

// SourceID returns the id that a fork of the recording called name (a
// file, or a URL of a server's replay or live match) with header h
// records as its origin: a file's name without .skr, the last element of
// a URL's path (a replay's id; a live match's match id), or the header's
// match id when there is no name. It is at most replay.MaxOriginIDLen
// bytes of UTF-8.
func SourceID(name string, h replay.Header) string {
	id := ""
	switch {
	case IsURL(name):
		if u, err := url.Parse(name); err == nil {
			p := strings.TrimSuffix(u.Path, "/")
			p = strings.TrimSuffix(p, "/live")
			id = path.Base(p)
		}
	case name != "":
		id = strings.TrimSuffix(filepath.Base(name), replay.Extension)
	}
	if id == "" || id == "." || id == "/" {
		id = h.MatchID
	}
	if id == "" {
		id = "replay"
	}
	id = strings.ToValidUTF8(id, "_")
	for len(id) > replay.MaxOriginIDLen {
		_, n := utf8.DecodeLastRuneInString(id)
		id = id[:len(id)-n]
	}
	return id
}
