// Package practice runs a Skirmish server inside the desktop client, on a
// loopback port, with practice bots in it: what `skirmish play` does when it
// is given no server to join. It wires a server (package server) to bots
// (package client/bots), which is why it lives under cmd: the client tree
// never imports the server.
//
// Use Start to run the server and its bots; URL is the WebSocket address to
// join; Close stops the bots and shuts the server down, finalizing its
// replay. The bots are client/bots' Play bots: real clients on their own
// connections, each asking its brain (sim/brain) what to do after every
// frame.
//
// With Options.Fork, the practice match is instead a fork of a recording
// at one of its ticks (take over: play on from there): the server forks
// it with server.Server.Fork, the code behind POST /api/replays/{id}/fork,
// waits for the player you take over (Name is who to join as), and runs
// the server's own bots, of the same brain, for the other players, from
// where they stand.
//
// The methods of Practice are safe for concurrent use.
package practice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/skirmishgg/skirmish/client/bots"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// Options configures Start. The zero value runs a server with no bots;
// Server.ReplayDir is required, as for any server.
type Options struct {
	// Bots is the number of practice bots, 0 to sim.MaxPlayers-1.
	Bots int
	// Match is the id of the match the bots join. Default "practice".
	Match string
	// Server configures the embedded server; zero fields take the
	// server's defaults, except MaxPlayers, which is raised to hold the
	// bots and a player, and Logger, which defaults to discarding.
	Server server.Options
	// Seed seeds the bots' brains (bot i uses brain.Seed(Seed, i)).
	Seed uint64
	// Brain names the bots' brain (brain.New). Default "chase", which
	// hunts and aims like a person.
	Brain string
	// BotRate is each bot's command rate per second: the cap of a chase
	// brain, the average of a random one. Default 3: a chase brain at
	// brain.DefaultChaseRate aims and fires like a quick player, too sharp
	// for practice.
	BotRate float64
	// Fork, if set, makes the match a fork of a recording instead of a new
	// one with Bots bots.
	Fork *Fork
}

// Fork is a practice match forked from a recording: the world of Source
// at Tick, in which you play As; the server's bots play the others.
type Fork struct {
	// Source is the recording (the caller keeps owning it; it is read
	// only during Start); SourceID its id, which the fork's replay records
	// as its origin.
	Source   *replay.Reader
	SourceID string
	Tick     uint32
	// As is the player you play; 0: the first alive at Tick, else the
	// first.
	As sim.PlayerID
}

// Practice is an embedded server with practice bots.
type Practice struct {
	srv    *server.Server
	url    string
	name   string             // who to join as: a fork's player; empty otherwise
	forked server.Forked      // the fork, with Options.Fork
	cancel context.CancelFunc // stops the bots
	wg     sync.WaitGroup     // the HTTP server and the bots
	log    *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// Start runs the server on 127.0.0.1 at a free port and starts the bots. It
// returns once the server is listening; the bots connect in the background.
func Start(o Options) (*Practice, error) {
	team, err := o.bots()
	if err != nil {
		return nil, err
	}
	so := o.Server
	if so.Logger == nil {
		so.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if so.MaxPlayers == 0 {
		so.MaxPlayers = max(20, o.Bots+1)
	}
	if o.Fork != nil {
		// The server's bots, on the match goroutine, play the forked
		// world's other players: a client bot could not take a player
		// that exists already.
		team, so.ForkBrain, so.ForkBotRate = nil, o.Brain, o.BotRate
	}
	srv, err := server.New(so)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Shutdown(context.Background())
		return nil, fmt.Errorf("practice: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Practice{
		srv:    srv,
		url:    "ws://" + ln.Addr().String() + "/ws",
		cancel: cancel,
		log:    so.Logger,
	}
	if o.Fork != nil {
		if err := p.fork(o); err != nil {
			cancel()
			ln.Close()
			srv.Shutdown(context.Background())
			return nil, err
		}
	}
	p.wg.Go(func() {
		// Serve, like skirmishd, so that the practice server has the same
		// HTTP limits; Shutdown stops it.
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Error("practice server", "err", err)
		}
	})
	if len(team) > 0 {
		p.wg.Go(func() {
			err := bots.Play(ctx, bots.PlayOptions{URL: p.url, Match: o.Match, Bots: team, Logger: p.log})
			if err != nil {
				p.log.Error("practice bots", "err", err)
			}
		})
	}
	return p, nil
}

// fork forks the match o.Fork asks for, waiting for its player.
func (p *Practice) fork(o Options) error {
	f := o.Fork
	w, err := f.Source.Seek(f.Tick)
	if err != nil {
		return fmt.Errorf("practice: %w", err)
	}
	as := w.Player(f.As)
	if f.As == 0 {
		for i := range w.Players {
			if as == nil || (!as.Alive && w.Players[i].Alive) {
				as = &w.Players[i]
			}
		}
	}
	if as == nil {
		return fmt.Errorf("practice: no player %d at tick %d", f.As, f.Tick)
	}
	p.name = as.Name
	p.forked, err = p.srv.Fork(server.ForkRequest{Source: f.Source, SourceID: f.SourceID, Tick: f.Tick,
		Match: o.Match, Claim: []string{as.Name}})
	if err != nil {
		return fmt.Errorf("practice: %w", err)
	}
	return nil
}

// bots returns the practice bots o asks for, with o's defaults.
func (o *Options) bots() ([]bots.Bot, error) {
	if o.Bots < 0 || o.Bots >= sim.MaxPlayers {
		return nil, fmt.Errorf("practice: %d bots, want 0 to %d", o.Bots, sim.MaxPlayers-1)
	}
	if o.Match == "" {
		o.Match = "practice"
	}
	if o.Brain == "" {
		o.Brain = "chase"
	}
	if o.BotRate == 0 {
		o.BotRate = 3
	}
	team := make([]bots.Bot, o.Bots)
	for i := range team {
		b, err := brain.New(o.Brain, brain.Seed(o.Seed, i), o.BotRate)
		if err != nil {
			return nil, fmt.Errorf("practice: %w", err)
		}
		team[i] = bots.Bot{Name: botName(i), Brain: b}
	}
	return team, nil
}

// URL returns the server's WebSocket address, ws://127.0.0.1:PORT/ws.
func (p *Practice) URL() string { return p.url }

// Name returns the name to join a fork as, to take its player's place;
// empty without Options.Fork.
func (p *Practice) Name() string { return p.name }

// Forked describes the fork made with Options.Fork.
func (p *Practice) Forked() server.Forked { return p.forked }

// Close stops the bots, ends the matches (finalizing their replays) and
// stops the server. It is safe to call more than once.
func (p *Practice) Close() error {
	p.closeOnce.Do(func() {
		p.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.closeErr = p.srv.Shutdown(ctx)
		p.wg.Wait()
	})
	return p.closeErr
}

var botNames = [...]string{"Ada", "Bix", "Cog", "Dot", "Elk", "Fez", "Gus", "Hap", "Ivo", "Jax", "Kit", "Lux", "Moe", "Nib", "Oz", "Pip"}

// botName returns the name of bot i: "bot Ada", "bot Bix", …, then numbered.
func botName(i int) string {
	name := "bot " + botNames[i%len(botNames)]
	if i >= len(botNames) {
		name += fmt.Sprint(i / len(botNames))
	}
	return name
}
