// Command skirmish-projector is a fleet's read side: it follows the
// fleet's event log (the chunk stream on NATS JetStream, which every node
// publishes its replays to), keeps a mirror of every replay of the fleet,
// runs the read models over it (leaderboard, player pages, match summaries,
// heatmaps: package replay/projection, the code a standalone skirmishd runs)
// and serves them over HTTP, so that the read models scale apart from the
// tick loops and count every match of the fleet.
//
//	skirmish-projector -nats nats://HOST:4222 [-addr 127.0.0.1:7780] [-dir DIR]
//
// Fleet nodes pass the read routes on to it with skirmishd -projector URL.
// A new projector, or one whose directory was wiped, rebuilds everything
// from the stream; a restart continues where it stopped. Every flag has a
// SKIRMISH_* environment fallback; docs/FLEET.md has the details.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/skirmishgg/skirmish/cmd/internal/cli"
	"github.com/skirmishgg/skirmish/cmd/internal/datadir"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/server/fleet"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "skirmish-projector:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("skirmish-projector", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:7780", "HTTP listen address of the read API")
	natsURLs := fs.String("nats", "", "the fleet's NATS servers (comma-separated nats:// or tls:// URLs)")
	creds := fs.String("nats-creds", "", "NATS credentials file (user JWT and seed)")
	tlsCA := fs.String("nats-tls-ca", "", "PEM file of the CAs that sign the NATS servers' certificates")
	dir := fs.String("dir", "", "where the mirror of the fleet's replays and the read models' checkpoints go (default: skirmish/projector in the user's data directory)")
	durable := fs.String("durable", "skirmish-projector", "name of the stream consumer; projectors of one fleet that must not share a position need different names")
	var logs cli.LogFlags
	logs.Register(fs)
	if err := cli.Parse(fs, args); err != nil {
		return err
	}
	log, err := logs.Logger(os.Stderr)
	if err != nil {
		return err
	}
	if *natsURLs == "" {
		return errors.New("-nats is required: the projector reads a fleet's event log")
	}
	if *dir == "" {
		if *dir, err = datadir.Projector(); err != nil {
			return err
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	fl, err := fleet.Join(ctx, fleet.Options{URLs: strings.Split(*natsURLs, ","), Creds: *creds, TLSCA: *tlsCA,
		Observer: true, NodeID: "projector", Logger: log})
	cancel()
	if err != nil {
		return err
	}
	defer fl.Close(context.Background())
	mirror, err := fl.Mirror(fleet.MirrorOptions{Dir: *dir, Durable: *durable})
	if err != nil {
		return err
	}
	// A replay is live while its footer is missing and its match is in the
	// fleet's directory; the engine also follows a file that grew in the
	// last seconds. A node that died leaves its replays without a footer:
	// once its entries expire they are ended where they stop.
	live := func(id string) bool {
		if !mirror.Live(id) {
			return false
		}
		for _, m := range fl.Matches() {
			if m.Replay == id {
				return true
			}
		}
		return false
	}
	// The mirror catches up over the stream first, and the read models
	// then over its files in one pass, flat out: rebuilding history never
	// waits on files that are still being written.
	mctx, stopMirror := context.WithCancel(context.Background())
	defer stopMirror()
	var removed []string // before the engine runs; taken back as it starts
	var removedMu sync.Mutex
	var engine atomic.Pointer[projection.Engine]
	mirror.OnRemoved = func(id string) {
		if e := engine.Load(); e != nil {
			e.Removed(id)
			return
		}
		removedMu.Lock()
		removed = append(removed, id)
		removedMu.Unlock()
	}
	mirrorDone := make(chan error, 1)
	go func() { mirrorDone <- mirror.Run(mctx) }()
	log.Info("catching up over the fleet's event log")
	select {
	case <-mirror.CaughtUp():
	case err := <-mirrorDone:
		return fmt.Errorf("the mirror stopped: %w", err)
	}
	seq, _ := mirror.Position()
	log.Info("mirror caught up", "stream_seq", seq)
	rm, err := server.StartReadModels(projection.Options{Dir: *dir, Live: live, Logger: log, Share: 1})
	if err != nil {
		return err
	}
	defer rm.Stop() // last: the checkpoints are saved
	engine.Store(rm.Engine())
	removedMu.Lock()
	for _, id := range removed {
		rm.Engine().Removed(id)
	}
	removedMu.Unlock()

	mux := http.NewServeMux()
	rm.Routes(mux)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "skirmish_projector_stream_seq", Help: "The last chunk stream sequence written to the mirror."},
			func() float64 { s, _ := mirror.Position(); return float64(s) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "skirmish_projector_stream_lag", Help: "Messages in the chunk stream after the mirror's position, at its last fetch."},
			func() float64 { _, l := mirror.Position(); return float64(l) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "skirmish_projector_ticks_total", Help: "Ticks the read models have simulated since the start."},
			func() float64 { return float64(rm.Engine().Status().Ticks) }),
	)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		seq, lag := mirror.Position()
		if st := rm.Engine().Status(); !st.CaughtUp || lag > 0 {
			http.Error(w, fmt.Sprintf("catching up: stream position %d, %d behind; read models caught up: %v", seq, lag, st.CaughtUp), http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ready\n"))
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		stopMirror()
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	log.Info("skirmish-projector listening", "url", "http://"+ln.Addr().String(), "dir", *dir)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case s := <-sig:
		log.Info("shutting down", "signal", s.String())
	case err = <-serveErr:
	case err = <-mirrorDone:
		log.Error("the mirror stopped", "err", err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	hs.Shutdown(sctx)
	stopMirror()
	return err
}
