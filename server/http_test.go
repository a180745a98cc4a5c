package server_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// serving is a server behind Serve, with its HTTP limits, on a loopback port.
type serving struct {
	*server.Server
	addr string // host:port
}

func startServing(t *testing.T, o server.Options) *serving {
	t.Helper()
	o.ReplayDir = t.TempDir()
	o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v", err)
		}
	})
	return &serving{Server: srv, addr: ln.Addr().String()}
}

// httpConn is a raw HTTP/1.1 connection.
type httpConn struct {
	conn net.Conn
	br   *bufio.Reader
}

func dialHTTP(t *testing.T, addr, local string) *httpConn {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &httpConn{conn: c, br: bufio.NewReader(c)}
}

// get sends a GET of path with extra header lines and reads the answer.
func (c *httpConn) get(path, extra string) (*http.Response, error) {
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.conn.SetDeadline(time.Time{})
	if _, err := fmt.Fprintf(c.conn, "GET %s HTTP/1.1\r\nHost: skirmish\r\n%s\r\n", path, extra); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp, err
}

// closedWithin reads until the server closes the connection, and reports
// whether it did within d.
func (c *httpConn) closedWithin(d time.Duration) error {
	c.conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c.br)
	if err != nil { // io.Copy reports EOF as nil; a reset is a close too
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("still open after %s", d)
		}
	}
	return nil
}

// TestIdleHTTPConnectionsClosed: keep-alive connections left idle, and
// requests whose body never arrives, are closed by the server's timeouts;
// a WebSocket on the same server outlives them all.
func TestIdleHTTPConnectionsClosed(t *testing.T) {
	t.Parallel()
	// Short timeouts, yet long enough that a test goroutine slowed down by
	// the race detector and the other tests sends its request in time.
	const readTimeout = 2 * time.Second
	srv := startServing(t, server.Options{
		HTTPIdleTimeout: time.Second, HTTPReadHeaderTimeout: readTimeout,
		HTTPReadTimeout: readTimeout, MaxConns: -1, MaxConnsPerIP: -1,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, err := session.Dial(ctx, session.Options{URL: "ws://" + srv.addr + "/ws", Name: "stayer"})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()

	const n = 500
	var idle, bodiless []*httpConn
	for range n {
		c := dialHTTP(t, srv.addr, "")
		if resp, err := c.get("/healthz", ""); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		idle = append(idle, c)
		c = dialHTTP(t, srv.addr, "")
		fmt.Fprintf(c.conn, "GET /healthz HTTP/1.1\r\nHost: skirmish\r\nContent-Length: 100\r\n\r\n")
		bodiless = append(bodiless, c)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for _, c := range append(idle, bodiless...) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.closedWithin(15 * time.Second); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if len(errs) > 0 {
		t.Fatalf("%d of %d connections: %v", len(errs), 2*n, <-errs)
	}
	// A live stream is a long response: the read timeout does not cut it.
	live := dialHTTP(t, srv.addr, "")
	fmt.Fprintf(live.conn, "GET /api/matches/%s/live HTTP/1.1\r\nHost: skirmish\r\n\r\n", ws.Welcome().Match)
	resp, err := http.ReadResponse(live.br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("live: %v %v", resp, err)
	}
	// Three read timeouts later, the WebSocket still gets every tick, and
	// the live stream still streams.
	for ws.World().Tick < ws.Welcome().Tick+uint32(3*readTimeout/time.Second*60) {
		if _, err := ws.Recv(ctx); err != nil {
			t.Fatalf("the WebSocket: %v", err)
		}
	}
	live.conn.SetReadDeadline(time.Now().Add(2500 * time.Millisecond))
	got, err := io.Copy(io.Discard, resp.Body) // what was sent, then a chunk a second
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() || got == 0 {
		t.Fatalf("the live stream after three read timeouts: %d bytes, then %v; want it still streaming", got, err)
	}
	big := dialHTTP(t, srv.addr, "")
	if resp, err := big.get("/healthz", "X-Big: "+strings.Repeat("x", 32<<10)+"\r\n"); err != nil || resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("a 32 KiB header: %v %v, want 431", resp, err)
	}
}

// TestConnectionCaps: past the cap per address, or in total, a connection
// is closed as soon as it is accepted; a closed one frees its place.
func TestConnectionCaps(t *testing.T) {
	t.Parallel()
	srv := startServing(t, server.Options{MaxConns: 5, MaxConnsPerIP: 3})
	open := func(local string) *httpConn {
		t.Helper()
		c := dialHTTP(t, srv.addr, local)
		if resp, err := c.get("/healthz", ""); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("from %s: %v %v, want 200", local, resp, err)
		}
		return c
	}
	refused := func(local string) {
		t.Helper()
		c := dialHTTP(t, srv.addr, local)
		if resp, err := c.get("/healthz", ""); err == nil {
			t.Fatalf("from %s: %s, want the connection closed", local, resp.Status)
		}
	}
	first := open("127.0.0.1")
	open("127.0.0.1")
	open("127.0.0.1")
	refused("127.0.0.1") // the address's cap
	open("127.0.0.2")
	open("127.0.0.2")
	refused("127.0.0.3") // the total cap
	first.conn.Close()
	deadline := time.Now().Add(10 * time.Second)
	for { // the server sees the close when it next reads
		c := dialHTTP(t, srv.addr, "127.0.0.1")
		if resp, err := c.get("/metrics", ""); err == nil && resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a closed connection's place was not given back")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMapText: GET /api/maps/{name} serves the text of the map a welcome
// names, which parses to the map the server plays.
func TestMapText(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{Map: "duel"})
	s := dial(t, ts, "reader", "")
	code, body := get(t, ts.http.URL+"/api/maps/"+s.Welcome().Map)
	if code != http.StatusOK {
		t.Fatalf("GET the map: %d %s", code, body)
	}
	m, err := sim.ParseMap(s.Welcome().Map, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if m.Checksum() != s.World().Map.Checksum() {
		t.Fatal("the served map is not the one played")
	}
	for path, want := range map[string]int{"/api/maps/nowhere": 404, "/api/maps/..%2Fetc": 400, "/api/maps/Duel": 400} {
		if code, _ := get(t, ts.http.URL+path); code != want {
			t.Errorf("GET %s: %d, want %d", path, code, want)
		}
	}
}
