package server

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"syscall"
)

// Serve answers HTTP and WebSocket clients on ln with the Options' HTTP
// limits: timeouts, header size and the caps on open connections, in total
// and per address. It returns after Shutdown with http.ErrServerClosed, or
// with the error that stopped it.
func (s *Server) Serve(ln net.Listener) error { return s.serve(ln, "", "") }

// ServeTLS is Serve with TLS (wss:// and https://), from a certificate and
// key in PEM files.
func (s *Server) ServeTLS(ln net.Listener, certFile, keyFile string) error {
	return s.serve(ln, certFile, keyFile)
}

func (s *Server) serve(ln net.Listener, certFile, keyFile string) error {
	o := &s.opts
	hs := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: o.HTTPReadHeaderTimeout,
		ReadTimeout:       o.HTTPReadTimeout,
		IdleTimeout:       o.HTTPIdleTimeout,
		MaxHeaderBytes:    o.HTTPMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(o.Logger.Handler(), slog.LevelWarn),
	}
	s.mu.Lock()
	if s.shuttingDown.Load() {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	s.https = append(s.https, hs)
	s.mu.Unlock()
	ln = &limitListener{Listener: ln, total: o.MaxConns, perAddr: o.MaxConnsPerIP, m: s.metrics, open: map[string]int{}}
	if certFile != "" {
		return hs.ServeTLS(ln, certFile, keyFile)
	}
	return hs.Serve(ln)
}

// limitListener caps the open connections, in total and per address. A
// connection past a cap is closed as soon as it is accepted, before a byte
// is read: what it would cost to read its request is what the cap saves.
type limitListener struct {
	net.Listener
	total, perAddr int // negative: no cap
	m              *metrics

	mu    sync.Mutex
	count int
	open  map[string]int // by addrKey
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := addrKey(c.RemoteAddr().String())
		if why := l.admit(key); why != "" {
			l.m.connsRefused.WithLabelValues(why).Inc()
			c.Close()
			continue
		}
		l.m.conns.Inc()
		return &countedConn{Conn: c, l: l, key: key}, nil
	}
}

// admit counts a new connection from key, or says which cap refuses it.
func (l *limitListener) admit(key string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.total > 0 && l.count >= l.total:
		return "total"
	case l.perAddr > 0 && l.open[key] >= l.perAddr:
		return "address"
	}
	l.count++
	l.open[key]++
	return ""
}

func (l *limitListener) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count--
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
	l.m.conns.Dec()
}

// countedConn gives its place back when closed, once.
type countedConn struct {
	net.Conn
	l    *limitListener
	key  string
	once sync.Once
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.key) })
	return err
}

// CloseWrite and ReadFrom pass through what net/http looks for on a TCP
// connection: a half-close before closing, and sendfile for file bodies.
func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *countedConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// SyscallConn passes through the descriptor of a TCP connection, through
// which a session writes its frames without waiting (wsconn_unix.go).
func (c *countedConn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

// addrKey is the unit of the per-address limits: an IPv4 address, or the
// /64 prefix of an IPv6 address, which is what one subscriber usually
// holds. addr is host:port, as in http.Request.RemoteAddr.
func addrKey(addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return addr // not an IP address (a Unix socket, a test's pipe): as it is
	}
	ip := ap.Addr().Unmap()
	if ip.Is4() {
		return ip.String()
	}
	p, _ := ip.Prefix(64)
	return p.String()
}
