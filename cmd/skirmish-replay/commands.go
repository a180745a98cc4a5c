package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/sim"
)

// oneFile parses flags and expects exactly one file argument.
func oneFile(c *cli, fs interface {
	Parse([]string) error
	Args() []string
}, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if strings.Contains(err.Error(), "help requested") {
			return "", err
		}
		return "", errUsage
	}
	if len(fs.Args()) != 1 {
		return "", c.usagef("want one file, got %d arguments", len(fs.Args()))
	}
	return fs.Args()[0], nil
}

func open(path string) (*replay.Reader, error) {
	r, err := replay.Open(path)
	var pe *fs.PathError
	switch {
	case errors.As(err, &pe):
		return nil, pe // names the file already
	case err != nil:
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// infoJSON is info's -json output.
type infoJSON struct {
	File          string              `json:"file"`
	MatchID       string              `json:"match_id"`
	Map           string              `json:"map"`
	MapName       string              `json:"map_name"`
	Start         *time.Time          `json:"start,omitempty"`
	TickRate      int32               `json:"tick_rate"`
	FormatVersion uint16              `json:"format_version"`
	SimVersion    int                 `json:"sim_version"`
	Origin        *originJSON         `json:"origin,omitempty"`
	FirstTick     uint32              `json:"first_tick"`
	LastTick      uint32              `json:"last_tick"`
	Ticks         uint32              `json:"ticks"`
	Duration      float64             `json:"duration_s"`
	Players       []replay.PlayerInfo `json:"players"`
	Size          int64               `json:"size"`
	HeaderSize    int64               `json:"header_size"`
	ChunkBytes    int64               `json:"chunk_bytes"`
	KeyframeBytes int64               `json:"keyframe_bytes"`
	FooterSize    int64               `json:"footer_size"`
	Chunks        int                 `json:"chunks"`
	Keyframes     int                 `json:"keyframes"`
	PerPlayerMin  float64             `json:"bytes_per_player_minute"`
	Recovered     bool                `json:"recovered"`
	Lost          int64               `json:"lost_bytes"`
	LostReason    string              `json:"lost_reason,omitempty"`
}

// originJSON is a fork's origin in info's -json output; the hash is in hex,
// as everywhere else it is shown.
type originJSON struct {
	Replay string `json:"replay"`
	Tick   uint32 `json:"tick"`
	Hash   string `json:"hash"`
}

func perPlayerMinute(in replay.Info) float64 {
	if len(in.Players) == 0 || in.Duration <= 0 {
		return 0
	}
	return float64(in.Size) / float64(len(in.Players)) / in.Duration.Minutes()
}

func runInfo(c *cli, args []string) error {
	fs := c.flags()
	asJSON := fs.Bool("json", false, "print JSON")
	path, err := oneFile(c, fs, args)
	if err != nil {
		return err
	}
	r, err := open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	in := r.Info()
	if *asJSON {
		out := infoJSON{
			File: path, MatchID: in.MatchID, Map: in.Map, MapName: in.MapName, TickRate: in.TickRate,
			FormatVersion: in.FormatVersion, SimVersion: in.SimVersion,
			FirstTick: in.FirstTick, LastTick: in.LastTick, Ticks: in.Ticks, Duration: in.Duration.Seconds(),
			Players: in.Players, Size: in.Size, HeaderSize: in.HeaderSize, ChunkBytes: in.ChunkBytes,
			KeyframeBytes: in.KeyframeBytes, FooterSize: in.FooterSize, Chunks: in.Chunks, Keyframes: in.Keyframes,
			PerPlayerMin: perPlayerMinute(in), Recovered: in.Recovered, Lost: in.Lost, LostReason: in.LostReason,
		}
		if out.Players == nil {
			out.Players = []replay.PlayerInfo{}
		}
		if o := in.Origin; o != nil {
			out.Origin = &originJSON{Replay: o.Replay, Tick: o.Tick, Hash: fmt.Sprintf("%016x", o.Hash)}
		}
		if !in.Start.IsZero() {
			out.Start = &in.Start
		}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	row := func(k, format string, args ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(format, args...)) }
	row("file", "%s", path)
	row("match", "%s", orDash(in.MatchID))
	row("map", "%s (%s)", in.Map, in.MapName)
	if in.Start.IsZero() {
		row("started", "-")
	} else {
		row("started", "%s", in.Start.Format("2006-01-02 15:04:05 MST"))
	}
	row("tick rate", "%d Hz", in.TickRate)
	if o := in.Origin; o != nil {
		row("forked from", "%s at tick %d (world hash %016x)", o.Replay, o.Tick, o.Hash)
	}
	row("ticks", "%d..%d (%d ticks, %s)", in.FirstTick, in.LastTick, in.Ticks, in.Duration)
	row("players", "%d", len(in.Players))
	row("size", "%s: header %s, chunks %s (keyframes %s), footer %s",
		bytesize(in.Size), bytesize(in.HeaderSize), bytesize(in.ChunkBytes), bytesize(in.KeyframeBytes), bytesize(in.FooterSize))
	if ppm := perPlayerMinute(in); ppm > 0 {
		row("", "%.0f bytes per player-minute", ppm)
	}
	row("chunks", "%d (%d keyframes)", in.Chunks, in.Keyframes)
	row("format", "version %d, simulation version %d%s", in.FormatVersion, in.SimVersion, simNote(in.SimVersion))
	if in.Recovered {
		row("footer", "none: the match did not end cleanly; %d chunks recovered by scanning", in.Chunks)
		if in.Lost > 0 {
			row("lost", "%s after the last complete chunk: %s", bytesize(in.Lost), in.LostReason)
		}
	} else {
		row("footer", "yes")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(in.Players) > 0 {
		fmt.Fprintln(c.stdout)
		tw = tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "player\tname")
		for _, p := range in.Players {
			fmt.Fprintf(tw, "%d\t%s\n", p.ID, p.Name)
		}
		return tw.Flush()
	}
	return nil
}

func simNote(v int) string {
	if v != sim.Version {
		return fmt.Sprintf(" (this build simulates version %d: the match can be listed but not played)", sim.Version)
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func bytesize(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}

func runVerify(c *cli, args []string) error {
	fs := c.flags()
	sourcePath := fs.String("source", "", "for a fork: its source replay, to check that the source's world at the fork's tick is the fork's first world (default: the origin's id with .skr next to FILE, if there is one)")
	path, err := oneFile(c, fs, args)
	if err != nil {
		return err
	}
	r, err := open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	in := r.Info()
	if *sourcePath != "" && in.Origin == nil {
		return c.usagef("-source: %s is not a fork (its header has no origin)", path)
	}
	if in.Recovered {
		fmt.Fprintf(c.stdout, "%s: no footer (the match did not end cleanly): verifying the %d recovered chunks, ticks %d..%d\n",
			path, in.Chunks, in.FirstTick, in.LastTick)
		if in.Lost > 0 {
			fmt.Fprintf(c.stdout, "%s: %s after them not recovered: %s\n", path, bytesize(in.Lost), in.LostReason)
		}
	}
	p := newProgress(c.stderr, "verify")
	err = r.Verify(p.update)
	p.done()
	if err != nil {
		return verifyFailed(path, err)
	}
	fmt.Fprintf(c.stdout, "%s: ok: %d ticks (%s) in %d chunks, %d keyframes, all hashes match\n",
		path, in.Ticks, in.Duration, in.Chunks, in.Keyframes)
	if in.Origin != nil {
		return verifyLineage(c, r, path, *sourcePath)
	}
	return nil
}

// verifyFailed says how verification failed.
func verifyFailed(path string, err error) error {
	var ve *replay.VerifyError
	switch {
	case errors.As(err, &ve) && (ve.What == "origin" || ve.What == "source"):
		return fmt.Errorf("%s: FAILED: %w", path, err)
	case errors.As(err, &ve):
		return fmt.Errorf("%s: FAILED: the simulation differs from the recording at tick %d (%s hash %016x, simulated %016x)",
			path, ve.Tick, ve.What, ve.Want, ve.Got)
	}
	return fmt.Errorf("%s: FAILED: %w", path, err)
}

// verifyLineage checks a fork against its source: the file given, else the
// origin's replay next to the fork if it is there. Without one, the
// source's world is taken on trust, and the output says so.
func verifyLineage(c *cli, r *replay.Reader, path, source string) error {
	o := r.Info().Origin
	if source == "" {
		// The origin's id is a file name; one that is not (a separator,
		// "..") is not looked for.
		if id := o.Replay; filepath.Base(id) == id && id != "." && id != ".." {
			guess := filepath.Join(filepath.Dir(path), id+replay.Extension)
			if st, err := os.Stat(guess); err == nil && st.Mode().IsRegular() {
				source = guess
			}
		}
	}
	if source == "" {
		fmt.Fprintf(c.stdout, "%s: forked from %s at tick %d: its first world hashes to the origin's %016x; the source is not here (-source FILE checks it)\n",
			path, o.Replay, o.Tick, o.Hash)
		return nil
	}
	src, err := open(source)
	if err != nil {
		return fmt.Errorf("%s: FAILED: its source: %w", path, err)
	}
	defer src.Close()
	if err := r.VerifyOrigin(src); err != nil {
		return verifyFailed(path, fmt.Errorf("against %s: %w", source, err))
	}
	fmt.Fprintf(c.stdout, "%s: forked from %s at tick %d: the source's world there hashes to %016x, the fork's first world\n",
		path, source, o.Tick, o.Hash)
	return nil
}

func runDump(c *cli, args []string) error {
	fs := c.flags()
	from := fs.Uint("from", 0, "first tick")
	to := fs.Uint("to", 1<<32-1, "last tick")
	path, err := oneFile(c, fs, args)
	if err != nil {
		return err
	}
	if *from > 1<<32-1 || *to > 1<<32-1 {
		return c.usagef("ticks are at most %d", uint32(1<<32-1))
	}
	r, err := open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	out := bufio.NewWriterSize(c.stdout, 64<<10)
	var line []byte
	for f, err := range r.Frames(uint32(*from), uint32(*to)) {
		if err != nil {
			out.Flush()
			return fmt.Errorf("%s: %w", path, err)
		}
		for _, ev := range f.Events {
			in := ev.Input
			line = append(line[:0], `{"tick":`...)
			line = strconv.AppendUint(line, uint64(f.Tick), 10)
			line = append(line, `,"player":`...)
			line = strconv.AppendUint(line, uint64(in.Player), 10)
			line = append(line, `,"seq":`...)
			line = strconv.AppendUint(line, uint64(ev.Seq), 10)
			line = append(line, `,"action":"`...)
			line = append(line, in.Action.String()...)
			line = append(line, '"')
			for _, g := range protocol.ActionArgs(in.Action) {
				line = append(line, `,"`...)
				line = append(line, g.String()...)
				line = append(line, `":`...)
				if g == protocol.ArgName {
					name, _ := json.Marshal(in.Name)
					line = append(line, name...)
				} else {
					line = strconv.AppendInt(line, g.Int(&in), 10)
				}
			}
			line = append(line, "}\n"...)
			if _, err := out.Write(line); err != nil {
				return err
			}
		}
	}
	return out.Flush()
}

func runSeek(c *cli, args []string) error {
	fs := c.flags()
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() < 2 {
		return c.usagef("want a file and at least one tick")
	}
	ticks := make([]uint32, 0, fs.NArg()-1)
	for _, a := range fs.Args()[1:] {
		t, err := strconv.ParseUint(a, 10, 32)
		if err != nil {
			return c.usagef("tick %q is not a number from 0 to %d", a, uint32(1<<32-1))
		}
		ticks = append(ticks, uint32(t))
	}
	path := fs.Arg(0)
	r, err := open(path)
	if err != nil {
		return err
	}
	defer r.Close()
	for _, t := range ticks {
		w, err := r.Seek(t)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		fmt.Fprintf(c.stdout, "%016x\n", w.Hash())
	}
	return nil
}

// statsRow is one player's line of stats, summed over the files by name.
type statsRow struct {
	Name     string  `json:"name"`
	Matches  int64   `json:"matches"`
	Kills    int64   `json:"kills"`
	Deaths   int64   `json:"deaths"`
	Shots    int64   `json:"shots"`
	Hits     int64   `json:"hits"`
	Accuracy float64 `json:"accuracy"` // hits per shot
	Distance float64 `json:"distance_tiles"`
	Alive    float64 `json:"alive_s"`
}

// runStats sums the files with the leaderboard projection that skirmishd
// serves (package replay/projection), one file after the other.
func runStats(c *cli, args []string) error {
	fs := c.flags()
	asJSON := fs.Bool("json", false, "print JSON: {\"matches\": N, \"ticks\": N, \"players\": [{\"name\", \"kills\", \"deaths\", ...}]}")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() == 0 {
		return c.usagef("want at least one file")
	}
	lb := projection.NewLeaderboard()
	for _, path := range fs.Args() {
		p := newProgress(c.stderr, "stats "+filepath.Base(path))
		err := projection.PlayFile(path, p.update, lb)
		p.done()
		if err != nil {
			return fileErr(path, err)
		}
	}
	v := lb.View()
	_, players := v.Page(projection.ByKills, true, 0, -1)
	rows := make([]statsRow, 0, len(players))
	for _, p := range players {
		r := statsRow{Name: p.Name, Matches: p.Matches, Kills: p.Kills, Deaths: p.Deaths, Shots: p.Shots, Hits: p.Hits,
			Distance: p.Distance, Alive: p.TimeAlive}
		if p.Shots > 0 {
			r.Accuracy = float64(p.Hits) / float64(p.Shots)
		}
		rows = append(rows, r)
	}
	if *asJSON {
		out := struct {
			Matches int        `json:"matches"`
			Ticks   uint64     `json:"ticks"`
			Players []statsRow `json:"players"`
		}{fs.NArg(), v.Ticks, rows}
		enc := json.NewEncoder(c.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "name\tmatches\tkills\tdeaths\tshots\thits\taccuracy\tdistance\talive\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.0f%%\t%.0f tiles\t%s\t\n", r.Name, r.Matches, r.Kills, r.Deaths, r.Shots, r.Hits,
			100*r.Accuracy, r.Distance, (time.Duration(r.Alive * float64(time.Second))).Round(time.Second))
	}
	return tw.Flush()
}

// fileErr names the file in err, unless it does already.
func fileErr(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe
	}
	return fmt.Errorf("%s: %w", path, err)
}

func runGen(c *cli, args []string) error {
	fs := c.flags()
	var o synth.Options
	fs.IntVar(&o.Players, "players", 8, "bots, 1 to 64")
	minutes := fs.Float64("minutes", 1, "length of the match in minutes")
	fs.Float64Var(&o.Rate, "rate", 2, "commands per player per second")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed: the same options give the same match")
	fs.IntVar(&o.Chasers, "chasers", 0, "how many of the bots hunt the others (the chase brain) instead of playing at random")
	fs.IntVar(&o.Flood, "flood", 0, fmt.Sprintf("add this many fire commands of the first bot to every tick (up to %d events a tick in all): a valid \"event bomb\" to test readers with", replay.MaxTickEvents))
	mapName := fs.String("map", "arena", "map: "+strings.Join(assets.MapNames(), ", "))
	tickRate := fs.Int("tick-rate", 60, "ticks per second, 10 to 128")
	start := fs.String("start", "", "start time to record, RFC 3339 (default: now)")
	out := fs.String("o", "", "the replay file to write (replaced if it exists)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	switch {
	case fs.NArg() != 0:
		return c.usagef("unexpected arguments %q", fs.Args())
	case *out == "":
		return c.usagef("-o FILE is required")
	case *minutes <= 0 || *minutes > 24*60:
		return c.usagef("-minutes %v outside (0, 1440]", *minutes)
	case *tickRate < sim.MinTickRate || *tickRate > sim.MaxTickRate:
		return c.usagef("-tick-rate %d outside %d..%d", *tickRate, sim.MinTickRate, sim.MaxTickRate)
	}
	src, err := assets.MapSource(*mapName)
	if err != nil {
		return c.usagef("%v (maps: %s)", err, strings.Join(assets.MapNames(), ", "))
	}
	o.Map, o.MapSource, o.TickRate = *mapName, src, int32(*tickRate)
	o.Duration = time.Duration(*minutes * float64(time.Minute))
	o.Start = time.Now().UTC().Truncate(time.Second)
	if *start != "" {
		if o.Start, err = time.Parse(time.RFC3339, *start); err != nil {
			return c.usagef("-start: %v", err)
		}
	}
	o.MatchID = fmt.Sprintf("gen-%d", o.Seed)
	o.Writer.NoSync = true // synced once at the end, before the rename
	p := newProgress(c.stderr, "gen")
	o.Progress = p.update
	// Write a temporary file and rename it, so that FILE is either the old
	// file or the whole new one.
	tmp := *out + ".tmp"
	os.Remove(tmp)
	began := time.Now()
	err = synth.Generate(tmp, o)
	p.done()
	if err == nil {
		err = syncFile(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, *out)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "wrote %s: %d players, %s at %d Hz, %.1f commands per player per second, %s (%.0f bytes per player-minute) in %s\n",
		*out, o.Players, o.Duration, o.TickRate, o.Rate, bytesize(st.Size()),
		float64(st.Size())/float64(o.Players)/o.Duration.Minutes(), time.Since(began).Round(time.Millisecond))
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
