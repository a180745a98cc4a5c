package link_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// startServer runs a real server on a loopback port and returns its
// WebSocket URL.
func startServer(t *testing.T, o server.Options) (*server.Server, string) {
	t.Helper()
	o.ReplayDir = t.TempDir()
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return srv, "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"
}

// proxy forwards TCP connections to a server and can break them the ways a
// network does: cut them, refuse new ones, or go silent.
type proxy struct {
	ln     net.Listener
	target string
	refuse atomic.Bool
	freeze atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newProxy(t *testing.T, wsURL string) (*proxy, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(wsURL, "ws://")
	host = host[:strings.Index(host, "/")]
	p := &proxy{ln: ln, target: host}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p, "ws://" + ln.Addr().String() + "/ws"
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.refuse.Load() {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

func (p *proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			dst.Close()
			return
		}
		for p.freeze.Load() {
			time.Sleep(10 * time.Millisecond) // hold the bytes, like a dead route
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			src.Close()
			return
		}
	}
}

// cut closes every connection, like a lost network.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func start(t *testing.T, url, name string, o link.Options) *link.Link {
	t.Helper()
	o.Session.URL, o.Session.Name = url, name
	if o.RetryMin == 0 {
		o.RetryMin, o.RetryMax = 20*time.Millisecond, 100*time.Millisecond
	}
	l, err := link.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// collect polls l until cond holds for an update (or the status), failing
// after a timeout. It returns that update (nil when the status satisfied it).
func waitFor(t *testing.T, l *link.Link, what string, cond func(u *link.Update, s link.Status) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var us []*link.Update
	for time.Now().Before(deadline) {
		us = l.Poll(us[:0])
		st := l.Status()
		for _, u := range us {
			if cond(u, st) {
				l.Release(us)
				return
			}
		}
		if cond(nil, st) {
			l.Release(us)
			return
		}
		l.Release(us)
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; status %+v", what, l.Status())
}

func TestFramesAndCommands(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, server.Options{})
	l := start(t, url, "ann", link.Options{Session: session.Options{Match: "frames"}})

	var me sim.PlayerID
	var gen int
	waitFor(t, l, "the welcome", func(u *link.Update, _ link.Status) bool {
		if u != nil && u.Kind == link.Reset {
			me, gen = u.Player, u.Gen
			return true
		}
		return false
	})
	// Frames follow one tick after another, each with a copy of the world.
	last := uint32(0)
	frames := 0
	waitFor(t, l, "a second of frames", func(u *link.Update, _ link.Status) bool {
		if u == nil || u.Kind != link.Frame {
			return false
		}
		if last != 0 && u.World.Tick != last+1 {
			t.Fatalf("frame for tick %d after %d", u.World.Tick, last)
		}
		last = u.World.Tick
		frames++
		return frames == 60
	})
	// The player joined in one of them and may spawn.
	var sp sim.Point
	waitFor(t, l, "the player in the world", func(u *link.Update, _ link.Status) bool {
		if u == nil || u.World == nil || u.World.Player(me) == nil {
			return false
		}
		sp = u.World.Map.Spawns()[0]
		return true
	})
	seq, ok := l.Send(gen, sim.Input{Action: sim.SpawnAt, X: sp.X, Y: sp.Y})
	if !ok || seq != 1 {
		t.Fatalf("Send = %d, %v; want 1, true", seq, ok)
	}
	seq2, _ := l.Send(gen, sim.Input{Action: sim.MoveStart, Value: sim.MaxMoveSpeed})
	if _, ok := l.Send(gen+1, sim.Input{Action: sim.MoveStop}); ok {
		t.Error("Send for another connection succeeded")
	}
	waitFor(t, l, "the commands' events", func(u *link.Update, _ link.Status) bool {
		if u == nil || u.Kind != link.Frame {
			return false
		}
		for _, ev := range u.Events {
			if ev.Input.Player == me && ev.Seq == seq2 {
				return u.World.Player(me).Move == sim.MaxMoveSpeed
			}
		}
		return false
	})
}

// TestReconnectResumes cuts the connection: the link reconnects on its own
// and resumes the same player.
func TestReconnectResumes(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, server.Options{})
	px, purl := newProxy(t, url)
	l := start(t, purl, "bob", link.Options{Session: session.Options{Match: "resume"}})
	var me sim.PlayerID
	waitFor(t, l, "the welcome", func(u *link.Update, _ link.Status) bool {
		if u != nil && u.Kind == link.Reset {
			me = u.Player
			return true
		}
		return false
	})
	px.refuse.Store(true)
	px.cut()
	waitFor(t, l, "reconnecting", func(_ *link.Update, s link.Status) bool { return s.State == link.Reconnecting })
	px.refuse.Store(false)
	waitFor(t, l, "the second welcome", func(u *link.Update, s link.Status) bool {
		return u != nil && u.Kind == link.Reset && u.Gen == 2
	})
	if s := l.Status(); s.State != link.Playing || s.Player != me || !s.ReconnectedResumed {
		t.Errorf("after reconnecting: %+v; want playing as player %d, resumed", s, me)
	}
}

// TestSilentServer: a connection on which nothing arrives is dropped and
// made again.
func TestSilentServer(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, server.Options{})
	px, purl := newProxy(t, url)
	l := start(t, purl, "cy", link.Options{Session: session.Options{Match: "silent"}, Silence: 300 * time.Millisecond})
	waitFor(t, l, "the welcome", func(u *link.Update, _ link.Status) bool { return u != nil && u.Kind == link.Reset })
	px.freeze.Store(true)
	waitFor(t, l, "reconnecting", func(_ *link.Update, s link.Status) bool { return s.State == link.Reconnecting })
	px.freeze.Store(false)
	px.cut()
	waitFor(t, l, "the second welcome", func(u *link.Update, _ link.Status) bool {
		return u != nil && u.Kind == link.Reset && u.Gen >= 2
	})
}

// TestExpiredResumeJoinsAgain: when the server has forgotten the player by
// the time the link gets back, it joins as a new one.
func TestExpiredResumeJoinsAgain(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, server.Options{ResumeGrace: 100 * time.Millisecond})
	px, purl := newProxy(t, url)
	// Another player keeps the match alive meanwhile.
	keep := start(t, url, "keeper", link.Options{Session: session.Options{Match: "expire"}})
	waitFor(t, keep, "the keeper's welcome", func(u *link.Update, _ link.Status) bool { return u != nil && u.Kind == link.Reset })
	l := start(t, purl, "dee", link.Options{Session: session.Options{Match: "expire"}})
	var me sim.PlayerID
	waitFor(t, l, "the welcome", func(u *link.Update, _ link.Status) bool {
		if u != nil && u.Kind == link.Reset {
			me = u.Player
			return true
		}
		return false
	})
	px.refuse.Store(true)
	px.cut()
	time.Sleep(500 * time.Millisecond) // past the grace period
	px.refuse.Store(false)
	waitFor(t, l, "a new welcome", func(u *link.Update, _ link.Status) bool {
		return u != nil && u.Kind == link.Reset && u.Gen >= 2
	})
	if s := l.Status(); s.Player == me || s.ReconnectedResumed {
		t.Errorf("after the grace period: %+v; want a new player, not %d", s, me)
	}
}

// TestServerShutdownCloses: a server going away ends the link with a reason
// rather than retrying forever.
func TestServerShutdownCloses(t *testing.T) {
	t.Parallel()
	srv, url := startServer(t, server.Options{})
	l := start(t, url, "eve", link.Options{})
	waitFor(t, l, "the welcome", func(u *link.Update, _ link.Status) bool { return u != nil && u.Kind == link.Reset })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, l, "closed", func(_ *link.Update, s link.Status) bool { return s.State == link.Closed })
	if s := l.Status(); s.Err == nil || !strings.Contains(s.Err.Error(), "shutting down") {
		t.Errorf("closed with %v, want a shutdown error", s.Err)
	}
	select {
	case <-l.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed")
	}
}

// TestOverflowBecomesReset: a game that stops polling gets one Reset for the
// frames it missed, not an unbounded queue.
func TestOverflowBecomesReset(t *testing.T) {
	t.Parallel()
	_, url := startServer(t, server.Options{})
	l := start(t, url, "fay", link.Options{Queue: 8})
	time.Sleep(500 * time.Millisecond) // 30 frames, the queue holds 8
	us := l.Poll(nil)
	if len(us) > 8 {
		t.Errorf("%d updates held, limit 8", len(us))
	}
	found := false
	for _, u := range us {
		found = found || u.Kind == link.Reset && u.Overflow
	}
	if !found {
		t.Errorf("no overflow Reset among %d updates", len(us))
	}
	for i := 1; i < len(us); i++ {
		if us[i].World != nil && us[i-1].World != nil && us[i].World.Tick != us[i-1].World.Tick+1 {
			t.Errorf("update %d at tick %d after %d", i, us[i].World.Tick, us[i-1].World.Tick)
		}
	}
	l.Release(us)
}
