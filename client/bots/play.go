package bots

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// PlayOptions configures Play. URL and Bots are required.
type PlayOptions struct {
	// URL is the server's WebSocket endpoint, ws://HOST:PORT/ws.
	URL string
	// Match is the match every bot joins; empty lets the server choose.
	Match string
	// Bots are the bots to play, each on a connection of its own.
	Bots []Bot
	// DialTimeout bounds each connection and handshake. Default 5 s.
	DialTimeout time.Duration
	// Logger receives a debug line for each connection that fails or
	// ends. Default: discarded.
	Logger *slog.Logger
}

// Bot is one of Play's bots: its player name (sim.ValidName) and its
// brain, which only the bot's own goroutine uses.
type Bot struct {
	Name  string
	Brain brain.Brain
}

// Pauses before a Play bot connects again: after a failed connection (the
// server is not up yet, or refuses), and after its connection ended (the
// server ended the match or dropped the bot).
const (
	redialPause    = 500 * time.Millisecond
	reconnectPause = 200 * time.Millisecond
)

// Play plays o.Bots on the server at o.URL until ctx ends. Each bot is a
// real client (package client/session) on its own goroutine and WebSocket:
// after every frame its brain thinks about the bot's copy of the world and
// the bot sends the brain's commands, as Run's bots do. A bot whose
// connection fails or ends connects again, as a new player, after a short
// pause. Unlike Run, Play measures nothing: it keeps a match busy, as the
// desktop client's practice bots do.
//
// Play returns an error at once for invalid options; otherwise it returns
// nil once ctx has ended and every bot has closed its connection.
func Play(ctx context.Context, o PlayOptions) error {
	if o.URL == "" {
		return errors.New("bots: play: no server URL")
	}
	for i, b := range o.Bots {
		switch {
		case !sim.ValidName(b.Name):
			return fmt.Errorf("bots: play: bot %d: invalid name %q", i, b.Name)
		case b.Brain == nil:
			return fmt.Errorf("bots: play: bot %d (%s): no brain", i, b.Name)
		}
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var wg sync.WaitGroup
	for _, b := range o.Bots {
		wg.Go(func() { playBot(ctx, &o, b) })
	}
	wg.Wait()
	return nil
}

// playBot plays one bot until ctx ends, connecting again whenever its
// connection fails or ends.
func playBot(ctx context.Context, o *PlayOptions, b Bot) {
	d := newDriver(b.Brain, nil)
	for {
		dctx, cancel := context.WithTimeout(ctx, o.DialTimeout)
		s, err := session.Dial(dctx, session.Options{URL: o.URL, Name: b.Name, Match: o.Match})
		cancel()
		pause := redialPause
		if err == nil {
			err = playSession(ctx, s, &d)
			s.CloseNow()
			pause = reconnectPause
		}
		if ctx.Err() != nil {
			return
		}
		o.Logger.Debug("bot connection ended", "bot", b.Name, "err", err)
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// playSession plays on s until its connection fails or ctx ends.
func playSession(ctx context.Context, s *session.Session, d *driver) error {
	d.restart()
	period := time.Second / time.Duration(s.Welcome().TickRate)
	for {
		msg, err := s.Recv(ctx)
		if err != nil {
			return err
		}
		f, ok := msg.(*protocol.Frame)
		if !ok {
			continue
		}
		for _, in := range d.decide(s.World(), s.Player(), f.Tick, period) {
			if _, err := s.Send(ctx, in); err != nil {
				return err
			}
		}
	}
}
