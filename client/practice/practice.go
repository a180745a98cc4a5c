// Package practice runs a Skirmish server inside the desktop client, on a
// loopback port, with practice bots in it: what `skirmish play` does when it
// is given no server to join.
//
// Use Start to run the server and its bots; URL is the WebSocket address to
// join; Close stops the bots and shuts the server down, finalizing its
// replay. Each bot is a real client (package client/session) on a goroutine
// of its own: it applies every frame to its world, asks a chase brain
// (sim/brain) what to do, and sends the brain's commands.
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

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// Options configures Start. The zero value runs a server with no bots.
type Options struct {
	// Bots is the number of practice bots.
	Bots int
	// Match is the id of the match the bots join. Default "practice".
	Match string
	// Server configures the embedded server; zero fields take the
	// server's defaults, except MaxPlayers, which is raised to hold the
	// bots and a player, and Logger, which defaults to discarding.
	Server server.Options
	// Seed seeds the bots' brains (bot i uses brain.Seed(Seed, i)).
	Seed uint64
	// Brain names the bots' brain (brain.New): default "chase", which
	// hunts and aims like a person.
	Brain string
	// BotRate is each bot's command rate per second: the cap of a chase
	// brain, the average of a random one. Default 3: a chase brain at
	// brain.DefaultChaseRate aims and fires like a quick player, too sharp
	// for practice.
	BotRate float64
}

// Practice is an embedded server with practice bots.
type Practice struct {
	srv    *server.Server
	hs     *http.Server
	url    string
	cancel context.CancelFunc
	wg     sync.WaitGroup
	log    *slog.Logger

	closeOnce sync.Once
	closeErr  error
}

// Start runs the server on 127.0.0.1 at a free port and starts the bots. It
// returns once the server is listening; the bots connect in the background.
func Start(o Options) (*Practice, error) {
	if o.Bots < 0 || o.Bots >= sim.MaxPlayers {
		return nil, fmt.Errorf("practice: %d bots, want 0 to %d", o.Bots, sim.MaxPlayers-1)
	}
	if o.Match == "" {
		o.Match = "practice"
	}
	if o.BotRate == 0 {
		o.BotRate = 3
	}
	if o.Brain == "" {
		o.Brain = "chase"
	}
	brains := make([]brain.Brain, o.Bots)
	for i := range brains {
		b, err := brain.New(o.Brain, brain.Seed(o.Seed, i), o.BotRate)
		if err != nil {
			return nil, fmt.Errorf("practice: %w", err)
		}
		brains[i] = b
	}
	so := o.Server
	if so.Logger == nil {
		so.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if so.MaxPlayers == 0 {
		so.MaxPlayers = max(20, o.Bots+1)
	}
	srv, err := server.New(so)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("practice: listen: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Practice{
		srv:    srv,
		hs:     &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second},
		url:    "ws://" + ln.Addr().String() + "/ws",
		cancel: cancel,
		log:    so.Logger,
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := p.hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			p.log.Error("practice server", "err", err)
		}
	}()
	for i := range o.Bots {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.bot(ctx, botName(i), o.Match, brains[i])
		}()
	}
	return p, nil
}

// URL returns the server's WebSocket address, ws://127.0.0.1:PORT/ws.
func (p *Practice) URL() string { return p.url }

// Server returns the embedded server.
func (p *Practice) Server() *server.Server { return p.srv }

// Close stops the bots, ends the matches (finalizing their replays) and
// stops the server. It is safe to call more than once.
func (p *Practice) Close() error {
	p.closeOnce.Do(func() {
		p.cancel()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := p.srv.Shutdown(ctx)
		if herr := p.hs.Shutdown(ctx); err == nil && herr != nil {
			err = herr
		}
		p.wg.Wait()
		p.closeErr = err
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

// bot plays one practice bot until ctx ends, reconnecting (as a new player)
// if its connection fails while the server runs.
func (p *Practice) bot(ctx context.Context, name, match string, b brain.Brain) {
	var cmds []sim.Input
	for ctx.Err() == nil {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		sess, err := session.Dial(dctx, session.Options{URL: p.url, Name: name, Match: match})
		cancel()
		if err != nil {
			p.log.Debug("practice bot cannot connect", "bot", name, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		for {
			msg, err := sess.Recv(ctx)
			if err != nil {
				p.log.Debug("practice bot disconnected", "bot", name, "err", err)
				break
			}
			if _, ok := msg.(*protocol.Frame); !ok {
				continue
			}
			cmds = b.Think(sess.World(), sess.Player(), cmds[:0])
			for _, in := range cmds {
				if _, err := sess.Send(ctx, in); err != nil {
					break
				}
			}
		}
		sess.CloseNow()
		if ctx.Err() == nil {
			time.Sleep(200 * time.Millisecond) // the server ended the match or dropped us
		}
	}
}
