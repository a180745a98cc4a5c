package bots_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/bots"
	"github.com/skirmishgg/skirmish/replay/synth"
	"github.com/skirmishgg/skirmish/server"
)

// testServer is a real server on a loopback port.
type testServer struct {
	srv  *server.Server
	http *httptest.Server
	url  string
}

func startServer(t *testing.T, o server.Options) *testServer {
	t.Helper()
	o.ReplayDir = t.TempDir()
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return &testServer{srv: srv, http: hs, url: "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws"}
}

func runBots(t *testing.T, o bots.Options) (*bots.Results, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := bots.Run(ctx, o)
	if res == nil {
		t.Fatalf("Run returned no results: %v", err)
	}
	return res, err
}

// TestRun runs bots of each kind against a real server: full bots (a world
// each), blind bots (none: frames and their own events only) and the
// default mix; every kind answers every command and measures the same.
func TestRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		fullBots    int
		full, blind int
	}{
		{"mixed", 0, 4, 16}, // the default: 2 of each match's 10 are full
		{"blind", -1, 0, 20},
		{"full", 10, 20, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A command rate limit below the bots' rate makes the server
			// reject some commands, so that rejects are counted too; the
			// flood limit (4 × the command rate by default) must still let
			// the bots ping and report hashes.
			ts := startServer(t, server.Options{CommandRate: 2, CommandBurst: 2, FloodRate: 100, HashEvery: 10})
			var progress bytes.Buffer
			res, err := runBots(t, bots.Options{
				URL: ts.url, Bots: 20, Matches: 2, Duration: 3 * time.Second, Ramp: 500 * time.Millisecond,
				Drain: 3 * time.Second, Rate: 4, Seed: 7, Progress: &progress, ProgressEvery: time.Second,
				FullBots: tc.fullBots,
			})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if res.Connected != 20 || res.ConnectErrors != 0 || res.Disconnects != 0 || res.Desyncs != 0 {
				t.Errorf("connected %d, connect errors %d, disconnects %d, desyncs %d; want 20, 0, 0, 0",
					res.Connected, res.ConnectErrors, res.Disconnects, res.Desyncs)
			}
			if res.FullBots != tc.full || res.BlindBots != tc.blind {
				t.Errorf("%d full bots and %d blind, want %d and %d", res.FullBots, res.BlindBots, tc.full, tc.blind)
			}
			if res.Commands == 0 || res.LatencyMs.Count == 0 || res.Events == 0 || res.Frames == 0 {
				t.Errorf("commands %d, latency samples %d, events %d, frames %d; want all > 0",
					res.Commands, res.LatencyMs.Count, res.Events, res.Frames)
			}
			if res.LatencyMs.Count != res.Events {
				t.Errorf("%d latency samples for %d events", res.LatencyMs.Count, res.Events)
			}
			if res.Rejects["rate limited"] == 0 {
				t.Errorf("rejects %v: want some rate limited", res.Rejects)
			}
			// Every command is answered, by an event or a reject.
			if res.Unanswered != 0 || res.Events+res.RejectsTotal != res.Commands {
				t.Errorf("commands %d = events %d + rejects %d + unanswered %d: want none unanswered",
					res.Commands, res.Events, res.RejectsTotal, res.Unanswered)
			}
			if res.TickRate != 60 || res.MatchesObserved != 2 || res.JitterMs.Count == 0 || res.RTTMs.Count == 0 {
				t.Errorf("tick rate %d, matches observed %d, jitter samples %d, rtt samples %d",
					res.TickRate, res.MatchesObserved, res.JitterMs.Count, res.RTTMs.Count)
			}
			if res.BytesInPerBotS <= 0 || res.BytesOutPerBotS <= 0 {
				t.Errorf("bytes per bot per second: in %v, out %v", res.BytesInPerBotS, res.BytesOutPerBotS)
			}
			if res.BotsCPUPerFrameUs == nil || *res.BotsCPUPerFrameUs <= 0 {
				t.Errorf("bots' CPU per frame: %v", res.BotsCPUPerFrameUs)
			}
			if len(res.Timeline) == 0 || len(res.LatencyHistogram) == 0 {
				t.Errorf("%d timeline entries, %d histogram bins", len(res.Timeline), len(res.LatencyHistogram))
			}
			if !strings.Contains(progress.String(), "bots 20/20") {
				t.Errorf("progress output %q lacks the bots connected", progress.String())
			}
			checkJSON(t, res)
			checkOutputs(t, res)
		})
	}
}

// checkJSON checks the fields that scripts rely on.
func checkJSON(t *testing.T, res *bots.Results) {
	t.Helper()
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"bots", "duration_s", "commands", "latency_ms", "missed_ticks", "disconnects",
		"desyncs", "rejects", "bytes_in_per_bot_s", "bytes_out_per_bot_s", "jitter_ms", "rtt_ms", "connect_errors",
		"full_bots", "blind_bots", "bots_cpu_s", "bots_cpu_per_frame_us"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	lat, _ := m["latency_ms"].(map[string]any)
	for _, k := range []string{"p50", "p90", "p99", "p999", "max"} {
		if _, ok := lat[k].(float64); !ok {
			t.Errorf("JSON latency_ms lacks %q: %v", k, lat)
		}
	}
	if _, ok := m["rejects"].(map[string]any); !ok {
		t.Errorf("JSON rejects is %T, want an object", m["rejects"])
	}
}

func checkOutputs(t *testing.T, res *bots.Results) {
	t.Helper()
	var page bytes.Buffer
	if err := res.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "</html>"} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	for _, banned := range []string{"<script", "http://fonts", "https://"} {
		if strings.Contains(page.String(), banned) {
			t.Errorf("HTML report is not self-contained: it has %q", banned)
		}
	}
	var table bytes.Buffer
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"p99.9", "command→event", "missed ticks", "disconnects"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
}

func TestChaseBrain(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{})
	res, err := runBots(t, bots.Options{URL: ts.url, Bots: 4, Matches: 1, Duration: 2 * time.Second, Brain: "chase", Rate: 6})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Commands == 0 || res.Desyncs != 0 || res.Brain != "chase" {
		t.Errorf("commands %d, desyncs %d, brain %q", res.Commands, res.Desyncs, res.Brain)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	// A port nobody listens on: listen, note it, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + ln.Addr().String() + "/ws"
	ln.Close()
	res, err := runBots(t, bots.Options{URL: url, Bots: 30, Duration: time.Hour, Ramp: time.Hour})
	if !errors.Is(err, bots.ErrConnect) {
		t.Fatalf("Run: %v, want ErrConnect", err)
	}
	if !strings.Contains(err.Error(), "no bot could connect") {
		t.Errorf("error %q does not say that no bot could connect", err)
	}
	// The run gives up after the first failures rather than dialing an
	// hour's ramp.
	if res.Connected != 0 || res.ConnectErrors == 0 || res.ConnectErrors >= 30 {
		t.Errorf("connected %d, connect errors %d: want 0 and a few", res.Connected, res.ConnectErrors)
	}
	if res.Error == "" || res.DurationS != 0 {
		t.Errorf("results: error %q, window %v s", res.Error, res.DurationS)
	}
	checkOutputs(t, res)
}

func TestRefusedHandshake(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{MaxPlayers: 1})
	res, err := runBots(t, bots.Options{URL: ts.url, Bots: 2, Matches: 1, Duration: time.Second, Ramp: 200 * time.Millisecond})
	if !errors.Is(err, bots.ErrConnect) {
		t.Fatalf("Run: %v, want ErrConnect", err)
	}
	// The server's close code and reason reach the user.
	for _, want := range []string{"1 of 2 bots could not connect", "4002", "match full", "load-00 is full"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if res.Connected != 1 || res.ConnectErrors != 1 || len(res.ConnectErrorReasons) != 1 {
		t.Errorf("connected %d, connect errors %d %v", res.Connected, res.ConnectErrors, res.ConnectErrorReasons)
	}
	if res.Frames == 0 { // the bot that got in played
		var b strings.Builder
		res.WriteTable(&b)
		t.Errorf("no frames for the connected bot:\n%s", b.String())
	}
}

func TestServerShutsDown(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{})
	go func() {
		time.Sleep(1500 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ts.srv.Shutdown(ctx)
	}()
	began := time.Now()
	res, err := runBots(t, bots.Options{URL: ts.url, Bots: 10, Matches: 2, Duration: time.Minute, Rate: 4})
	if !errors.Is(err, bots.ErrDisconnect) {
		t.Fatalf("Run: %v, want ErrDisconnect", err)
	}
	if !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("error %q does not give the server's reason", err)
	}
	if res.Disconnects != 10 || res.Connected != 10 {
		t.Errorf("disconnects %d of %d connected, want all 10", res.Disconnects, res.Connected)
	}
	// The run ends when the last bot is gone, with what it measured.
	if time.Since(began) > 30*time.Second {
		t.Errorf("Run took %v after every bot was disconnected", time.Since(began))
	}
	if res.Commands == 0 || res.Frames == 0 || res.DurationS <= 0 || res.DurationS >= 60 {
		t.Errorf("partial results: commands %d, frames %d, window %v s", res.Commands, res.Frames, res.DurationS)
	}
	checkOutputs(t, res)
}

func TestReplay(t *testing.T) {
	t.Parallel()
	src, err := assets.MapSource("arena")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "synth.skr")
	if err := synth.Generate(path, synth.Options{Players: 4, Duration: 5 * time.Second, Rate: 4, Seed: 3, Map: "arena", MapSource: src}); err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, server.Options{})
	res, err := runBots(t, bots.Options{URL: ts.url, Bots: 6, Matches: 1, Duration: 2 * time.Second, Replay: path, Speed: 2})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if res.Brain != "replay" || res.Commands == 0 || res.Events == 0 || res.Desyncs != 0 {
		t.Errorf("brain %q, commands %d, events %d, desyncs %d", res.Brain, res.Commands, res.Events, res.Desyncs)
	}
}

func TestReplayErrors(t *testing.T) {
	t.Parallel()
	_, err := bots.Run(context.Background(), bots.Options{URL: "ws://127.0.0.1:1/ws", Replay: filepath.Join(t.TempDir(), "missing.skr")})
	if err == nil || !strings.Contains(err.Error(), "missing.skr") {
		t.Errorf("Run with a missing replay: %v", err)
	}
}

func TestOptionsChecked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    bots.Options
		want string
	}{
		{"no url", bots.Options{}, "URL"},
		{"too many matches", bots.Options{URL: "ws://x/ws", Bots: 2, Matches: 3}, "matches"},
		{"bad prefix", bots.Options{URL: "ws://x/ws", MatchPrefix: "Load"}, "match prefix"},
		{"bad brain", bots.Options{URL: "ws://x/ws", Brain: "genius"}, "brain"},
		{"bad speed", bots.Options{URL: "ws://x/ws", Speed: -1}, "speed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := bots.Run(context.Background(), tc.o)
			if err == nil || res != nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run: %v, %v; want an error about %s and no results", res, err, tc.want)
			}
		})
	}
}
