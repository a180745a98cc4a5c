package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
)

// build compiles a command of this module into dir.
func build(t *testing.T, dir, pkg string) string {
	t.Helper()
	out := filepath.Join(dir, filepath.Base(pkg))
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// TestSIGTERMFinalizesReplays runs the real binary, plays in three matches,
// sends SIGTERM, and checks that every replay verifies with skirmish-replay.
func TestSIGTERMFinalizesReplays(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	bin := t.TempDir()
	skirmishd := build(t, bin, "github.com/skirmishgg/skirmish/cmd/skirmishd")
	tool := build(t, bin, "github.com/skirmishgg/skirmish/cmd/skirmish-replay")
	replays := t.TempDir()

	srv := exec.Command(skirmishd, "-addr", "127.0.0.1:0", "-log-format", "text")
	srv.Env = append(os.Environ(), "SKIRMISH_REPLAY_DIR="+replays, "SKIRMISH_TICK_RATE=30")
	stderr, _ := srv.StderrPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	lines := bufio.NewScanner(stderr)
	url := ""
	re := regexp.MustCompile(`url=(ws://\S+)`)
	for url == "" && lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatal("skirmishd never said where it listens")
	}
	go func() { // keep draining the log so the server never blocks on it
		for lines.Scan() {
			t.Log(lines.Text())
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var sessions []*session.Session
	for _, m := range []string{"alpha", "beta", "gamma"} {
		s, err := session.Dial(ctx, session.Options{URL: url, Name: "p-" + m, Match: m})
		if err != nil {
			t.Fatal(err)
		}
		for s.World().Tick < s.Welcome().Tick+15 {
			if _, err := s.Recv(ctx); err != nil {
				t.Fatal(err)
			}
		}
		sessions = append(sessions, s)
	}
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Each client is told, then closed with 1001 going away.
	for _, s := range sessions {
		var notice *protocol.Notice
		var err error
		for err == nil {
			var m protocol.Message
			if m, err = s.Recv(ctx); err == nil {
				if n, ok := m.(*protocol.Notice); ok {
					notice = n
				}
			}
		}
		if notice == nil || notice.Code != protocol.NoticeShutdown {
			t.Errorf("no shutdown notice before the close (%v)", err)
		}
	}
	if err := srv.Wait(); err != nil {
		t.Fatalf("skirmishd exited with %v", err)
	}
	files, _ := filepath.Glob(filepath.Join(replays, "*.skr"))
	if len(files) != 3 {
		t.Fatalf("replays %v, want 3", files)
	}
	for _, f := range files {
		out, err := exec.Command(tool, "verify", f).CombinedOutput()
		if err != nil {
			t.Errorf("skirmish-replay verify %s: %v\n%s", filepath.Base(f), err, out)
		}
	}
}

// TestReplayKeepFlag: a bad -replay-keep, or SKIRMISH_REPLAY_KEEP, stops the
// server at start-up with a message that says what is wrong.
func TestReplayKeepFlag(t *testing.T) {
	if err := run([]string{"-replay-keep", "size=lots"}); err == nil || !strings.Contains(err.Error(), `size="lots"`) {
		t.Errorf("-replay-keep size=lots: %v", err)
	}
	t.Setenv("SKIRMISH_REPLAY_KEEP", "age=0")
	if err := run(nil); err == nil || !strings.Contains(err.Error(), "SKIRMISH_REPLAY_KEEP") || !strings.Contains(err.Error(), "off for no limit") {
		t.Errorf("SKIRMISH_REPLAY_KEEP=age=0: %v", err)
	}
}
