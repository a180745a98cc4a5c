package server

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/skirmishgg/skirmish/sim"
)

// Options configures a Server. The zero value is a working default: every
// zero field takes the default documented on it.
type Options struct {
	// TickRate is the simulation rate of every match, 10 to 128 Hz. Default 60.
	TickRate int
	// MaxPlayers is the most players in one match. Default 20; at most sim.MaxPlayers.
	MaxPlayers int
	// MaxMatches is the most matches the process hosts at once. Default 64.
	MaxMatches int
	// Map is the map new matches are played on. Default "arena".
	Map string
	// TimeLimit ends a match after this long; zero means no limit.
	TimeLimit time.Duration
	// EmptyGrace ends a match that has had no connected player for this long.
	// Default 30 s.
	EmptyGrace time.Duration
	// ResumeGrace is how long a disconnected player's slot waits for its
	// client to come back with the resume token. Default 30 s.
	ResumeGrace time.Duration
	// HashEvery makes every frame whose tick is a multiple of it carry the
	// world hash. Default 30.
	HashEvery int

	// ReplayDir is where replays are written. Default: skirmish/replays under
	// the user's data directory ($XDG_DATA_HOME or ~/.local/share).
	ReplayDir string
	// ChunkTicks and KeyframeTicks are the replay writer's intervals; zero
	// takes the replay package's defaults.
	ChunkTicks, KeyframeTicks int
	// ReplayKeep says which finished replays are kept: by age, count and
	// total size (see Retention). The zero value is DefaultRetention: 30
	// days, 10,000 replays, 20 GiB; KeepAll keeps everything.
	ReplayKeep Retention

	// CommandRate and CommandBurst bound each session's commands: a token
	// bucket refilled at CommandRate per second holding up to CommandBurst.
	// A command beyond it is rejected. Defaults 20 and 40.
	CommandRate, CommandBurst int
	// FloodRate bounds all messages of a session (commands, pings, hash
	// reports); past it, with a burst of twice the rate, the connection is
	// closed as a flood. Default 4 × CommandRate.
	FloodRate int
	// MaxAge and MaxAhead bound a command's timestamp against the match
	// clock: older than MaxAge or further ahead than MaxAhead is rejected.
	// Defaults 1 s and 250 ms.
	MaxAge, MaxAhead time.Duration
	// SendQueue is each session's outgoing queue length in messages; a
	// session whose queue fills is disconnected as too slow. Default 256
	// (over 4 s of frames at 60 Hz).
	SendQueue int
	// HandshakeTimeout bounds the wait for a client's hello. Default 5 s.
	HandshakeTimeout time.Duration

	// AdminToken enables the admin API for requests that carry it as a
	// bearer token. Empty disables the admin API.
	AdminToken string
	// Origins lists the host patterns (path.Match syntax) of browser origins
	// allowed to open WebSockets, besides the server's own host. Clients
	// that send no Origin header (native clients, bots) are always allowed.
	Origins []string

	// Logger receives the server's logs. Default slog.Default().
	Logger *slog.Logger
	// Maps returns the source text of a map by name. Default: the embedded
	// maps of package assets.
	Maps func(name string) ([]byte, error)
}

// withDefaults returns o with every zero field set to its default, or an
// error naming the first invalid value.
func (o Options) withDefaults() (Options, error) {
	set := func(p *int, def int) {
		if *p == 0 {
			*p = def
		}
	}
	setD := func(p *time.Duration, def time.Duration) {
		if *p == 0 {
			*p = def
		}
	}
	set(&o.TickRate, 60)
	set(&o.MaxPlayers, 20)
	set(&o.MaxMatches, 64)
	set(&o.HashEvery, 30)
	set(&o.CommandRate, 20)
	set(&o.CommandBurst, 40)
	set(&o.FloodRate, 4*o.CommandRate)
	set(&o.SendQueue, 256)
	setD(&o.EmptyGrace, 30*time.Second)
	setD(&o.ResumeGrace, 30*time.Second)
	setD(&o.MaxAge, time.Second)
	setD(&o.MaxAhead, 250*time.Millisecond)
	setD(&o.HandshakeTimeout, 5*time.Second)
	if o.Map == "" {
		o.Map = "arena"
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Maps == nil {
		o.Maps = embeddedMap
	}
	if o.ReplayDir == "" {
		dir, err := DefaultReplayDir()
		if err != nil {
			return o, err
		}
		o.ReplayDir = dir
	}
	switch {
	case o.TickRate < sim.MinTickRate || o.TickRate > sim.MaxTickRate:
		return o, fmt.Errorf("server: tick rate %d outside %d..%d", o.TickRate, sim.MinTickRate, sim.MaxTickRate)
	case o.MaxPlayers < 1 || o.MaxPlayers > sim.MaxPlayers:
		return o, fmt.Errorf("server: max players %d outside 1..%d", o.MaxPlayers, sim.MaxPlayers)
	case o.MaxMatches < 1:
		return o, fmt.Errorf("server: max matches %d below 1", o.MaxMatches)
	case o.HashEvery < 1:
		return o, fmt.Errorf("server: hash interval %d below 1", o.HashEvery)
	case o.TimeLimit < 0 || o.EmptyGrace < 0 || o.ResumeGrace < 0 || o.MaxAge < 0 || o.MaxAhead < 0:
		return o, fmt.Errorf("server: negative duration")
	case o.CommandRate < 1 || o.CommandBurst < 1 || o.FloodRate < o.CommandRate:
		return o, fmt.Errorf("server: command rate %d, burst %d, flood rate %d: want positive rates and flood rate ≥ command rate", o.CommandRate, o.CommandBurst, o.FloodRate)
	case o.SendQueue < 8:
		return o, fmt.Errorf("server: send queue %d below 8", o.SendQueue)
	case o.ChunkTicks < 0 || o.KeyframeTicks < 0:
		return o, fmt.Errorf("server: negative replay interval")
	}
	o.ReplayKeep = o.ReplayKeep.withDefaults()
	if _, err := o.Maps(o.Map); err != nil {
		return o, fmt.Errorf("server: map: %w", err)
	}
	return o, nil
}

// DefaultReplayDir is where replays go when Options.ReplayDir is empty:
// skirmish/replays under the user's data directory ($XDG_DATA_HOME, or
// ~/.local/share). The desktop client looks there for local replays too.
func DefaultReplayDir() (string, error) {
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "skirmish", "replays"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("server: no replay directory given and no home directory: %w", err)
	}
	return filepath.Join(home, ".local", "share", "skirmish", "replays"), nil
}
