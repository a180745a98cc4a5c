package server_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// rawClient speaks the protocol by hand, to send what a real client never would.
type rawClient struct {
	t       *testing.T
	conn    *websocket.Conn
	welcome protocol.Welcome
	world   *sim.World
}

func rawDial(t *testing.T, ts *testServer, hello []byte) (*rawClient, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, ts.url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	c := &rawClient{t: t, conn: conn}
	if err := conn.Write(ctx, websocket.MessageBinary, hello); err != nil {
		return c, err
	}
	_, msg, err := conn.Read(ctx)
	if err != nil {
		return c, err
	}
	if err := c.welcome.Decode(msg); err != nil {
		t.Fatalf("welcome: %v", err)
	}
	return c, nil
}

func (c *rawClient) write(msg []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.conn.Write(ctx, websocket.MessageBinary, msg) // a closed connection shows in the next read
}

// next returns the next message that is not a frame or pong, or the error
// that ended the connection.
func (c *rawClient) next() (protocol.Message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		_, msg, err := c.conn.Read(ctx)
		if err != nil {
			return nil, err
		}
		m, err := protocol.Decode(msg)
		if err != nil {
			c.t.Fatalf("server sent a bad message: %v", err)
		}
		switch m.(type) {
		case *protocol.Frame, *protocol.Pong:
			continue
		}
		return m, nil
	}
}

// serverTime estimates the match clock from the welcome.
func (c *rawClient) serverTime(sinceWelcome time.Duration) uint32 {
	return c.welcome.Time + uint32(sinceWelcome.Milliseconds())
}

func hello(name string, version uint32) []byte {
	return (&protocol.Hello{Version: version, Name: name, Match: "edges"}).Append(nil)
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{CommandRate: 20, CommandBurst: 20, FloodRate: 100})
	watcher := dial(t, ts, "watcher", "edges")
	command := func(c *rawClient, seq uint32, in sim.Input, at time.Time) []byte {
		return (&protocol.Command{Seq: seq, Time: c.serverTime(time.Since(at)), Input: in}).Append(nil)
	}
	cases := []struct {
		name       string
		hello      []byte
		send       func(c *rawClient, at time.Time)
		wantClose  websocket.StatusCode // or
		wantReject protocol.Reason
	}{
		{name: "garbage hello", hello: []byte("\xde\xad\xbe\xef garbage"), wantClose: protocol.CloseBadHello},
		{name: "wrong protocol version", hello: hello("old", protocol.Version+1), wantClose: protocol.CloseVersion},
		{name: "bad name", hello: hello("\x01evil", protocol.Version), wantClose: protocol.CloseBadHello},
		{name: "garbage after the handshake", send: func(c *rawClient, _ time.Time) { c.write([]byte{0xc1, 0xff, 0x00}) }, wantClose: protocol.CloseProtocolError},
		{name: "unknown action", send: func(c *rawClient, _ time.Time) {
			// [3, seq, time, 99]: a command with action 99.
			c.write([]byte{0x94, 0x03, 0x01, 0x00, 0x63})
		}, wantClose: protocol.CloseProtocolError},
		{name: "server message from a client", send: func(c *rawClient, _ time.Time) {
			c.write((&protocol.Frame{Tick: 1}).Append(nil))
		}, wantClose: protocol.CloseProtocolError},
		{name: "text message", send: func(c *rawClient, _ time.Time) {
			c.conn.Write(context.Background(), websocket.MessageText, []byte("hi"))
		}, wantClose: protocol.CloseProtocolError},
		{name: "oversize message", send: func(c *rawClient, _ time.Time) {
			c.write(bytes.Repeat([]byte{0xc0}, protocol.MaxClientMessage+1))
		}, wantClose: websocket.StatusMessageTooBig},
		{name: "flood", send: func(c *rawClient, _ time.Time) {
			ping := (&protocol.Ping{}).Append(nil)
			for range 400 {
				c.write(ping)
			}
		}, wantClose: protocol.ClosePolicy},
		{name: "speed above the maximum", send: func(c *rawClient, at time.Time) {
			c.write(command(c, 1, sim.Input{Action: sim.MoveStart, Value: sim.MaxMoveSpeed + 1}, at))
		}, wantReject: protocol.Reason(sim.ReasonSpeed)},
		{name: "spawn inside a wall", send: func(c *rawClient, at time.Time) {
			c.write(command(c, 1, sim.Input{Action: sim.SpawnAt, X: 0, Y: 0}, at))
		}, wantReject: protocol.Reason(sim.ReasonNotSpawnPoint)},
		{name: "fire while dead", send: func(c *rawClient, at time.Time) {
			c.write(command(c, 1, sim.Input{Action: sim.Fire}, at))
		}, wantReject: protocol.Reason(sim.ReasonDead)},
		{name: "join as a command", send: func(c *rawClient, at time.Time) {
			c.write(command(c, 1, sim.Input{Action: sim.Join, Name: "again"}, at))
		}, wantReject: protocol.ReasonNotAllowed},
		{name: "timestamp in the future", send: func(c *rawClient, at time.Time) {
			c.write((&protocol.Command{Seq: 1, Time: c.serverTime(time.Since(at)) + 5000, Input: sim.Input{Action: sim.MoveStop}}).Append(nil))
		}, wantReject: protocol.ReasonFromFuture},
		{name: "timestamp too old", send: func(c *rawClient, at time.Time) {
			time.Sleep(1500 * time.Millisecond)
			c.write((&protocol.Command{Seq: 1, Time: c.welcome.Time, Input: sim.Input{Action: sim.MoveStop}}).Append(nil))
		}, wantReject: protocol.ReasonTooOld},
		{name: "commands past the rate limit", send: func(c *rawClient, at time.Time) {
			for i := range uint32(25) {
				c.write(command(c, i+1, sim.Input{Action: sim.MoveStop}, at))
			}
		}, wantReject: protocol.ReasonRateLimited},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := tc.hello
			if h == nil {
				name := strings.ReplaceAll(tc.name, " ", "")
				h = hello(name[:min(len(name), sim.MaxNameLen)], protocol.Version)
			}
			c, err := rawDial(t, ts, h)
			if err == nil && tc.send != nil {
				tc.send(c, time.Now())
				var m protocol.Message
				m, err = c.next()
				if err == nil {
					r, ok := m.(*protocol.Reject)
					switch {
					case !ok:
						t.Fatalf("got %s, want a reject or a close", m.Kind())
					case r.Reason != tc.wantReject:
						t.Fatalf("rejected for %q (%d), want %q", r.Text, r.Reason, tc.wantReject)
					case r.Text == "":
						t.Fatal("reject without a reason text")
					}
					return
				}
			}
			if tc.wantClose == 0 {
				t.Fatalf("connection ended (%v), want reject %q", err, tc.wantReject)
			}
			if got := websocket.CloseStatus(err); got != tc.wantClose {
				t.Fatalf("closed with %v (%v), want %d", got, err, tc.wantClose)
			}
		})
	}
	// The match went on for everyone else.
	before := watcher.World().Tick
	untilTick(t, watcher, before+30)
	if watcher.Desyncs() != 0 {
		t.Fatalf("watcher saw %d desyncs", watcher.Desyncs())
	}
}

func TestFireDuringCooldown(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{})
	s := dial(t, ts, "gunner", "")
	untilTick(t, s, s.Welcome().Tick+1)
	play(t, s, []sim.Input{{Action: sim.SpawnAt}})
	ctx := context.Background()
	first, _ := s.Send(ctx, sim.Input{Action: sim.Fire})
	second, _ := s.Send(ctx, sim.Input{Action: sim.Fire})
	var accepted bool
	until(t, s, "the second shot's reject", func(m protocol.Message) bool {
		if frameEvent(m, s.Player(), first) {
			accepted = true
		}
		r, ok := m.(*protocol.Reject)
		if ok && r.Seq == first {
			t.Fatalf("first shot rejected: %s", r.Text)
		}
		if ok && r.Seq == second {
			if r.Reason != protocol.Reason(sim.ReasonCooldown) {
				t.Fatalf("second shot rejected for %s, want cooldown", r.Reason)
			}
			return true
		}
		return false
	})
	until(t, s, "the first shot", func(m protocol.Message) bool { return accepted || frameEvent(m, s.Player(), first) })
}

func TestAdminNeedsToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, configured, sent string
		want                   int
	}{
		{"admin API off", "", "", http.StatusForbidden},
		{"admin API off ignores a token", "", "secret", http.StatusForbidden},
		{"no token", "secret", "", http.StatusUnauthorized},
		{"wrong token", "secret", "guess", http.StatusUnauthorized},
		{"right token", "secret", "secret", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, server.Options{AdminToken: tc.configured})
			s := dial(t, ts, "victim", "adm")
			untilTick(t, s, s.Welcome().Tick+1)
			req, _ := http.NewRequest("POST", ts.http.URL+"/api/admin/matches/adm/kick/1", nil)
			if tc.sent != "" {
				req.Header.Set("Authorization", "Bearer "+tc.sent)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want != http.StatusOK {
				untilTick(t, s, s.World().Tick+5) // still playing
				return
			}
			m := until(t, s, "the kick notice", func(m protocol.Message) bool { _, ok := m.(*protocol.Notice); return ok })
			if n := m.(*protocol.Notice); n.Code != protocol.NoticeKicked {
				t.Fatalf("notice %+v, want kicked", n)
			}
		})
	}
}
