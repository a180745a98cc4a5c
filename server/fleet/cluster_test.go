package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/server/fleet"
	"github.com/skirmishgg/skirmish/sim"
)

// node is one skirmishd of a fleet, in the test's process: a real server
// on a loopback port, joined to a real JetStream server.
type node struct {
	once  sync.Once
	id    string
	srv   *server.Server
	fleet *fleet.Fleet
	ws    string // ws://127.0.0.1:PORT/ws
	http  string // http://127.0.0.1:PORT
	dir   string
}

var quiet = slog.New(slog.DiscardHandler)

func startNATS(t testing.TB, listen, store string) *fleet.Node {
	t.Helper()
	if store == "" {
		store = t.TempDir()
	}
	n, err := fleet.StartNode(fleet.NodeOptions{Listen: listen, StoreDir: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Shutdown)
	return n
}

func startNode(t testing.TB, natsURL, id string, o server.Options) *node {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &node{id: id, ws: "ws://" + ln.Addr().String() + "/ws", http: "http://" + ln.Addr().String(), dir: t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n.fleet, err = fleet.Join(ctx, fleet.Options{
		URLs: []string{natsURL}, NodeID: id, NodeURL: n.ws, CacheDir: t.TempDir(), Logger: quiet,
		TTL: 3 * time.Second, Refresh: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	o.ReplayDir, o.Logger, o.Fleet = n.dir, quiet, n.fleet
	o.MaxMatchesPerIP, o.MaxConnsPerIP = -1, -1 // every test client is 127.0.0.1
	if n.srv, err = server.New(o); err != nil {
		t.Fatal(err)
	}
	go n.srv.Serve(ln)
	t.Cleanup(func() { n.stop(t) })
	return n
}

// stop shuts the node down as SIGTERM does: the server, then the fleet.
func (n *node) stop(t testing.TB) {
	n.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := n.srv.Shutdown(ctx); err != nil {
			t.Errorf("%s: shutdown: %v", n.id, err)
		}
		if err := n.fleet.Close(ctx); err != nil {
			t.Errorf("%s: leaving the fleet: %v", n.id, err)
		}
	})
}

func dial(t *testing.T, url, name, match string) *session.Session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := session.Dial(ctx, session.Options{URL: url, Name: name, Match: match})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { s.CloseNow() })
	return s
}

// toTick reads frames until the session's world is at tick.
func toTick(t *testing.T, s *session.Session, tick uint32) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for s.World().Tick < tick {
		if _, err := s.Recv(ctx); err != nil {
			t.Fatalf("waiting for tick %d (at %d): %v", tick, s.World().Tick, err)
		}
	}
}

type matchEntry struct {
	ID      string `json:"id"`
	Node    string `json:"node"`
	Players int    `json:"players"`
	Tick    uint32 `json:"tick"`
	State   string `json:"state"`
}

func listMatches(t *testing.T, n *node) []matchEntry {
	t.Helper()
	resp, err := http.Get(n.http + "/api/matches")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []matchEntry
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func describe(ms []matchEntry) string {
	var b strings.Builder
	for _, m := range ms {
		fmt.Fprintf(&b, "%s@%s(%d) ", m.ID, m.Node, m.Players)
	}
	return b.String()
}

// TestOneDoorManyNodes: clients that dial only node a end up in matches
// on all three nodes, each match's clients pass through the same worlds,
// and every node lists the same matches.
func TestOneDoorManyNodes(t *testing.T) {
	nats := startNATS(t, "127.0.0.1:0", "")
	o := server.Options{MaxPlayers: 3}
	a, b, c := startNode(t, nats.ClientURL(), "a", o), startNode(t, nats.ClientURL(), "b", o), startNode(t, nats.ClientURL(), "c", o)
	nodeOf := map[string]string{a.ws: "a", b.ws: "b", c.ws: "c"}
	within(t, 5*time.Second, "every node lists all three", func() bool { return len(a.fleet.Nodes()) == 3 })

	byMatch := map[string][]*session.Session{}
	hosts := map[string]string{}
	for i := range 9 { // three matches of three; named, like skirmish-bots'
		match := fmt.Sprintf("load-%d", i%3)
		s := dial(t, a.ws, fmt.Sprintf("bot%d", i), match)
		if s.Welcome().Match != match {
			t.Fatalf("asked for %s, joined %s", match, s.Welcome().Match)
		}
		host := nodeOf[s.URL()]
		if h, ok := hosts[match]; ok && h != host {
			t.Fatalf("%s is on %s for one client and %s for another", match, h, host)
		}
		if s.Redirected() != (host != "a") {
			t.Errorf("bot%d on %s, redirected %v", i, host, s.Redirected())
		}
		hosts[match] = host
		byMatch[match] = append(byMatch[match], s)
	}
	var used []string
	for _, h := range hosts {
		used = append(used, h)
	}
	sort.Strings(used)
	if !slices.Equal(used, []string{"a", "b", "c"}) {
		t.Errorf("matches on nodes %v, want one on each of a, b, c: %v", used, hosts)
	}

	// Every client of a match reaches the same world at the same tick.
	for match, ss := range byMatch {
		at := ss[len(ss)-1].World().Tick + 30
		var want uint64
		for i, s := range ss {
			toTick(t, s, at)
			if h := s.World().Hash(); i == 0 {
				want = h
			} else if h != want {
				t.Errorf("%s tick %d: player %d has hash %016x, player %d %016x", match, at, s.Player(), h, ss[0].Player(), want)
			}
		}
	}

	within(t, 5*time.Second, "every node lists the same three running matches", func() bool {
		want := describe(listMatches(t, a))
		for _, n := range []*node{b, c} {
			if describe(listMatches(t, n)) != want {
				return false
			}
		}
		ms := listMatches(t, a)
		return len(ms) == 3 && ms[0].Players == 3 && ms[1].Players == 3 && ms[2].Players == 3
	})
	for _, m := range listMatches(t, b) {
		if m.Node != hosts[m.ID] {
			t.Errorf("b lists %s on %s; it is on %s", m.ID, m.Node, hosts[m.ID])
		}
	}

	// Any node answers for a match of the fleet, and lists the nodes.
	resp, err := http.Get(c.http + "/api/matches/load-0")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"roster"`) {
		t.Errorf("c on load-0 (on %s): %d %s", hosts["load-0"], resp.StatusCode, body)
	}
	var nodes struct {
		Self  string
		Nodes []server.FleetNode
	}
	resp, err = http.Get(b.http + "/api/nodes")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&nodes)
	resp.Body.Close()
	if nodes.Self != "b" || len(nodes.Nodes) != 3 {
		t.Errorf("GET /api/nodes on b: %+v", nodes)
	}

	// A player resumes through any node: the token names the match, the
	// directory names the node.
	s := byMatch["load-1"][0]
	token, player := s.Welcome().Resume, s.Player()
	s.CloseNow()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	back, err := session.Dial(ctx, session.Options{URL: c.ws, Name: "ignored", Resume: token})
	if err != nil {
		t.Fatalf("resume through c: %v", err)
	}
	defer back.CloseNow()
	if back.Player() != player || nodeOf[back.URL()] != hosts["load-1"] {
		t.Errorf("resumed as player %d on %s; was %d on %s", back.Player(), nodeOf[back.URL()], player, hosts["load-1"])
	}
}

// TestClaimRace: two nodes asked for the same new match at the same
// moment: one hosts it, the other sends its client there.
func TestClaimRace(t *testing.T) {
	nats := startNATS(t, "127.0.0.1:0", "")
	a, b := startNode(t, nats.ClientURL(), "a", server.Options{}), startNode(t, nats.ClientURL(), "b", server.Options{})
	for i := range 5 {
		match := fmt.Sprintf("race-%d", i)
		var wg sync.WaitGroup
		ss := make([]*session.Session, 2)
		for j, n := range []*node{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				s, err := session.Dial(ctx, session.Options{URL: n.ws, Name: fmt.Sprintf("p%d", j), Match: match})
				if err != nil {
					t.Errorf("%s via %s: %v", match, n.id, err)
					return
				}
				ss[j] = s
			}()
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		if ss[0].URL() != ss[1].URL() {
			t.Errorf("%s: one client on %s, the other on %s", match, ss[0].URL(), ss[1].URL())
		}
		if ss[0].Redirected() == ss[1].Redirected() {
			t.Errorf("%s: redirected %v and %v; want exactly one", match, ss[0].Redirected(), ss[1].Redirected())
		}
		for _, s := range ss {
			s.CloseNow()
		}
	}
}

// TestRedirectLoopIsAnError: a client follows one redirect, not two.
func TestRedirectLoopIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	self := "ws://" + ln.Addr().String() + "/ws"
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocketAccept(w, r)
		if err != nil {
			return
		}
		c.readHello()
		c.close(protocol.CloseRedirect, protocol.Redirect{URL: self, Match: "m1"}.Reason())
	})}
	go hs.Serve(ln)
	defer hs.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = session.Dial(ctx, session.Options{URL: self, Name: "x"})
	if !errors.Is(err, session.ErrRedirectLoop) {
		t.Fatalf("Dial = %v, want ErrRedirectLoop", err)
	}
}

// wsConn is the server side of a WebSocket in a hand-made test server.
type wsConn struct{ c *websocket.Conn }

func websocketAccept(w http.ResponseWriter, r *http.Request) (*wsConn, error) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return nil, err
	}
	return &wsConn{c}, nil
}

func (c *wsConn) readHello() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.c.Read(ctx)
}

func (c *wsConn) close(code websocket.StatusCode, reason string) { c.c.Close(code, reason) }

// TestNATSOutageUnderLoad stops the fleet's NATS server for 10 s under
// matches on two nodes: the matches tick on and their clients stay in
// step; a new named match is refused with a clear reason meanwhile; and
// the directory is whole again soon after NATS returns.
func TestNATSOutageUnderLoad(t *testing.T) {
	store := t.TempDir()
	nats := startNATS(t, "127.0.0.1:0", store)
	url := nats.ClientURL()
	a, b := startNode(t, url, "a", server.Options{}), startNode(t, url, "b", server.Options{})

	// Two players in a match on each node, their clients reading frames
	// in the background all along.
	type reader struct {
		s      *session.Session
		frames int
		err    error
	}
	var readers []*reader
	for _, n := range []*node{a, b} {
		for i := range 2 {
			s := dial(t, n.ws, fmt.Sprintf("%s%d", n.id, i), "on-"+n.id)
			readers = append(readers, &reader{s: s})
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_, err := r.s.Recv(ctx)
				mu.Lock()
				if err != nil {
					if ctx.Err() == nil {
						r.err = err
					}
					mu.Unlock()
					return
				}
				r.frames++
				mu.Unlock()
			}
		}()
	}
	within(t, 5*time.Second, "both matches listed", func() bool { return len(listMatches(t, a)) == 2 })
	ticks := func() map[string]uint32 {
		out := map[string]uint32{}
		for _, n := range []*node{a, b} {
			resp, err := http.Get(n.http + "/api/matches/on-" + n.id)
			if err != nil {
				t.Fatal(err)
			}
			var m matchEntry
			json.NewDecoder(resp.Body).Decode(&m)
			resp.Body.Close()
			out[n.id] = m.Tick
		}
		return out
	}

	before, began := ticks(), time.Now()
	nats.Shutdown()
	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	_, err := session.Dial(dctx, session.Options{URL: a.ws, Name: "late", Match: "brand-new"})
	dcancel()
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != protocol.CloseMatchFull || !strings.Contains(ce.Reason, "directory") {
		t.Errorf("a new named match with NATS down: %v; want 4002 naming the directory", err)
	}
	time.Sleep(10*time.Second - time.Since(began))
	after, took := ticks(), time.Since(began)
	for id, t0 := range before {
		// 60 Hz: a tick loop that waited on NATS would fall far behind.
		if got, want := after[id]-t0, uint32(took.Seconds()*60); got < want*8/10 {
			t.Errorf("match on %s advanced %d ticks in %v of outage, want about %d", id, got, took.Round(time.Millisecond), want)
		}
	}

	startNATS(t, strings.TrimPrefix(url, "nats://"), store)
	back := time.Now()
	within(t, 5*time.Second, "the directory is whole again", func() bool {
		for _, n := range []*node{a, b} {
			if describe(listMatches(t, n)) != "on-a@a(2) on-b@b(2) " || len(n.fleet.Nodes()) != 2 {
				return false
			}
		}
		return true
	})
	t.Logf("directory whole %v after NATS returned", time.Since(back).Round(10*time.Millisecond))
	cancel()
	wg.Wait()
	for _, r := range readers {
		if r.err != nil || r.s.Desyncs() != 0 || r.frames < 500 {
			t.Errorf("player %d: %d frames, %d desyncs, error %v", r.s.Player(), r.frames, r.s.Desyncs(), r.err)
		}
	}
	a.stop(t) // while the new NATS server still runs, for the uploads
	b.stop(t)
}

// TestReplaysFromAnyNode: a replay recorded on one node is listed and
// served, ranges and all, by another once its match has ended.
func TestReplaysFromAnyNode(t *testing.T) {
	nats := startNATS(t, "127.0.0.1:0", "")
	a, b := startNode(t, nats.ClientURL(), "a", server.Options{}), startNode(t, nats.ClientURL(), "b", server.Options{})
	s := dial(t, b.ws, "ada", "on-b")
	toTick(t, s, s.Welcome().Tick+2)
	for _, p := range s.World().Map.Spawns() { // play, so that the replay is kept
		if _, err := s.Send(context.Background(), sim.Input{Action: sim.SpawnAt, X: p.X, Y: p.Y}); err != nil {
			t.Fatal(err)
		}
		break
	}
	toTick(t, s, s.World().Tick+90)
	b.stop(t) // ends the match and uploads its replay before leaving

	type listed struct {
		ID, Node string
		Size     int64
	}
	var page struct{ Replays []listed }
	within(t, 5*time.Second, "a lists b's replay", func() bool {
		resp, err := http.Get(a.http + "/api/replays")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		json.NewDecoder(resp.Body).Decode(&page)
		return len(page.Replays) == 1
	})
	r := page.Replays[0]
	if r.Node != "b" || !strings.HasPrefix(r.ID, "on-b-") {
		t.Fatalf("a lists %+v", r)
	}
	resp, err := http.Get(a.http + "/api/replays/" + r.ID)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || int64(len(data)) != r.Size || resp.Header.Get("ETag") == "" {
		t.Fatalf("GET from a: %d, %d bytes of %d, ETag %q", resp.StatusCode, len(data), r.Size, resp.Header.Get("ETag"))
	}
	rd, err := replay.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if err := rd.Verify(nil); err != nil {
		t.Errorf("the copy served by a: %v", err)
	}
	req, _ := http.NewRequest("GET", a.http+"/api/replays/"+r.ID, nil)
	req.Header.Set("Range", "bytes=8-15")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, data[8:16]) {
		t.Errorf("range 8-15: %d %q", resp.StatusCode, part)
	}
	if resp, err := http.Get(a.http + "/api/replays/nope-20261205-000000-abcd"); err != nil || resp.StatusCode != 404 {
		t.Errorf("an unknown replay: %v %v", resp.StatusCode, err)
	}
}
