package bots

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/skirmishgg/skirmish/sim/brain"
)

// Options configures Run. URL is required; every other zero field takes the
// default documented on it.
type Options struct {
	// URL is the server's WebSocket endpoint, ws://HOST:PORT/ws.
	URL string
	// Bots is the number of bots. Default 10.
	Bots int
	// Matches is how many matches the bots share: bot i joins match
	// MatchPrefix-NN with NN = i mod Matches. Default: enough matches of 20.
	Matches int
	// MatchPrefix starts every match id. Default "load".
	MatchPrefix string
	// Duration is the measurement window. Default 60 s.
	Duration time.Duration
	// Ramp spreads the bots' connections evenly over this long, before the
	// window. Zero connects them all at once.
	Ramp time.Duration
	// Drain is how long bots wait, after the window, for the answers to the
	// commands they sent in it. Default 1 s.
	Drain time.Duration
	// Rate is each bot's average command rate per second (a random brain's
	// rate, a chase brain's cap). Default 2.
	Rate float64
	// Seed makes the brains' choices reproducible; bot i's brain is seeded
	// from Seed and i.
	Seed uint64
	// Brain names the bots' brain (brain.New; brain.Names lists them).
	// Default "random".
	Brain string
	// Replay, if set, is a replay file whose commands the bots re-issue
	// instead of thinking: bot i plays recorded player i mod (players). The
	// recording is repeated until the window ends.
	Replay string
	// Speed divides the recorded times of Replay's commands. Default 1.
	Speed float64
	// FullBots is how many bots of each match simulate the world in full,
	// as the desktop client does (session.Session: their own world, the
	// brain thinking about it, the server's hashes checked and their own
	// reported, desyncs detected and repaired). The others are blind: they
	// keep no world and follow only the frames' ticks and their own
	// commands' events (session.Tracker), which is all that latency,
	// jitter and missed ticks need, at a fraction of the CPU. Blind bots
	// play with a brain of their own (blind.go), whatever Brain says, or
	// replay their script. Default 2; negative makes every bot blind; the
	// match size or more makes every bot full.
	FullBots int
	// NoHashReports stops the bots from reporting their world hashes to the
	// server (by default they report, as the desktop client does, and a
	// desynchronised bot is repaired with a snapshot).
	NoHashReports bool
	// DialTimeout bounds each bot's connection and handshake. Default 10 s.
	DialTimeout time.Duration
	// ServerPID, if positive, is the server's process id on this machine:
	// its CPU time over the window (from /proc/PID/stat) goes in Results.
	ServerPID int
	// Progress, if set, receives a progress line every second. With
	// ProgressInPlace the line is rewritten in place (for a terminal);
	// otherwise each line is printed on its own, every ProgressEvery.
	Progress        io.Writer
	ProgressInPlace bool
	// ProgressEvery is the interval of progress lines that are not in
	// place. Default 5 s.
	ProgressEvery time.Duration
	// HTTPClient dials the WebSockets. Default: a client whose transport
	// allows one idle connection per bot.
	HTTPClient *http.Client
}

// playersPerMatch is the server's default match size, used for the default
// number of matches.
const playersPerMatch = 20

var matchIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// withDefaults returns o with every zero field set, or an error naming the
// first invalid value.
func (o Options) withDefaults() (Options, error) {
	if o.URL == "" {
		return o, fmt.Errorf("bots: no server URL")
	}
	if o.Bots == 0 {
		o.Bots = 10
	}
	if o.Matches == 0 {
		o.Matches = (o.Bots + playersPerMatch - 1) / playersPerMatch
	}
	if o.MatchPrefix == "" {
		o.MatchPrefix = "load"
	}
	if o.Duration == 0 {
		o.Duration = time.Minute
	}
	if o.Drain == 0 {
		o.Drain = time.Second
	}
	if o.Rate == 0 {
		o.Rate = 2
	}
	if o.Brain == "" {
		o.Brain = "random"
	}
	if o.FullBots == 0 {
		o.FullBots = 2
	}
	if o.Speed == 0 {
		o.Speed = 1
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 10 * time.Second
	}
	if o.ProgressEvery == 0 {
		o.ProgressEvery = 5 * time.Second
	}
	switch {
	case o.Bots < 1:
		return o, fmt.Errorf("bots: %d bots, want at least 1", o.Bots)
	case o.Matches < 1 || o.Matches > o.Bots:
		return o, fmt.Errorf("bots: %d matches for %d bots, want 1 to %d", o.Matches, o.Bots, o.Bots)
	case !matchIDPattern.MatchString(matchID(o.MatchPrefix, o.Matches-1)):
		return o, fmt.Errorf("bots: match prefix %q makes invalid match ids such as %q (want %s)",
			o.MatchPrefix, matchID(o.MatchPrefix, o.Matches-1), matchIDPattern)
	case o.Duration < 0 || o.Ramp < 0 || o.Drain < 0 || o.DialTimeout < 0 || o.ProgressEvery < 0:
		return o, fmt.Errorf("bots: negative duration")
	case !(o.Rate >= 0 && o.Rate <= brain.MaxRate): // also NaN
		return o, fmt.Errorf("bots: rate %v outside 0..%d", o.Rate, brain.MaxRate)
	case brain.About(o.Brain) == "":
		return o, fmt.Errorf("bots: brain %q: want %s", o.Brain, strings.Join(brain.Names(), ", "))
	case !(o.Speed > 0) || math.IsInf(o.Speed, 0):
		return o, fmt.Errorf("bots: replay speed %v: want a positive number", o.Speed)
	}
	return o, nil
}

// matchID names the i-th match of a run.
func matchID(prefix string, i int) string { return fmt.Sprintf("%s-%02d", prefix, i) }
