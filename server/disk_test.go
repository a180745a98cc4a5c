package server_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// mountTmpfs mounts a tmpfs of size (mount(8) syntax) on a new directory,
// or skips the test where mounting is not allowed (it takes root).
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("cannot mount a tmpfs to fill (it takes root): %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill writes to path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, block := range []int{64 << 10, 4 << 10, 1} {
		for {
			if _, err := f.Write(make([]byte, block)); err != nil {
				if !errors.Is(err, syscall.ENOSPC) {
					t.Fatal(err)
				}
				break
			}
		}
	}
}

// TestReplayDiskFull: when the disk fills up under a running match, the
// writer's failure is logged once, counted, and shown on /readyz; the match
// keeps ticking; earlier replays are untouched; and /readyz recovers once
// there is room again.
func TestReplayDiskFull(t *testing.T) {
	t.Parallel()
	dir := mountTmpfs(t, "1m")
	logs := &logCounter{}
	ts := startServer(t, server.Options{ReplayDir: dir, ChunkTicks: 6, Logger: slog.New(logs), AdminToken: "tok"})

	early := dial(t, ts, "early", "early")
	untilTick(t, early, early.Welcome().Tick+1)
	play(t, early, []sim.Input{{Action: sim.SpawnAt}})
	var done struct {
		Replay string `json:"replay"`
	}
	getJSON(t, ts.http.URL+"/api/matches/early", &done)
	adminEnd(t, ts, "early")
	earlyPath := filepath.Join(dir, done.Replay+replay.Extension)
	before, err := os.ReadFile(earlyPath)
	if err != nil {
		t.Fatal(err)
	}

	p := dial(t, ts, "player", "full")
	untilTick(t, p, p.Welcome().Tick+1)
	play(t, p, []sim.Input{{Action: sim.SpawnAt}})
	fill(t, filepath.Join(dir, "filler"))
	deadline := time.Now().Add(15 * time.Second)
	for metric(t, ts, "skirmish_replay_write_errors_total") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no replay write error counted on a full disk")
		}
		untilTick(t, p, p.World().Tick+6)
	}
	// The match goes on, for a second of ticks and more, and says it once.
	untilTick(t, p, p.World().Tick+90)
	if n := logs.count("replay write failed; the match goes on, unrecorded from here"); n != 1 {
		t.Errorf("%d log lines about the failed replay, want 1", n)
	}
	if got := metric(t, ts, "skirmish_replay_write_errors_total"); got != 1 {
		t.Errorf("skirmish_replay_write_errors_total = %v, want 1", got)
	}
	if code, body := get(t, ts.http.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz on a full disk: %d %s", code, body)
	}
	if after, err := os.ReadFile(earlyPath); err != nil || !bytes.Equal(before, after) {
		t.Errorf("the earlier replay changed (%v)", err)
	}
	if r, err := replay.Open(earlyPath); err != nil {
		t.Errorf("the earlier replay: %v", err)
	} else {
		if err := r.Verify(nil); err != nil || r.Info().Recovered {
			t.Errorf("the earlier replay: %v, recovered %v", err, r.Info().Recovered)
		}
		r.Close()
	}

	// Room again: ready again, and the next match records.
	if err := os.Remove(filepath.Join(dir, "filler")); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(15 * time.Second)
	for code, _ := get(t, ts.http.URL+"/readyz"); code != http.StatusOK; code, _ = get(t, ts.http.URL+"/readyz") {
		if time.Now().After(deadline) {
			t.Fatal("/readyz still not ready with room on the disk")
		}
		time.Sleep(100 * time.Millisecond)
	}
	adminEnd(t, ts, "full")
	if n := logs.count("replay close failed"); n != 0 {
		t.Errorf("the failure was logged again at the end of the match")
	}
}
