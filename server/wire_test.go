package server_test

import (
	"context"
	"crypto/tls"
	"fmt"

	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// startTLSServer is startServer over TLS: the session's connection is a
// *tls.Conn, which the server cannot write to without its writer goroutine.
func startTLSServer(t *testing.T, o server.Options) *testServer {
	t.Helper()
	o.ReplayDir = t.TempDir()
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.StartTLS()
	ts := &testServer{Server: srv, http: hs, url: "wss" + strings.TrimPrefix(hs.URL, "https") + "/ws", dir: o.ReplayDir}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		hs.Close()
	})
	return ts
}

// talk keeps a player pressing and releasing a key after every other frame,
// so that the frames carry events, until the test ends.
func talk(t *testing.T, ts *testServer, name, match string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	o := session.Options{URL: ts.url, Name: name, Match: match}
	if strings.HasPrefix(ts.url, "wss:") {
		o.HTTPClient = ts.http.Client()
	}
	s, err := session.Dial(ctx, o)
	if err != nil {
		t.Fatalf("dial %s: %v", name, err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	t.Cleanup(func() {
		s.CloseNow()
		wg.Wait()
	})
	go func() {
		defer wg.Done()
		ctx := context.Background()
		for n := 0; ; n++ {
			m, err := s.Recv(ctx)
			if err != nil {
				return
			}
			if _, ok := m.(*protocol.Frame); !ok || n%2 == 1 {
				continue
			}
			in := sim.Input{Action: sim.MoveStart, Value: sim.MaxMoveSpeed / 2}
			if n%4 == 2 {
				in = sim.Input{Action: sim.MoveStop}
			}
			if _, err := s.Send(ctx, in); err != nil {
				return
			}
		}
	}()
}

// smallReceiveBuffer makes a dialer whose sockets have a small receive
// buffer, so that a reader that pauses soon fills the server's side.
func smallReceiveBuffer() *net.Dialer {
	return &net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
}

// TestFramesWholeAndInOrder: a client that pings the server (WebSocket
// pings, which the library answers) and asks for pongs (which the session
// answers), while other players fill the frames with events, gets every
// frame whole, every tick once and in order, and every pong in the order of
// its ping. Over plain TCP
// the frames are written by the match goroutine itself; when the client
// pauses behind a small send buffer they wait in the queue and the writer
// goroutine catches up; over TLS every frame goes through the writer.
func TestFramesWholeAndInOrder(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		tls   bool
		pause bool // the client stops reading for a while, three times
		o     server.Options
	}{
		{name: "direct"},
		{name: "lagging reader", pause: true, o: server.Options{SendBuffer: 4096, SendQueue: 4096}},
		{name: "tls", tls: true, pause: true, o: server.Options{SendQueue: 4096}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := tc.o
			o.CommandRate, o.CommandBurst, o.FloodRate = 60, 60, 2000
			var ts *testServer
			if tc.tls {
				ts = startTLSServer(t, o)
			} else {
				ts = startServer(t, o)
			}
			for i := range 4 {
				talk(t, ts, fmt.Sprintf("talker%d", i), "wire")
			}
			host := ts.http.Listener.Addr().String()
			conn, err := smallReceiveBuffer().Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			if tc.tls {
				tc := tls.Client(conn, &tls.Config{InsecureSkipVerify: true})
				if err := tc.Handshake(); err != nil {
					t.Fatal(err)
				}
				conn = tc
			}
			c := wsUpgradeConn(t, conn, host)
			w := c.hello("reader", "wire")
			c.conn.SetReadDeadline(time.Now().Add(60 * time.Second))

			const ticks = 240 // 4 s at 60 Hz
			const burstPings = 400
			// The client writes from a goroutine of its own, as a client
			// does: the server may stop reading it while it does not read.
			out := make(chan []byte, 64)
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range out {
					c.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
					if _, err := c.conn.Write(b); err != nil {
						t.Errorf("write: %v", err)
						return
					}
				}
			}()
			defer wg.Wait()
			defer close(out)

			next := w.Tick + 1
			var pings []string // WebSocket pings sent and not answered yet, oldest first
			pongs, sent, events := 0, 0, 0
			pause := false // after the frames of ticks 60, 120 and 180
			for n := 0; next <= w.Tick+ticks || len(pings) > 0 || pongs < sent; n++ {
				if next <= w.Tick+ticks && n%10 == 0 {
					p := fmt.Sprintf("ping %d", n)
					pings = append(pings, p)
					out <- append(wsFrame(fin|opPing, true, []byte(p)),
						wsFrame(fin|opBinary, true, (&protocol.Ping{ClientTime: uint64(sent)}).Append(nil))...)
					sent++
				}
				if tc.pause && pause {
					// A burst of pings, then a pause: their pongs and the
					// frames fill the socket's buffers on both sides.
					pause = false
					var burst []byte
					for range burstPings {
						burst = append(burst, wsFrame(fin|opBinary, true, (&protocol.Ping{ClientTime: uint64(sent)}).Append(nil))...)
						sent++
					}
					out <- burst
					time.Sleep(700 * time.Millisecond)
				}
				op, p, err := c.readFrame()
				if err != nil {
					t.Fatalf("after tick %d: %v", next-1, err)
				}
				switch op {
				case opPong:
					if len(pings) == 0 || string(p) != pings[0] {
						t.Fatalf("pong %q, want the answer to %q", p, pings)
					}
					pings = pings[1:]
				case opBinary:
					m, err := protocol.Decode(p)
					if err != nil {
						t.Fatalf("after tick %d: %v", next-1, err)
					}
					switch m := m.(type) {
					case *protocol.Frame:
						if m.Tick != next {
							t.Fatalf("frame of tick %d, want %d", m.Tick, next)
						}
						next++
						events += len(m.Events)
						pause = (m.Tick-w.Tick)%60 == 0 && m.Tick < w.Tick+ticks
					case *protocol.Pong:
						if m.ClientTime != uint64(pongs) {
							t.Fatalf("pong for ping %d, want %d: out of order", m.ClientTime, pongs)
						}
						pongs++
					default:
						t.Fatalf("unexpected %s", m.Kind())
					}
				default:
					t.Fatalf("frame with opcode %d: % x", op, p)
				}
			}
			if events < ticks/4 {
				t.Errorf("%d events in %d frames: the talkers did not fill the frames", events, ticks)
			}
			if tc.pause {
				if q := metric(t, ts, "skirmish_send_queued_total"); q == 0 {
					t.Error("no message waited for the writer goroutine: the test did not exercise it")
				}
			}
		})
	}
}

// TestNoFrameAfterClose: when the client closes, the WebSocket library
// answers with its close frame at once, from the reading goroutine, while
// the match goes on writing frames: none may follow the close frame.
func TestNoFrameAfterClose(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{MaxPlayers: 40})
	for i := range 4 {
		talk(t, ts, fmt.Sprintf("talker%d", i), "closing")
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := wsUpgrade(t, ts, "")
			c.hello(fmt.Sprintf("closer%d", i), "closing")
			time.Sleep(time.Duration(i) * 37 * time.Millisecond)
			c.send(wsFrame(fin|opClose, true, closePayload(protocol.CloseNormal, "bye")))
			c.untilEnd(20*time.Second, false).check(t, protocol.CloseNormal)
		}()
	}
	wg.Wait()
}
