package session_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// startServer runs a real server on a loopback port (over TLS if asked) and
// returns it with its WebSocket URL.
func startServer(t *testing.T, tls bool, o server.Options) (*httptest.Server, string) {
	t.Helper()
	o.ReplayDir = t.TempDir()
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	scheme := "ws"
	if tls {
		hs.StartTLS()
		scheme = "wss"
	} else {
		hs.Start()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return hs, scheme + strings.TrimPrefix(strings.TrimPrefix(hs.URL, "https"), "http") + "/ws"
}

func dialTracker(t *testing.T, hs *httptest.Server, url, name, match string) *session.Tracker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr, err := session.DialTracker(ctx, session.Options{URL: url, Name: name, Match: match, HTTPClient: hs.Client()})
	if err != nil {
		t.Fatalf("dial %s: %v", name, err)
	}
	t.Cleanup(func() { tr.CloseNow() })
	return tr
}

// TestTrackerMatchesCommandsToEvents: a tracker, with no world, sends
// commands and finds every one of them in a frame as its own event (or
// refused), over plain TCP and over TLS, while the frames come tick after
// tick (Run fails on a gap), and a client with a world sees the same
// events at the same ticks.
func TestTrackerMatchesCommandsToEvents(t *testing.T) {
	t.Parallel()
	for _, tls := range []bool{false, true} {
		hs, url := startServer(t, tls, server.Options{})
		tr := dialTracker(t, hs, url, "blind", "track")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		o := session.Options{URL: url, Name: "sighted", Match: "track", HTTPClient: hs.Client()}
		full, err := session.Dial(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		defer full.CloseNow()
		fullTicks := make(chan map[uint32]uint32, 1) // seq → tick, as the full client saw them
		go func() {
			seen := map[uint32]uint32{}
			defer func() { fullTicks <- seen }()
			for {
				m, err := full.Recv(context.Background())
				if err != nil {
					return
				}
				if f, ok := m.(*protocol.Frame); ok {
					for _, ev := range f.Events {
						if ev.Input.Player == tr.Player() && ev.Seq != 0 {
							seen[ev.Seq] = f.Tick
						}
					}
				}
			}
		}()

		script := []sim.Input{
			{Action: sim.MoveStart, Value: sim.MaxMoveSpeed / 2},
			{Action: sim.RotateStart, Value: sim.MaxRotateRate / 4},
			{Action: sim.Fire}, // dead: refused
			{Action: sim.StrafeStart, Value: -sim.MaxStrafeSpeed},
			{Action: sim.MoveStop},
			{Action: sim.RotateStop},
			{Action: sim.StrafeStop},
		}
		answered := map[uint32]uint32{} // seq → the tick of its event
		rejected := map[uint32]protocol.Reason{}
		sent := 0
		frames := 0
		err = tr.Run(func(m protocol.Message) bool {
			switch m := m.(type) {
			case *protocol.Frame:
				frames++
				for _, ev := range m.Events {
					if ev.Input.Player == tr.Player() && ev.Seq != 0 {
						if _, dup := answered[ev.Seq]; dup {
							t.Errorf("command %d answered twice", ev.Seq)
						}
						answered[ev.Seq] = m.Tick
					}
				}
				if frames%3 == 0 && sent < len(script) {
					if _, err := tr.Send(script[sent]); err != nil {
						t.Error(err)
						return false
					}
					sent++
				}
			case *protocol.Reject:
				rejected[m.Seq] = m.Reason
			}
			return len(answered)+len(rejected) < len(script)
		})
		if err != nil {
			t.Fatalf("tls %v: %v", tls, err)
		}
		if len(rejected) != 1 || rejected[3] != protocol.Reason(sim.ReasonDead) {
			t.Errorf("tls %v: rejects %v, want command 3 refused: dead", tls, rejected)
		}
		for seq := uint32(1); seq <= uint32(len(script)); seq++ {
			if _, ok := answered[seq]; !ok && seq != 3 {
				t.Errorf("tls %v: command %d has no event", tls, seq)
			}
		}
		if err := tr.Close(); err != nil {
			t.Errorf("tls %v: close: %v", tls, err)
		}
		// The full client reads on past the tracker's last event.
		time.Sleep(200 * time.Millisecond)
		full.CloseNow()
		seen := <-fullTicks
		for seq, tick := range answered {
			if seen[seq] != tick {
				t.Errorf("tls %v: command %d: event at tick %d for the tracker, %d for a client with a world", tls, seq, tick, seen[seq])
			}
		}
	}
}

// TestTrackerEnds: a tracker that closes leaves its match (the server
// heard 1000); one the server closes learns the code and reason, as a
// Session would.
func TestTrackerEnds(t *testing.T) {
	t.Parallel()
	hs, url := startServer(t, false, server.Options{AdminToken: "tok"})
	leaver := dialTracker(t, hs, url, "leaver", "ends")
	kicked := dialTracker(t, hs, url, "kicked", "ends")
	if err := leaver.Close(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", hs.URL+"/api/admin/matches/ends/kick/"+itoa(kicked.Player()), nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var notice *protocol.Notice
	err = kicked.Run(func(m protocol.Message) bool {
		if n, ok := m.(*protocol.Notice); ok {
			notice = n
		}
		return true
	})
	if websocket.CloseStatus(err) != protocol.ClosePolicy || !strings.Contains(err.Error(), "kicked") {
		t.Fatalf("the kicked tracker ended with %v, want 1008 kicked", err)
	}
	if notice == nil || notice.Code != protocol.NoticeKicked {
		t.Fatalf("notice before the close: %+v", notice)
	}
	// The leaver left: it is not waiting to resume.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(hs.URL + "/api/matches/ends")
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Roster []struct{ Name string } `json:"roster"`
		}
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if len(m.Roster) == 0 || resp.StatusCode == http.StatusNotFound {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("roster after both left: %+v", m.Roster)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func itoa(id sim.PlayerID) string {
	b, _ := json.Marshal(uint32(id))
	return string(b)
}
