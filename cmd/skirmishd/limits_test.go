package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
)

// TestLimitFlags runs the binary with small limits and checks that the
// flags reach the server: an idle HTTP connection is closed, a connection
// past the per-address cap is refused, a second match from one address is
// refused; and that a negative limit stops the server at start-up.
func TestLimitFlags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	skirmishd := build(t, t.TempDir(), "github.com/skirmishgg/skirmish/cmd/skirmishd")

	out, err := exec.Command(skirmishd, "-max-conns", "-1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no limit") {
		t.Fatalf("-max-conns -1: %v %s, want an error at start-up", err, out)
	}

	srv := exec.Command(skirmishd, "-addr", "127.0.0.1:0", "-replay-dir", t.TempDir(),
		"-http-idle-timeout", "300ms", "-max-conns-per-ip", "2", "-max-matches-per-ip", "1")
	stderr, _ := srv.StderrPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		srv.Process.Kill()
		srv.Wait()
	}()
	lines := bufio.NewScanner(stderr)
	addr := ""
	re := regexp.MustCompile(`url=ws://(\S+)/ws`)
	for addr == "" && lines.Scan() {
		if m := re.FindStringSubmatch(lines.Text()); m != nil {
			addr = m[1]
		}
	}
	if addr == "" {
		t.Fatal("skirmishd never said where it listens")
	}
	go func() { // keep draining the log so the server never blocks on it
		for lines.Scan() {
		}
	}()

	// -max-conns-per-ip: two open connections, and a third is refused.
	var open []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, c)
	}
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(third, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	third.SetReadDeadline(time.Now().Add(10 * time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(third), nil); err == nil {
		t.Fatalf("a third connection from one address: %s, want it closed", resp.Status)
	}
	third.Close()
	for _, c := range open {
		c.Close()
	}

	// -http-idle-timeout: a keep-alive connection left idle is closed.
	idle := dialGet(t, addr)
	idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, idle); err != nil {
		t.Fatalf("an idle connection: %v, want it closed by the server", err)
	}

	// -max-matches-per-ip: one match, and a second one is refused.
	url := "ws://" + addr + "/ws"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var s *session.Session
	for s == nil { // the server notices the closed connections when it next reads them
		if s, err = session.Dial(ctx, session.Options{URL: url, Name: "first", Match: "one"}); err != nil && ctx.Err() != nil {
			t.Fatalf("the first match: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	defer s.CloseNow()
	_, err = session.Dial(ctx, session.Options{URL: url, Name: "second", Match: "two"})
	if websocket.CloseStatus(err) != protocol.CloseMatchFull {
		t.Fatalf("a second match from one address: %v, want 4002", err)
	}
}

// dialGet opens a connection to addr and GETs /healthz on it, again until
// the server has room for it (it frees the places of closed connections
// when it next reads them), and returns it.
func dialGet(t *testing.T, addr string) net.Conn {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil && resp.StatusCode == http.StatusOK {
			t.Cleanup(func() { c.Close() })
			return c
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz: %v %v", resp, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
