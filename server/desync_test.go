package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/server"
)

// logCounter is a slog.Handler that counts records by message.
type logCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logCounter) WithGroup(string) slog.Handler            { return l }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == nil {
		l.n = map[string]int{}
	}
	l.n[r.Message]++
	return nil
}

func (l *logCounter) count(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[msg]
}

// hashReporter plays a client that reports its hash for every hashed
// frame: wrong ones while lie says so.
func hashReporter(c *rawClient, lie func(n int) bool, within time.Duration) (snapshots int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	reports := 0
	for {
		_, msg, err := c.conn.Read(ctx)
		if err != nil {
			return snapshots, err
		}
		m, err := protocol.Decode(msg)
		if err != nil {
			return snapshots, fmt.Errorf("server sent a bad message: %w", err)
		}
		switch m := m.(type) {
		case *protocol.Snapshot:
			snapshots++
		case *protocol.Frame:
			if !m.HasHash {
				continue
			}
			h := m.Hash
			if lie(reports) {
				h ^= 1
			}
			reports++
			c.write((&protocol.HashReport{Tick: m.Tick, Hash: h}).Append(nil))
		}
	}
}

// TestDesyncReports: a client that keeps reporting wrong hashes gets at
// most one snapshot per ResyncInterval and is closed with 4005 after
// MaxResyncs; the episode is one log line and counted in /metrics. A
// client that recovers after its resync stays.
func TestDesyncReports(t *testing.T) {
	t.Parallel()
	logs := &logCounter{}
	ts := startServer(t, server.Options{HashEvery: 3, ResyncInterval: 300 * time.Millisecond, MaxResyncs: 3,
		Logger: slog.New(logs)})

	liar, err := rawDial(t, ts, (&protocol.Hello{Version: protocol.Version, Name: "liar", Match: "desync"}).Append(nil))
	if err != nil {
		t.Fatal(err)
	}
	honest, err := rawDial(t, ts, (&protocol.Hello{Version: protocol.Version, Name: "honest", Match: "desync"}).Append(nil))
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		snapshots int
		err       error
	}
	honestDone := make(chan result, 1)
	go func() {
		n, err := hashReporter(honest, func(n int) bool { return n == 0 }, 3*time.Second)
		honestDone <- result{n, err}
	}()
	start := time.Now()
	snapshots, err := hashReporter(liar, func(int) bool { return true }, 20*time.Second)
	if websocket.CloseStatus(err) != protocol.CloseDesync {
		t.Fatalf("the liar ended with %v, want close %d", err, protocol.CloseDesync)
	}
	if most := 1 + int(time.Since(start)/(300*time.Millisecond)); snapshots != 3 || snapshots > most {
		t.Errorf("the liar got %d snapshots in %s, want 3", snapshots, time.Since(start))
	}
	h := <-honestDone
	if h.snapshots != 1 || websocket.CloseStatus(h.err) != -1 {
		t.Errorf("the honest client: %d snapshots, ended with %v; want 1 and still connected", h.snapshots, h.err)
	}
	if n := logs.count("desync"); n != 2 {
		t.Errorf("%d desync log lines, want one per client", n)
	}
	for sample, want := range map[string]float64{"skirmish_desyncs_total": 2, "skirmish_resyncs_total": 4, "skirmish_desync_closes_total": 1} {
		if got := metric(t, ts, sample); got != want {
			t.Errorf("%s = %v, want %v", sample, got, want)
		}
	}
}
