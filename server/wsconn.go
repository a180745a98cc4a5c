package server

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// wsConn is the connection under a WebSocket session, as the WebSocket
// library gets it when it takes the HTTP connection over. It does two
// things the library does not:
//
//   - Every byte the client sends counts against a budget, so that traffic
//     that never makes a message (empty continuation frames, say) is
//     bounded like messages are. Control frames count as messages too (see
//     session.control); this catches whatever else the library reads.
//   - Close ends the connection gracefully. Closing a TCP socket that
//     still holds unread input makes the kernel send a reset, which may
//     destroy the close frame just sent before the client reads it; so
//     Close first shuts down the sending side (the client sees the close
//     frame, then the end of the stream) and discards the client's input
//     until it closes too, for at most lingerTime.
type wsConn struct {
	net.Conn
	budget byteBudget // touched by Read only, which the library serializes

	once sync.Once
	err  error
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
	conn   *wsConn // once hijacked
}

func (h *hijackWrapper) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = &wsConn{Conn: conn, budget: h.budget}
	return h.conn, brw, nil
}

// Unwrap lets http.ResponseController reach the ResponseWriter beneath.
func (h *hijackWrapper) Unwrap() http.ResponseWriter { return h.ResponseWriter }
