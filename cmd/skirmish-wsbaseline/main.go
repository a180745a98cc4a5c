// Command skirmish-wsbaseline is the transport baseline of the load test: a
// bare WebSocket broadcast with the fan-out of a Skirmish server and none
// of its work. make bench runs the same bots against it and against
// skirmishd and compares the two.
//
//	skirmish-wsbaseline [-addr 127.0.0.1:7778] [-tick-rate 60] [-map arena] [-max-players 20]
//
// It speaks just enough of the protocol for the bots' sessions: it answers a
// hello with a welcome (an empty world at the match's current tick, on the
// same map), and at every tick it sends each client of a match one frame,
// encoded as the server encodes frames, carrying the commands the match
// received since the last tick as events (and a join event for each new
// client). It answers pings with pongs. There is no validation, no world,
// no hash and no replay: what it costs is the cost of moving the same
// messages through the same WebSocket library, goroutine per connection,
// with a bounded send queue per client as the server has.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "skirmish-wsbaseline:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("skirmish-wsbaseline", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:7778", "listen address")
	var o options
	fs.IntVar(&o.tickRate, "tick-rate", 60, "ticks per second")
	fs.StringVar(&o.mapName, "map", "arena", "map named in the welcome")
	fs.IntVar(&o.maxPlayers, "max-players", 20, "clients per match")
	fs.IntVar(&o.sendQueue, "send-queue", 256, "outgoing messages queued per client before it is dropped")
	if err := fs.Parse(args); err != nil {
		return err
	}
	h, err := newHub(o)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	log.Printf("skirmish-wsbaseline listening on ws://%s/ws", ln.Addr())

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	select {
	case err := <-serveErr:
		return err
	case <-sig:
	}
	h.shutdown()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type options struct {
	tickRate, maxPlayers, sendQueue int
	mapName                         string
}

// hub accepts clients and owns the matches.
type hub struct {
	o      options
	m      *sim.Map
	mu     sync.Mutex
	games  map[string]*match
	closed bool
}

func newHub(o options) (*hub, error) {
	if o.tickRate < sim.MinTickRate || o.tickRate > sim.MaxTickRate {
		return nil, fmt.Errorf("tick rate %d outside %d..%d", o.tickRate, sim.MinTickRate, sim.MaxTickRate)
	}
	if o.maxPlayers < 1 || o.sendQueue < 1 {
		return nil, fmt.Errorf("max players and send queue must be positive")
	}
	src, err := assets.MapSource(o.mapName)
	if err != nil {
		return nil, err
	}
	m, err := sim.ParseMap(o.mapName, src)
	if err != nil {
		return nil, err
	}
	return &hub{o: o, m: m, games: map[string]*match{}}, nil
}

func (h *hub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/ws" {
		http.NotFound(w, r)
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	c := &client{conn: conn, out: make(chan []byte, h.o.sendQueue), done: make(chan struct{})}
	c.serve(h)
}

func (h *hub) match(id string) (*match, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errors.New("shutting down")
	}
	if id == "" {
		id = "default"
	}
	g := h.games[id]
	if g == nil {
		g = &match{id: id, h: h, start: time.Now(), nextID: 1, stop: make(chan struct{})}
		h.games[id] = g
		go g.run()
	}
	return g, nil
}

func (h *hub) shutdown() {
	h.mu.Lock()
	h.closed = true
	games := h.games
	h.mu.Unlock()
	for _, g := range games {
		close(g.stop)
		g.mu.Lock()
		for _, c := range g.clients {
			c.closeWith(protocol.CloseGoingAway, "server shutting down")
		}
		g.mu.Unlock()
	}
}

// match batches the commands of its clients and broadcasts them each tick.
type match struct {
	id    string
	h     *hub
	start time.Time
	stop  chan struct{}

	mu      sync.Mutex
	tick    uint32
	nextID  sim.PlayerID
	clients []*client
	events  []protocol.Event // for the next tick
}

func (g *match) clock() uint32 { return uint32(time.Since(g.start).Milliseconds()) }

// run ticks on the server's drift-free schedule: tick n is due at
// start + n periods.
func (g *match) run() {
	period := time.Second / time.Duration(g.h.o.tickRate)
	base, n := time.Now(), int64(0)
	timer := time.NewTimer(period)
	defer timer.Stop()
	var spare []protocol.Event
	var targets []*client
	for {
		select {
		case <-g.stop:
			return
		case <-timer.C:
		}
		g.mu.Lock()
		g.tick++
		f := protocol.Frame{Tick: g.tick, Events: g.events}
		g.events = spare[:0]
		targets = append(targets[:0], g.clients...)
		g.mu.Unlock()
		msg := f.Append(make([]byte, 0, 16+8*len(f.Events)))
		spare = f.Events
		for _, c := range targets {
			c.send(msg)
		}
		n++
		next := base.Add(time.Duration(n+1) * period)
		if late := time.Since(next); late > period {
			base, n = time.Now(), -1
			next = base
		}
		timer.Reset(time.Until(next))
	}
}

// join seats c: its welcome is queued before any frame can be, and its
// join event goes out with the next tick.
func (g *match) join(c *client, name string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.clients) >= g.h.o.maxPlayers {
		return fmt.Errorf("match %s is full", g.id)
	}
	w, err := sim.NewWorld(g.h.m, int32(g.h.o.tickRate))
	if err != nil {
		return err
	}
	w.Tick = g.tick
	c.player, c.match = g.nextID, g
	g.nextID++
	c.send((&protocol.Welcome{
		Player: c.player, Match: g.id, Map: g.h.o.mapName, TickRate: int32(g.h.o.tickRate),
		Tick: g.tick, Time: g.clock(), HashEvery: 30, Snapshot: w.AppendSnapshot(nil),
	}).Append(nil))
	g.clients = append(g.clients, c)
	g.events = append(g.events, protocol.Event{Input: sim.Input{Player: c.player, Action: sim.Join, Name: name}})
	return nil
}

func (g *match) leave(c *client) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, o := range g.clients {
		if o == c {
			g.clients = append(g.clients[:i], g.clients[i+1:]...)
			g.events = append(g.events, protocol.Event{Input: sim.Input{Player: c.player, Action: sim.Leave}})
			return
		}
	}
}

func (g *match) command(c *client, cmd *protocol.Command) {
	in := cmd.Input
	in.Player = c.player
	g.mu.Lock()
	g.events = append(g.events, protocol.Event{Seq: cmd.Seq, Input: in})
	g.mu.Unlock()
}

// client is one WebSocket connection: a reader (serve) and a writer
// draining a bounded queue.
type client struct {
	conn   *websocket.Conn
	out    chan []byte
	done   chan struct{}
	once   sync.Once
	player sim.PlayerID
	match  *match
}

// send queues msg; a client whose queue is full is dropped.
func (c *client) send(msg []byte) {
	select {
	case c.out <- msg:
	case <-c.done:
	default:
		c.closeWith(protocol.ClosePolicy, "too slow: send queue full")
	}
}

func (c *client) closeWith(code websocket.StatusCode, reason string) {
	c.once.Do(func() {
		close(c.done)
		go c.conn.Close(code, reason)
	})
}

// writeLoop writes queued messages. Writes use a background context (no
// per-message context watch); closing the connection unblocks them.
func (c *client) writeLoop() {
	ctx := context.Background()
	for {
		select {
		case <-c.done:
			return
		case msg := <-c.out:
			if err := c.conn.Write(ctx, websocket.MessageBinary, msg); err != nil {
				c.closeWith(websocket.StatusAbnormalClosure, "write failed")
				return
			}
		}
	}
}

func (c *client) serve(h *hub) {
	defer c.closeWith(websocket.StatusNormalClosure, "")
	c.conn.SetReadLimit(protocol.MaxClientMessage)
	buf := make([]byte, protocol.MaxClientMessage+1)
	ctx := context.Background()
	hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	msg, err := read(hctx, c.conn, buf)
	cancel()
	if err != nil {
		return
	}
	var hello protocol.Hello
	if err := hello.Decode(msg); err != nil {
		c.closeWith(protocol.CloseBadHello, err.Error())
		return
	}
	if hello.Version != protocol.Version {
		c.closeWith(protocol.CloseVersion, fmt.Sprintf("protocol version %d, this server speaks %d", hello.Version, protocol.Version))
		return
	}
	go c.writeLoop()
	g, err := h.match(hello.Match)
	if err == nil {
		err = g.join(c, hello.Name)
	}
	if err != nil {
		c.closeWith(protocol.CloseMatchFull, err.Error())
		return
	}
	defer g.leave(c)
	var cmd protocol.Command
	var ping protocol.Ping
	for {
		msg, err := read(ctx, c.conn, buf)
		if err != nil {
			return
		}
		kind, err := protocol.PeekKind(msg)
		if err != nil {
			c.closeWith(protocol.CloseProtocolError, err.Error())
			return
		}
		switch kind {
		case protocol.KindCommand:
			if err := cmd.Decode(msg); err != nil {
				c.closeWith(protocol.CloseProtocolError, err.Error())
				return
			}
			g.command(c, &cmd)
		case protocol.KindPing:
			if err := ping.Decode(msg); err != nil {
				c.closeWith(protocol.CloseProtocolError, err.Error())
				return
			}
			c.send((&protocol.Pong{ClientTime: ping.ClientTime, ServerTime: g.clock()}).Append(nil))
		}
	}
}

// read reads one message into buf.
func read(ctx context.Context, conn *websocket.Conn, buf []byte) ([]byte, error) {
	_, r, err := conn.Reader(ctx)
	if err != nil {
		return nil, err
	}
	n, err := io.ReadFull(r, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return buf[:n], nil
}
