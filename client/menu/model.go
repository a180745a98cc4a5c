package menu

import (
	"fmt"
	"time"

	"github.com/skirmishgg/skirmish/client/browse"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/keys"
	"github.com/skirmishgg/skirmish/client/settings"
)

// Screen is a screen of the menu.
type Screen uint8

// Screens.
const (
	ScreenMain      Screen = iota // Practice, Join server, Watch replays, Settings, Quit
	ScreenPractice                // map, bots, brain; start
	ScreenBrowser                 // the servers and their matches
	ScreenAddServer               // an address to add to the browser
	ScreenCreate                  // a new match's name and map
	ScreenSettings                // name, volumes, window, vsync, net stats; keys
	ScreenKeys                    // the key bindings
	ScreenPause                   // over a match: resume, settings, leave, quit
	numScreens
)

var screenNames = [numScreens]string{"main", "practice", "browser", "add-server", "create", "settings", "keys", "pause"}

func (s Screen) String() string {
	if s >= numScreens {
		return fmt.Sprintf("screen(%d)", uint8(s))
	}
	return screenNames[s]
}

// Fetcher asks servers for their matches and maps, and for new matches,
// without blocking; *browse.Browser is one.
type Fetcher interface {
	Refresh(a browse.Address) bool
	Busy(a browse.Address) bool
	FetchMaps(a browse.Address) bool
	Create(a browse.Address, id, mapName string) bool
	Poll(dst []browse.Result) []browse.Result
}

// Options configure New. Settings is required.
type Options struct {
	// Settings are edited in place by the settings screens, the browser
	// (its servers) and practice (its last setup).
	Settings *settings.Settings
	// Save writes the settings; the model calls it when a settings
	// screen is left, a server is added or removed, or practice starts.
	// Nil: nothing is saved.
	Save func(*settings.Settings) error
	// Fetcher lists the servers' matches and maps, and creates matches.
	// Nil: the browser lists none and creates none.
	Fetcher Fetcher
	// Maps and Brains are what practice offers (assets.MapNames,
	// brain.Names). Default: "arena" and "chase".
	Maps, Brains []string
	// Start is the screen to open on: ScreenMain (the default),
	// ScreenBrowser or ScreenPause.
	Start Screen
	// Browse, with Start ScreenBrowser, is a server to show: it is
	// added to the settings' servers if it is not there.
	Browse string
	// Notice is shown on the first screen (a settings file repaired).
	Notice string
	// RefreshEvery is how often the browser refreshes the server shown.
	// Default 5 s.
	RefreshEvery time.Duration
}

// Input is what the keyboard and the mouse did in one frame, and the
// screen's size.
type Input struct {
	W, H float64
	Now  time.Time
	// Pressed are the keys that went down this frame, or repeat while
	// held; Text is the text typed.
	Pressed []keys.Key
	Text    string
	// The mouse: where it is, and whether its left button went down this
	// frame; Wheel is the wheel's turn (up is positive).
	MouseX, MouseY float64
	Click          bool
	Wheel          float64
}

// has reports whether k was pressed this frame.
func (in *Input) has(k keys.Key) bool {
	for _, p := range in.Pressed {
		if p == k {
			return true
		}
	}
	return false
}

// Kind says what a Request asks for.
type Kind uint8

// Kinds of Request.
const (
	None     Kind = iota
	Practice      // start practice: Request.Practice
	Join          // join Request.Match on Request.Server
	Watch         // the replays
	Resume        // close the pause menu, back to the match
	Leave         // leave the match, to the main menu
	Quit          // end the program
)

var kindNames = [...]string{"none", "practice", "join", "watch", "resume", "leave", "quit"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Request is what the menu asks of its owner after a frame.
type Request struct {
	Kind     Kind
	Practice settings.Practice
	Server   browse.Address
	Match    string
	// Click: a choice was made (a sound to play).
	Click bool
	// Changed: the settings changed (volumes, window, keys, name...):
	// apply them.
	Changed bool
}

// Model is the menu. Create one with New.
type Model struct {
	o      Options
	s      *settings.Settings
	bind   game.Bindings
	scr    Screen
	sel    int    // the item selected
	back   Screen // where Esc goes from the settings
	inGame bool   // a match runs under the menu
	lay    Layout
	items  []Item
	now    time.Time

	notice     string
	noticeWarn bool

	// text fields being edited
	name, address, create string
	fieldErr              string

	// The create screen's map ("": the server's own), and the creation
	// under way: the server asked and the id asked for, until its answer.
	createMap string
	creating  *pendingCreate

	capture   bool     // waiting for a key to bind
	captureOf game.Key // the action it is for

	mouseX, mouseY float64
	mouseSeen      bool // the mouse's position is known: a change moves it

	br browser

	view View
	req  Request
}

// New returns the menu on o.Start.
func New(o Options) *Model {
	if len(o.Maps) == 0 {
		o.Maps = []string{"arena"}
	}
	if len(o.Brains) == 0 {
		o.Brains = []string{"chase"}
	}
	if o.RefreshEvery <= 0 {
		o.RefreshEvery = 5 * time.Second
	}
	m := &Model{o: o, s: o.Settings, back: ScreenMain}
	var err error
	m.bind, err = game.ParseBindings(m.s.Keys)
	switch {
	case o.Notice != "":
		m.note(o.Notice, true)
	case err != nil:
		m.note(err.Error()+"; the default keys are used for those", true)
	}
	m.br.sort = ColPlayers
	m.syncServers()
	m.open(o.Start)
	if o.Start == ScreenBrowser && o.Browse != "" {
		if a, err := browse.ParseAddress(o.Browse); err != nil {
			m.note(err.Error(), true)
		} else {
			m.s.AddServer(o.Browse)
			m.syncServers()
			m.save()
			m.br.pick(a)
		}
	}
	m.items = m.buildItems(nil)
	return m
}

// Screen returns the screen shown.
func (m *Model) Screen() Screen { return m.scr }

// Bindings returns the key bindings the settings hold.
func (m *Model) Bindings() game.Bindings { return m.bind }

// SetInGame says whether a match runs under the menu: Esc then resumes it
// from the pause menu, and the main menu is not reached without leaving.
func (m *Model) SetInGame(in bool) { m.inGame = in }

// Open shows screen s (ScreenPause over a match, ScreenMain after one).
func (m *Model) Open(s Screen) { m.open(s) }

// Notify shows msg on the screen shown (why a match ended, what could not
// start), as a problem if warn.
func (m *Model) Notify(msg string, warn bool) { m.note(msg, warn) }

func (m *Model) note(msg string, warn bool) { m.notice, m.noticeWarn = msg, warn }

func (m *Model) open(s Screen) {
	if s >= numScreens {
		s = ScreenMain
	}
	if s == ScreenSettings && m.scr != ScreenKeys && m.scr != ScreenSettings {
		m.back = m.scr
	}
	if m.scr != s {
		m.notice = ""
	}
	m.scr, m.sel, m.fieldErr, m.capture, m.creating = s, 0, "", false, nil
	switch s {
	case ScreenSettings:
		m.name = m.s.Name
	case ScreenAddServer:
		m.address = ""
	case ScreenCreate:
		m.create, m.createMap = "", ""
		if sv := m.br.current(); sv != nil {
			sv.mapsWant = true // the server's maps may have changed
		}
	case ScreenBrowser:
		m.br.stale()
	}
}

// save writes the settings, noting a failure.
func (m *Model) save() {
	if m.o.Save == nil {
		return
	}
	if err := m.o.Save(m.s); err != nil {
		m.note("could not save the settings: "+err.Error(), true)
	}
}

// Update advances the menu by one frame of input and returns what it asks
// for.
func (m *Model) Update(in Input) Request {
	m.req = Request{}
	m.now = in.Now
	m.br.collect(m.o.Fetcher)
	m.created()
	m.items = m.buildItems(m.items[:0])
	m.layout(in.W, in.H)
	switch m.scr {
	case ScreenBrowser:
		m.br.autoRefresh(m.o.Fetcher, in.Now, m.o.RefreshEvery)
	case ScreenCreate:
		m.br.askMaps(m.o.Fetcher)
	}

	// The mouse chooses what it moves over, not what it rests on when the
	// screen opens.
	moved := m.mouseSeen && (in.MouseX != m.mouseX || in.MouseY != m.mouseY)
	m.mouseX, m.mouseY, m.mouseSeen = in.MouseX, in.MouseY, true
	switch {
	case m.capture:
		m.captureKey(&in)
	case m.scr == ScreenBrowser:
		m.browserInput(&in, moved)
	default:
		m.itemsInput(&in, moved)
	}
	// The screen may have changed: what is drawn is the new one's.
	m.items = m.buildItems(m.items[:0])
	m.layout(in.W, in.H)
	return m.req
}

// layout lays out the screen shown for a w×h screen.
func (m *Model) layout(w, h float64) {
	if m.scr == ScreenBrowser {
		m.lay = NewLayout(w, h, m.scr, len(m.br.rows), len(m.br.servers), m.br.cur)
		m.br.fit(len(m.lay.Rows))
		return
	}
	m.lay = NewLayout(w, h, m.scr, len(m.items), 0, 0)
}

// View returns what to draw.
func (m *Model) View() *View {
	v := &m.view
	*v = View{Screen: m.scr, Layout: m.lay, Items: m.items, Selected: m.sel, Overlay: m.inGame,
		Notice: m.notice, Warn: m.noticeWarn}
	v.Title, v.Help = m.titles()
	if m.capture {
		v.Capture = "press a key for " + m.captureOf.Title() + "  (Esc cancels)"
	}
	if m.scr == ScreenBrowser {
		m.br.view(&v.Browser, m.o.Fetcher, m.now)
	}
	return v
}

// View is a menu screen to draw.
type View struct {
	Screen Screen
	Layout Layout
	Title  string
	// Items are the lines of the screen, Selected the one chosen.
	Items    []Item
	Selected int
	// Capture asks for a key to bind, when set.
	Capture string
	// Notice is a message (Warn: a problem) above Help, the keys.
	Notice string
	Warn   bool
	Help   string
	// Overlay: a match runs under the menu (dim it, do not clear it).
	Overlay bool
	// Browser is the server browser (ScreenBrowser).
	Browser BrowserView
}

func (m *Model) titles() (title, help string) {
	switch m.scr {
	case ScreenMain:
		return "SKIRMISH", "↑ ↓ choose · Enter or click · playing as " + m.s.Name
	case ScreenPractice:
		return "PRACTICE", "↑ ↓ choose · ← → change · Enter start · Esc back"
	case ScreenBrowser:
		return "SERVERS", "← → server · ↑ ↓ match · Enter or click: join · A add · C create · R refresh · S sort · Del remove · Esc back"
	case ScreenAddServer:
		return "ADD A SERVER", "type host:port or ws://host:port/ws · Enter add · Esc back"
	case ScreenCreate:
		return "CREATE A MATCH", "name: lowercase letters, digits, dashes (none: the server's) · ← → map · Enter create and join · Esc back"
	case ScreenSettings:
		return "SETTINGS", "↑ ↓ choose · ← → change · Enter toggle · Esc back (saves)"
	case ScreenKeys:
		return "KEYS", "↑ ↓ choose · Enter rebind · Delete clear the alternatives · Esc back (saves)"
	case ScreenPause:
		return "PAUSED", "Esc back to the match · Q quit · the match goes on while you read this"
	}
	return "", ""
}
