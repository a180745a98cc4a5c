package menu

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/skirmishgg/skirmish/client/browse"
	"github.com/skirmishgg/skirmish/client/settings"
)

// server is a server of the browser and what is known of it.
type server struct {
	text    string // as the player typed it
	addr    browse.Address
	err     error // the text is not an address
	listing browse.Listing
	failed  error // the last fetch's error
	fetched bool  // a listing or an error arrived
	asked   time.Time

	// The maps it offers for new matches (GET /api/maps): mapsWant asks
	// for them at the next chance; mapsBusy while they are on the way.
	maps               []string
	mapsErr            error
	mapsWant, mapsBusy bool
}

// browser is the server browser's state.
type browser struct {
	servers []*server
	cur     int
	rows    []browse.Match // the current server's, sorted
	row     int            // the row selected
	first   int            // the first row shown
	shown   int            // how many rows fit
	sort    Column
	want    bool // refresh the current server at the next chance
	results []browse.Result
}

// sync makes the servers those of list, keeping what is known of each.
func (b *browser) sync(list []settings.Server) {
	var cur string
	if s := b.current(); s != nil {
		cur = s.text
	}
	var out []*server
	for _, sv := range list {
		i := slices.IndexFunc(b.servers, func(s *server) bool { return s.text == sv.Address })
		if i >= 0 {
			out = append(out, b.servers[i])
			continue
		}
		s := &server{text: sv.Address}
		s.addr, s.err = browse.ParseAddress(sv.Address)
		out = append(out, s)
	}
	b.servers = out
	b.cur = max(0, slices.IndexFunc(out, func(s *server) bool { return s.text == cur }))
	b.sortRows()
}

// pick selects the server of address a.
func (b *browser) pick(a browse.Address) {
	if i := slices.IndexFunc(b.servers, func(s *server) bool { return s.err == nil && s.addr == a }); i >= 0 {
		b.choose(i)
	}
}

// choose selects server i.
func (b *browser) choose(i int) {
	if i == b.cur {
		return
	}
	b.cur, b.row, b.first = i, 0, 0
	b.want = true
	b.sortRows()
}

// current returns the server selected, or nil.
func (b *browser) current() *server {
	if b.cur < 0 || b.cur >= len(b.servers) {
		return nil
	}
	return b.servers[b.cur]
}

// stale asks for the current server to be refreshed.
func (b *browser) stale() { b.want = true }

// collect takes in the fetches that finished.
func (b *browser) collect(f Fetcher) {
	if f == nil {
		return
	}
	b.results = f.Poll(b.results[:0])
	for _, r := range b.results {
		for _, s := range b.servers {
			if s.err != nil || s.addr != r.Address {
				continue
			}
			switch r.Op {
			case browse.OpList:
				s.fetched, s.failed = true, r.Err
				if r.Err == nil {
					s.listing = r.Listing
				}
			case browse.OpMaps:
				s.mapsBusy, s.mapsErr = false, r.Err
				if r.Err == nil {
					s.maps = r.Maps
				}
			}
		}
	}
	if len(b.results) > 0 {
		b.sortRows()
	}
}

// autoRefresh refreshes the current server when asked to, or every every.
func (b *browser) autoRefresh(f Fetcher, now time.Time, every time.Duration) {
	s := b.current()
	if f == nil || s == nil || s.err != nil || f.Busy(s.addr) {
		return
	}
	if b.want || s.asked.IsZero() || now.Sub(s.asked) >= every {
		if f.Refresh(s.addr) {
			s.asked = now
			b.want = false
		}
	}
}

// askMaps asks for the current server's maps when they are wanted.
func (b *browser) askMaps(f Fetcher) {
	s := b.current()
	if f == nil || s == nil || s.err != nil || !s.mapsWant {
		return
	}
	if f.FetchMaps(s.addr) {
		s.mapsWant, s.mapsBusy = false, true
	}
}

// sortRows sorts the current server's matches by b.sort, keeping the
// selected match selected.
func (b *browser) sortRows() {
	var sel string
	if b.row >= 0 && b.row < len(b.rows) {
		sel = b.rows[b.row].ID
	}
	b.rows = b.rows[:0]
	if s := b.current(); s != nil {
		b.rows = append(b.rows, s.listing.Matches...)
	}
	slices.SortFunc(b.rows, func(x, y browse.Match) int {
		var c int
		switch b.sort {
		case ColMap:
			c = cmp.Compare(x.Map, y.Map)
		case ColPlayers:
			c = cmp.Compare(y.Players, x.Players)
		case ColAge: // the longest running first
			c = x.Started.Compare(y.Started)
		}
		return cmp.Or(c, cmp.Compare(x.ID, y.ID))
	})
	if i := slices.IndexFunc(b.rows, func(x browse.Match) bool { return x.ID == sel }); i >= 0 {
		b.row = i
	}
	b.row = max(0, min(len(b.rows)-1, b.row))
}

// fit keeps the selected row among the n shown.
func (b *browser) fit(n int) {
	b.shown = n
	if n <= 0 {
		return
	}
	if b.row < b.first {
		b.first = b.row
	} else if b.row >= b.first+n {
		b.first = b.row - n + 1
	}
	b.first = max(0, min(b.first, len(b.rows)-n))
}

// sortNames names the sort orders by column.
var sortNames = [NumColumns]string{"name", "map", "players", "age", ""}

// browserInput answers the keys and the mouse on the browser.
func (m *Model) browserInput(in *Input, moved bool) {
	b := &m.br
	l := &m.lay
	if i := at(l.Tabs, in.MouseX, in.MouseY); i >= 0 && in.Click {
		m.req.Click = true
		b.choose(l.TabFirst + i)
		return
	}
	if l.Header.Contains(in.MouseX, in.MouseY) && in.Click {
		if c := at(l.Columns[:], in.MouseX, in.MouseY); c >= 0 && sortNames[c] != "" {
			m.req.Click = true
			b.sort = Column(c)
			b.sortRows()
		}
		return
	}
	if r := at(l.Rows, in.MouseX, in.MouseY); r >= 0 && b.first+r < len(b.rows) {
		if moved || in.Click {
			b.row = b.first + r
		}
		if in.Click {
			m.join()
			return
		}
	}
	if in.Wheel != 0 && len(b.rows) > 0 {
		b.row = max(0, min(len(b.rows)-1, b.row-int(math.Round(in.Wheel))))
	}
	switch {
	case in.has(key("esc")):
		m.escape()
	case in.has(key("left")):
		m.req.Click = true
		b.choose((b.cur - 1 + len(b.servers)) % max(1, len(b.servers)))
	case in.has(key("right")), in.has(key("tab")):
		m.req.Click = true
		b.choose((b.cur + 1) % max(1, len(b.servers)))
	case in.has(key("up")):
		b.row = max(0, b.row-1)
	case in.has(key("down")):
		b.row = max(0, min(len(b.rows)-1, b.row+1))
	case in.has(key("enter")), in.has(key("kpenter")):
		m.join()
	case in.has(key("a")):
		m.req.Click = true
		m.open(ScreenAddServer)
	case in.has(key("c")):
		m.req.Click = true
		if s := b.current(); s == nil || s.err != nil {
			m.note("add a server first (A)", true)
		} else {
			m.open(ScreenCreate)
		}
	case in.has(key("r")):
		m.req.Click = true
		b.want = true
	case in.has(key("s")):
		m.req.Click = true
		b.sort = (b.sort + 1) % ColPing
		b.sortRows()
	case in.has(key("delete")):
		if s := b.current(); s != nil {
			m.req.Click = true
			m.s.RemoveServer(s.text)
			m.syncServers()
			m.save()
			m.note("removed "+s.text, false)
		}
	}
}

// join asks to join the match selected.
func (m *Model) join() {
	b := &m.br
	s := b.current()
	if s == nil || s.err != nil || b.row < 0 || b.row >= len(b.rows) {
		return
	}
	m.req.Click = true
	m.req.Kind, m.req.Server, m.req.Match = Join, s.addr, b.rows[b.row].ID
}

// BrowserView is the server browser to draw.
type BrowserView struct {
	// Tabs are the servers, Current the one selected (-1: none); the
	// layout's tabs show those from Layout.TabFirst.
	Tabs    []Tab
	Current int
	// Status is the current server's state: its matches and ping, a
	// fetch under way, or why it cannot be listed (Warn).
	Status string
	Warn   bool
	// Rows are the matches shown, Selected the row chosen (-1: none),
	// First the index of the first among all of them, Total how many.
	Rows         []Row
	Selected     int
	First, Total int
	Sort         Column
	SortName     string
	Empty        string // said when there is no row
	Headers      [NumColumns]string
}

// Tab is a server of the browser.
type Tab struct {
	Label string
	Warn  bool // it cannot be listed
}

// Row is a match of the browser's table, as text per column.
type Row struct {
	ID    string
	Cells [NumColumns]string
	Full  bool
}

func (b *browser) view(v *BrowserView, f Fetcher, now time.Time) {
	v.Current, v.Selected = -1, -1
	v.Sort, v.SortName = b.sort, sortNames[b.sort]
	v.Headers = [NumColumns]string{"match", "map", "players", "running", "ping"}
	for _, s := range b.servers {
		v.Tabs = append(v.Tabs, Tab{Label: s.text, Warn: s.err != nil || s.failed != nil})
	}
	s := b.current()
	switch {
	case s == nil:
		v.Empty = "no servers yet: press A to add one (host:port)"
		return
	case s.err != nil:
		v.Current, v.Status, v.Warn = b.cur, strings.TrimPrefix(s.err.Error(), "browse: "), true
		v.Empty = "this is not a server's address: Del removes it"
		return
	}
	v.Current = b.cur
	busy := f != nil && f.Busy(s.addr)
	switch {
	case !s.fetched:
		v.Status = "asking " + s.addr.HTTP + " for its matches…"
	case s.failed != nil:
		v.Status, v.Warn = strings.TrimPrefix(s.failed.Error(), "browse: "), true
	default:
		l := &s.listing
		v.Status = fmt.Sprintf("%d %s · ping %s · updated %s ago", len(l.Matches), plural(len(l.Matches), "match", "matches"),
			ping(l.Ping), ago(now.Sub(l.At)))
		if l.Skipped > 0 {
			v.Status += fmt.Sprintf(" · %d entries not understood", l.Skipped)
		}
	}
	if busy && s.fetched {
		v.Status += " · refreshing…"
	}
	if len(b.rows) == 0 {
		if s.fetched && s.failed == nil {
			v.Empty = "no match runs here: press C to create one"
		}
		return
	}
	v.Total, v.First, v.Selected = len(b.rows), b.first, b.row-b.first
	for i := b.first; i < min(len(b.rows), b.first+b.shown); i++ {
		x := &b.rows[i]
		players := fmt.Sprint(x.Players)
		if x.MaxPlayers > 0 {
			players += fmt.Sprintf("/%d", x.MaxPlayers)
		}
		id := x.ID
		if x.Node != "" {
			id += " @" + x.Node
		}
		running := fmt.Sprintf("tick %d", x.Tick)
		if a := x.Age(now); a > 0 {
			running = ago(a) + " · " + running
		}
		v.Rows = append(v.Rows, Row{ID: x.ID, Full: x.Full(),
			Cells: [NumColumns]string{id, x.Map, players, running, ping(s.listing.Ping)}})
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ping formats a round trip: "<1 ms", "23 ms", "–" when unknown.
func ping(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return "<1 ms"
	}
	return fmt.Sprintf("%d ms", d.Milliseconds())
}

// ago formats a duration as a player reads it: "12 s", "4 min", "2 h 05".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(max(0, d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
	return fmt.Sprintf("%d h %02d", int(d.Hours()), int(d.Minutes())%60)
}
