package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/bots"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/server/fleet"
	"github.com/skirmishgg/skirmish/sim/brain"
)

var quiet = slog.New(slog.DiscardHandler)

// fleetNode is a skirmishd node in the test's process.
type fleetNode struct {
	srv *server.Server
	fl  *fleet.Fleet
	ws  string
	dir string
}

func startNode(t *testing.T, natsURL, id string) *fleetNode {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &fleetNode{ws: "ws://" + ln.Addr().String() + "/ws", dir: t.TempDir()}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if n.fl, err = fleet.Join(ctx, fleet.Options{URLs: []string{natsURL}, NodeID: id, NodeURL: n.ws,
		CacheDir: t.TempDir(), Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	// Short matches, so that many replays end during the test; a time
	// limit ends them, and the bots come back to new ones.
	if n.srv, err = server.New(server.Options{ReplayDir: n.dir, Logger: quiet, Fleet: n.fl, TimeLimit: 4 * time.Second,
		MaxMatchesPerIP: -1, MaxConnsPerIP: -1}); err != nil {
		t.Fatal(err)
	}
	go n.srv.Serve(ln)
	return n
}

func (n *fleetNode) stop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := n.srv.Shutdown(ctx); err != nil {
		t.Error(err)
	}
	if err := n.fl.Close(ctx); err != nil {
		t.Error(err)
	}
}

// projector is a skirmish-projector process.
type projector struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
}

func startProjector(t *testing.T, bin, natsURL, dir string) *projector {
	t.Helper()
	p := &projector{done: make(chan struct{})}
	p.cmd = exec.Command(bin, "-nats", natsURL, "-dir", dir, "-addr", "127.0.0.1:0")
	stderr, _ := p.cmd.StderrPipe()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stderr)
	re := regexp.MustCompile(`url=(http://\S+)`)
	for p.url == "" && lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			p.url = m[1]
		}
	}
	if p.url == "" {
		p.cmd.Process.Kill()
		t.Fatal("skirmish-projector never said where it listens")
	}
	go func() {
		for lines.Scan() {
			if l := lines.Text(); regexp.MustCompile(`level=(WARN|ERROR)`).MatchString(l) {
				t.Log("projector:", l)
			}
		}
		p.cmd.Wait()
		close(p.done)
	}()
	return p
}

func get(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestExactlyOnceAcrossKills plays matches on two fleet nodes while a
// skirmish-projector follows the fleet's event log and is killed with
// SIGKILL at random moments, six times; restarted each time on its own
// directory, it ends with a leaderboard byte for byte equal to a rebuild
// from scratch over every replay file the nodes wrote.
func TestExactlyOnceAcrossKills(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary and plays for a while")
	}
	bin := filepath.Join(t.TempDir(), "skirmish-projector")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	nats, err := fleet.StartNode(fleet.NodeOptions{Listen: "127.0.0.1:0", StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer nats.Shutdown()
	a, b := startNode(t, nats.ClientURL(), "a"), startNode(t, nats.ClientURL(), "b")

	// Twelve bots in three matches, through node a (placed over both).
	ctx, stopBots := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for m := range 3 {
		var team []bots.Bot
		for i := range 4 {
			br, err := brain.New("chase", brain.Seed(uint64(m), i), 4)
			if err != nil {
				t.Fatal(err)
			}
			team = append(team, bots.Bot{Name: fmt.Sprintf("m%d-bot%d", m, i), Brain: br})
		}
		wg.Go(func() { bots.Play(ctx, bots.PlayOptions{URL: a.ws, Match: fmt.Sprintf("arena-%d", m), Bots: team}) })
	}

	dir := t.TempDir()
	p := startProjector(t, bin, nats.ClientURL(), dir)
	rng := rand.New(rand.NewPCG(1, 2))
	for kill := range 6 {
		time.Sleep(time.Duration(500+rng.IntN(2500)) * time.Millisecond)
		p.cmd.Process.Kill()
		<-p.done
		t.Logf("kill %d at stream position %s", kill+1, position(dir))
		p = startProjector(t, bin, nats.ClientURL(), dir)
	}
	stopBots()
	wg.Wait()
	a.stop(t)
	b.stop(t) // every replay whole, and published
	defer func() {
		p.cmd.Process.Kill()
		<-p.done
	}()

	// The projector catches up: ready, and the mirror holds every replay.
	files := replayFiles(t, a.dir, b.dir)
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, _ := get(t, p.url+"/readyz")
		if code == 200 && sameFiles(t, dir, files) {
			break
		}
		if time.Now().After(deadline) {
			for name, path := range files {
				st, _ := os.Stat(path)
				mst, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Logf("%s: %d bytes; not in the mirror", name, st.Size())
				} else {
					t.Logf("%s: %d bytes; mirror %d", name, st.Size(), mst.Size())
				}
			}
			for name := range replayFiles(t, dir) {
				if files[name] == "" {
					t.Logf("%s: only in the mirror", name)
				}
			}
			t.Fatalf("the projector did not catch up within 60 s (readyz %d, position %s)", code, position(dir))
		}
		time.Sleep(200 * time.Millisecond)
	}
	// From scratch: the read models over a copy of every replay file.
	ref := t.TempDir()
	for name, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(ref, name), data, 0o644)
	}
	rm, err := server.StartReadModels(projection.Options{Dir: ref, Logger: quiet, Share: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer rm.Stop()
	sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := rm.Engine().Sync(sctx); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	rm.Routes(mux)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	_, want := get(t, hs.URL+"/api/leaderboard?limit=500")

	// The projector follows the last matches' files as the mirror writes
	// them: its leaderboard reaches the rebuild's once it has read their
	// footers, and must then equal it byte for byte.
	var got []byte
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if _, got = get(t, p.url+"/api/leaderboard?limit=500"); string(got) == string(want) {
			break
		}
		if time.Now().After(end) {
			t.Fatalf("after 6 kills the projector's leaderboard differs from a rebuild over %d replays:\n got %s\nwant %s", len(files), got, want)
		}
	}
	t.Logf("%d replays; leaderboards equal (%d bytes)", len(files), len(got))
	if len(files) < 6 {
		t.Errorf("only %d replays were played", len(files))
	}
}

// replayFiles returns the replay files in dirs, by file name.
func replayFiles(t *testing.T, dirs ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range dirs {
		ms, _ := filepath.Glob(filepath.Join(d, "*"+replay.Extension))
		for _, m := range ms {
			out[filepath.Base(m)] = m
		}
	}
	return out
}

// sameFiles reports whether the mirror in dir holds exactly the files,
// byte for byte.
func sameFiles(t *testing.T, dir string, files map[string]string) bool {
	t.Helper()
	if len(replayFiles(t, dir)) != len(files) {
		return false
	}
	for name, path := range files {
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != string(want) {
			return false
		}
	}
	return true
}

func position(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "mirror.json"))
	return string(b)
}
