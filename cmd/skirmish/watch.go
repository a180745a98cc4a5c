package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"time"

	"github.com/skirmishgg/skirmish/client/settings"
	"github.com/skirmishgg/skirmish/client/ui"
	"github.com/skirmishgg/skirmish/client/viewer"
	"github.com/skirmishgg/skirmish/cmd/internal/datadir"
	"github.com/skirmishgg/skirmish/replay"
)

// watchFlags are the flags of skirmish watch.
type watchFlags struct {
	live             bool
	delay            time.Duration
	seek             int64
	camera           string
	speed            float64
	replayDir        string
	screenshot, keys string
	frames           int
	printHash        bool
	noVsync          bool
	noSound          bool
	settingsFile     string
	width, height    int
}

func watchCommand(args []string, stdout, stderr io.Writer) error {
	var f watchFlags
	fs := flag.NewFlagSet("skirmish watch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage: skirmish watch [flags] [FILE | http://HOST:PORT/api/replays/ID]
       skirmish watch -live [flags] http://HOST:PORT/api/matches/ID

With no argument, choose from the replays in the replay directory.
Keys: Space play/pause, [ ] speed, , . step a tick, ← → 10 s, R reverse,
Tab or 1-0 follow a player, O F P C camera, L back to live, H help, Esc back,
T take over: play on from here as the player followed, Esc back to here.

flags:
`)
		fs.PrintDefaults()
	}
	fs.BoolVar(&f.live, "live", false, "the argument is a running match's URL (…/api/matches/ID, or its /live): watch it -delay behind, its chunks fetched by URL (through any HTTP cache)")
	fs.DurationVar(&f.delay, "delay", viewer.DefaultDelay, "how far behind a live match to watch it (at least a second: the server seals a chunk a second)")
	fs.Int64Var(&f.seek, "seek", -1, "start at this tick (default: the start; a live match: its present less -delay)")
	fs.StringVar(&f.camera, "camera", "overview", "camera to start with: overview, follow:ID, pov:ID (ID: a player id) or free")
	fs.Float64Var(&f.speed, "speed", 1, "speed to start at, 0.25 to 16 (0: paused)")
	fs.StringVar(&f.replayDir, "replay-dir", "", "where to look for replays to choose from (default: skirmish/replays in the user's data directory, as skirmish play and skirmishd write them)")
	fs.StringVar(&f.screenshot, "screenshot", "", "write the last frame drawn to this PNG file (with -frames)")
	fs.IntVar(&f.frames, "frames", 0, "run this many frames (60 a second), then exit")
	fs.StringVar(&f.keys, "keys", "", `act by frame: "0:p,60:r,90:space" (keys space [ ] , . left right r home end tab shift+tab o f p c l h esc q up down enter t, or a digit; esc also leaves a match taken over)`)
	fs.BoolVar(&f.printHash, "print-hash", false, "print the tick shown and its world hash at exit; after a take-over (T), also the forked world's and the last confirmed")
	fs.BoolVar(&f.noVsync, "no-vsync", false, "draw as fast as possible")
	fs.BoolVar(&f.noSound, "no-sound", false, "do not open the sound device")
	fs.StringVar(&f.settingsFile, "settings", os.Getenv("SKIRMISH_SETTINGS"), "the settings file, for the volumes (env SKIRMISH_SETTINGS; default: skirmish/settings.json in the user's configuration directory)")
	fs.IntVar(&f.width, "width", 1280, "window width")
	fs.IntVar(&f.height, "height", 720, "window height")
	// Flags may come after the replay too: skirmish watch FILE -seek 900.
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) > 1 {
		return fmt.Errorf("unexpected argument %q", rest[1])
	}
	name := ""
	if len(rest) == 1 {
		name = rest[0]
	}
	mode, target, err := viewer.ParseCamera(f.camera)
	if err != nil {
		return fmt.Errorf("-camera: %w", err)
	}
	switch {
	case f.speed != 0 && (f.speed < viewer.Speeds[0] || f.speed > viewer.Speeds[len(viewer.Speeds)-1]):
		return fmt.Errorf("-speed %g: want 0 (paused) or %g to %g", f.speed, viewer.Speeds[0], viewer.Speeds[len(viewer.Speeds)-1])
	case f.live && name == "":
		return errors.New("-live needs the match's URL: http://HOST:PORT/api/matches/ID")
	case f.live && !viewer.IsURL(name):
		return fmt.Errorf("-live %q: want an http URL: http://HOST:PORT/api/matches/ID", name)
	case f.seek > math.MaxUint32:
		return fmt.Errorf("-seek %d: not a tick", f.seek)
	case f.delay < 0:
		return fmt.Errorf("-delay %v: want 0 or more", f.delay)
	case f.screenshot != "" && f.frames <= 0:
		return errors.New("-screenshot needs -frames")
	}
	script, err := viewer.ParseScript(f.keys)
	if err != nil {
		return fmt.Errorf("-keys: %w", err)
	}
	opts := viewer.Options{
		Name: name, Start: uint32(max(0, f.seek)), Seek: f.seek >= 0, Camera: mode, Target: target,
		Speed: f.speed, Paused: f.speed == 0, Delay: f.delay,
		OnError: func(err error) { fmt.Fprintln(stderr, "skirmish watch:", err) },
	}

	// Open what was asked for. An error is shown on screen as well as
	// written here, and ends the command with a failure once the window
	// is closed.
	var (
		ao      viewer.AppOptions
		openErr error
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	switch {
	case f.live:
		var l *viewer.Live
		if l, openErr = viewer.DialLive(ctx, name, viewer.LiveOptions{}); openErr == nil {
			ao.Model = viewer.NewLiveModel(l, opts)
		}
	case name == "":
		dir := f.replayDir
		if dir == "" {
			if dir, err = datadir.Replays(); err != nil {
				return err
			}
		}
		ao.Dir, ao.Options = dir, opts
		ao.Entries, ao.ListErr = viewer.ListReplays(dir)
		if ao.ListErr != nil {
			fmt.Fprintln(stderr, "skirmish watch:", ao.ListErr)
		}
	default:
		var r *replay.Reader
		if viewer.IsURL(name) {
			r, openErr = viewer.Download(ctx, nil, name, 0)
		} else {
			r, openErr = replay.Open(name)
		}
		if openErr == nil {
			if ao.Model, openErr = viewer.NewModel(r, opts); openErr != nil {
				r.Close()
			}
		}
	}
	if openErr != nil {
		fmt.Fprintf(stderr, "skirmish watch: %s: %v\n", name, openErr)
		ao.Err, ao.Name = openErr, name
	}
	// The settings (the volumes, and the keys of a match taken over) are
	// the player's; the file is only read.
	st := settings.Defaults()
	if path := f.settingsFile; path != "" || !f.noSound {
		if path == "" {
			path, _ = settings.Path()
		}
		if data, err := os.ReadFile(path); err == nil {
			if s, err := settings.Decode(data); err == nil {
				s.Normalize()
				st = s
			}
		}
	}
	vol := st.Audio
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// A match taken over (T) is played on a practice server that keeps its
	// replay with the others, but for a scripted run's.
	var scratch string
	if f.frames > 0 {
		if scratch, err = os.MkdirTemp("", "skirmish-replays-"); err != nil {
			return err
		}
		defer os.RemoveAll(scratch)
	}
	takeOver := func(t viewer.TakeOver) (string, string, string, func() error, error) {
		dir := scratch
		if dir == "" {
			var err error
			if dir, err = datadir.Replays(); err != nil {
				return "", "", "", nil, err
			}
		}
		pr, err := forkPractice(dir, logger, st.Practice.Brain, 0, t)
		if err != nil {
			return "", "", "", nil, err
		}
		return pr.URL(), "practice", pr.Name(), pr.Close, nil
	}
	app := viewer.NewApp(ao)
	defer app.Close()
	res, err := ui.RunWatch(ui.WatchOptions{
		App: app, Width: f.width, Height: f.height, Script: script,
		Frames: f.frames, Screenshot: f.screenshot, NoVsync: f.noVsync,
		Sound:    ui.OpenSound(logger, f.noSound, vol.Master, vol.Effects, vol.Mute),
		TakeOver: takeOver, Settings: &st, Logger: logger,
	})
	if err != nil {
		return err
	}
	if f.printHash {
		if m := app.Model(); m != nil && m.World() != nil {
			w := m.World()
			fmt.Fprintf(stdout, "shown tick=%d hash=%016x\n", w.Tick, w.Hash())
		} else {
			fmt.Fprintln(stdout, "shown none")
		}
		// The last match taken over: the world it was forked with, and
		// its last confirmed world.
		if g := res.Game; g != nil && g.First() != nil {
			fmt.Fprintln(stdout, forkLine(g.First(), g.Me()))
			w := g.Confirmed()
			fmt.Fprintf(stdout, "confirmed tick=%d hash=%016x player=%d desyncs=%d\n", w.Tick, w.Hash(), g.Me(), res.Link.Desyncs)
		}
	}
	if openErr != nil {
		return reported{openErr}
	}
	if m := app.Model(); m != nil && m.Err() != nil && f.frames > 0 {
		return reported{m.Err()} // a scripted run that met a damaged chunk failed
	}
	return nil
}
