package server

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// wsConn is the connection under a WebSocket session, as the WebSocket
// library gets it when it takes the HTTP connection over. It does what the
// library does not:
//
//   - Every byte the client sends counts against a budget, so that traffic
//     that never makes a message (empty continuation frames, say) is
//     bounded like messages are. Control frames count as messages too (see
//     session.control); this catches whatever else the library reads.
//   - Two writers share the connection: the library, which writes the
//     control frames (pongs, pings, close frames), and the session, which
//     writes every message as a frame of its own making (wsframe.go). A
//     frame goes out whole before any other begins: wmu is held from a
//     frame's first byte to its last, whoever writes it, and Write follows
//     the library's frames through its pieces (frameScanner). Once the
//     library has sent a close frame, no message follows it.
//   - tryWrite writes a frame without ever waiting for the socket, so the
//     match goroutine can hand a tick's frame to the kernel itself, and
//     nobody's goroutine wakes up for it (wsconn_unix.go).
//   - Close ends the connection gracefully. Closing a TCP socket that
//     still holds unread input makes the kernel send a reset, which may
//     destroy the close frame just sent before the client reads it; so
//     Close first shuts down the sending side (the client sees the close
//     frame, then the end of the stream) and discards the client's input
//     until it closes too, for at most lingerTime.
type wsConn struct {
	net.Conn
	budget byteBudget // touched by Read only, which the library serializes

	// direct writes to the socket without waiting (wsconn_unix.go); nil
	// where the connection has no descriptor of its own (TLS).
	direct syscall.RawConn

	wmu       sync.Mutex   // held by whoever is writing a frame, until its last byte
	lib       frameScanner // where the library's writes are in their frame; under wmu
	libMid    bool         // the library is mid-frame: it holds wmu between writes
	closeSent bool         // the library has sent a close frame; under wmu

	once sync.Once
	err  error
}

func newWSConn(conn net.Conn, budget byteBudget) *wsConn {
	c := &wsConn{Conn: conn, budget: budget}
	c.direct = directWriter(conn)
	return c
}

const (
	// lingerTime bounds how long Close waits for the client to close its
	// side, and lingerBytes how much of its input Close discards meanwhile.
	lingerTime  = 2 * time.Second
	lingerBytes = 64 << 10
)

func (c *wsConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.budget.take(n, time.Now()) {
		return n, errByteFlood
	}
	return n, err
}

// Write is the WebSocket library's: it writes its frames, whole, between
// the session's. The library serializes its own writes.
func (c *wsConn) Write(p []byte) (int, error) {
	if !c.libMid {
		c.wmu.Lock()
	}
	boundary, closes := c.lib.scan(p)
	if closes {
		c.closeSent = true
	}
	n, err := c.Conn.Write(p)
	c.libMid = !boundary && err == nil
	if !c.libMid {
		c.wmu.Unlock()
	}
	return n, err
}

// writeFrame writes one whole frame of the session's, waiting for the
// socket as long as it takes (closing the connection cuts it off). held
// says that the caller holds wmu already: b is the rest of a frame that
// tryWrite began.
func (c *wsConn) writeFrame(b []byte, held bool) error {
	if !held {
		c.wmu.Lock()
	}
	defer c.wmu.Unlock()
	if c.closeSent {
		return errCloseSent
	}
	_, err := c.Conn.Write(b)
	return err
}

// Close shuts the sending side, drains the input for a while, then closes.
// The client has the close frame by then, whatever it sends meanwhile.
func (c *wsConn) Close() error {
	c.once.Do(func() {
		raw := c.Conn
		if tc, ok := raw.(*tls.Conn); ok {
			_ = tc.CloseWrite() // the close_notify alert
			raw = tc.NetConn()
		}
		if cw, ok := raw.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			_ = raw.SetReadDeadline(time.Now().Add(lingerTime))
			_, _ = io.CopyN(io.Discard, raw, lingerBytes)
		}
		c.err = c.Conn.Close()
	})
	return c.err
}

// byteBudget is a token bucket of bytes.
type byteBudget struct {
	tokens, rate, burst float64
	last                time.Time
}

func (b *byteBudget) take(n int, now time.Time) bool {
	if b.last.IsZero() {
		b.tokens = b.burst
	} else {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	b.tokens -= float64(n)
	return b.tokens >= 0
}

// frameOverhead is the most a WebSocket frame adds to a client message
// (2-byte header, 2-byte extended length, 4-byte mask key), rounded up.
const frameOverhead = 16

// hijackWrapper hands the WebSocket library a wsConn instead of the bare
// connection when it takes the HTTP connection over.
type hijackWrapper struct {
	http.ResponseWriter
	budget byteBudget
	sndbuf int     // the socket's send buffer (Options.SendBuffer)
	conn   *wsConn // once hijacked
}

func (h *hijackWrapper) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	setSendBuffer(conn, h.sndbuf)
	h.conn = newWSConn(conn, h.budget)
	// The library writes through brw.Writer, which net/http leaves writing
	// to the bare connection: make it write through h.conn, whose Write
	// keeps the library's frames whole among the session's.
	brw.Writer.Reset(h.conn)
	return h.conn, brw, nil
}

// Unwrap lets http.ResponseController reach the ResponseWriter beneath.
func (h *hijackWrapper) Unwrap() http.ResponseWriter { return h.ResponseWriter }
