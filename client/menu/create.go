package menu

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/skirmishgg/skirmish/client/browse"
)

// The create screen: a new match on the browser's server, with a name
// (or the server's choice) and one of the server's maps (or its own).
// The server's maps are asked for when the screen opens; the creation
// (POST /api/matches) runs on the Fetcher's goroutines, and its answer,
// read by a later frame, joins the match or says why not.

// pendingCreate is a creation under way.
type pendingCreate struct {
	addr browse.Address
	id   string // "": the server chooses
}

// matchID is what the server takes as a match's id.
var matchID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// createItems appends the create screen's items to dst.
func (m *Model) createItems(dst []Item) []Item {
	name := Item{id: itemMatchName, Kind: Text, Label: "Name", Value: m.create}
	switch {
	case m.fieldErr != "":
		name.Note, name.Warn = m.fieldErr, true
	case m.create == "":
		name.Note = "none: the server names it"
	}
	mp := Item{id: itemCreateMap, Kind: Choice, Label: "Map", Value: m.createMap}
	var server string
	if s := m.br.current(); s != nil {
		server = s.text
		switch {
		case s.mapsBusy && s.maps == nil:
			mp.Note = "asking the server for its maps…"
		case s.mapsErr != nil:
			mp.Note, mp.Warn = "cannot list its maps: "+strings.TrimPrefix(s.mapsErr.Error(), "browse: "), true
		case len(s.maps) > 0:
			mp.Note = fmt.Sprintf("%d %s on this server", len(s.maps), plural(len(s.maps), "map", "maps"))
		}
	}
	if m.createMap == "" {
		mp.Value = "the server's own"
	}
	create := Item{id: itemCreate, Kind: Button, Label: "Create and join"}
	if m.creating != nil {
		create.Note = "creating…"
	}
	return append(dst, name, mp, Item{id: itemServer, Kind: Label, Label: "Server", Value: server},
		create, Item{id: itemBack, Kind: Button, Label: "Back"})
}

// createMaps is what the Map item cycles through: the server's own
// (""), then the maps the server offers.
func (m *Model) createMaps() []string {
	maps := []string{""}
	if s := m.br.current(); s != nil {
		maps = append(maps, s.maps...)
	}
	return maps
}

// createMatch asks the browser's server for a new match with the name
// typed and the map chosen; the match is joined when the server answers
// (created).
func (m *Model) createMatch() {
	s := m.br.current()
	switch {
	case m.creating != nil:
		return // one at a time: the answer comes in a later frame
	case s == nil || s.err != nil:
		m.fieldErr = "no server chosen"
	case m.create != "" && !matchID.MatchString(m.create):
		m.fieldErr = "name: 1 to 32 lowercase letters, digits or dashes, not starting with a dash"
	case m.create != "" && slices.ContainsFunc(s.listing.Matches, func(x browse.Match) bool { return x.ID == m.create }):
		m.fieldErr = "a match of that name runs already: join it from the list"
	case !slices.Contains(m.createMaps(), m.createMap):
		m.createMap, m.fieldErr = "", "that map is gone from the server's list: choose again"
	case m.o.Fetcher == nil:
		m.fieldErr = "cannot create matches here"
	case !m.o.Fetcher.Create(s.addr, m.create, m.createMap):
		m.fieldErr = "a match is still being created on this server: try again in a moment"
	default:
		m.fieldErr = ""
		m.creating = &pendingCreate{addr: s.addr, id: m.create}
	}
}

// created reads the answer to the creation under way, if it came: a
// match to join, or the server's reason for not making it. An answer
// nobody waits for any more (the screen was left) is dropped; the match
// it made ends by itself, unplayed.
func (m *Model) created() {
	p := m.creating
	if p == nil {
		return
	}
	for _, r := range m.br.results {
		if r.Op != browse.OpCreate || r.Address != p.addr {
			continue
		}
		m.creating = nil
		var no *browse.RefusedError
		switch {
		case errors.As(r.Err, &no) && no.Reason != "":
			m.fieldErr = no.Reason // what the server said, which the note must not cut
			return
		case r.Err != nil:
			m.fieldErr = strings.TrimPrefix(r.Err.Error(), "browse: ")
			return
		}
		m.req.Kind, m.req.Server, m.req.Match = Join, p.addr, r.Created.ID
		return
	}
}
