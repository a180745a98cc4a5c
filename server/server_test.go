package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// testServer is a real server on a loopback port.
type testServer struct {
	*server.Server
	http *httptest.Server
	url  string // ws://127.0.0.1:PORT/ws
	dir  string
}

func startServer(t *testing.T, o server.Options) *testServer {
	t.Helper()
	if o.ReplayDir == "" {
		o.ReplayDir = t.TempDir()
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	ts := &testServer{Server: srv, http: hs, url: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws", dir: o.ReplayDir}
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

func dial(t *testing.T, ts *testServer, name, match string) *session.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := session.Dial(ctx, session.Options{URL: ts.url, Name: name, Match: match})
	if err != nil {
		t.Fatalf("dial %s: %v", name, err)
	}
	t.Cleanup(func() { s.CloseNow() })
	return s
}

// until reads messages until cond holds for one of them, or fails.
func until(t *testing.T, s *session.Session, what string, cond func(protocol.Message) bool) protocol.Message {
	t.Helper()
	// Generous: the race detector on a loaded two-core machine is slow.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		m, err := s.Recv(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if cond(m) {
			return m
		}
	}
}

// untilTick reads until the session's world reaches tick.
func untilTick(t *testing.T, s *session.Session, tick uint32) {
	t.Helper()
	until(t, s, "tick", func(protocol.Message) bool { return s.World().Tick >= tick })
}

func frameEvent(m protocol.Message, player sim.PlayerID, seq uint32) bool {
	f, ok := m.(*protocol.Frame)
	if !ok {
		return false
	}
	for _, ev := range f.Events {
		if ev.Input.Player == player && ev.Seq == seq {
			return true
		}
	}
	return false
}

func spawnPoint(t *testing.T, s *session.Session) sim.Point {
	t.Helper()
	for _, p := range s.World().Map.Spawns() {
		if sim.Validate(s.World(), sim.Input{Player: s.Player(), Action: sim.SpawnAt, X: p.X, Y: p.Y}) == nil {
			return p
		}
	}
	t.Fatal("no free spawn point")
	return sim.Point{}
}

func TestCommandBecomesEvent(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{})
	s := dial(t, ts, "alice", "")
	untilTick(t, s, s.Welcome().Tick+1) // our join is applied
	p := spawnPoint(t, s)
	ctx := context.Background()
	seq, err := s.Send(ctx, sim.Input{Action: sim.SpawnAt, X: p.X, Y: p.Y})
	if err != nil {
		t.Fatal(err)
	}
	until(t, s, "spawn event", func(m protocol.Message) bool { return frameEvent(m, s.Player(), seq) })
	me := s.World().Player(s.Player())
	if me == nil || !me.Alive {
		t.Fatalf("after the spawn event the player is %+v", me)
	}
	if x, y := sim.SpawnCenter(p); me.X != x || me.Y != y {
		t.Fatalf("spawned at (%d,%d), want (%d,%d)", me.X, me.Y, x, y)
	}
}

// play drives a session for a while with a scripted sequence of commands.
func play(t *testing.T, s *session.Session, script []sim.Input) {
	t.Helper()
	ctx := context.Background()
	for _, in := range script {
		if in.Action == sim.SpawnAt {
			p := spawnPoint(t, s)
			in.X, in.Y = p.X, p.Y
		}
		seq, err := s.Send(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		until(t, s, in.Action.String(), func(m protocol.Message) bool {
			if r, ok := m.(*protocol.Reject); ok && r.Seq == seq {
				t.Fatalf("%s rejected: %s", in.Action, r.Text)
			}
			return frameEvent(m, s.Player(), seq)
		})
		untilTick(t, s, s.World().Tick+20) // past the fire cooldown
	}
}

func TestWorldsAgree(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{HashEvery: 10})
	a := dial(t, ts, "alice", "agree")
	b := dial(t, ts, "bob", "agree")
	untilTick(t, a, a.Welcome().Tick+2)
	script := []sim.Input{
		{Action: sim.SpawnAt}, {Action: sim.MoveStart, Value: sim.MaxMoveSpeed}, {Action: sim.RotateStart, Value: 9000},
		{Action: sim.Fire}, {Action: sim.StrafeStart, Value: -sim.MaxStrafeSpeed}, {Action: sim.Fire}, {Action: sim.MoveStop},
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// bob plays at the same time, on his own goroutine.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for b.World().Tick < a.Welcome().Tick+200 {
			if _, err := b.Recv(ctx); err != nil {
				t.Errorf("bob: %v", err)
				return
			}
		}
	}()
	play(t, a, script)
	<-done

	// A late joiner starts from the welcome's snapshot and catches up.
	c := dial(t, ts, "carol", "agree")
	// A reconnecting client takes its player back with the resume token.
	token, id := a.Welcome().Resume, a.Player()
	a.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var a2 *session.Session
	var err error
	for try := 0; ; try++ { // the server may not have seen the old connection drop yet
		a2, err = session.Dial(ctx, session.Options{URL: ts.url, Name: "alice", Resume: token})
		if err == nil || try == 20 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	defer a2.CloseNow()
	if a2.Player() != id {
		t.Fatalf("resumed as player %d, want %d", a2.Player(), id)
	}

	// Every client checks the server's hash in the frames that carry one.
	target := c.World().Tick + 60
	for _, s := range []*session.Session{b, c, a2} {
		untilTick(t, s, target)
		if s.Desyncs() != 0 {
			t.Errorf("%d: %d desyncs", s.Player(), s.Desyncs())
		}
	}
	hb, hc, ha := b.World().Hash(), c.World().Hash(), a2.World().Hash()
	if hb != hc || hb != ha {
		t.Fatalf("hashes at tick %d differ: bob %x, carol %x, alice resumed %x", target, hb, hc, ha)
	}
	var m struct {
		Roster []struct {
			Name      string `json:"name"`
			Connected bool   `json:"connected"`
		} `json:"roster"`
	}
	getJSON(t, ts.http.URL+"/api/matches/agree", &m)
	if len(m.Roster) != 3 {
		t.Fatalf("roster %+v, want alice, bob and carol", m.Roster)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestSlowClientKicked(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{SendQueue: 16, SendBuffer: 4096, FloodRate: 1 << 20})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The slow client says hello, then sends pings as fast as it can and
	// never reads a byte: the pongs and frames pile up on the server, first
	// in the kernel's socket buffers (kept small here), then in the
	// session's queue.
	small := &net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	slow, _, err := websocket.Dial(ctx, ts.url, &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: &http.Transport{DialContext: small.DialContext}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.CloseNow()
	if err := slow.Write(ctx, websocket.MessageBinary, (&protocol.Hello{Version: protocol.Version, Name: "sloth", Match: "slow"}).Append(nil)); err != nil {
		t.Fatal(err)
	}
	fast := dial(t, ts, "hare", "slow")
	flooded := make(chan error, 1)
	go func() {
		ping := (&protocol.Ping{ClientTime: 1}).Append(nil)
		for {
			if err := slow.Write(ctx, websocket.MessageBinary, ping); err != nil {
				flooded <- err
				return
			}
		}
	}()
	for {
		select {
		case <-flooded:
			// The server closed the slow client. The fast one must have had
			// every tick all along (Recv fails on a gap) and still gets them.
			untilTick(t, fast, fast.World().Tick+30)
			var info struct {
				Roster []struct {
					Name      string `json:"name"`
					Connected bool   `json:"connected"`
				} `json:"roster"`
			}
			getJSON(t, ts.http.URL+"/api/matches/slow", &info)
			for _, p := range info.Roster {
				if p.Connected != (p.Name == "hare") {
					t.Errorf("after the kick: %+v", info.Roster)
				}
			}
			return
		default:
		}
		if _, err := fast.Recv(ctx); err != nil {
			t.Fatalf("the fast client lost its connection: %v", err)
		}
	}
}
