package fleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/skirmishgg/skirmish/server"
)

// startNATS runs a real JetStream server on a loopback port with a
// temporary store.
func startNATS(t *testing.T, listen, store string) *Node {
	t.Helper()
	if store == "" {
		store = t.TempDir()
	}
	n, err := StartNode(NodeOptions{Listen: listen, StoreDir: store})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Shutdown)
	return n
}

var quiet = slog.New(slog.DiscardHandler)

// join connects a node named id to the NATS server at url, with short
// intervals so that expiry happens within a test's patience.
func join(t *testing.T, url, id string, edit ...func(*Options)) *Fleet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	o := Options{
		URLs: []string{url}, NodeID: id, NodeURL: "ws://" + id + ".test:7777/ws",
		TTL: 2 * time.Second, Refresh: 200 * time.Millisecond,
		CacheDir: t.TempDir(), Logger: quiet,
	}
	for _, e := range edit {
		e(&o)
	}
	f, err := Join(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.Close(ctx)
	})
	return f
}

// reporter is a node's report, changed by the test.
type reporter struct {
	mu sync.Mutex
	r  server.FleetReport
}

func (r *reporter) set(matches ...server.FleetMatch) {
	r.mu.Lock()
	r.r.Matches = matches
	r.mu.Unlock()
}

func (r *reporter) report() server.FleetReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	return server.FleetReport{Node: r.r.Node, Matches: append([]server.FleetMatch(nil), r.r.Matches...)}
}

// within polls cond every 20 ms until it holds or d passes.
func within(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("not within %v: %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ids(ms []server.FleetMatch) string {
	s := ""
	for _, m := range ms {
		s += m.ID + "@" + m.Node + " "
	}
	return s
}

func TestClaimIsAtomic(t *testing.T) {
	n := startNATS(t, "127.0.0.1:0", "")
	a, b := join(t, n.ClientURL(), "a"), join(t, n.ClientURL(), "b")
	for i := range 20 {
		id := fmt.Sprintf("race-%d", i)
		var wg sync.WaitGroup
		var hostA, hostB server.FleetMatch
		var errA, errB error
		wg.Add(2)
		go func() {
			defer wg.Done()
			hostA, errA = a.Claim(context.Background(), server.FleetMatch{ID: id, Map: "arena"})
		}()
		go func() {
			defer wg.Done()
			hostB, errB = b.Claim(context.Background(), server.FleetMatch{ID: id, Map: "arena"})
		}()
		wg.Wait()
		won := 0
		for _, c := range []struct {
			node string
			host server.FleetMatch
			err  error
		}{{"a", hostA, errA}, {"b", hostB, errB}} {
			switch {
			case c.err == nil:
				won++
				if c.host.Node != c.node {
					t.Errorf("%s: %s won, but the entry names %q", id, c.node, c.host.Node)
				}
			case errors.Is(c.err, server.ErrClaimed):
				if c.host.Node == c.node || c.host.URL == "" {
					t.Errorf("%s: %s lost to %+v", id, c.node, c.host)
				}
			default:
				t.Errorf("%s: %s: %v", id, c.node, c.err)
			}
		}
		if won != 1 {
			t.Errorf("%s: %d nodes won the claim, want exactly 1", id, won)
		}
	}
}

func TestDirectoryListsAndExpires(t *testing.T) {
	n := startNATS(t, "127.0.0.1:0", "")
	a, b := join(t, n.ClientURL(), "a"), join(t, n.ClientURL(), "b")
	var ra reporter
	ra.r.Node = server.FleetNode{Sessions: 3, Matches: 2, MaxMatches: 64}
	a.Start(ra.report, prometheus.NewRegistry())
	for _, id := range []string{"one", "two"} {
		if _, err := a.Claim(context.Background(), server.FleetMatch{ID: id, Map: "duel", Players: 1}); err != nil {
			t.Fatal(err)
		}
	}
	ra.set(server.FleetMatch{ID: "one", Map: "duel", Players: 2, Tick: 60}, server.FleetMatch{ID: "two", Map: "duel", Players: 1, Tick: 30})
	within(t, 5*time.Second, "b sees a's two matches and node", func() bool {
		ms := b.Matches()
		return len(ms) == 2 && ms[0].Node == "a" && ms[0].Players == 2 && len(b.Nodes()) == 1
	})
	if got := b.Nodes()[0]; got.ID != "a" || got.Sessions != 3 || got.URL != "ws://a.test:7777/ws" {
		t.Errorf("node entry %+v", got)
	}

	// A match that ends leaves at once.
	a.Release("two")
	ra.set(server.FleetMatch{ID: "one", Map: "duel", Players: 2, Tick: 90})
	within(t, 5*time.Second, "the released match leaves b's listing", func() bool { return len(b.Matches()) == 1 })

	// A node that dies (no clean close: its connection just goes) leaves
	// every listing once its entries expire.
	died := time.Now()
	a.cancel()
	a.nc.Close()
	a.closed.Do(func() {})
	within(t, 10*time.Second, "a's entries expire", func() bool { return len(b.Matches()) == 0 && len(b.Nodes()) == 0 })
	t.Logf("entries gone %v after the node died (TTL 2 s)", time.Since(died).Round(10*time.Millisecond))
}

func TestBadEntriesAreSkipped(t *testing.T) {
	n := startNATS(t, "127.0.0.1:0", "")
	logged := &recorder{}
	a := join(t, n.ClientURL(), "a", func(o *Options) { o.Logger = slog.New(logged) })
	reg := prometheus.NewRegistry()
	a.Start(func() server.FleetReport { return server.FleetReport{} }, reg)

	nc, err := nats.Connect(n.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	kv, err := js.KeyValue(ctx, DirectoryBucket)
	if err != nil {
		t.Fatal(err)
	}
	for key, val := range map[string]string{
		"matches.junk":     "\x00\xffnot json",
		"matches.wrongid":  `{"id":"other","node":"x","url":"ws://x/ws"}`,
		"matches.nonode":   `{"id":"nonode"}`,
		"matches.extra":    `{"id":"extra","node":"x","url":"ws://x/ws","evil":1}`,
		"nodes.trailing":   `{"id":"trailing","url":"ws://x/ws"} {}`,
		"nodes.huge":       `{"id":"huge","url":"` + string(bytes.Repeat([]byte("x"), 5000)) + `"}`,
		"somethingelse.xy": `{}`,
	} {
		if _, err := kv.PutString(ctx, key, val); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := kv.PutString(ctx, "matches.good", `{"id":"good","node":"x","url":"ws://x/ws","map":"arena"}`); err != nil {
		t.Fatal(err)
	}
	within(t, 5*time.Second, "the good entry is listed", func() bool { return len(a.Matches()) == 1 })
	if ms := a.Matches(); ms[0].ID != "good" {
		t.Errorf("listing %s, want only good", ids(ms))
	}
	for _, key := range []string{"matches.junk", "matches.wrongid", "matches.nonode", "matches.extra", "nodes.trailing", "nodes.huge", "somethingelse.xy"} {
		within(t, 5*time.Second, key+" is logged as skipped", func() bool { return logged.has(key) })
	}
	if got := testutil.ToFloat64(a.m.badEntries); got < 7 {
		t.Errorf("bad entries counted %v, want at least 7", got)
	}
	if _, ok, err := a.Match(ctx, "junk"); ok || err != nil {
		t.Errorf("Match(junk) = %v, %v; want not found", ok, err)
	}

	// A replay object whose metadata is garbage is not listed either.
	obj, err := js.ObjectStore(ctx, ReplayBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obj.Put(ctx, jetstream.ObjectMeta{Name: "bad-replay", Metadata: map[string]string{"info": "{"}}, bytes.NewReader([]byte("x"))); err != nil {
		t.Fatal(err)
	}
	within(t, 5*time.Second, "the bad replay is logged as skipped", func() bool { return logged.has("replay bad-replay") })
	if rs := a.Replays(); len(rs) != 0 {
		t.Errorf("replays %+v, want none", rs)
	}
}

func TestReplaysAreStoredAndServed(t *testing.T) {
	n := startNATS(t, "127.0.0.1:0", "")
	a, b := join(t, n.ClientURL(), "a"), join(t, n.ClientURL(), "b")
	a.Start(func() server.FleetReport { return server.FleetReport{} }, prometheus.NewRegistry())
	b.Start(func() server.FleetReport { return server.FleetReport{} }, prometheus.NewRegistry())

	data := bytes.Repeat([]byte("replay bytes "), 40000) // several object chunks
	path := filepath.Join(t.TempDir(), "m1-x.skr")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	a.StoreReplay(path, server.FleetReplay{ReplaySummary: server.ReplaySummary{ID: "m1-x", Match: "m1", Map: "arena", Players: []string{"ada"}, Started: time.Now().UTC()}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.uploads.wait(ctx); err != nil {
		t.Fatal(err)
	}
	within(t, 5*time.Second, "b lists the replay", func() bool { return len(b.Replays()) == 1 })
	r := b.Replays()[0]
	if r.ID != "m1-x" || r.Node != "a" || r.Size != int64(len(data)) || r.Digest == "" {
		t.Errorf("listed %+v", r)
	}
	for range 2 { // the second open comes from the cache
		f, err := b.OpenReplay(ctx, "m1-x")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Seek(13, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(f)
		f.Close()
		if err != nil || !bytes.Equal(got, data[13:]) {
			t.Fatalf("read %d bytes (%v), want the file from byte 13", len(got), err)
		}
	}
	if _, err := b.OpenReplay(ctx, "nope"); !errors.Is(err, ErrNoReplay) {
		t.Errorf("OpenReplay(nope) = %v, want ErrNoReplay", err)
	}
}

func TestJoinFailsClearlyWithoutNATS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Join(ctx, Options{URLs: []string{"nats://127.0.0.1:1"}, NodeID: "a", NodeURL: "ws://a/ws", Logger: quiet})
	if err == nil {
		t.Fatal("joined a fleet with no NATS server")
	}
	t.Log(err)
}

// TestOutage stops the NATS server for a while under a publishing node:
// the node's loops never block its caller, and once NATS is back the
// directory is whole again.
func TestOutage(t *testing.T) {
	store := t.TempDir()
	n := startNATS(t, "127.0.0.1:0", store)
	url := n.ClientURL()
	a, b := join(t, url, "a"), join(t, url, "b")
	var ra reporter
	a.Start(ra.report, prometheus.NewRegistry())
	for _, id := range []string{"kept", "ends"} {
		if _, err := a.Claim(context.Background(), server.FleetMatch{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	ra.set(server.FleetMatch{ID: "kept", Players: 1}, server.FleetMatch{ID: "ends", Players: 1})
	within(t, 5*time.Second, "b lists both matches", func() bool { return len(b.Matches()) == 2 })

	n.Shutdown()
	within(t, 5*time.Second, "a notices the outage", func() bool { return !a.connected() })
	// Calls that need NATS fail fast instead of waiting.
	began := time.Now()
	if _, err := a.Claim(context.Background(), server.FleetMatch{ID: "new"}); err == nil {
		t.Error("claimed a match with NATS down")
	}
	a.Release("ends") // the match ends while NATS is away
	ra.set(server.FleetMatch{ID: "kept", Players: 2})
	a.publish()
	if d := time.Since(began); d > opTimeout {
		t.Errorf("claim, release and publish took %v with NATS down", d)
	}
	time.Sleep(3 * time.Second) // longer than the TTL: the entries expire
	_, port, _ := splitHostPort(url[len("nats://"):])
	back := startNATS(t, fmt.Sprintf("127.0.0.1:%d", port), store)
	returned := time.Now()
	within(t, 5*time.Second, "the directory is whole again", func() bool {
		ms := b.Matches()
		return len(ms) == 1 && ms[0].ID == "kept" && ms[0].Players == 2 && ms[0].Node == "a" && len(b.Nodes()) == 1
	})
	t.Logf("directory whole %v after NATS returned", time.Since(returned).Round(10*time.Millisecond))
	_ = back
}

// recorder is a slog handler that keeps the "key" attribute of every
// record, to check what was logged as skipped.
type recorder struct {
	mu   sync.Mutex
	keys map[string]bool
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "key" {
			r.mu.Lock()
			if r.keys == nil {
				r.keys = map[string]bool{}
			}
			r.keys[a.Value.String()] = true
			r.mu.Unlock()
		}
		return true
	})
	return nil
}

func (r *recorder) has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.keys[key]
}

// TestClusteredNodes forms a fleet from three embedded nodes joined by
// routes, as skirmishd -nats-listen -nats-routes does, with every bucket
// on all three: a claim made through one node is seen through another,
// and the fleet goes on when one node dies.
func TestClusteredNodes(t *testing.T) {
	ports := freePorts(t, 3)
	cluster := func(i int) string { return fmt.Sprintf("127.0.0.1:%d", ports[i]) }
	nodes := make([]*Node, 3)
	var wg sync.WaitGroup
	for i := range nodes {
		var routes []string
		for j := range nodes {
			if j != i {
				routes = append(routes, "nats://"+cluster(j))
			}
		}
		store := t.TempDir()
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := StartNode(NodeOptions{Name: fmt.Sprintf("n%d", i+1), Listen: "127.0.0.1:0", StoreDir: store,
				ClusterListen: cluster(i), Routes: routes})
			if err != nil {
				t.Error(err)
				return
			}
			nodes[i] = n
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	for _, n := range nodes {
		t.Cleanup(n.Shutdown)
	}
	three := func(o *Options) { o.Replicas = 3 }
	a, c := join(t, nodes[0].ClientURL(), "a", three), join(t, nodes[2].ClientURL(), "c", three)
	if _, err := a.Claim(context.Background(), server.FleetMatch{ID: "shared"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Claim(context.Background(), server.FleetMatch{ID: "shared"}); !errors.Is(err, server.ErrClaimed) {
		t.Fatalf("claim through another node: %v, want ErrClaimed", err)
	}
	nodes[1].Shutdown()
	within(t, 10*time.Second, "a claim after a node died", func() bool {
		_, err := c.Claim(context.Background(), server.FleetMatch{ID: "after"})
		return err == nil
	})
	within(t, 5*time.Second, "a sees it", func() bool {
		m, ok, _ := a.Match(context.Background(), "after")
		return ok && m.Node == "c"
	})
}

func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
		l.Close()
	}
	return ports
}
