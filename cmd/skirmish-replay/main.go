// Command skirmish-replay inspects, checks and generates Skirmish replays
// (.skr files).
//
//	skirmish-replay info [-json] FILE         the match: map, time, players, sizes
//	skirmish-replay verify [-source SRC] FILE re-simulate and check every recorded hash
//	                                          (and a fork's lineage against its source)
//	skirmish-replay dump [-from T] [-to T] FILE   the events as JSON lines
//	skirmish-replay seek FILE TICK...         the world hash at each tick
//	skirmish-replay stats [-json] FILE...     per player: kills, deaths, shots, hits, ...
//	skirmish-replay gen -players N -minutes M -rate R -seed S -o FILE
//	                                          write a synthetic match
//
// Exit status: 0 on success, 1 when a file is unreadable, corrupt or fails
// verification, 2 for bad usage. Work that takes more than a second shows a
// progress bar on stderr when stderr is a terminal.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks a usage error (exit status 2); the message has been printed.
var errUsage = errors.New("usage")

// command is a subcommand.
type command struct {
	name, args, help string
	run              func(c *cli, args []string) error
}

var commands = []command{
	{"info", "[-json] FILE", "show the match: map, time, players, sizes", runInfo},
	{"verify", "[-source SRC] FILE", "re-simulate the match and check every recorded hash (and a fork's lineage against its source)", runVerify},
	{"dump", "[-from TICK] [-to TICK] FILE", "print the events as JSON lines", runDump},
	{"seek", "FILE TICK...", "print the world hash at each tick", runSeek},
	{"stats", "[-json] FILE...", "per player: kills, deaths, shots, hits, distance, time alive", runStats},
	{"gen", "-players N -minutes M -rate R -seed S -o FILE", "write a synthetic match", runGen},
}

// cli is what a subcommand works with.
type cli struct {
	stdout, stderr io.Writer
	name, args     string // the subcommand and its usage line
}

func (c *cli) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("skirmish-replay "+c.name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprintf(c.stderr, "usage: skirmish-replay %s %s\n", c.name, c.args)
		fs.PrintDefaults()
	}
	return fs
}

// usagef prints a usage error.
func (c *cli) usagef(format string, args ...any) error {
	fmt.Fprintf(c.stderr, "skirmish-replay %s: %s\n", c.name, fmt.Sprintf(format, args...))
	fmt.Fprintf(c.stderr, "usage: skirmish-replay %s %s\n", c.name, c.args)
	return errUsage
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, cmd := range commands {
		if cmd.name != args[0] {
			continue
		}
		c := &cli{stdout: stdout, stderr: stderr, name: cmd.name, args: cmd.args}
		err := cmd.run(c, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(stderr, "skirmish-replay %s: %v\n", cmd.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "skirmish-replay: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "skirmish-replay inspects, checks and generates Skirmish replays (.skr files).")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage:")
	for _, cmd := range commands {
		fmt.Fprintf(w, "  skirmish-replay %s %s\n      %s\n", cmd.name, cmd.args, cmd.help)
	}
}
