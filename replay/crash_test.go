package replay_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/synth"
)

const crashEnv = "SKIRMISH_REPLAY_CRASH_CHILD"

// TestCrash runs a match in a child process, kills it with SIGKILL in the
// middle, and recovers the file: every chunk the child reported as written
// and fsynced must be there, and play.
func TestCrash(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "crash.skr")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var sealed uint64
	seals := 0
	sc := bufio.NewScanner(out)
	for seals < 8 && sc.Scan() {
		if tick, ok := strings.CutPrefix(sc.Text(), "sealed "); ok {
			if sealed, err = strconv.ParseUint(tick, 10, 32); err != nil {
				t.Fatal(err)
			}
			seals++
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if seals < 8 {
		t.Fatalf("the child reported %d seals before its output ended", seals)
	}
	r, err := replay.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in := r.Info()
	t.Logf("last sealed tick reported %d; recovered %d chunks, ticks %d..%d, %d bytes lost (%s)",
		sealed, in.Chunks, in.FirstTick, in.LastTick, in.Lost, in.LostReason)
	if !in.Recovered || uint64(in.LastTick) < sealed {
		t.Fatalf("recovered %v up to tick %d; want recovered up to at least %d", in.Recovered, in.LastTick, sealed)
	}
	if err := r.Verify(nil); err != nil {
		t.Fatal(err)
	}
}

// TestCrashChild is the child of TestCrash: it records a match until it is
// killed, printing "sealed TICK" after each chunk is durable.
func TestCrashChild(t *testing.T) {
	path := os.Getenv(crashEnv)
	if path == "" {
		t.Skip("run by TestCrash")
	}
	so := matchOptions(t, 8, 0, 99)
	mt, err := synth.NewMatch(so)
	if err != nil {
		t.Fatal(err)
	}
	h := replay.Header{MatchID: "crash", Map: so.Map, MapSource: so.MapSource, TickRate: so.TickRate}
	w, err := replay.Create(path, h, mt.World(), replay.Options{
		ChunkTicks: 6, KeyframeTicks: 30,
		OnSeal: func(last uint32) { fmt.Printf("sealed %d\n", last) },
	})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute) // in case nobody kills us
	for time.Now().Before(deadline) {
		if err := w.Append(mt.Step(), mt.World()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("not killed")
}
