// Command skirmish-bots load-tests a Skirmish server with bots, each a real
// client on its own WebSocket (see package client/bots).
//
//	skirmish-bots -url ws://HOST:PORT/ws -bots 1000 -matches 50 -duration 60s \
//	    -rate 2 -ramp 10s -seed 1 [-brain random|chase|storm] [-replay FILE -speed N] \
//	    [-json FILE] [-html FILE]
//	skirmish-bots -render FILE.json [-html FILE]
//
// While it runs, a progress line on stderr shows the elapsed time, the bots
// connected, the commands per second, the latency so far and the errors. At
// the end it prints a table of the results on stdout, and writes them as
// JSON and as an HTML report if asked. It exits 1 when the run failed (the
// server unreachable, a refused handshake, disconnects, desyncs), after
// printing and writing what was measured, and 2 for bad flags. With -render
// it runs nothing and presents the JSON results of an earlier run.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/skirmishgg/skirmish/client/bots"
	"github.com/skirmishgg/skirmish/sim/brain"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("skirmish-bots", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o bots.Options
	fs.StringVar(&o.URL, "url", "ws://127.0.0.1:7777/ws", "server WebSocket URL")
	fs.IntVar(&o.Bots, "bots", 100, "number of bots")
	fs.IntVar(&o.Matches, "matches", 0, "matches the bots share, bot i in match PREFIX-(i mod matches) (0: one per 20 bots)")
	fs.StringVar(&o.MatchPrefix, "match-prefix", "load", "prefix of the match ids")
	fs.DurationVar(&o.Duration, "duration", time.Minute, "measurement window, after the ramp")
	fs.DurationVar(&o.Ramp, "ramp", 10*time.Second, "spread the connections over this long")
	fs.DurationVar(&o.Drain, "drain", time.Second, "wait this long after the window for the last answers")
	fs.Float64Var(&o.Rate, "rate", 2, "commands per second per bot (a chase brain's cap)")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the bots' brains")
	fs.StringVar(&o.Brain, "brain", "random", "the bots' brain: "+brainNames())
	fs.StringVar(&o.Replay, "replay", "", "re-issue the commands recorded in this replay instead of thinking")
	fs.Float64Var(&o.Speed, "speed", 1, "replay speed: recorded times are divided by this")
	fullBots := fs.Int("full-bots", 2, "bots per match that simulate the world in full (hashes checked and reported, desyncs detected); the others follow only the frames and their own events (0: none; 20: all)")
	noHashes := fs.Bool("no-hash-reports", false, "do not report world hashes to the server")
	fs.DurationVar(&o.DialTimeout, "dial-timeout", 10*time.Second, "timeout of each connection and handshake")
	fs.IntVar(&o.ServerPID, "server-pid", 0, "measure this local process's CPU time over the window (Linux)")
	jsonPath := fs.String("json", "", "write every figure as JSON to this file")
	htmlPath := fs.String("html", "", "write an HTML report to this file")
	progress := fs.String("progress", "auto", "progress line on stderr: auto (in place on a terminal), lines, or off")
	render := fs.String("render", "", "run nothing: read the results of an earlier run from this JSON file, print the table and write -html")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the bots to this file")
	memProfile := fs.String("memprofile", "", "write an allocation profile of the bots to this file at the end")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "skirmish-bots: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	o.NoHashReports = *noHashes
	o.FullBots = *fullBots
	if *fullBots <= 0 {
		o.FullBots = -1 // none (the option's zero means its default)
	}
	switch *progress {
	case "auto":
		o.Progress, o.ProgressInPlace = stderr, isTerminal(stderr)
	case "lines":
		o.Progress = stderr
	case "off":
	default:
		fmt.Fprintf(stderr, "skirmish-bots: -progress %q: want auto, lines or off\n", *progress)
		return 2
	}

	if *render != "" {
		return renderResults(*render, *htmlPath, stdout, stderr)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "skirmish-bots:", err)
			return 2
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "skirmish-bots:", err)
			return 2
		}
		defer pprof.StopCPUProfile()
	}

	if *memProfile != "" {
		runtime.MemProfileRate = 4096
		defer func() {
			runtime.GC() // the profile is as of the last collection
			f, err := os.Create(*memProfile)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(stderr, "skirmish-bots:", err)
			}
		}()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bots.Run(ctx, o)
	if res == nil {
		fmt.Fprintln(stderr, "skirmish-bots:", err)
		return 2
	}
	res.WriteTable(stdout)
	code := 0
	if err != nil {
		fmt.Fprintf(stderr, "skirmish-bots: %s\n", explain(err))
		code = 1
	}
	if *jsonPath != "" {
		if err := writeFile(*jsonPath, func(w io.Writer) error {
			e := json.NewEncoder(w)
			e.SetIndent("", "  ")
			return e.Encode(res)
		}); err != nil {
			fmt.Fprintln(stderr, "skirmish-bots:", err)
			code = 1
		}
	}
	if *htmlPath != "" {
		if err := writeFile(*htmlPath, res.WriteHTML); err != nil {
			fmt.Fprintln(stderr, "skirmish-bots:", err)
			code = 1
		}
	}
	return code
}

// renderResults prints the table of saved results and writes their HTML
// report.
func renderResults(jsonPath, htmlPath string, stdout, stderr io.Writer) int {
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		fmt.Fprintln(stderr, "skirmish-bots:", err)
		return 1
	}
	var res bots.Results
	if err := json.Unmarshal(b, &res); err != nil {
		fmt.Fprintf(stderr, "skirmish-bots: %s: %v\n", jsonPath, err)
		return 1
	}
	res.WriteTable(stdout)
	if htmlPath != "" {
		if err := writeFile(htmlPath, res.WriteHTML); err != nil {
			fmt.Fprintln(stderr, "skirmish-bots:", err)
			return 1
		}
	}
	return 0
}

// explain prefixes the run's error with what it means for the results.
func explain(err error) string {
	switch {
	case errors.Is(err, bots.ErrConnect) && !errors.Is(err, bots.ErrDisconnect):
		return fmt.Sprintf("%v\n(the results above cover the bots that connected)", err)
	case errors.Is(err, bots.ErrDisconnect), errors.Is(err, context.Canceled):
		return fmt.Sprintf("%v\n(the results above are partial)", err)
	}
	return err.Error()
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	return f.Close()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// brainNames lists the brains for -brain's help: "chase (hunts …), random
// (…)".
func brainNames() string {
	var parts []string
	for _, name := range brain.Names() {
		parts = append(parts, name+" ("+brain.About(name)+")")
	}
	return strings.Join(parts, ", ")
}
