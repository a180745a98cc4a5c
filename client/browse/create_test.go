package browse

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
)

// TestCreate creates matches on a real server, on the map asked for, and
// joins one; a refusal carries the server's reason.
func TestCreate(t *testing.T) {
	t.Parallel()
	a := startServer(t)
	ctx := context.Background()
	maps, err := Maps(ctx, Options{}, a)
	if err != nil || !slices.Equal(maps, []string{"arena", "duel", "yard"}) {
		t.Fatalf("maps: %v %v", maps, err)
	}
	m, err := Create(ctx, Options{}, a, "friday", "duel")
	if err != nil || m.ID != "friday" || m.Map != "duel" || m.Players != 0 || m.MaxPlayers != 20 {
		t.Fatalf("create: %+v %v", m, err)
	}
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := session.Dial(dctx, session.Options{URL: a.WS, Name: "ann", Match: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	defer s.CloseNow()
	if s.Welcome().Map != "duel" {
		t.Errorf("joined a match on %q, want duel", s.Welcome().Map)
	}
	if m, err := Create(ctx, Options{}, a, "", ""); err != nil || m.ID == "" || m.Map != "arena" {
		t.Errorf("create with the server's choices: %+v %v", m, err)
	}
	for _, c := range []struct{ id, mapName, why string }{
		{"friday", "", "409 Conflict: server: a match of that id is running: friday"},
		{"monday", "nowhere", `400 Bad Request: server: create: bad request: no map "nowhere"`},
	} {
		_, err := Create(ctx, Options{}, a, c.id, c.mapName)
		var no *RefusedError
		if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.why) || !errors.As(err, &no) || !strings.Contains(no.Status+": "+no.Reason, c.why) {
			t.Errorf("create %s on %q: %v, want ErrRefused saying %q", c.id, c.mapName, err, c.why)
		}
	}
}

// TestBrowserCreate: a Browser lists a server's maps and creates a match
// off the caller's goroutine, one creation at a time per server; a server
// that is not there is said so.
func TestBrowserCreate(t *testing.T) {
	t.Parallel()
	a := startServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone, _ := ParseAddress(ln.Addr().String())
	ln.Close()
	b := New(Options{})
	defer b.Close()
	if !b.FetchMaps(a) || !b.Create(a, "sunday", "yard") || b.Create(a, "again", "") || !b.Create(gone, "x", "") {
		t.Fatal("the Browser did not start exactly one request of each kind per server")
	}
	var got []Result
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < 3 && time.Now().Before(deadline) {
		got = b.Poll(got)
		time.Sleep(5 * time.Millisecond)
	}
	if len(got) != 3 {
		t.Fatalf("results %+v, want 3", got)
	}
	for _, r := range got {
		switch {
		case r.Op == OpMaps && r.Address == a:
			if r.Err != nil || !slices.Equal(r.Maps, []string{"arena", "duel", "yard"}) {
				t.Errorf("maps: %+v", r)
			}
		case r.Op == OpCreate && r.Address == a:
			if r.Err != nil || r.Created.ID != "sunday" || r.Created.Map != "yard" {
				t.Errorf("created: %+v", r)
			}
		case r.Op == OpCreate && r.Address == gone:
			if !errors.Is(r.Err, ErrUnreachable) {
				t.Errorf("create on a closed port: %+v, want ErrUnreachable", r)
			}
		default:
			t.Errorf("unexpected result %+v", r)
		}
	}
}

func TestDecodeMaps(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want []string
		err  bool
	}{
		{`["arena","duel"]`, []string{"arena", "duel"}, false},
		{`[]`, []string{}, false},
		{`["arena", 3, null, "", "` + strings.Repeat("x", 33) + `", "a\u0001b", {"name":"x"}, "yard"]`, []string{"arena", "yard"}, false},
		{`{"maps":["arena"]}`, nil, true},
		{`not json`, nil, true},
	} {
		got, err := DecodeMaps([]byte(c.in))
		if (err != nil) != c.err || (err != nil && !errors.Is(err, ErrListing)) || !slices.Equal(got, c.want) {
			t.Errorf("DecodeMaps(%.40s) = %q, %v; want %q, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

// FuzzDecodeMaps: whatever a server answers, the names kept are short and
// printable, and re-encoded they decode to themselves.
func FuzzDecodeMaps(f *testing.F) {
	for _, s := range []string{`["arena","duel"]`, `[1,"a"]`, `{}`, `["\u0000"]`, `[` + strings.Repeat(`"a",`, 1200) + `"a"]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		names, err := DecodeMaps(data)
		if err != nil {
			return
		}
		if len(names) > maxMaps {
			t.Fatalf("%d names", len(names))
		}
		var b strings.Builder
		b.WriteByte('[')
		for i, n := range names {
			if n == "" || len(n) > maxMapName || !validID(n) {
				t.Fatalf("kept %q", n)
			}
			if i > 0 {
				b.WriteByte(',')
			}
			q, _ := json.Marshal(n)
			b.Write(q)
		}
		b.WriteByte(']')
		again, err := DecodeMaps([]byte(b.String()))
		if err != nil || !slices.Equal(again, names) {
			t.Fatalf("re-decoded %q, %v; want %q", again, err, names)
		}
	})
}
