package bots_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/bots"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// gapServer is a stand-in for skirmishd that runs one match at 60 Hz and
// turns every command into an event of the next frame, but stops sending
// frames for a while once, as a server whose tick loop stalls does (it
// then carries on from the next tick, late, without a burst).
type gapServer struct {
	t        *testing.T
	gapAfter time.Duration // from the first frame
	gap      time.Duration

	mu      sync.Mutex
	start   time.Time
	tick    uint32
	clients map[*gapClient]bool
	nextID  sim.PlayerID
}

type gapClient struct {
	conn    *websocket.Conn
	player  sim.PlayerID
	pending []protocol.Event // commands for the next frame; under gapServer.mu
}

func (g *gapServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx := context.Background()
	if _, _, err := conn.Read(ctx); err != nil { // the hello
		return
	}
	src, _ := assets.MapSource("arena")
	m, _ := sim.ParseMap("arena", src)
	world, _ := sim.NewWorld(m, 60)
	g.mu.Lock()
	g.nextID++
	c := &gapClient{conn: conn, player: g.nextID}
	world.Tick = g.tick
	welcome := &protocol.Welcome{Player: c.player, Match: "gap-00", Map: "arena", TickRate: 60, Tick: g.tick,
		Time: uint32(time.Since(g.start).Milliseconds()), HashEvery: 1 << 30, Snapshot: world.AppendSnapshot(nil)}
	if err := conn.Write(ctx, websocket.MessageBinary, welcome.Append(nil)); err != nil {
		g.mu.Unlock()
		return
	}
	g.clients[c] = true // frames follow the welcome's tick
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		delete(g.clients, c)
		g.mu.Unlock()
	}()
	for {
		_, b, err := conn.Read(ctx)
		if err != nil {
			return
		}
		msg, err := protocol.Decode(b)
		if err != nil {
			g.t.Errorf("gap server: %v", err)
			return
		}
		switch msg := msg.(type) {
		case *protocol.Ping:
			pong := &protocol.Pong{ClientTime: msg.ClientTime, ServerTime: uint32(time.Since(g.start).Milliseconds())}
			conn.Write(ctx, websocket.MessageBinary, pong.Append(nil))
		case *protocol.Command:
			in := msg.Input
			in.Player = c.player
			g.mu.Lock()
			c.pending = append(c.pending, protocol.Event{Seq: msg.Seq, Input: in})
			g.mu.Unlock()
		}
	}
}

// run ticks until ctx ends.
func (g *gapServer) run(ctx context.Context) {
	period := time.Second / 60
	next := time.Now()
	var first time.Time
	gapped := false
	for ctx.Err() == nil {
		next = next.Add(period)
		time.Sleep(time.Until(next))
		g.mu.Lock()
		if len(g.clients) > 0 && first.IsZero() {
			first = time.Now()
		}
		if !first.IsZero() && !gapped && time.Since(first) >= g.gapAfter {
			gapped = true
			g.mu.Unlock()
			time.Sleep(g.gap)
			next = time.Now()
			continue
		}
		g.tick++
		for c := range g.clients {
			f := &protocol.Frame{Tick: g.tick, Events: c.pending}
			// Everyone sees everyone's events, as in a match.
			for o := range g.clients {
				if o != c {
					f.Events = append(f.Events, o.pending...)
				}
			}
			c.conn.Write(ctx, websocket.MessageBinary, f.Append(nil))
		}
		for c := range g.clients {
			c.pending = c.pending[:0]
		}
		g.mu.Unlock()
	}
}

// TestMissedTicksCounted: a server that stops delivering frames for half a
// second (30 ticks at 60 Hz) in the window is caught missing ticks by
// bots without a world, which still match every command to its event.
func TestMissedTicksCounted(t *testing.T) {
	t.Parallel()
	g := &gapServer{t: t, gapAfter: 2500 * time.Millisecond, gap: 500 * time.Millisecond, clients: map[*gapClient]bool{}, start: time.Now()}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.run(ctx)
	}()
	defer func() { cancel(); <-done }()
	hs := httptest.NewServer(g)
	defer hs.Close()
	res, err := runBots(t, bots.Options{
		URL: "ws" + strings.TrimPrefix(hs.URL, "http"), Bots: 4, Matches: 1, MatchPrefix: "gap",
		Duration: 4 * time.Second, Ramp: 200 * time.Millisecond, Rate: 4, FullBots: -1,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.BlindBots != 4 || res.MatchesObserved != 1 {
		t.Fatalf("%d blind bots, %d matches observed", res.BlindBots, res.MatchesObserved)
	}
	// 30 ticks were not delivered on time, less the tolerance of one; the
	// bots' own scheduling may add to it, never take away.
	if res.MissedTicks < 25 {
		t.Errorf("%d missed ticks over a 500 ms stall, want about 29", res.MissedTicks)
	}
	if res.Commands == 0 || res.Unanswered != 0 || res.Events != res.Commands || res.LatencyMs.Count != res.Events {
		t.Errorf("commands %d, events %d, rejects %d, unanswered %d, latency samples %d: want every command answered by its event",
			res.Commands, res.Events, res.RejectsTotal, res.Unanswered, res.LatencyMs.Count)
	}
}
