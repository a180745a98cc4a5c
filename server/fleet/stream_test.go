package fleet_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	natsgo "github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/server/fleet"
	"github.com/skirmishgg/skirmish/sim"
)

// play puts a player in match on n, spawns it, and reads frames for ticks.
func play(t *testing.T, n *node, name, match string, ticks uint32) {
	t.Helper()
	s := dial(t, n.ws, name, match)
	toTick(t, s, s.Welcome().Tick+2)
	for _, p := range s.World().Map.Spawns() {
		if sim.Validate(s.World(), sim.Input{Player: s.Player(), Action: sim.SpawnAt, X: p.X, Y: p.Y}) == nil {
			if _, err := s.Send(context.Background(), sim.Input{Action: sim.SpawnAt, X: p.X, Y: p.Y}); err != nil {
				t.Fatal(err)
			}
			break
		}
	}
	toTick(t, s, s.World().Tick+ticks)
}

func observe(t *testing.T, url string) *fleet.Fleet {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	f, err := fleet.Join(ctx, fleet.Options{URLs: []string{url}, Observer: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close(context.Background()) })
	return f
}

// TestChunkStream: every part of every replay reaches the chunk stream in
// file order, once, and a mirror rebuilds each file byte for byte, while
// its match runs and after it ends.
func TestChunkStream(t *testing.T) {
	nats := startNATS(t, "127.0.0.1:0", "")
	a, b := startNode(t, nats.ClientURL(), "a", server.Options{}), startNode(t, nats.ClientURL(), "b", server.Options{})
	play(t, a, "ada", "one", 90)
	play(t, b, "bob", "two", 90)

	obs := observe(t, nats.ClientURL())
	mir, err := obs.Mirror(fleet.MirrorOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mir.Run(ctx) }()

	// While the matches run, the mirror's files are the nodes' files so
	// far: every sealed chunk.
	live := func(n *node) string {
		ms, _ := filepath.Glob(filepath.Join(n.dir, "*"+replay.Extension))
		if len(ms) != 1 {
			t.Fatalf("%s has %d replays", n.id, len(ms))
		}
		return ms[0]
	}
	pa, pb := live(a), live(b)
	within(t, 10*time.Second, "the mirror has a's sealed chunks", func() bool {
		return sealedPrefix(t, pa, filepath.Join(mirDir(mir), filepath.Base(pa)))
	})
	if !mir.Live(idOf(pa)) {
		t.Error("a running match's replay is not live in the mirror")
	}

	a.stop(t)
	b.stop(t)
	for _, p := range []string{pa, pb} {
		want, _ := os.ReadFile(p)
		within(t, 10*time.Second, "the mirror has "+filepath.Base(p)+" whole", func() bool {
			got, _ := os.ReadFile(filepath.Join(mirDir(mir), filepath.Base(p)))
			return bytes.Equal(got, want)
		})
		if mir.Live(idOf(p)) {
			t.Errorf("%s: live after its footer", filepath.Base(p))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// Each part is in the stream once, in file order, whatever was
	// published twice.
	nc, err := natsgo.Connect(nats.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	st, err := js.Stream(context.Background(), fleet.ChunkStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background(), jetstream.WithSubjectFilter("skirmish.chunks.>"))
	if err != nil {
		t.Fatal(err)
	}
	for subj, n := range info.State.Subjects {
		if n != 1 {
			t.Errorf("%s: %d messages", subj, n)
		}
	}
}

func mirDir(m *fleet.Mirror) string { return m.Dir() }

func idOf(path string) string {
	return filepath.Base(path)[:len(filepath.Base(path))-len(replay.Extension)]
}

// sealedPrefix reports whether the mirror's copy holds the node's file up
// to its last sealed chunk (the node may be writing the next one).
func sealedPrefix(t *testing.T, node, mirror string) bool {
	want, err := replay.Open(node)
	if err != nil {
		return false
	}
	in := want.Info()
	want.Close()
	got, err := os.ReadFile(mirror)
	if err != nil || in.Chunks == 0 {
		return false
	}
	file, _ := os.ReadFile(node)
	end := in.HeaderSize + in.ChunkBytes
	return int64(len(got)) == end && bytes.Equal(got, file[:end])
}

// TestChunkURLsOnAnyNode: a spectator of a match on node b may ask node a
// for its chunks, while the match runs and after b is gone: a serves them
// from the event log, byte for byte as b wrote them.
func TestChunkURLsOnAnyNode(t *testing.T) {
	nats := startNATS(t, "127.0.0.1:0", "")
	a, b := startNode(t, nats.ClientURL(), "a", server.Options{}), startNode(t, nats.ClientURL(), "b", server.Options{})
	play(t, b, "bob", "on-b", 150)

	type index struct {
		Replay, State string
		Count         int
		Chunks        []struct{ N int }
	}
	var ix index
	within(t, 10*time.Second, "a lists b's sealed chunks", func() bool {
		code, body := getBody(t, a.http+"/api/matches/on-b/chunks")
		if code != 200 {
			return false
		}
		json.Unmarshal(body, &ix)
		return ix.Count >= 2 && ix.State == "running"
	})
	path := filepath.Join(b.dir, ix.Replay+replay.Extension)
	file, _ := os.ReadFile(path)
	if code, body := getBody(t, a.http+"/api/replays/"+ix.Replay+"/header"); code != 200 || !bytes.HasPrefix(file, body) {
		t.Fatalf("the header from a: %d, %d bytes", code, len(body))
	}
	if code, _ := getBody(t, a.http+"/api/replays/"+ix.Replay+"/chunks/9999"); code != 404 {
		t.Errorf("a chunk not sealed: %d, want 404", code)
	}

	b.stop(t) // the match ends; b leaves the fleet
	var whole []byte
	within(t, 10*time.Second, "a serves the whole replay", func() bool {
		code, body := getBody(t, a.http+"/api/replays/"+ix.Replay+"/chunks")
		if code != 200 {
			return false
		}
		json.Unmarshal(body, &ix)
		if ix.State != "ended" {
			return false
		}
		_, whole = getBody(t, a.http+"/api/replays/"+ix.Replay+"/header")
		for n := range ix.Count {
			_, c := getBody(t, fmt.Sprintf("%s/api/replays/%s/chunks/%d", a.http, ix.Replay, n))
			whole = append(whole, c...)
		}
		_, f := getBody(t, a.http+"/api/replays/"+ix.Replay+"/footer")
		whole = append(whole, f...)
		return true
	})
	file, _ = os.ReadFile(path)
	if !bytes.Equal(whole, file) {
		t.Errorf("the pieces node a serves make %d bytes; b's file has %d", len(whole), len(file))
	}
}

func getBody(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestChunkStreamCatchesUp stops the NATS server while a match is
// recorded: the parts sealed meanwhile wait in the file, and reach the
// event log when NATS is back, in order, so that the log ends holding the
// file byte for byte.
func TestChunkStreamCatchesUp(t *testing.T) {
	store := t.TempDir()
	nats := startNATS(t, "127.0.0.1:0", store)
	url := nats.ClientURL()
	a := startNode(t, url, "a", server.Options{})
	s := dial(t, a.ws, "ada", "cut")
	toTick(t, s, s.Welcome().Tick+60)
	nats.Shutdown()
	toTick(t, s, s.World().Tick+180) // three chunks sealed with nobody to take them
	back := startNATS(t, url[len("nats://"):], store)
	toTick(t, s, s.World().Tick+60)
	a.stop(t)

	ms, _ := filepath.Glob(filepath.Join(a.dir, "*"+replay.Extension))
	if len(ms) != 1 {
		t.Fatalf("%d replays", len(ms))
	}
	file, _ := os.ReadFile(ms[0])
	obs := observe(t, back.ClientURL())
	mir, err := obs.Mirror(fleet.MirrorOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go mir.Run(ctx)
	within(t, 10*time.Second, "the event log holds the whole file", func() bool {
		got, _ := os.ReadFile(filepath.Join(mir.Dir(), filepath.Base(ms[0])))
		return bytes.Equal(got, file)
	})
}
