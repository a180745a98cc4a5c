package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// Options configures a Server. ReplayDir is required; every other zero field
// takes the default documented on it.
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

	// ReplayDir is the directory replays are written to, created if need
	// be. It is required: where a server keeps its files is the hoster's
	// choice, and a library that guessed one from the environment (the
	// working directory, the user's home) would write where nobody looks.
	// The commands choose for their users (skirmishd -replay-dir, default
	// skirmish/replays in the user's data directory).
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
	// SendBuffer is the kernel's send buffer of each WebSocket connection
	// (SO_SNDBUF), in bytes. A client that stops reading is disconnected
	// once this buffer and SendQueue are full; left to itself, the kernel
	// grows the buffer to megabytes on a fast network (4 MiB on loopback),
	// minutes of frames, so a stalled client would hold its place that
	// long. Default 64 KiB, many seconds of frames; negative leaves the
	// kernel's sizing. Not applied where the connection has no socket of
	// its own (a Handler served by another server's listener may still
	// have one).
	SendBuffer int
	// HandshakeTimeout bounds the wait for a client's hello: a client that
	// has sent none by then is closed with protocol.CloseBadHello. Default 5 s.
	HandshakeTimeout time.Duration
	// KeepAlive bounds how long a player's connection may stay silent. A
	// session from which nothing (no message, ping or pong) has arrived for
	// KeepAlive gets a WebSocket ping; if still nothing arrives within
	// another KeepAlive it is closed with protocol.CloseTimeout and its
	// player waits for a resume like any lost connection. Default 5 s.
	KeepAlive time.Duration

	// ResyncInterval is the shortest time between two fresh snapshots sent
	// to one client after desyncs; reports that differ in between are
	// ignored. Default 5 s.
	ResyncInterval time.Duration
	// MaxResyncs is how many resyncs in a row a client may need: one whose
	// hash still differs after that many (a report for a later tick
	// that matches ends the run) is closed with protocol.CloseDesync.
	// Default 3.
	MaxResyncs int

	// MaxMatchesPerIP bounds the running matches that clients from one
	// address (an IPv4 address, or an IPv6 /64) have created; a hello that
	// would create one more is closed with protocol.CloseMatchFull. Default
	// 4; negative turns the limit off.
	MaxMatchesPerIP int
	// UnplayedGrace ends a match in which nobody has ever spawned once it
	// has had no connected player for this long, and deletes its replay,
	// which would hold nothing worth watching. Default 5 s.
	UnplayedGrace time.Duration

	// The HTTP limits below apply to Serve and ServeTLS; a Handler served
	// by another http.Server gets that server's limits instead.

	// HTTPIdleTimeout closes a keep-alive connection that has waited this
	// long for its next request. Default 60 s.
	HTTPIdleTimeout time.Duration
	// HTTPReadHeaderTimeout bounds the reading of a request's headers, and
	// the TLS handshake. Default 10 s.
	HTTPReadHeaderTimeout time.Duration
	// HTTPReadTimeout bounds the reading of a whole request, body
	// included. It never cuts a WebSocket: net/http clears a connection's
	// deadlines when the upgrade takes it over. Default 30 s.
	HTTPReadTimeout time.Duration
	// HTTPMaxHeaderBytes bounds a request's header. Default 16 KiB.
	HTTPMaxHeaderBytes int
	// MaxConns bounds the open connections (HTTP and WebSocket); one past
	// it is closed as soon as it is accepted. Default 4096; negative turns
	// the limit off.
	MaxConns int
	// MaxConnsPerIP bounds the open connections from one address (an IPv4
	// address, or an IPv6 /64). Default 64; negative turns the limit off.
	MaxConnsPerIP int

	// AdminToken enables the admin API for requests that carry it as a
	// bearer token. Empty disables the admin API.
	AdminToken string

	// OpenForks lets anyone fork a match from a replay or a running match
	// (POST /api/replays/{id}/fork, /api/matches/{id}/fork). By default a
	// fork is an admin request: it needs AdminToken.
	OpenForks bool
	// ForkGrace is how long a forked match holds its first world for the
	// clients of the players it waits for (see ForkRequest.Claim) before it
	// starts without them. A client that has said hello waits as long for
	// its welcome: keep it under the clients' handshake limit (the desktop
	// client waits 10 s). Default 5 s.
	ForkGrace time.Duration
	// ForkRemove removes, when a forked match starts, the players of the
	// forked world whom no client has taken. By default a bot plays each of
	// them, from where it stands, until a client takes it over.
	ForkRemove bool
	// ForkBrain and ForkBotRate are the brain (sim/brain's New: "chase",
	// "random", "storm") and command rate per second of those bots.
	// Defaults "chase" and 3, as the desktop client's practice bots.
	ForkBrain   string
	ForkBotRate float64
	// Origins lists the host patterns (path.Match syntax) of browser origins
	// allowed to open WebSockets, besides the server's own host. Clients
	// that send no Origin header (native clients, bots) are always allowed.
	Origins []string

	// Logger receives the server's logs. Default slog.Default().
	Logger *slog.Logger
	// Maps returns the source text of a map by name. Default: the embedded
	// maps of package assets.
	Maps func(name string) ([]byte, error)
	// MapNames lists the maps the server offers for new matches (GET
	// /api/maps; POST /api/matches takes any map that Maps serves).
	// Default: the embedded maps that Maps serves, and Map, sorted.
	MapNames func() []string

	// Fleet joins the server to a fleet of nodes (package server/fleet:
	// NATS JetStream): matches are listed in the fleet's directory, hellos
	// for matches on other nodes are redirected there, finished replays
	// are stored for every node. Nil: a standalone server.
	Fleet Fleet
	// Projector is the URL (http://HOST:PORT) of the fleet's
	// skirmish-projector: the read models (leaderboard, players, summaries,
	// heatmaps) are then its, over the whole fleet, and the server passes
	// their requests on instead of running projections of its own.
	// Empty: the server runs them over its own replays.
	Projector string
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
	set(&o.SendBuffer, 64<<10)
	setD(&o.EmptyGrace, 30*time.Second)
	setD(&o.ResumeGrace, 30*time.Second)
	setD(&o.MaxAge, time.Second)
	setD(&o.MaxAhead, 250*time.Millisecond)
	setD(&o.HandshakeTimeout, 5*time.Second)
	setD(&o.KeepAlive, 5*time.Second)
	setD(&o.ResyncInterval, 5*time.Second)
	set(&o.MaxResyncs, 3)
	set(&o.MaxMatchesPerIP, 4)
	setD(&o.UnplayedGrace, 5*time.Second)
	setD(&o.HTTPIdleTimeout, 60*time.Second)
	setD(&o.HTTPReadHeaderTimeout, 10*time.Second)
	setD(&o.HTTPReadTimeout, 30*time.Second)
	set(&o.HTTPMaxHeaderBytes, 16<<10)
	set(&o.MaxConns, 4096)
	set(&o.MaxConnsPerIP, 64)
	setD(&o.ForkGrace, 5*time.Second)
	if o.Map == "" {
		o.Map = "arena"
	}
	if o.ForkBrain == "" {
		o.ForkBrain = "chase"
	}
	if o.ForkBotRate == 0 {
		o.ForkBotRate = 3
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Maps == nil {
		o.Maps = embeddedMap
	}
	if o.MapNames == nil {
		o.MapNames = servedMaps(o.Maps, o.Map)
	}
	switch {
	case o.ReplayDir == "":
		return o, errors.New("server: no replay directory: Options.ReplayDir is required")
	case o.TickRate < sim.MinTickRate || o.TickRate > sim.MaxTickRate:
		return o, fmt.Errorf("server: tick rate %d outside %d..%d", o.TickRate, sim.MinTickRate, sim.MaxTickRate)
	case o.MaxPlayers < 1 || o.MaxPlayers > sim.MaxPlayers:
		return o, fmt.Errorf("server: max players %d outside 1..%d", o.MaxPlayers, sim.MaxPlayers)
	case o.MaxMatches < 1:
		return o, fmt.Errorf("server: max matches %d below 1", o.MaxMatches)
	case o.HashEvery < 1:
		return o, fmt.Errorf("server: hash interval %d below 1", o.HashEvery)
	case o.TimeLimit < 0 || o.EmptyGrace < 0 || o.ResumeGrace < 0 || o.MaxAge < 0 || o.MaxAhead < 0 ||
		o.HandshakeTimeout < 0 || o.KeepAlive < 0 || o.ResyncInterval < 0 || o.UnplayedGrace < 0 || o.ForkGrace < 0 ||
		o.HTTPIdleTimeout < 0 || o.HTTPReadHeaderTimeout < 0 || o.HTTPReadTimeout < 0:
		return o, fmt.Errorf("server: negative duration")
	case o.MaxResyncs < 1:
		return o, fmt.Errorf("server: max resyncs %d below 1", o.MaxResyncs)
	case o.HTTPMaxHeaderBytes < 1024:
		return o, fmt.Errorf("server: max header bytes %d below 1024", o.HTTPMaxHeaderBytes)
	case o.CommandRate < 1 || o.CommandBurst < 1 || o.FloodRate < o.CommandRate:
		return o, fmt.Errorf("server: command rate %d, burst %d, flood rate %d: want positive rates and flood rate ≥ command rate", o.CommandRate, o.CommandBurst, o.FloodRate)
	case o.SendQueue < 8:
		return o, fmt.Errorf("server: send queue %d below 8", o.SendQueue)
	case o.SendBuffer > 0 && o.SendBuffer < 4096:
		return o, fmt.Errorf("server: send buffer %d bytes below 4096", o.SendBuffer)
	case o.ChunkTicks < 0 || o.KeyframeTicks < 0:
		return o, fmt.Errorf("server: negative replay interval")
	case !(o.ForkBotRate > 0) || o.ForkBotRate > brain.MaxRate:
		return o, fmt.Errorf("server: fork bot rate %g outside (0, %d]", o.ForkBotRate, brain.MaxRate)
	}
	if _, err := brain.New(o.ForkBrain, 0, o.ForkBotRate); err != nil {
		return o, fmt.Errorf("server: fork brain: %w", err)
	}
	o.ReplayKeep = o.ReplayKeep.withDefaults()
	if o.Projector != "" {
		if u, err := url.Parse(o.Projector); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return o, fmt.Errorf("server: projector %q: want http://HOST:PORT", o.Projector)
		}
	}
	if _, err := o.Maps(o.Map); err != nil {
		return o, fmt.Errorf("server: map: %w", err)
	}
	return o, nil
}

// servedMaps returns the default of Options.MapNames: the embedded maps
// that maps serves, and def, sorted. It asks maps at each call, so that
// a map that comes or goes is listed as it is.
func servedMaps(maps func(string) ([]byte, error), def string) func() []string {
	return func() []string {
		names := []string{def}
		for _, n := range assets.MapNames() {
			if _, err := maps(n); err == nil && n != def {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		return names
	}
}
