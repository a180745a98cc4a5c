// Command skirmish is Skirmish's desktop client.
//
//	skirmish                                        the menu
//	skirmish menu [-browse ws://HOST:PORT/ws] ...    the menu (on that server's browser page)
//	skirmish play [-server ws://HOST:PORT/ws] [-name NAME] [-match ID] ...
//	skirmish play -from REPLAY -tick T [-as ID] ...  take over: play on from a replay's tick
//	skirmish watch [FILE | http://HOST:PORT/api/replays/ID]
//	skirmish watch -live http://HOST:PORT/api/matches/ID [-delay 3s]
//
// The menu offers practice against bots, the server browser, the replays
// and the settings. play goes straight into a match: with no -server, on a
// server inside the client, on a loopback port, with practice bots (-bots,
// default 3). Both take -screenshot FILE -frames N (run N frames, save the
// last one as a PNG and exit), -keys (press keys and type text by frame:
// "0:w+,30:space,60:w-,90:text=ada"; the keys go through the player's key
// bindings) and -print-hash (print the last match's confirmed tick and
// world hash at exit, so that a test can compare them with the server's).
//
// The settings (name, keys, volumes, window, servers) are kept in
// skirmish/settings.json in the user's configuration directory (-settings
// FILE, or SKIRMISH_SETTINGS, for another); a damaged file is kept beside
// it and replaced by the defaults, with a message.
//
// play -from REPLAY -tick T (a file or a server's replay URL) plays on from
// that moment: a practice match forked from the replay there, in which
// you play the player -as ID (default: the first alive) and bots the
// others, from where they stand; -print-hash then also prints the tick,
// hash and player of the forked world the server welcomed the client with
// ("fork tick=T hash=H player=ID").
//
// watch plays a replay file, one downloaded from a server, or a running
// match a few seconds behind; with no argument it lists the replays in the
// directory where play and skirmishd keep them. T there takes over the
// player followed, as play -from does; Esc comes back to the same tick. It takes the same
// -screenshot, -frames, -keys and -print-hash (the tick shown and its
// world hash), and -seek TICK -camera overview|follow:ID|pov:ID|free
// -speed X to start from. skirmish COMMAND -h lists every flag.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/keys"
	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/client/menu"
	"github.com/skirmishgg/skirmish/client/settings"
	"github.com/skirmishgg/skirmish/client/ui"
	"github.com/skirmishgg/skirmish/client/viewer"
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

const usage = `usage: skirmish [COMMAND] [flags]

commands:
  menu    the menu (what skirmish with no command opens): practice, the
          server browser, the replays, the settings
  play    play a match: against practice bots on a server inside the
          client, or on a dedicated server with -server ws://HOST:PORT/ws
  watch   watch a replay (a file, or http://HOST:PORT/api/replays/ID), a
          running match (-live http://HOST:PORT/api/matches/ID), or
          with no argument choose from the local replays

skirmish menu -h, skirmish play -h and skirmish watch -h list the flags.
`

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return menuCommand(nil, stdout, stderr)
	}
	switch args[0] {
	case "menu":
		return menuCommand(args[1:], stdout, stderr)
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

// clientFlags are the flags play and menu share.
type clientFlags struct {
	name             string
	settingsFile     string
	replayDir        string
	screenshot, keys string
	frames           int
	printHash        bool
	noVsync          bool
	netStats         bool
	noSound          bool
	width, height    int
	logLevel         string
	tickRate         int
}

func (f *clientFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "your player name for this run (1 to 16 bytes; default: the settings')")
	fs.StringVar(&f.settingsFile, "settings", os.Getenv("SKIRMISH_SETTINGS"), "the settings file (env SKIRMISH_SETTINGS; default: skirmish/settings.json in the user's configuration directory)")
	fs.StringVar(&f.replayDir, "replay-dir", "", "where the practice server keeps its replays and the menu finds them (default: skirmish/replays in the user's data directory; practice in a temporary one with -frames)")
	fs.StringVar(&f.screenshot, "screenshot", "", "write the last frame drawn to this PNG file (with -frames)")
	fs.IntVar(&f.frames, "frames", 0, "run this many frames (game ticks, 60 a second), then exit")
	fs.StringVar(&f.keys, "keys", "", `press keys by frame: "0:w+,30:space,60:w-,90:text=ada" (+ press, - release, none: tap; text=… types); keys by name: a-z 0-9 space enter esc tab backspace delete up down left right shift f1-f12 , . [ ] …`)
	fs.BoolVar(&f.printHash, "print-hash", false, "print the last match's confirmed tick and world hash at exit")
	fs.BoolVar(&f.noVsync, "no-vsync", false, "draw as fast as possible (to measure the frame rate)")
	fs.BoolVar(&f.netStats, "net-stats", false, "show the netcode figures under the HUD (F3 toggles)")
	fs.BoolVar(&f.noSound, "no-sound", false, "do not open the sound device")
	fs.IntVar(&f.width, "width", 0, "window width (default: the settings')")
	fs.IntVar(&f.height, "height", 0, "window height (default: the settings')")
	fs.StringVar(&f.logLevel, "log-level", "warn", "log level of the client and the built-in server: debug, info, warn or error")
	fs.IntVar(&f.tickRate, "tick-rate", 60, "tick rate of the built-in practice server, 10 to 128")
}

// launch is what play and menu set up from their flags: the logger, the
// settings, the script, the sound, and how to start practice.
type launch struct {
	f        *clientFlags
	logger   *slog.Logger
	settings settings.Settings
	path     string
	note     string
	script   keys.Script
	sound    *ui.Sound
	cleanup  []func()
	forked   bool // the match is a fork (play -from): -print-hash says its first world
}

func (f *clientFlags) setUp(stderr io.Writer) (*launch, error) {
	if f.name != "" && !sim.ValidName(f.name) {
		return nil, fmt.Errorf("-name %q: want 1 to %d bytes of printable text without leading or trailing spaces", f.name, sim.MaxNameLen)
	}
	if (f.width > 0) != (f.height > 0) || f.width < 0 || f.height < 0 {
		return nil, fmt.Errorf("-width %d -height %d: give both, positive", f.width, f.height)
	}
	if f.screenshot != "" && f.frames <= 0 {
		return nil, errors.New("-screenshot needs -frames")
	}
	script, err := keys.ParseScript(f.keys)
	if err != nil {
		return nil, fmt.Errorf("-keys: %w", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(f.logLevel)); err != nil {
		return nil, fmt.Errorf("-log-level %q: want debug, info, warn or error", f.logLevel)
	}
	c := &launch{f: f, script: script, logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))}
	c.path = f.settingsFile
	if c.path == "" {
		if c.path, err = settings.Path(); err != nil {
			return nil, err
		}
	}
	c.settings, c.note, err = settings.Load(c.path)
	if err != nil {
		// The game still starts, on the defaults, and says why.
		c.note = err.Error() + ": using the defaults"
	}
	if c.note != "" {
		fmt.Fprintln(stderr, "skirmish:", c.note)
	}
	a := c.settings.Audio
	c.sound = ui.OpenSound(c.logger, f.noSound, a.Master, a.Effects, a.Mute)
	return c, nil
}

// close removes what setUp made for the run.
func (c *launch) close() {
	for i := len(c.cleanup) - 1; i >= 0; i-- {
		c.cleanup[i]()
	}
}

// save writes the settings.
func (c *launch) save(s *settings.Settings) error { return settings.Save(c.path, s) }

// replayDir is where a practice server writes: -replay-dir, a temporary
// directory for a scripted run (a test or a check, not a match to keep),
// or the user's.
func (c *launch) practiceDir() (string, error) {
	switch {
	case c.f.replayDir != "":
		return c.f.replayDir, nil
	case c.f.frames > 0:
		dir, err := os.MkdirTemp("", "skirmish-replays-")
		if err != nil {
			return "", err
		}
		c.cleanup = append(c.cleanup, func() { os.RemoveAll(dir) })
		return dir, nil
	}
	return datadir.Replays()
}

// practice starts a practice server with p's map and bots.
func (c *launch) practice(p settings.Practice, rate float64) (*practice.Practice, error) {
	dir, err := c.practiceDir()
	if err != nil {
		return nil, err
	}
	return practice.Start(practice.Options{
		Bots:    p.Bots,
		Brain:   p.Brain,
		BotRate: rate,
		Match:   "practice",
		Seed:    uint64(time.Now().UnixNano()),
		Server: server.Options{
			TickRate: c.f.tickRate, Map: p.Map, ReplayDir: dir, Logger: c.logger,
			Maps: assets.MapSource,
		},
	})
}

// takeOver starts a practice server whose match is forked from the replay
// name at tick, with player as yours (0: the first alive).
func (c *launch) takeOver(name string, tick uint32, as sim.PlayerID, brain string, rate float64) (*practice.Practice, error) {
	r, err := openRecording(name)
	if err != nil {
		return nil, fmt.Errorf("-from %s: %w", name, err)
	}
	defer r.Close() // the fork has its world once it is made
	dir, err := c.practiceDir()
	if err != nil {
		return nil, err
	}
	if brain == "" {
		brain = c.settings.Practice.Brain
	}
	return forkPractice(dir, c.logger, brain, rate, viewer.TakeOver{Source: r, SourceID: viewer.SourceID(name, r.Header()), Tick: tick, Player: as})
}

// options returns the ui's options for the run.
func (c *launch) options() ui.Options {
	return ui.Options{
		Settings: &c.settings, Save: c.save, Notice: c.note, Logger: c.logger, Sound: c.sound,
		Practice: func(p settings.Practice) (string, string, func() error, error) {
			pr, err := c.practice(p, 0)
			if err != nil {
				return "", "", nil, err
			}
			return pr.URL(), "practice", pr.Close, nil
		},
		Replays: func() viewer.AppOptions {
			dir := c.f.replayDir
			if dir == "" {
				var err error
				if dir, err = datadir.Replays(); err != nil {
					return viewer.AppOptions{Dir: "?", ListErr: err}
				}
			}
			es, err := viewer.ListReplays(dir)
			return viewer.AppOptions{Dir: dir, Entries: es, ListErr: err}
		},
		TakeOver: func(t viewer.TakeOver) (string, string, string, func() error, error) {
			dir, err := c.practiceDir()
			if err != nil {
				return "", "", "", nil, err
			}
			pr, err := forkPractice(dir, c.logger, c.settings.Practice.Brain, 0, t)
			if err != nil {
				return "", "", "", nil, err
			}
			return pr.URL(), "practice", pr.Name(), pr.Close, nil
		},
		Name: c.f.name, Width: c.f.width, Height: c.f.height, Script: c.script,
		Frames: c.f.frames, Screenshot: c.f.screenshot, NoVsync: c.f.noVsync, NetStats: c.f.netStats,
	}
}

// finish prints what the flags ask for after a run, and fails a scripted
// run that ended in a match whose server was lost or refused it (a player
// who left such a match for the menu has been told why there).
func (c *launch) finish(res ui.Result, stdout io.Writer) error {
	if c.f.printHash {
		if c.forked && res.Game != nil && res.Game.First() != nil {
			fmt.Fprintln(stdout, forkLine(res.Game.First(), res.Game.Me()))
		}
		if res.Game != nil && res.Game.Confirmed() != nil {
			w := res.Game.Confirmed()
			fmt.Fprintf(stdout, "confirmed tick=%d hash=%016x player=%d desyncs=%d\n", w.Tick, w.Hash(), res.Game.Me(), res.Link.Desyncs)
		} else {
			fmt.Fprintln(stdout, "confirmed none")
		}
	}
	if s := res.Link; res.Playing && s.State == link.Closed && s.Err != nil && c.f.frames > 0 {
		return fmt.Errorf("the match ended: %s", link.Reason(s.Err))
	}
	return nil
}

func menuCommand(args []string, stdout, stderr io.Writer) error {
	var f clientFlags
	var browse string
	var printMenu bool
	fs := flag.NewFlagSet("skirmish menu", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.StringVar(&browse, "browse", "", "open the server browser on this server (ws://HOST:PORT/ws or HOST:PORT), which is added to your servers")
	fs.BoolVar(&printMenu, "print-menu", false, "print the menu's screen and the browser's matches at exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c, err := f.setUp(stderr)
	if err != nil {
		return err
	}
	defer c.close()
	o := c.options()
	if browse != "" {
		o.Start, o.Browse = ui.StartBrowser, browse
	}
	res, err := ui.Run(o)
	if err != nil {
		return err
	}
	if printMenu {
		printMenuState(stdout, &res.Menu)
	}
	return c.finish(res, stdout)
}

// printMenuState prints the menu's screen and, on the browser, its server
// and the matches it lists in order: "menu screen=browser
// server=ws://…/ws matches=friday,saturday"; then, each on a line of its
// own, the browser's status ("status: …") and the notice ("notice: …").
func printMenuState(w io.Writer, v *menu.View) {
	line := "menu screen=" + v.Screen.String()
	b := &v.Browser
	if v.Screen == menu.ScreenBrowser {
		if b.Current >= 0 {
			line += " server=" + b.Tabs[b.Current].Label
		}
		var ids []string
		for _, r := range b.Rows {
			ids = append(ids, r.ID)
		}
		line += " matches=" + strings.Join(ids, ",")
	}
	fmt.Fprintln(w, line)
	if v.Screen == menu.ScreenBrowser && b.Status != "" {
		fmt.Fprintln(w, "status:", b.Status)
	}
	if v.Notice != "" {
		fmt.Fprintln(w, "notice:", v.Notice)
	}
}

// playFlags are the flags of skirmish play beyond the shared ones.
type playFlags struct {
	server, match string
	bots          int
	mapName       string
	stats         bool
	noAutoSpawn   bool
	cpuProfile    string
	botBrain      string
	botRate       float64
	from          string
	tick          int64
	as            uint
}

func play(args []string, stdout, stderr io.Writer) error {
	var f clientFlags
	var p playFlags
	fs := flag.NewFlagSet("skirmish play", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f.register(fs)
	fs.StringVar(&p.server, "server", "", "join the dedicated server at this WebSocket URL (ws://HOST:PORT/ws); empty: play against practice bots on a server inside the client")
	fs.StringVar(&p.match, "match", "", "the match to join (default: practice on the built-in server; any match with room on a dedicated one)")
	fs.IntVar(&p.bots, "bots", -1, "practice bots on the built-in server (default: the settings', 3 at first)")
	fs.StringVar(&p.botBrain, "bot-brain", "", "practice bots' brain: "+brainNames()+" (default: the settings')")
	fs.Float64Var(&p.botRate, "bot-rate", 0, "practice bots' commands per second: the chase brain's cap, the random brain's average (0: 3)")
	fs.StringVar(&p.mapName, "map", "", "map of the built-in server: "+strings.Join(assets.MapNames(), ", ")+" (default: the settings')")
	fs.BoolVar(&p.stats, "stats", false, "print frame rate and netcode figures at exit")
	fs.BoolVar(&p.noAutoSpawn, "no-autospawn", false, "wait for R before spawning the first time")
	fs.StringVar(&p.cpuProfile, "cpuprofile", "", "write a CPU profile of the session to this file")
	fs.StringVar(&p.from, "from", "", "take over: play on from a replay (a file, or http://HOST:PORT/api/replays/ID) at -tick, on the built-in server")
	fs.Int64Var(&p.tick, "tick", -1, "with -from: the replay's tick to play on from")
	fs.UintVar(&p.as, "as", 0, "with -from: the id of the player you take over (default: the first alive at -tick)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	switch {
	case p.from == "" && (p.tick >= 0 || p.as != 0):
		return errors.New("-tick and -as go with -from")
	case p.from != "" && p.server != "":
		return errors.New("-from plays on the built-in server: not with -server")
	case p.from != "" && (p.tick < 0 || p.tick > math.MaxUint32):
		return errors.New("-from needs -tick, the replay's tick to play on from")
	case p.as > math.MaxUint32:
		return fmt.Errorf("-as %d: not a player id", p.as)
	}
	c, err := f.setUp(stderr)
	if err != nil {
		return err
	}
	defer c.close()
	if p.cpuProfile != "" {
		pf, err := os.Create(p.cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	o := c.options()
	o.Start = ui.StartGame
	o.Game = ui.Game{URL: p.server, Match: p.match, Label: p.server, NoAutoSpawn: p.noAutoSpawn}
	switch {
	case p.from != "":
		pr, err := c.takeOver(p.from, uint32(p.tick), sim.PlayerID(p.as), p.botBrain, p.botRate)
		if err != nil {
			return err
		}
		defer pr.Close()
		o.Game.URL, o.Game.Stop, o.Game.Match, o.Game.Name = pr.URL(), pr.Close, "practice", pr.Name()
		c.forked = true
	case p.server == "":
		setup := c.settings.Practice
		if p.bots >= 0 {
			setup.Bots = p.bots
		}
		if p.mapName != "" {
			setup.Map = p.mapName
		}
		if p.botBrain != "" {
			setup.Brain = p.botBrain
		}
		pr, err := c.practice(setup, p.botRate)
		if err != nil {
			return err
		}
		o.Game.URL, o.Game.Stop = pr.URL(), pr.Close
		if p.match == "" {
			o.Game.Match = "practice"
		}
		defer pr.Close()
	}
	res, err := ui.Run(o)
	if err != nil {
		return err
	}
	if err := c.finish(res, stdout); err != nil {
		return err
	}
	if p.stats && res.Game != nil {
		st := res.Game.Stats()
		fmt.Fprintf(stdout, "frames=%d draws=%d seconds=%.1f fps=%.1f min_fps=%.1f max_players=%d max_shots=%d\n",
			res.Frames, res.Draws, res.Time.Seconds(), res.FPS, res.MinFPS, st.MaxPlayers, st.MaxShots)
		fmt.Fprintf(stdout, "confirmed=%d rollbacks=%d corrections=%d max_correction_tiles=%.3f worst_drawn_jump_tiles=%.3f lead_ticks=%.2f delay_ticks=%.2f hashes_ok=%d hashes_differ=%d resyncs=%d\n",
			st.Confirmed, st.Predict.Rebuilds, st.Predict.Corrections, float64(st.Predict.MaxCorrection)/sim.Unit, st.WorstJump/sim.Unit,
			st.Lead, st.Delay, st.HashesMatch, st.HashesDiffer, st.Resyncs)
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
