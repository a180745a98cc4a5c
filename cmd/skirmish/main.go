// Command skirmish is Skirmish's desktop client.
//
//	skirmish play [-server ws://HOST:PORT/ws] [-name NAME] [-match ID] ...
//	skirmish watch [FILE | http://HOST:PORT/api/replays/ID]
//	skirmish watch -live http://HOST:PORT/api/matches/ID/live [-delay 3s]
//
// With no -server, play starts a server inside the client on a loopback port
// with practice bots (-bots, default 3) and joins it. -screenshot FILE
// -frames N plays N frames, saves the last one as a PNG and exits; -keys
// presses keys by frame ("0:w+,30:space,60:w-"); -print-hash prints the last
// confirmed tick and world hash at exit, so a test can compare them with the
// server's. skirmish play -h lists every flag.
//
// watch plays a replay file, one downloaded from a server, or a running
// match a few seconds behind; with no argument it lists the replays in the
// directory where play and skirmishd keep them. It takes the same
// -screenshot, -frames, -keys and -print-hash (the tick shown and its
// world hash), and -seek TICK -camera overview|follow:ID|pov:ID|free
// -speed X to start from. skirmish watch -h lists every flag.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/game"
	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/client/ui"
	"github.com/skirmishgg/skirmish/cmd/internal/datadir"
	"github.com/skirmishgg/skirmish/cmd/internal/practice"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		var rep reported
		if !errors.Is(err, flag.ErrHelp) && !errors.As(err, &rep) {
			fmt.Fprintln(os.Stderr, "skirmish:", err)
		}
		os.Exit(1)
	}
}

// reported is an error already written to stderr.
type reported struct{ error }

const usage = `usage: skirmish COMMAND [flags]

commands:
  play    play a match: against practice bots on a server inside the
          client, or on a dedicated server with -server ws://HOST:PORT/ws
  watch   watch a replay (a file, or http://HOST:PORT/api/replays/ID), a
          running match (-live http://HOST:PORT/api/matches/ID/live), or
          with no argument choose from the local replays

skirmish play -h and skirmish watch -h list the flags.
`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "play":
		return play(args[1:], stdout, stderr)
	case "watch":
		return watchCommand(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// playFlags are the flags of skirmish play.
type playFlags struct {
	server, name, match string
	bots                int
	mapName             string
	tickRate            int
	replayDir           string
	screenshot, keys    string
	frames              int
	printHash, stats    bool
	noVsync, netStats   bool
	noAutoSpawn         bool
	width, height       int
	logLevel            string
	cpuProfile          string
	botBrain            string
	botRate             float64
}

func play(args []string, stdout, stderr io.Writer) error {
	var f playFlags
	fs := flag.NewFlagSet("skirmish play", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.server, "server", "", "join the dedicated server at this WebSocket URL (ws://HOST:PORT/ws); empty: play against practice bots on a server inside the client")
	fs.StringVar(&f.name, "name", defaultName(), "your player name (1 to 16 bytes)")
	fs.StringVar(&f.match, "match", "", "the match to join (default: practice on the built-in server; any match with room on a dedicated one)")
	fs.IntVar(&f.bots, "bots", 3, "practice bots on the built-in server")
	fs.StringVar(&f.botBrain, "bot-brain", "chase", "practice bots' brain: "+brainNames())
	fs.Float64Var(&f.botRate, "bot-rate", 0, "practice bots' commands per second: the chase brain's cap, the random brain's average (0: 3)")
	fs.StringVar(&f.mapName, "map", "arena", "map of the built-in server: "+strings.Join(assets.MapNames(), ", "))
	fs.IntVar(&f.tickRate, "tick-rate", 60, "tick rate of the built-in server, 10 to 128")
	fs.StringVar(&f.replayDir, "replay-dir", "", "replay directory of the built-in server (default: skirmish/replays in the user's data directory; a temporary one with -frames)")
	fs.StringVar(&f.screenshot, "screenshot", "", "write the last frame drawn to this PNG file (with -frames)")
	fs.IntVar(&f.frames, "frames", 0, "play this many frames (game ticks, 60 a second), then exit")
	fs.StringVar(&f.keys, "keys", "", `press keys by frame: "0:w+,30:space,60:w-" (+ press, - release, none: tap); keys w a s d q e space r tab esc`)
	fs.BoolVar(&f.printHash, "print-hash", false, "print the last confirmed tick and world hash at exit")
	fs.BoolVar(&f.stats, "stats", false, "print frame rate and netcode figures at exit")
	fs.BoolVar(&f.noVsync, "no-vsync", false, "draw as fast as possible (to measure the frame rate)")
	fs.BoolVar(&f.netStats, "net-stats", false, "show the netcode figures under the HUD (F3 toggles)")
	fs.BoolVar(&f.noAutoSpawn, "no-autospawn", false, "wait for R before spawning the first time")
	fs.IntVar(&f.width, "width", 1280, "window width")
	fs.IntVar(&f.height, "height", 720, "window height")
	fs.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of the session to this file")
	fs.StringVar(&f.logLevel, "log-level", "warn", "log level of the client and the built-in server: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if !sim.ValidName(f.name) {
		return fmt.Errorf("-name %q: want 1 to %d bytes of printable text without leading or trailing spaces", f.name, sim.MaxNameLen)
	}
	script, err := game.ParseScript(f.keys)
	if err != nil {
		return fmt.Errorf("-keys: %w", err)
	}
	if f.screenshot != "" && f.frames <= 0 {
		return errors.New("-screenshot needs -frames")
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return fmt.Errorf("-log-level %q: want debug, info, warn or error", f.logLevel)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	url, match := f.server, f.match
	if url == "" {
		if f.bots < 0 {
			return fmt.Errorf("-bots %d: want 0 or more", f.bots)
		}
		if match == "" {
			match = "practice"
		}
		replayDir := f.replayDir
		switch {
		case replayDir == "" && f.frames > 0:
			// A scripted run is a test or a check, not a match to keep.
			dir, err := os.MkdirTemp("", "skirmish-replays-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			replayDir = dir
		case replayDir == "":
			if replayDir, err = datadir.Replays(); err != nil {
				return err
			}
		}
		p, err := practice.Start(practice.Options{
			Bots:    f.bots,
			Brain:   f.botBrain,
			BotRate: f.botRate,
			Match:   match,
			Seed:    uint64(time.Now().UnixNano()),
			Server: server.Options{
				TickRate: f.tickRate, Map: f.mapName, ReplayDir: replayDir, Logger: logger,
				Maps: assets.MapSource,
			},
		})
		if err != nil {
			return err
		}
		defer p.Close()
		url = p.URL()
	}

	l, err := link.Start(context.Background(), link.Options{
		Session: session.Options{URL: url, Name: f.name, Match: match},
		Logger:  logger,
	})
	if err != nil {
		return err
	}
	defer l.Close()
	model := game.New(l, game.Options{NoAutoSpawn: f.noAutoSpawn})
	res, err := ui.Run(ui.Options{
		Model: model, Server: f.server, Width: f.width, Height: f.height,
		Script: script, Frames: f.frames, Screenshot: f.screenshot,
		NoVsync: f.noVsync, NetStats: f.netStats,
	})
	if err != nil {
		return err
	}
	if f.printHash {
		if w := model.Confirmed(); w != nil {
			fmt.Fprintf(stdout, "confirmed tick=%d hash=%016x player=%d desyncs=%d\n", w.Tick, w.Hash(), model.Me(), l.Status().Desyncs)
		} else {
			fmt.Fprintln(stdout, "confirmed none")
		}
	}
	if f.stats {
		st := model.Stats()
		fmt.Fprintf(stdout, "frames=%d draws=%d seconds=%.1f fps=%.1f min_fps=%.1f max_players=%d max_shots=%d\n",
			res.Frames, res.Draws, res.Time.Seconds(), res.FPS, res.MinFPS, st.MaxPlayers, st.MaxShots)
		fmt.Fprintf(stdout, "confirmed=%d rollbacks=%d corrections=%d max_correction_tiles=%.3f worst_drawn_jump_tiles=%.3f lead_ticks=%.2f delay_ticks=%.2f hashes_ok=%d hashes_differ=%d resyncs=%d\n",
			st.Confirmed, st.Predict.Rebuilds, st.Predict.Corrections, float64(st.Predict.MaxCorrection)/sim.Unit, st.WorstJump/sim.Unit,
			st.Lead, st.Delay, st.HashesMatch, st.HashesDiffer, st.Resyncs)
	}
	if s := l.Status(); s.State == link.Closed && s.Err != nil && f.frames > 0 {
		return s.Err // a scripted run that lost its server failed
	}
	return nil
}

// brainNames lists the brains for -bot-brain's help: "chase (hunts …),
// random (…)".
func brainNames() string {
	var parts []string
	for _, name := range brain.Names() {
		parts = append(parts, name+" ("+brain.About(name)+")")
	}
	return strings.Join(parts, ", ")
}

// defaultName is the user's login name if it is a valid player name, or
// "player".
func defaultName() string {
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
