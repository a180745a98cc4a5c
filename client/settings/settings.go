package settings

import (
	"fmt"
	"os/user"
	"slices"
	"strings"

	"github.com/skirmishgg/skirmish/sim"
)

// Version is the version of the settings file this package writes.
const Version = 1

// Settings are the client's settings, as the file holds them (JSON, the
// field names below). A field the file leaves out keeps its default.
type Settings struct {
	// Version is the file's version: 1.
	Version int `json:"version"`
	// Name is the player's name (1 to 16 bytes: sim.ValidName).
	Name string `json:"name"`
	// Keys are the key bindings: each of the game's actions (forward,
	// back, turn-left, turn-right, strafe-left, strafe-right, fire,
	// respawn, scores, menu) and its keys by name ("w", "up", "space").
	// An action left out keeps its default keys.
	Keys   map[string][]string `json:"keys,omitempty"`
	Audio  Audio               `json:"audio"`
	Window Window              `json:"window"`
	// Vsync draws in step with the display.
	Vsync bool `json:"vsync"`
	// NetStats shows the netcode's figures under the HUD.
	NetStats bool `json:"net_stats"`
	// Servers are the servers of the browser, in the order added.
	Servers []Server `json:"servers"`
	// Practice is the last practice setup.
	Practice Practice `json:"practice"`
}

// Audio are the volumes, 0 to 100: Master scales everything, Effects the
// game's sounds (shots, hits, deaths, spawns); Mute silences all.
type Audio struct {
	Master  int  `json:"master"`
	Effects int  `json:"effects"`
	Mute    bool `json:"mute"`
}

// Window is the window's size in pixels (at least MinWidth×MinHeight),
// and whether the game fills the screen.
type Window struct {
	Width      int  `json:"width"`
	Height     int  `json:"height"`
	Fullscreen bool `json:"fullscreen"`
}

// The smallest and largest window.
const (
	MinWidth, MinHeight = 640, 360
	MaxSide             = 16384
)

// Server is a server of the browser: its address as the player typed it
// ("host:port", "ws://host:port/ws").
type Server struct {
	Address string `json:"address"`
}

// Practice is a practice setup: the map, the number of bots (0 to
// sim.MaxPlayers-1) and their brain (sim/brain's names).
type Practice struct {
	Map   string `json:"map"`
	Bots  int    `json:"bots"`
	Brain string `json:"brain"`
}

// Defaults returns the settings of a first run: the user's login name (or
// "player"), the default keys, volumes at 80, a 1280×720 window with
// vsync, no servers, and practice on arena against 3 chasing bots.
func Defaults() Settings {
	return Settings{
		Version:  Version,
		Name:     DefaultName(),
		Audio:    Audio{Master: 80, Effects: 80},
		Window:   Window{Width: 1280, Height: 720},
		Vsync:    true,
		Practice: Practice{Map: "arena", Bots: 3, Brain: "chase"},
	}
}

// DefaultName returns the user's login name if it is a valid player name
// (cut to sim.MaxNameLen bytes), else "player".
func DefaultName() string {
	if u, err := user.Current(); err == nil {
		n := u.Username
		if len(n) > sim.MaxNameLen {
			n = n[:sim.MaxNameLen]
		}
		if sim.ValidName(n) {
			return n
		}
	}
	return "player"
}

// Normalize brings every value back within its range, and returns what it
// changed, one note each (none for settings that were all valid).
func (s *Settings) Normalize() []string {
	var notes []string
	def := Defaults()
	if !sim.ValidName(s.Name) {
		notes = append(notes, fmt.Sprintf("the name %q is not a valid player name: using %q", s.Name, def.Name))
		s.Name = def.Name
	}
	clamp := func(what string, v *int, lo, hi int) {
		if *v < lo || *v > hi {
			c := max(lo, min(hi, *v))
			notes = append(notes, fmt.Sprintf("%s %d is out of range: using %d", what, *v, c))
			*v = c
		}
	}
	clamp("the master volume", &s.Audio.Master, 0, 100)
	clamp("the effects volume", &s.Audio.Effects, 0, 100)
	if s.Window.Width < MinWidth || s.Window.Height < MinHeight || s.Window.Width > MaxSide || s.Window.Height > MaxSide {
		notes = append(notes, fmt.Sprintf("the window size %d×%d is out of range: using %d×%d",
			s.Window.Width, s.Window.Height, def.Window.Width, def.Window.Height))
		s.Window.Width, s.Window.Height = def.Window.Width, def.Window.Height
	}
	clamp("the number of practice bots", &s.Practice.Bots, 0, sim.MaxPlayers-1)
	if s.Practice.Map == "" {
		s.Practice.Map = def.Practice.Map
	}
	if s.Practice.Brain == "" {
		s.Practice.Brain = def.Practice.Brain
	}
	// Servers: no blanks, no duplicates.
	var kept []Server
	for _, sv := range s.Servers {
		sv.Address = strings.TrimSpace(sv.Address)
		if sv.Address != "" && !slices.ContainsFunc(kept, func(k Server) bool { return k.Address == sv.Address }) {
			kept = append(kept, sv)
		}
	}
	s.Servers = kept
	return notes
}

// AddServer adds a server to the browser's list, unless it is there.
func (s *Settings) AddServer(address string) {
	if !slices.ContainsFunc(s.Servers, func(sv Server) bool { return sv.Address == address }) {
		s.Servers = append(s.Servers, Server{Address: address})
	}
}

// RemoveServer removes a server from the browser's list.
func (s *Settings) RemoveServer(address string) {
	s.Servers = slices.DeleteFunc(s.Servers, func(sv Server) bool { return sv.Address == address })
}

// Clone returns a deep copy of s.
func (s *Settings) Clone() Settings {
	c := *s
	c.Servers = slices.Clone(s.Servers)
	if s.Keys != nil {
		c.Keys = make(map[string][]string, len(s.Keys))
		for k, v := range s.Keys {
			c.Keys[k] = slices.Clone(v)
		}
	}
	return c
}
