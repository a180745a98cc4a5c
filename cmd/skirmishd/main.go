// Command skirmishd is Skirmish's dedicated server.
//
//	skirmishd [-addr 127.0.0.1:7777] [-tick-rate 60] [-replay-dir DIR] ...
//
// Every flag has an environment fallback: -tick-rate reads SKIRMISH_TICK_RATE
// when the flag is not given, and so on. skirmishd -h lists them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/cmd/internal/cli"
	"github.com/skirmishgg/skirmish/cmd/internal/datadir"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/server/fleet"
	"github.com/skirmishgg/skirmish/sim/brain"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "skirmishd:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("skirmishd", flag.ContinueOnError)
	var o server.Options
	addr := fs.String("addr", "127.0.0.1:7777", "listen address")
	fs.IntVar(&o.TickRate, "tick-rate", 60, "ticks per second, 10 to 128")
	fs.IntVar(&o.MaxPlayers, "max-players", 20, "players per match")
	fs.IntVar(&o.MaxMatches, "max-matches", 64, "matches at once")
	fs.StringVar(&o.Map, "map", "arena", "map of new matches: "+strings.Join(assets.MapNames(), ", "))
	fs.DurationVar(&o.TimeLimit, "time-limit", 0, "end matches after this long (0: no limit)")
	fs.DurationVar(&o.EmptyGrace, "empty-grace", 30*time.Second, "end a match empty for this long")
	fs.DurationVar(&o.ResumeGrace, "resume-grace", 30*time.Second, "how long a disconnected player may resume")
	fs.StringVar(&o.ReplayDir, "replay-dir", "", "replay directory (default: skirmish/replays in the user's data directory)")
	fs.IntVar(&o.ChunkTicks, "chunk-ticks", 0, "replay chunk length in ticks (0: one second)")
	fs.IntVar(&o.KeyframeTicks, "keyframe-ticks", 0, "replay keyframe interval in ticks (0: the replay default)")
	fs.Var(&o.ReplayKeep, "replay-keep", "finished replays to keep: age=DURATION,count=N,size=BYTES (each optional, off for no limit; all keeps every replay) (default age=720h,count=10000,size=20GiB)")
	fs.IntVar(&o.HashEvery, "hash-every", 30, "frames carry the world hash every this many ticks")
	fs.DurationVar(&o.UnplayedGrace, "unplayed-grace", 5*time.Second, "end a match nobody has spawned in, empty for this long, and delete its replay")
	fs.IntVar(&o.MaxMatchesPerIP, "max-matches-per-ip", 4, "running matches that clients from one address (IPv4, or IPv6 /64) may have created (0: no limit)")
	fs.DurationVar(&o.HandshakeTimeout, "handshake-timeout", 5*time.Second, "close a WebSocket that has not sent its hello within this long")
	fs.DurationVar(&o.KeepAlive, "keepalive", 5*time.Second, "ping a player silent for this long; drop it if silent for as long again")
	fs.DurationVar(&o.ResyncInterval, "resync-interval", 5*time.Second, "at most one resync snapshot per client per this long")
	fs.IntVar(&o.MaxResyncs, "max-resyncs", 3, "close a client whose world still differs after this many resyncs in a row")
	fs.DurationVar(&o.HTTPIdleTimeout, "http-idle-timeout", 60*time.Second, "close a keep-alive HTTP connection idle for this long")
	fs.DurationVar(&o.HTTPReadHeaderTimeout, "http-read-header-timeout", 10*time.Second, "time to read a request's headers (and the TLS handshake)")
	fs.DurationVar(&o.HTTPReadTimeout, "http-read-timeout", 30*time.Second, "time to read a whole request, body included (WebSockets are not cut)")
	fs.IntVar(&o.HTTPMaxHeaderBytes, "http-max-header-bytes", 16<<10, "largest request header")
	fs.IntVar(&o.MaxConns, "max-conns", 4096, "open connections, HTTP and WebSocket (0: no limit)")
	fs.IntVar(&o.MaxConnsPerIP, "max-conns-per-ip", 64, "open connections from one address, IPv4 or IPv6 /64 (0: no limit)")
	fs.StringVar(&o.AdminToken, "admin-token", "", "bearer token of the admin API (empty: admin API off)")
	fs.StringVar(&o.Projector, "projector", "", "URL of the fleet's skirmish-projector (http://HOST:PORT): the read models' routes are passed to it, and no projections run here")
	fs.BoolVar(&o.OpenForks, "open-forks", false, "let anyone fork a match from a replay or a running match (default: an admin request, with -admin-token)")
	fs.DurationVar(&o.ForkGrace, "fork-grace", 5*time.Second, "how long a forked match holds its first world for the players it waits for")
	forkUnclaimed := fs.String("fork-unclaimed", "bots", "a forked match's players nobody took when it starts: bots (a bot plays each, until someone takes it) or remove")
	fs.StringVar(&o.ForkBrain, "fork-brain", "chase", "the brain of those bots: "+strings.Join(brain.Names(), ", "))
	fs.Float64Var(&o.ForkBotRate, "fork-bot-rate", 3, "those bots' commands per second (a chase brain's cap)")
	origins := fs.String("origins", "", "comma-separated browser origin host patterns allowed to connect")
	var logs cli.LogFlags
	logs.Register(fs)
	tlsCert := fs.String("tls-cert", "", "TLS certificate file (serve wss:// and https://)")
	tlsKey := fs.String("tls-key", "", "TLS key file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file until shutdown (for load tests)")
	var ff fleetFlags
	ff.register(fs)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	if err := ff.check(); err != nil {
		return err
	}
	switch *forkUnclaimed {
	case "bots":
	case "remove":
		o.ForkRemove = true
	default:
		return fmt.Errorf("-fork-unclaimed %q: want bots or remove", *forkUnclaimed)
	}
	if o.ReplayDir == "" {
		dir, err := datadir.Replays()
		if err != nil {
			return err
		}
		o.ReplayDir = dir
	}
	if *origins != "" {
		o.Origins = strings.Split(*origins, ",")
	}
	for _, p := range []*int{&o.MaxMatchesPerIP, &o.MaxConns, &o.MaxConnsPerIP} {
		if *p == 0 {
			*p = -1 // the flags' 0 is the options' "no limit"
		} else if *p < 0 {
			return errors.New("-max-matches-per-ip, -max-conns and -max-conns-per-ip: want 0 (no limit) or more")
		}
	}
	logger, err := logs.Logger(os.Stderr)
	if err != nil {
		return err
	}
	o.Logger = logger
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("-tls-cert and -tls-key go together")
	}
	o.Maps = assets.MapSource
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	if ff.natsOnly {
		return ff.runNATSOnly(filepath.Join(o.ReplayDir, "nats"), o.Logger, sig)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var fl *fleet.Fleet
	var node *fleet.Node
	if ff.enabled() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		fl, node, err = ff.join(ctx, ln, *tlsCert != "", o.ReplayDir, o.Logger)
		cancel()
		if err != nil {
			ln.Close()
			return err
		}
		o.Fleet = fl
	}
	srv, err := server.New(o)
	if err != nil {
		ln.Close()
		if fl != nil {
			closeFleet(fl, node, o.Logger)
		}
		return err
	}
	scheme := "ws"
	serveErr := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			serveErr <- srv.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			serveErr <- srv.Serve(ln)
		}
	}()
	if *tlsCert != "" {
		scheme = "wss"
	}
	o.Logger.Info("skirmishd listening", "url", scheme+"://"+ln.Addr().String()+"/ws", "replays", o.ReplayDir)

	select {
	case err := <-serveErr:
		return err
	case s := <-sig:
		o.Logger.Info("shutting down", "signal", s.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(ctx) // the matches and their WebSockets, then HTTP
	if fl != nil {
		// Every replay is uploaded and this node's entries removed before
		// the process exits.
		if ferr := closeFleet(fl, node, o.Logger); err == nil {
			err = ferr
		}
	}
	if err == nil {
		o.Logger.Info("shut down cleanly")
	}
	return err
}
