package menu

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/browse"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/keys"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/client/settings"
	skirmishd "github.com/skirmishgg/skirmish/server"
)

// driver runs a Model frame by frame, as the Ebiten layer does.
type driver struct {
	t    *testing.T
	m    *Model
	s    *settings.Settings
	path string
	now  time.Time
	w, h float64
	reqs []Request
}

func newDriver(t *testing.T, o Options) *driver {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	path := filepath.Join(dir, "skirmish", "settings.json")
	s := settings.Defaults()
	if o.Settings != nil {
		s = *o.Settings
	}
	d := &driver{t: t, s: &s, path: path, now: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC), w: 1280, h: 720}
	o.Settings = d.s
	o.Save = func(s *settings.Settings) error { return settings.Save(path, s) }
	if o.Maps == nil {
		o.Maps = []string{"arena", "maze"}
		o.Brains = []string{"chase", "random"}
	}
	d.m = New(o)
	return d
}

// frame runs one frame with input in (the screen size and time filled in).
func (d *driver) frame(in Input) Request {
	d.now = d.now.Add(time.Second / 60)
	in.W, in.H, in.Now = d.w, d.h, d.now
	r := d.m.Update(in)
	if r.Kind != None {
		d.reqs = append(d.reqs, r)
	}
	return r
}

// press presses keys, one frame each, and returns the last request.
func (d *driver) press(names ...string) Request {
	d.t.Helper()
	var r Request
	for _, n := range names {
		k, ok := keys.Parse(n)
		if !ok {
			d.t.Fatalf("no key %q", n)
		}
		r = d.frame(Input{Pressed: []keys.Key{k}})
	}
	return r
}

// typeText types s.
func (d *driver) typeText(s string) { d.frame(Input{Text: s}) }

// selected returns the label of the item selected.
func (d *driver) selected() string {
	v := d.m.View()
	return v.Items[v.Selected].Label
}

// item returns the item labelled label.
func (d *driver) item(label string) Item {
	d.t.Helper()
	for _, it := range d.m.View().Items {
		if it.Label == label {
			return it
		}
	}
	d.t.Fatalf("no item %q on %v", label, d.m.Screen())
	return Item{}
}

// saved reads the settings file.
func (d *driver) saved() settings.Settings {
	d.t.Helper()
	s, note, err := settings.Load(d.path)
	if err != nil || note != "" {
		d.t.Fatalf("settings file: %q, %v", note, err)
	}
	return s
}

// TestPractice chooses a map, bots and a brain and starts practice; the
// choice is saved for the next time.
func TestPractice(t *testing.T) {
	d := newDriver(t, Options{})
	if d.m.Screen() != ScreenMain || d.selected() != "Practice" {
		t.Fatalf("opened on %v at %q", d.m.Screen(), d.selected())
	}
	if r := d.press("enter"); !r.Click || d.m.Screen() != ScreenPractice {
		t.Fatalf("Enter on Practice: %+v, screen %v", r, d.m.Screen())
	}
	d.press("right")                                // map: maze
	d.press("down", "left", "left", "left", "left") // bots: 3 → 0 → 15 (wraps)
	d.press("down", "right")                        // brain: random
	if d.item("Bots").Value != "15" || d.item("Map").Value != "maze" || d.item("Bots' brain").Value != "random" {
		t.Fatalf("items %+v", d.m.View().Items)
	}
	r := d.press("down", "enter")
	if r.Kind != Practice || r.Practice != (settings.Practice{Map: "maze", Bots: 15, Brain: "random"}) {
		t.Fatalf("Start: %+v", r)
	}
	if s := d.saved(); s.Practice != r.Practice {
		t.Errorf("saved practice %+v, want %+v", s.Practice, r.Practice)
	}
	if d.press("esc"); d.m.Screen() != ScreenMain {
		t.Errorf("Esc from practice: %v", d.m.Screen())
	}
}

// TestSettingsScreen edits every setting with the keys, and leaving the
// screen saves them; an invalid name is refused and said so.
func TestSettingsScreen(t *testing.T) {
	d := newDriver(t, Options{})
	d.press("down", "down", "down", "enter") // Settings
	if d.m.Screen() != ScreenSettings || d.selected() != "Name" {
		t.Fatalf("screen %v at %q", d.m.Screen(), d.selected())
	}
	for range len(d.s.Name) {
		d.press("backspace")
	}
	if it := d.item("Name"); it.Value != "" || !it.Warn || d.s.Name == "" {
		t.Errorf("an empty name: %+v, settings %q", it, d.s.Name)
	}
	d.typeText("ada lovelace")
	if d.s.Name != "ada lovelace" || d.item("Name").Warn {
		t.Errorf("name %q, item %+v", d.s.Name, d.item("Name"))
	}
	var changed []bool
	for _, k := range []string{"down", "left", "left", "down", "right", "down", "enter", "down", "right", "down", "enter", "down", "enter", "down", "enter"} {
		changed = append(changed, d.press(k).Changed)
	}
	want := settings.Settings{Audio: settings.Audio{Master: 60, Effects: 90, Mute: true}, Window: settings.Window{Width: 1600, Height: 900, Fullscreen: true}}
	if d.s.Audio != want.Audio || d.s.Window != want.Window || d.s.Vsync || !d.s.NetStats {
		t.Errorf("settings %+v", d.s)
	}
	if !slices.Equal(changed, []bool{false, true, true, false, true, false, true, false, true, false, true, false, true, false, true}) {
		t.Errorf("Changed by frame %v", changed)
	}
	if s := d.saved(); s.Name == "ada lovelace" {
		t.Error("saved before leaving the screen")
	}
	d.press("esc")
	s := d.saved()
	if d.m.Screen() != ScreenMain || s.Name != "ada lovelace" || s.Audio != want.Audio || s.Window != want.Window || s.Vsync || !s.NetStats {
		t.Errorf("after Esc: screen %v, saved %+v", d.m.Screen(), s)
	}
}

// TestRebind binds forward to I: W no longer moves forward, I does; a key
// taken by another action is shown as a conflict; Esc cancels a capture;
// the bindings are saved.
func TestRebind(t *testing.T) {
	d := newDriver(t, Options{})
	d.press("down", "down", "down", "enter") // Settings
	for d.selected() != "Keys…" {
		d.press("down")
	}
	d.press("enter")
	if d.m.Screen() != ScreenKeys || d.selected() != "Forward" || d.item("Forward").Value != "W / ↑" {
		t.Fatalf("keys screen: %v at %q %+v", d.m.Screen(), d.selected(), d.m.View().Items)
	}
	d.press("enter")
	if v := d.m.View(); !strings.Contains(v.Capture, "Forward") {
		t.Fatalf("capture %q", v.Capture)
	}
	d.press("i")
	if d.item("Forward").Value != "I / ↑" {
		t.Errorf("forward %q after pressing I", d.item("Forward").Value)
	}
	b := d.m.Bindings()
	i, _ := keys.Parse("i")
	w, _ := keys.Parse("w")
	if !b.Held(keys.Set{}.With(i, true)).Has(game.KeyForward) || b.Held(keys.Set{}.With(w, true)).Has(game.KeyForward) {
		t.Error("the bindings do not move forward on I only")
	}
	// Fire on E: a conflict with strafing right, shown on both.
	for d.selected() != "Fire" {
		d.press("down")
	}
	d.press("enter", "e")
	if it := d.item("Fire"); !it.Warn || !strings.Contains(it.Note, "Strafe right") {
		t.Errorf("fire on E: %+v, want a conflict with strafe right", it)
	}
	if it := d.item("Strafe right"); !it.Warn || !strings.Contains(it.Note, "Fire") {
		t.Errorf("strafe right: %+v, want a conflict with fire", it)
	}
	// Esc during a capture cancels it and stays on the screen.
	d.press("enter", "esc")
	if d.m.Screen() != ScreenKeys || d.item("Fire").Value != "E" {
		t.Errorf("Esc in a capture: screen %v, fire %q", d.m.Screen(), d.item("Fire").Value)
	}
	// The menu's key cannot be rebound.
	for d.selected() != "Respawn" {
		d.press("down")
	}
	d.press("down")
	if d.selected() == "Menu" {
		t.Error("the menu's key can be chosen")
	}
	d.press("esc", "esc")
	s := d.saved()
	got, err := game.ParseBindings(s.Keys)
	if err != nil || got.Label(game.KeyForward) != "I / ↑" || got.Label(game.KeyFire) != "E" {
		t.Errorf("saved keys %v (%v)", s.Keys, err)
	}
}

// TestPauseMenu: Esc resumes, Q quits, the settings go back to it.
func TestPauseMenu(t *testing.T) {
	d := newDriver(t, Options{Start: ScreenPause})
	d.m.SetInGame(true)
	if r := d.press("esc"); r.Kind != Resume {
		t.Errorf("Esc: %+v, want resume", r)
	}
	if r := d.press("q"); r.Kind != Quit {
		t.Errorf("Q: %+v, want quit", r)
	}
	d.press("down", "enter")
	if d.m.Screen() != ScreenSettings || !d.m.View().Overlay {
		t.Fatalf("settings from the pause menu: %v", d.m.Screen())
	}
	d.press("esc")
	if d.m.Screen() != ScreenPause {
		t.Errorf("Esc from the settings went to %v, want the pause menu", d.m.Screen())
	}
	if r := d.press("down", "down", "enter"); r.Kind != Leave {
		t.Errorf("Leave the match: %+v", r)
	}
}

// startServer runs a real server with players in matches (name → players)
// and returns its address as a player would type it.
func startServer(t *testing.T, matches map[string]int) string {
	t.Helper()
	return startServerWith(t, skirmishd.Options{}, matches)
}

// startServerWith is startServer with the server's options o.
func startServerWith(t *testing.T, o skirmishd.Options, matches map[string]int) string {
	t.Helper()
	o.ReplayDir, o.Logger = t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := skirmishd.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	host := strings.TrimPrefix(hs.URL, "http://")
	for match, n := range matches {
		for i := range n {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			s, err := session.Dial(ctx, session.Options{URL: "ws://" + host + "/ws", Name: fmt.Sprintf("p%d", i), Match: match})
			cancel()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.CloseNow() })
		}
	}
	return host
}

// waitRows runs frames until the browser shows n rows (within 10 s).
func (d *driver) waitRows(n int) *BrowserView {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		d.frame(Input{})
		if v := &d.m.View().Browser; len(v.Rows) == n {
			return v
		}
		time.Sleep(5 * time.Millisecond)
	}
	d.t.Fatalf("the browser never showed %d rows: %+v", n, d.m.View().Browser)
	return nil
}

// TestBrowser adds a real server by typing its address, lists its
// matches, sorts them, joins one with Enter and one with a click, and
// creates one.
func TestBrowser(t *testing.T) {
	host := startServer(t, map[string]int{"friday": 2, "saturday": 1, "sunday": 3})
	b := browse.New(browse.Options{})
	defer b.Close()
	d := newDriver(t, Options{Fetcher: b})
	d.press("down", "enter")
	if d.m.Screen() != ScreenBrowser || !strings.Contains(d.m.View().Browser.Empty, "add one") {
		t.Fatalf("browser: %v %+v", d.m.Screen(), d.m.View().Browser)
	}
	d.press("a")
	d.typeText("host:99999")
	d.press("enter")
	if it := d.item("Address"); !it.Warn || !strings.Contains(it.Note, "bad port") {
		t.Fatalf("a bad address: %+v", it)
	}
	for range len("host:99999") {
		d.press("backspace")
	}
	d.typeText(host)
	d.press("enter")
	if d.m.Screen() != ScreenBrowser {
		t.Fatalf("after adding: %v", d.m.Screen())
	}
	if s := d.saved(); len(s.Servers) != 1 || s.Servers[0].Address != host {
		t.Errorf("saved servers %+v", s.Servers)
	}
	v := d.waitRows(3)
	ids := func(v *BrowserView) []string {
		var out []string
		for _, r := range v.Rows {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids(v); !slices.Equal(got, []string{"sunday", "friday", "saturday"}) || v.SortName != "players" {
		t.Errorf("rows %v by %s, want by players: sunday, friday, saturday", got, v.SortName)
	}
	if v.Rows[0].Cells[ColPlayers] != "3/20" || v.Rows[0].Cells[ColMap] != "arena" || !strings.Contains(v.Status, "3 matches · ping") {
		t.Errorf("row %+v, status %q", v.Rows[0], v.Status)
	}
	d.press("s", "s") // players → age → name
	if got := ids(&d.m.View().Browser); !slices.Equal(got, []string{"friday", "saturday", "sunday"}) {
		t.Errorf("by name: %v", got)
	}
	// A click on a column's header sorts by it.
	h := d.m.View().Layout.Columns[ColMap]
	d.frame(Input{MouseX: h.X + 5, MouseY: h.Y + h.H/2, Click: true})
	if v := d.m.View().Browser; v.SortName != "map" {
		t.Errorf("a click on the map's header sorts by %q", v.SortName)
	}
	d.press("s", "s", "s") // map → players → age → name
	// Sorting kept sunday, the first by players, selected: one up is
	// saturday.
	r := d.press("up", "enter")
	if r.Kind != Join || r.Match != "saturday" || r.Server.WS != "ws://"+host+"/ws" {
		t.Errorf("Enter on the second row: %+v", r)
	}
	// One click on a row joins it.
	row := d.m.View().Layout.Rows[2]
	if r := d.frame(Input{MouseX: row.X + 10, MouseY: row.Y + row.H/2, Click: true}); r.Kind != Join || r.Match != "sunday" {
		t.Errorf("a click on the third row: %+v", r)
	}
	// Create a match: a bad name is refused, a taken one too.
	d.press("c")
	d.typeText("Bad Name!")
	d.press("enter")
	if it := d.item("Name"); it.Value != "bad-name!" || !it.Warn {
		t.Errorf("name field %+v, want the name lowered, the space a dash, refused for the !", it)
	}
	for range 9 {
		d.press("backspace")
	}
	d.typeText("friday")
	d.press("enter")
	if it := d.item("Name"); !strings.Contains(it.Note, "runs already") {
		t.Errorf("a taken name: %+v", it)
	}
	for range 6 {
		d.press("backspace")
	}
	d.typeText("monday")
	if r := d.waitRequest("enter"); r.Kind != Join || r.Match != "monday" || r.Server.WS != "ws://"+host+"/ws" {
		t.Errorf("create: %+v", r)
	}
}

// waitRequest presses key, then runs frames until the menu asks for
// something (within 10 s), and returns that.
func (d *driver) waitRequest(key string) Request {
	d.t.Helper()
	if r := d.press(key); r.Kind != None {
		return r
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r := d.frame(Input{}); r.Kind != None {
			return r
		}
		time.Sleep(5 * time.Millisecond)
	}
	d.t.Fatalf("no request within 10 s after %s on %v: items %+v", key, d.m.Screen(), d.m.View().Items)
	return Request{}
}

// waitItem runs frames until the item labelled label satisfies cond
// (within 10 s), and returns it.
func (d *driver) waitItem(label string, cond func(Item) bool) Item {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		d.frame(Input{})
		if it := d.item(label); cond(it) {
			return it
		}
		time.Sleep(5 * time.Millisecond)
	}
	d.t.Fatalf("item %q never came as wanted: %+v", label, d.item(label))
	return Item{}
}

// TestCreateScreen: the create screen offers the server's maps, ← → and
// a click cycle through them, and Create and join makes the match on the
// server (named, or named by the server) before asking to join it; a
// refusal shows the server's reason, and the menu answers meanwhile.
func TestCreateScreen(t *testing.T) {
	host := startServerWith(t, skirmishd.Options{MaxMatchesPerIP: 2}, nil)
	b := browse.New(browse.Options{})
	defer b.Close()
	s := settings.Defaults()
	s.AddServer(host)
	d := newDriver(t, Options{Fetcher: b, Settings: &s, Start: ScreenBrowser})
	d.waitRows(0)
	d.press("c")
	if d.m.Screen() != ScreenCreate || d.item("Map").Value != "the server's own" {
		t.Fatalf("create screen: %v, map %+v", d.m.Screen(), d.item("Map"))
	}
	d.waitItem("Map", func(it Item) bool { return strings.Contains(it.Note, "3 maps") })
	d.press("down") // Name → Map
	if d.selected() != "Map" {
		t.Fatalf("selected %q", d.selected())
	}
	var seen []string
	for range 4 {
		d.press("right")
		seen = append(seen, d.item("Map").Value)
	}
	if want := []string{"arena", "duel", "yard", "the server's own"}; !slices.Equal(seen, want) {
		t.Errorf("→ cycles through %v, want %v", seen, want)
	}
	d.press("left") // yard
	it := d.m.View().Layout.Items[1]
	d.frame(Input{MouseX: it.X + 10, MouseY: it.Y + it.H/2, Click: true}) // a click steps on: the server's own
	d.frame(Input{MouseX: it.X + 10, MouseY: it.Y + it.H/2, Click: true}) // and wraps to arena
	d.press("right")                                                      // duel
	if v := d.item("Map").Value; v != "duel" {
		t.Fatalf("map %q after ←, two clicks and →, want duel", v)
	}
	d.press("up")
	d.typeText("friday")
	r := d.waitRequest("enter")
	if r.Kind != Join || r.Match != "friday" {
		t.Fatalf("create and join: %+v", r)
	}
	l, err := browse.Fetch(context.Background(), browse.Options{}, r.Server)
	if err != nil || len(l.Matches) != 1 || l.Matches[0].ID != "friday" || l.Matches[0].Map != "duel" {
		t.Fatalf("the server's matches: %+v %v, want friday on duel", l.Matches, err)
	}

	// No name: the server names it, on its own map.
	d.m.Open(ScreenCreate)
	r = d.waitRequest("enter")
	if r.Kind != Join || r.Match == "" || r.Match == "friday" {
		t.Fatalf("create without a name: %+v", r)
	}
	// The address has created two: the server refuses a third and says
	// why, and the screen stays, ready for another try.
	d.m.Open(ScreenCreate)
	d.typeText("third")
	if r := d.press("enter"); r.Kind != None {
		t.Fatalf("Enter asked for %+v at once", r)
	}
	if it := d.item("Create and join"); it.Note != "creating…" {
		t.Errorf("while creating: %+v", it)
	}
	got := d.waitItem("Name", func(it Item) bool { return it.Warn })
	if !strings.Contains(got.Note, "your address has created 2 running matches") || d.m.Screen() != ScreenCreate {
		t.Errorf("a refusal: %+v on %v, want the server's reason", got, d.m.Screen())
	}
	if len(d.reqs) != 2 {
		t.Errorf("requests %+v, want the two joins only", d.reqs)
	}
}

// TestBrowserUnreachable: a server that refuses connections says so, and
// the menu keeps answering meanwhile; Del removes it.
func TestBrowserUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	b := browse.New(browse.Options{})
	defer b.Close()
	s := settings.Defaults()
	s.AddServer(addr)
	d := newDriver(t, Options{Fetcher: b, Settings: &s, Start: ScreenBrowser})
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !d.m.View().Browser.Warn {
		d.frame(Input{})
		time.Sleep(5 * time.Millisecond)
	}
	v := d.m.View().Browser
	if !v.Warn || !strings.Contains(v.Status, "refused") || !v.Tabs[0].Warn {
		t.Fatalf("an unreachable server: %+v", v)
	}
	d.press("delete")
	if v := d.m.View().Browser; len(v.Tabs) != 0 || len(d.saved().Servers) != 0 {
		t.Errorf("after Del: %+v", v)
	}
}

// TestBrowseOption: -browse opens the browser on a server, added to the
// settings once.
func TestBrowseOption(t *testing.T) {
	host := startServer(t, map[string]int{"x": 1})
	b := browse.New(browse.Options{})
	defer b.Close()
	s := settings.Defaults()
	s.AddServer("elsewhere:1")
	d := newDriver(t, Options{Fetcher: b, Settings: &s, Start: ScreenBrowser, Browse: "ws://" + host + "/ws"})
	if v := d.m.View(); v.Screen != ScreenBrowser || len(v.Browser.Tabs) != 2 || v.Browser.Current != 1 {
		t.Fatalf("browser %+v", v.Browser)
	}
	if v := d.waitRows(1); v.Rows[0].ID != "x" {
		t.Errorf("rows %+v", v.Rows)
	}
}

// TestLayout: at every size from 640×360 up the items and the browser's
// rows are inside the panel, apart, and above the notice and the keys.
func TestLayout(t *testing.T) {
	t.Parallel()
	for w := 640.0; w <= 3840; w += 211 {
		for h := 360.0; h <= 2160; h += 157 {
			for _, n := range []int{1, 5, 12} {
				l := NewLayout(w, h, ScreenKeys, n, 0, 0)
				check(t, fmt.Sprintf("%gx%g, %d items", w, h, n), &l, l.Items)
			}
			for _, servers := range []int{0, 1, 7} {
				l := NewLayout(w, h, ScreenBrowser, 50, servers, servers-1)
				rs := append(append([]Rect{l.Status, l.Header}, l.Tabs...), l.Rows...)
				check(t, fmt.Sprintf("%gx%g browser, %d servers", w, h, servers), &l, rs)
				if len(l.Rows) < 3 {
					t.Errorf("%gx%g: %d rows of matches fit", w, h, len(l.Rows))
				}
				if servers > 0 && (len(l.Tabs) == 0 || l.TabFirst > servers-1 || l.TabFirst+len(l.Tabs) < servers) {
					t.Errorf("%gx%g: tabs from %d, %d of them: the last of %d servers is not shown", w, h, l.TabFirst, len(l.Tabs), servers)
				}
			}
		}
	}
}

func check(t *testing.T, where string, l *Layout, rs []Rect) {
	t.Helper()
	screen := Rect{W: l.W, H: l.H}
	if !l.Panel.Within(screen) {
		t.Errorf("%s: panel %+v off the screen", where, l.Panel)
	}
	fixed := []Rect{l.Title, l.Notice, l.Help}
	for i, r := range append(fixed, rs...) {
		if !r.Within(l.Panel) {
			t.Errorf("%s: %+v outside the panel %+v", where, r, l.Panel)
		}
		if r.H < 18*l.Scale {
			t.Errorf("%s: %+v too low for a line of text", where, r)
		}
		for _, o := range append(fixed, rs...)[i+1:] {
			if r.Overlaps(o) {
				t.Errorf("%s: %+v overlaps %+v", where, r, o)
			}
		}
	}
}
