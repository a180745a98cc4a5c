package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/server"
)

func TestWritesTableJSONAndHTML(t *testing.T) {
	srv, err := server.New(server.Options{ReplayDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-url", "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws", "-bots", "4", "-matches", "2",
		"-duration", "1s", "-ramp", "0s", "-rate", "4", "-json", jsonPath, "-html", htmlPath, "-progress", "off"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "command→event") {
		t.Errorf("stdout lacks the table:\n%s", stdout.String())
	}
	checkFiles(t, jsonPath, htmlPath)

	// -render presents the saved results again.
	again := filepath.Join(dir, "again.html")
	stdout.Reset()
	if code := run([]string{"-render", jsonPath, "-html", again}, &stdout, &stderr); code != 0 {
		t.Fatalf("-render: exit %d, stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "command→event") {
		t.Errorf("-render printed no table:\n%s", stdout.String())
	}
	checkFiles(t, jsonPath, again)
}

func TestUnreachableExitsNonZeroWithResults(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String() + "/ws"
	ln.Close()
	dir := t.TempDir()
	jsonPath, htmlPath := filepath.Join(dir, "r.json"), filepath.Join(dir, "r.html")
	var stdout, stderr bytes.Buffer
	code := run([]string{"-url", url, "-bots", "5", "-json", jsonPath, "-html", htmlPath, "-progress", "off"}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "no bot could connect") || !strings.Contains(stderr.String(), "refused") {
		t.Errorf("stderr does not explain:\n%s", stderr.String())
	}
	checkFiles(t, jsonPath, htmlPath)
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-bots", "x"}, {"-progress", "loud"}, {"-brain", "genius"}, {"extra"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

func checkFiles(t *testing.T, jsonPath, htmlPath string) {
	t.Helper()
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if _, ok := m["latency_ms"]; !ok {
		t.Errorf("JSON lacks latency_ms")
	}
	h, err := os.ReadFile(htmlPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(h, []byte("<svg")) {
		t.Errorf("HTML report has no chart")
	}
}
