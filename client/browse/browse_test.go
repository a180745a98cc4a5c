package browse

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/server"
)

func TestParseAddress(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, ws, http string
	}{
		{"example.org", "ws://example.org:7777/ws", "http://example.org:7777"},
		{" 127.0.0.1:9000 ", "ws://127.0.0.1:9000/ws", "http://127.0.0.1:9000"},
		{"[::1]:9000", "ws://[::1]:9000/ws", "http://[::1]:9000"},
		{"::1", "ws://[::1]:7777/ws", "http://[::1]:7777"},
		{"ws://h:1/ws", "ws://h:1/ws", "http://h:1"},
		{"ws://h:1", "ws://h:1/ws", "http://h:1"},
		{"ws://h:1/game", "ws://h:1/game", "http://h:1"},
		{"wss://h/ws", "wss://h/ws", "https://h"},
		{"http://h:2/api/matches", "ws://h:2/ws", "http://h:2"},
		{"https://h", "wss://h/ws", "https://h"},
	} {
		a, err := ParseAddress(tc.in)
		if err != nil || a.WS != tc.ws || a.HTTP != tc.http {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %s and %s", tc.in, a, err, tc.ws, tc.http)
		}
	}
	for _, bad := range []string{"", "   ", "ftp://h:1", "ws://:1/ws", "h:0", "h:99999", "h:x", "ws://u:p@h:1/ws", "http://h:1/?q=1"} {
		if a, err := ParseAddress(bad); !errors.Is(err, ErrAddress) {
			t.Errorf("ParseAddress(%q) = %+v, %v; want ErrAddress", bad, a, err)
		}
	}
}

func TestDecodeMatches(t *testing.T) {
	t.Parallel()
	ms, skipped, err := DecodeMatches([]byte(`[
		{"id":"friday","map":"arena","players":3,"tick":600,"started":"2026-01-02T03:04:05Z","state":"running","replay":"r1"},
		{"id":"far","map":"maze","players":1,"node":"n2","url":"ws://n2:7777/ws","max_players":8,"future":{"x":[1,2]}},
		{"id":"","map":"arena"},
		{"id":"odd","players":"many"},
		{"id":"neg","players":-1},
		"not a match",
		null
	]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || skipped != 5 {
		t.Fatalf("%d matches, %d skipped: %+v; want 2 and 5", len(ms), skipped, ms)
	}
	if m := ms[0]; m.ID != "friday" || m.Players != 3 || m.Tick != 600 || m.Started.Year() != 2026 || m.MaxPlayers != 0 || m.Full() {
		t.Errorf("first %+v", m)
	}
	if m := ms[1]; m.Node != "n2" || m.URL != "ws://n2:7777/ws" || m.MaxPlayers != 8 || m.Full() {
		t.Errorf("fleet entry %+v", m)
	}
	for _, bad := range []string{``, `{}`, `{"id":"x"}`, `[`, `"x"`} {
		if _, _, err := DecodeMatches([]byte(bad)); !errors.Is(err, ErrListing) {
			t.Errorf("DecodeMatches(%q): %v, want ErrListing", bad, err)
		}
	}
}

func FuzzDecodeMatches(f *testing.F) {
	f.Add([]byte(`[{"id":"a","players":2}]`))
	f.Add([]byte(`[{"id":"far","node":"n2","max_players":8,"future":1}, 3, null]`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ms, skipped, err := DecodeMatches(data)
		if err != nil {
			if !errors.Is(err, ErrListing) {
				t.Fatalf("error %v is not ErrListing", err)
			}
			return
		}
		if skipped < 0 {
			t.Fatal("negative skipped")
		}
		for _, m := range ms {
			if !validID(m.ID) || m.Players < 0 || m.MaxPlayers < 0 {
				t.Fatalf("kept %+v", m)
			}
		}
	})
}

// startServer runs a real server on loopback and returns its address.
func startServer(t *testing.T) Address {
	t.Helper()
	srv, err := server.New(server.Options{ReplayDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
	a, err := ParseAddress(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// join connects a player to match on a.
func join(t *testing.T, a Address, match, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := session.Dial(ctx, session.Options{URL: a.WS, Name: name, Match: match})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.CloseNow() })
}

// TestFetch lists a real server's matches.
func TestFetch(t *testing.T) {
	t.Parallel()
	a := startServer(t)
	join(t, a, "friday", "ann")
	join(t, a, "friday", "bob")
	join(t, a, "saturday", "cy")
	l, err := Fetch(context.Background(), Options{}, a)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(l.Matches, func(x, y Match) int { return strings.Compare(x.ID, y.ID) })
	if len(l.Matches) != 2 || l.Matches[0].ID != "friday" || l.Matches[0].Players != 2 || l.Matches[1].ID != "saturday" ||
		l.Matches[1].Players != 1 || l.Matches[0].Map != "arena" || l.Matches[0].Started.IsZero() {
		t.Fatalf("listing %+v", l.Matches)
	}
	if l.Ping <= 0 || l.Ping > 5*time.Second || l.Skipped != 0 {
		t.Errorf("ping %v, skipped %d", l.Ping, l.Skipped)
	}
}

// TestFetchErrors: a closed port, a web server that is not Skirmish and a
// server that never answers each give an error that says why, in bounded
// time.
func TestFetchErrors(t *testing.T) {
	t.Parallel()
	// A port nobody listens on.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed, _ := ParseAddress(ln.Addr().String())
	ln.Close()
	if _, err := Fetch(context.Background(), Options{}, closed); !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("closed port: %v, want ErrUnreachable saying the connection was refused", err)
	}

	// Another web server.
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	oa, _ := ParseAddress(other.URL)
	if _, err := Fetch(context.Background(), Options{}, oa); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "404") {
		t.Errorf("another web server: %v, want ErrRefused with its 404", err)
	}

	// A server that accepts and says nothing: the browser is not held up.
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	go func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ma, _ := ParseAddress(mute.Addr().String())
	b := New(Options{Timeout: 300 * time.Millisecond})
	defer b.Close()
	if !b.Refresh(ma) || b.Refresh(ma) || !b.Busy(ma) {
		t.Fatal("Refresh did not start exactly one fetch")
	}
	deadline := time.Now().Add(10 * time.Second)
	var got []Result
	for len(got) == 0 && time.Now().Before(deadline) {
		got = b.Poll(got)
		time.Sleep(10 * time.Millisecond)
	}
	if len(got) != 1 || !errors.Is(got[0].Err, ErrUnreachable) || !strings.Contains(got[0].Err.Error(), "no answer in time") {
		t.Fatalf("a mute server: %+v, want ErrUnreachable for no answer in time", got)
	}
	if b.Busy(ma) {
		t.Error("still busy after the result")
	}
}

// TestBrowserClose: Close stops a fetch under way at once.
func TestBrowserClose(t *testing.T) {
	t.Parallel()
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	go func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	a, _ := ParseAddress(mute.Addr().String())
	b := New(Options{Timeout: time.Minute})
	b.Refresh(a)
	done := make(chan struct{})
	go func() { b.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not stop a fetch under way within 10 s")
	}
	if b.Refresh(a) {
		t.Error("Refresh started a fetch after Close")
	}
}

// FuzzParseAddress: whatever is typed, an address that parses names a
// WebSocket and an HTTP base on the same host, and parses to itself.
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"example.org", "127.0.0.1:9000", "[::1]:1", "ws://h:1/game", "https://h", "ftp://x", "h:99999", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddress(s)
		if err != nil {
			if !errors.Is(err, ErrAddress) {
				t.Fatalf("ParseAddress(%q): %v is not ErrAddress", s, err)
			}
			return
		}
		ws, _ := strings.CutPrefix(strings.TrimPrefix(a.WS, "wss://"), "ws://")
		web := strings.TrimPrefix(strings.TrimPrefix(a.HTTP, "https://"), "http://")
		if !strings.HasPrefix(ws, web+"/") || !strings.HasPrefix(a.WS, "ws") || !strings.HasPrefix(a.HTTP, "http") {
			t.Fatalf("ParseAddress(%q) = %+v: not one host", s, a)
		}
		if again, err := ParseAddress(a.WS); err != nil || again != a {
			t.Fatalf("ParseAddress(%q) = %+v, but its WS parses to %+v, %v", s, a, again, err)
		}
	})
}
