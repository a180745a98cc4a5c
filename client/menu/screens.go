package menu

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/skirmishgg/skirmish/client/browse"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/keys"
	"github.com/skirmishgg/skirmish/sim"
)

// MaxPracticeBots is the most practice bots the menu offers.
const MaxPracticeBots = 15

// WindowSizes are the window sizes the settings offer.
var WindowSizes = [][2]int{{640, 360}, {960, 540}, {1280, 720}, {1600, 900}, {1920, 1080}, {2560, 1440}}

// VolumeStep is how far ← → move a volume.
const VolumeStep = 10

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// buildItems appends the items of the screen shown to dst.
func (m *Model) buildItems(dst []Item) []Item {
	b := func(id itemID, label string) Item { return Item{id: id, Kind: Button, Label: label} }
	switch m.scr {
	case ScreenMain:
		dst = append(dst, b(itemPractice, "Practice"), b(itemJoin, "Join server"), b(itemWatch, "Watch replays"),
			b(itemSettings, "Settings"), b(itemQuit, "Quit"))
	case ScreenPractice:
		p := &m.s.Practice
		dst = append(dst,
			Item{id: itemMap, Kind: Choice, Label: "Map", Value: p.Map},
			Item{id: itemBots, Kind: Choice, Label: "Bots", Value: fmt.Sprint(p.Bots)},
			Item{id: itemBrain, Kind: Choice, Label: "Bots' brain", Value: p.Brain},
			b(itemStart, "Start"), b(itemBack, "Back"))
	case ScreenSettings:
		a, w := &m.s.Audio, &m.s.Window
		name := Item{id: itemName, Kind: Text, Label: "Name", Value: m.name}
		if m.name != m.s.Name {
			name.Note, name.Warn = fmt.Sprintf("1 to %d characters, no spaces at the ends: still %q", sim.MaxNameLen, m.s.Name), true
		}
		dst = append(dst, name,
			Item{id: itemMaster, Kind: Choice, Label: "Master volume", Value: fmt.Sprintf("%d %%", a.Master)},
			Item{id: itemEffects, Kind: Choice, Label: "Effects volume", Value: fmt.Sprintf("%d %%", a.Effects)},
			Item{id: itemMute, Kind: Toggle, Label: "Mute", Value: onOff(a.Mute)},
			Item{id: itemWindow, Kind: Choice, Label: "Window", Value: fmt.Sprintf("%d×%d", w.Width, w.Height)},
			Item{id: itemFullscreen, Kind: Toggle, Label: "Fullscreen", Value: onOff(w.Fullscreen)},
			Item{id: itemVsync, Kind: Toggle, Label: "Vsync", Value: onOff(m.s.Vsync)},
			Item{id: itemNetStats, Kind: Toggle, Label: "Show net stats", Value: onOff(m.s.NetStats)},
			b(itemKeys, "Keys…"), b(itemBack, "Back"))
	case ScreenKeys:
		for k := game.Key(0); k < game.NumKeys; k++ {
			it := Item{id: itemKey + itemID(k), Kind: Button, Label: k.Title(), Value: m.bind.Label(k)}
			if !game.Rebindable(k) {
				it.Kind, it.Note = Label, "always"
			}
			if c := m.bind.Conflicts(k); len(c) > 0 {
				var names []string
				for _, o := range c {
					names = append(names, o.Title())
				}
				it.Note, it.Warn = "also "+strings.Join(names, ", "), true
			}
			dst = append(dst, it)
		}
		dst = append(dst, b(itemResetKeys, "Reset to the defaults"), b(itemBack, "Back"))
	case ScreenPause:
		dst = append(dst, b(itemResume, "Resume"), b(itemSettings, "Settings"), b(itemLeave, "Leave the match"), b(itemQuit, "Quit"))
	case ScreenAddServer:
		it := Item{id: itemAddress, Kind: Text, Label: "Address", Value: m.address}
		if m.fieldErr != "" {
			it.Note, it.Warn = m.fieldErr, true
		}
		dst = append(dst, it, b(itemAdd, "Add"), b(itemBack, "Back"))
	case ScreenCreate:
		dst = m.createItems(dst)
	}
	return dst
}

// itemsInput answers the keys and the mouse on a screen of items.
func (m *Model) itemsInput(in *Input, moved bool) {
	n := len(m.items)
	if n == 0 {
		return
	}
	m.sel = max(0, min(n-1, m.sel))
	if i := at(m.lay.Items, in.MouseX, in.MouseY); i >= 0 && m.items[i].selectable() {
		if moved || in.Click {
			m.sel = i
		}
		if in.Click {
			m.activate(&m.items[i], +1, true)
			return
		}
	}
	it := &m.items[m.sel]
	if it.Kind == Text {
		m.edit(it, in)
	}
	switch {
	case in.has(key("esc")):
		m.escape()
	case in.has(key("up")):
		m.step(-1)
	case in.has(key("down")), in.has(key("tab")):
		m.step(+1)
	case in.has(key("left")) && (it.Kind == Choice || it.Kind == Toggle):
		m.activate(it, -1, false)
	case in.has(key("right")) && (it.Kind == Choice || it.Kind == Toggle):
		m.activate(it, +1, false)
	case in.has(key("enter")), in.has(key("kpenter")):
		m.activate(it, +1, true)
	case in.has(key("delete")) && m.scr == ScreenKeys && it.id >= itemKey:
		k := game.Key(it.id - itemKey)
		if len(m.bind[k]) > 1 {
			m.bind[k] = m.bind[k][:1]
			m.keysChanged()
		}
	case m.scr == ScreenPause && in.has(key("q")):
		m.req.Kind = Quit
	}
}

func key(name string) keys.Key {
	k, ok := keys.Parse(name)
	if !ok {
		panic("menu: unknown key " + name)
	}
	return k
}

// escape goes back from the screen shown.
func (m *Model) escape() {
	m.req.Click = true
	switch m.scr {
	case ScreenMain:
		if m.inGame {
			m.open(ScreenPause)
		}
	case ScreenPause:
		m.req.Kind = Resume
	case ScreenKeys:
		m.save()
		m.open(ScreenSettings)
		m.sel = slices.IndexFunc(m.buildItems(nil), func(it Item) bool { return it.id == itemKeys })
	case ScreenSettings:
		m.save()
		m.open(m.back)
	case ScreenAddServer, ScreenCreate:
		m.open(ScreenBrowser)
	default:
		m.open(ScreenMain)
	}
}

// activate does what item it does: pressed with Enter or a click (press),
// or stepped by dir with ← →.
func (m *Model) activate(it *Item, dir int, press bool) {
	m.req.Click = true
	s := m.s
	switch it.id {
	case itemPractice:
		m.open(ScreenPractice)
	case itemJoin:
		m.open(ScreenBrowser)
	case itemWatch:
		m.req.Kind = Watch
	case itemSettings:
		m.open(ScreenSettings)
	case itemQuit:
		m.req.Kind = Quit
	case itemBack:
		m.escape()
	case itemResume:
		m.req.Kind = Resume
	case itemLeave:
		m.req.Kind = Leave

	case itemMap:
		s.Practice.Map = cycle(m.o.Maps, s.Practice.Map, dir)
	case itemBots:
		s.Practice.Bots = (s.Practice.Bots + dir + MaxPracticeBots + 1) % (MaxPracticeBots + 1)
	case itemBrain:
		s.Practice.Brain = cycle(m.o.Brains, s.Practice.Brain, dir)
	case itemStart:
		if !slices.Contains(m.o.Maps, s.Practice.Map) {
			s.Practice.Map = m.o.Maps[0]
		}
		if !slices.Contains(m.o.Brains, s.Practice.Brain) {
			s.Practice.Brain = m.o.Brains[0]
		}
		s.Practice.Bots = max(0, min(MaxPracticeBots, s.Practice.Bots))
		m.save()
		m.req.Kind, m.req.Practice = Practice, s.Practice

	case itemName:
		if press {
			m.step(+1)
		}
	case itemMaster:
		s.Audio.Master = max(0, min(100, s.Audio.Master+dir*VolumeStep))
		m.req.Changed = true
	case itemEffects:
		s.Audio.Effects = max(0, min(100, s.Audio.Effects+dir*VolumeStep))
		m.req.Changed = true
	case itemMute:
		s.Audio.Mute = !s.Audio.Mute
		m.req.Changed = true
	case itemWindow:
		sizes := slices.Clone(WindowSizes)
		cur := [2]int{s.Window.Width, s.Window.Height}
		if !slices.Contains(sizes, cur) {
			sizes = append([][2]int{cur}, sizes...)
		}
		i := (slices.Index(sizes, cur) + dir + len(sizes)) % len(sizes)
		s.Window.Width, s.Window.Height = sizes[i][0], sizes[i][1]
		m.req.Changed = true
	case itemFullscreen:
		s.Window.Fullscreen = !s.Window.Fullscreen
		m.req.Changed = true
	case itemVsync:
		s.Vsync = !s.Vsync
		m.req.Changed = true
	case itemNetStats:
		s.NetStats = !s.NetStats
		m.req.Changed = true
	case itemKeys:
		m.open(ScreenKeys)
	case itemResetKeys:
		m.bind = game.DefaultBindings()
		m.keysChanged()

	case itemAddress, itemAdd:
		if press {
			m.addServer()
		}
	case itemCreateMap:
		m.createMap = cycle(m.createMaps(), m.createMap, dir)
	case itemMatchName, itemCreate:
		if press {
			m.createMatch()
		}
	default:
		if it.id >= itemKey && press {
			if k := game.Key(it.id - itemKey); game.Rebindable(k) {
				m.capture, m.captureOf = true, k
			}
		}
	}
}

// step moves the selection by d, to the next selectable item.
func (m *Model) step(d int) {
	n := len(m.items)
	for j := 1; j <= n; j++ {
		k := (m.sel + d*j + n*j) % n
		if m.items[k].selectable() {
			m.req.Click = m.req.Click || k != m.sel
			m.sel = k
			return
		}
	}
}

// cycle returns the value dir steps from cur in vs (the first if cur is
// not there).
func cycle(vs []string, cur string, dir int) string {
	i := slices.Index(vs, cur)
	if i < 0 {
		return vs[0]
	}
	return vs[(i+dir+len(vs))%len(vs)]
}

// captureKey binds the key pressed to the action asked for; Esc cancels.
func (m *Model) captureKey(in *Input) {
	if len(in.Pressed) == 0 {
		return
	}
	m.req.Click = true
	m.capture = false
	k := in.Pressed[0]
	if k == key("esc") {
		return
	}
	m.bind.Bind(m.captureOf, k)
	m.keysChanged()
}

// keysChanged puts the bindings in the settings.
func (m *Model) keysChanged() {
	m.s.Keys = m.bind.Names()
	m.req.Changed = true
}

// maxField bounds what a text field holds.
const maxField = 200

// edit types in into a text field, and deletes with Backspace.
func (m *Model) edit(it *Item, in *Input) {
	var field *string
	switch it.id {
	case itemName:
		field = &m.name
	case itemAddress:
		field = &m.address
	case itemMatchName:
		field = &m.create
	default:
		return
	}
	before := *field
	for _, r := range in.Text {
		if r >= 0x20 && r != 0x7f && utf8.RuneCountInString(*field) < maxField {
			if it.id == itemMatchName { // what a match's id may hold
				r = toLower(r)
				if r == ' ' {
					r = '-'
				}
			}
			*field += string(r)
		}
	}
	if in.has(key("backspace")) && *field != "" {
		_, size := utf8.DecodeLastRuneInString(*field)
		*field = (*field)[:len(*field)-size]
	}
	if *field == before {
		return
	}
	m.fieldErr = ""
	if it.id == itemName && sim.ValidName(m.name) {
		m.s.Name = m.name
		m.req.Changed = true
	}
}

func toLower(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 'a' - 'A'
	}
	return r
}

// addServer adds the address typed to the browser.
func (m *Model) addServer() {
	a, err := browse.ParseAddress(m.address)
	if err != nil {
		m.fieldErr = strings.TrimPrefix(err.Error(), "browse: ")
		return
	}
	text := strings.TrimSpace(m.address)
	m.s.AddServer(text)
	m.syncServers()
	m.save()
	m.open(ScreenBrowser)
	m.br.pick(a)
}

// syncServers makes the browser's servers those of the settings.
func (m *Model) syncServers() { m.br.sync(m.s.Servers) }
