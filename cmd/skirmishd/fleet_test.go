package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server/fleet"
)

// fleetNode is a real skirmishd process of a fleet.
type fleetNode struct {
	id   string
	cmd  *exec.Cmd
	ws   string
	http string
	dir  string
	done chan struct{} // closed when the process has exited
}

func startFleetNode(t *testing.T, bin, id, natsURL string) *fleetNode {
	t.Helper()
	n := &fleetNode{id: id, dir: t.TempDir(), done: make(chan struct{})}
	n.cmd = exec.Command(bin, "-addr", "127.0.0.1:0", "-replay-dir", n.dir, "-nats", natsURL, "-node-id", id,
		"-max-players", "2", "-max-matches-per-ip", "0", "-max-conns-per-ip", "0")
	stderr, _ := n.cmd.StderrPipe()
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		n.cmd.Process.Kill()
		<-n.done
	})
	lines := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`"skirmishd listening" url=(ws://(\S+)/ws)`)
	for n.ws == "" && lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			n.ws, n.http = m[1], "http://"+m[2]
		} else {
			t.Logf("%s: %s", id, lines.Text())
		}
	}
	if n.ws == "" {
		t.Fatalf("%s never said where it listens", id)
	}
	go func() {
		for lines.Scan() {
			if strings.Contains(lines.Text(), "level=ERROR") {
				t.Logf("%s: %s", id, lines.Text())
			}
		}
		n.cmd.Wait()
		close(n.done)
	}()
	return n
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

type listedMatch struct {
	ID   string `json:"id"`
	Node string `json:"node"`
	Tick uint32 `json:"tick"`
}

// TestFleetNodeDies runs three skirmishd processes on one JetStream
// server: kill -9 one, and its entries leave the fleet's listings within
// 10 s while the other nodes' matches tick on, and its replays recover
// from its disk; SIGTERM another, and its replays are in the fleet's
// store, where a copy verifies.
func TestFleetNodeDies(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	bin := t.TempDir()
	skirmishd := build(t, bin, "github.com/skirmishgg/skirmish/cmd/skirmishd")
	tool := build(t, bin, "github.com/skirmishgg/skirmish/cmd/skirmish-replay")
	nats, err := fleet.StartNode(fleet.NodeOptions{Listen: "127.0.0.1:0", StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer nats.Shutdown()
	nodes := map[string]*fleetNode{}
	for _, id := range []string{"n1", "n2", "n3"} {
		nodes[id] = startFleetNode(t, skirmishd, id, nats.ClientURL())
	}
	n1 := nodes["n1"]
	for start := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		var ns struct{ Nodes []struct{ ID string } }
		getJSON(t, n1.http+"/api/nodes", &ns)
		if len(ns.Nodes) == 3 {
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("n1 lists %d nodes after 10 s", len(ns.Nodes))
		}
	}

	// Six players through n1: matches of two spread over the nodes.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	byNode := map[string][]*session.Session{}
	nodeOf := map[string]string{}
	for _, n := range nodes {
		nodeOf[n.ws] = n.id
	}
	for i := range 6 {
		s, err := session.Dial(ctx, session.Options{URL: n1.ws, Name: fmt.Sprintf("p%d", i), Match: fmt.Sprintf("m%d", i/2)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.CloseNow()
		byNode[nodeOf[s.URL()]] = append(byNode[nodeOf[s.URL()]], s)
	}
	if len(byNode) != 3 {
		t.Fatalf("players on %d nodes, want all three", len(byNode))
	}
	// Every node's clients keep reading; a node's matches must not stop.
	type reader struct {
		node   string
		frames int
		err    error
	}
	var mu sync.Mutex
	var readers []*reader
	rctx, rcancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for id, ss := range byNode {
		for _, s := range ss {
			r := &reader{node: id}
			readers = append(readers, r)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					_, err := s.Recv(rctx)
					mu.Lock()
					if err != nil {
						if rctx.Err() == nil {
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
	}
	time.Sleep(3 * time.Second) // a few sealed chunks in every replay

	// kill -9 n3.
	n3 := nodes["n3"]
	killed := time.Now()
	n3.cmd.Process.Signal(syscall.SIGKILL)
	<-n3.done
	gone := func() bool {
		var ms []listedMatch
		getJSON(t, n1.http+"/api/matches", &ms)
		var ns struct{ Nodes []struct{ ID string } }
		getJSON(t, nodes["n2"].http+"/api/nodes", &ns)
		for _, m := range ms {
			if m.Node == "n3" {
				return false
			}
		}
		for _, n := range ns.Nodes {
			if n.ID == "n3" {
				return false
			}
		}
		return len(ms) == 2
	}
	for !gone() {
		if time.Since(killed) > 10*time.Second {
			t.Fatal("n3's entries still listed 10 s after kill -9")
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("n3's matches and node left every listing %v after kill -9", time.Since(killed).Round(10*time.Millisecond))
	rcancel()
	wg.Wait()
	for _, r := range readers {
		if r.node == "n3" {
			continue
		}
		// 60 Hz over 3 s and the expiry: a stalled match would be far below.
		if want := int((3*time.Second + time.Since(killed)).Seconds() * 60 * 8 / 10); r.err != nil || r.frames < want {
			t.Errorf("a player on %s: %d frames (want at least %d), error %v", r.node, r.frames, want, r.err)
		}
	}
	// n3's replay files recover from its disk, as a standalone server's do.
	files, _ := filepath.Glob(filepath.Join(n3.dir, "*"+replay.Extension))
	if len(files) == 0 {
		t.Fatal("n3 left no replay")
	}
	for _, f := range files {
		out, err := exec.Command(tool, "verify", f).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "no footer") {
			t.Errorf("verify %s: %v\n%s", filepath.Base(f), err, out)
		}
	}

	// SIGTERM n2: it uploads its replays before it exits.
	n2 := nodes["n2"]
	n2.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n2.done:
	case <-time.After(30 * time.Second):
		t.Fatal("n2 did not exit within 30 s of SIGTERM")
	}
	if code := n2.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("n2 exited with %d", code)
	}
	jctx, jcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer jcancel()
	reader2, err := fleet.Join(jctx, fleet.Options{URLs: []string{nats.ClientURL()}, NodeID: "reader",
		NodeURL: "ws://reader.invalid/ws", CacheDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer reader2.Close(context.Background())
	local, _ := filepath.Glob(filepath.Join(n2.dir, "*"+replay.Extension))
	stored := map[string]bool{}
	for _, r := range reader2.Replays() {
		if r.Node == "n2" {
			stored[r.ID] = true
		}
	}
	if len(local) == 0 || len(stored) != len(local) {
		t.Fatalf("n2 wrote %d replays, the fleet's store holds %d of them", len(local), len(stored))
	}
	for id := range stored {
		f, err := reader2.OpenReplay(jctx, id)
		if err != nil {
			t.Fatal(err)
		}
		copyPath := filepath.Join(t.TempDir(), id+replay.Extension)
		out, _ := os.Create(copyPath)
		io.Copy(out, f)
		out.Close()
		f.Close()
		if b, err := exec.Command(tool, "verify", copyPath).CombinedOutput(); err != nil {
			t.Errorf("verify the stored copy of %s: %v\n%s", id, err, b)
		}
	}
}
