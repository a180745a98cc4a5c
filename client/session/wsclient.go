package session

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/protocol"
)

// wsClient is the WebSocket client under a Tracker: the handshake of RFC
// 6455 §4 and its frames (§5), no more than a Skirmish client needs. It
// exists for one reason: reading. The WebSocket library reads a message
// with two read system calls (the one that gets it and the one that finds
// the socket empty before waiting) and a goroutine switch; a thousand bots
// reading sixty frames a second spent most of their time there. wsClient
// reads straight into its buffer from inside the runtime's poller wait
// (wsread_unix.go): one read system call per arrival.
type wsClient struct {
	conn net.Conn
	raw  syscall.RawConn // the socket, for reading without a second read; nil over TLS

	// Reading: the reading goroutine's alone.
	buf        []byte // received bytes; buf[start:end] not yet consumed
	start, end int
	frag       []byte // the fragments of a message so far
	fragOp     byte   // its opcode, 0 when no message is fragmented

	// Writing: any goroutine.
	wmu  sync.Mutex
	wbuf []byte
	mask *mrand.ChaCha8 // masking keys: unpredictable, as RFC 6455 §10.3 asks
}

// WebSocket opcodes (RFC 6455 §5.2).
const (
	opCont   = 0x0
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
)

// wsAcceptGUID is the constant of RFC 6455 §1.3 behind Sec-WebSocket-Accept.
const wsAcceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// dialWS connects to a ws:// or wss:// URL and performs the opening
// handshake. hc, if not nil, lends its transport's TLS settings.
func dialWS(ctx context.Context, rawURL string, hc *http.Client) (*wsClient, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	secure := false
	switch u.Scheme {
	case "ws", "http":
	case "wss", "https":
		secure = true
	default:
		return nil, fmt.Errorf("URL scheme %q: want ws or wss", u.Scheme)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[bool]string{false: "80", true: "443"}[secure])
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, err
	}
	c := &wsClient{conn: conn, buf: make([]byte, 4096)}
	if secure {
		cfg := &tls.Config{}
		if hc != nil {
			if t, ok := hc.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
				cfg = t.TLSClientConfig.Clone()
			}
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		c.conn = tc
	} else if sc, ok := conn.(syscall.Conn); ok {
		c.raw, _ = sc.SyscallConn()
	}
	var seed [32]byte
	rand.Read(seed[:])
	c.mask = mrand.NewChaCha8(seed)
	if err := c.handshake(ctx, u); err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

// handshake sends the upgrade request and checks the server's answer.
func (c *wsClient) handshake(ctx context.Context, u *url.URL) error {
	if d, ok := ctx.Deadline(); ok {
		c.conn.SetDeadline(d)
		defer c.conn.SetDeadline(time.Time{})
	}
	var k [16]byte
	rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	path := u.RequestURI()
	req := "GET " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c.conn, req); err != nil {
		return err
	}
	br := bufio.NewReaderSize(c.conn, len(c.buf))
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		return fmt.Errorf("handshake: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("expected handshake response status code %d but got %d: %s",
			http.StatusSwitchingProtocols, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	sum := sha1.Sum([]byte(key + wsAcceptGUID))
	if !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") ||
		resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return errors.New("handshake: the server's answer is not a WebSocket upgrade")
	}
	// Whatever the server sent after its answer is the first of the frames.
	c.end = copy(c.buf, mustPeek(br, br.Buffered()))
	return nil
}

func mustPeek(br *bufio.Reader, n int) []byte {
	b, _ := br.Peek(n)
	return b
}

// write sends one final frame of op with payload, masked as a client's
// frames are.
func (c *wsClient) write(op byte, payload []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	b := append(c.wbuf[:0], 0x80|op)
	switch n := len(payload); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n < 1<<16:
		b = append(b, 0x80|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	key := c.mask.Uint64()
	b = binary.LittleEndian.AppendUint32(b, uint32(key))
	k := b[len(b)-4:]
	at := len(b)
	b = append(b, payload...)
	for i := range payload {
		b[at+i] ^= k[i&3]
	}
	c.wbuf = b
	_, err := c.conn.Write(b)
	return err
}

// writeClose sends a close frame with code and reason.
func (c *wsClient) writeClose(code websocket.StatusCode, reason string) error {
	return c.write(opClose, append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...))
}

// next takes the next whole message from the bytes received: a data
// message (text or binary, fragments joined) or a control frame. ok is
// false when more bytes are needed. The payload is valid until the next
// call.
func (c *wsClient) next() (op byte, payload []byte, ok bool, err error) {
	for {
		b := c.buf[c.start:c.end]
		if len(b) < 2 {
			return 0, nil, false, nil
		}
		fin, op := b[0]&0x80 != 0, b[0]&0x0f
		if b[0]&0x70 != 0 || b[1]&0x80 != 0 {
			return 0, nil, false, errors.New("session: a frame with reserved bits or a mask from the server")
		}
		h, n := 2, uint64(b[1]&0x7f)
		switch n {
		case 126:
			if len(b) < 4 {
				return 0, nil, false, nil
			}
			h, n = 4, uint64(binary.BigEndian.Uint16(b[2:]))
		case 127:
			if len(b) < 10 {
				return 0, nil, false, nil
			}
			h, n = 10, binary.BigEndian.Uint64(b[2:])
		}
		if n > protocol.MaxMessageSize || uint64(len(c.frag))+n > protocol.MaxMessageSize {
			return 0, nil, false, fmt.Errorf("session: a message above %d bytes from the server", protocol.MaxMessageSize)
		}
		if need := h + int(n); len(b) < need {
			c.makeRoom(need)
			return 0, nil, false, nil
		}
		payload = b[h : h+int(n)]
		c.start += h + int(n)
		switch {
		case op >= opClose:
			if !fin || n > 125 {
				return 0, nil, false, errors.New("session: a bad control frame from the server")
			}
			return op, payload, true, nil
		case op == opCont:
			if c.fragOp == 0 {
				return 0, nil, false, errors.New("session: a continuation frame without a message")
			}
			c.frag = append(c.frag, payload...)
			if fin {
				op, payload = c.fragOp, c.frag
				c.frag, c.fragOp = c.frag[:0], 0
				return op, payload, true, nil
			}
		case op == opText || op == opBinary:
			if c.fragOp != 0 {
				return 0, nil, false, errors.New("session: a new message inside a fragmented one")
			}
			if fin {
				return op, payload, true, nil
			}
			c.frag, c.fragOp = append(c.frag[:0], payload...), op
		default:
			return 0, nil, false, fmt.Errorf("session: a frame with the reserved opcode %d", op)
		}
	}
}

// makeRoom makes the buffer able to hold a frame of need bytes from start.
func (c *wsClient) makeRoom(need int) {
	if need > len(c.buf) {
		nb := make([]byte, max(need, 2*len(c.buf)))
		c.end = copy(nb, c.buf[c.start:c.end])
		c.buf, c.start = nb, 0
		return
	}
	if c.start+need > len(c.buf) {
		c.end = copy(c.buf, c.buf[c.start:c.end])
		c.start = 0
	}
}

// compact moves what is left to the front of the buffer, or empties it.
func (c *wsClient) compact() {
	if c.start == c.end {
		c.start, c.end = 0, 0
	} else if c.start > len(c.buf)/2 {
		c.end = copy(c.buf, c.buf[c.start:c.end])
		c.start = 0
	}
}

// space makes room after end for the next read.
func (c *wsClient) space() {
	switch {
	case c.end < len(c.buf):
	case c.start > 0:
		c.end = copy(c.buf, c.buf[c.start:c.end])
		c.start = 0
	default:
		c.buf = append(c.buf, make([]byte, len(c.buf))...)
	}
}

// readPlain reads once into the buffer, waiting as a net.Conn does.
func (c *wsClient) readPlain() error {
	c.space()
	n, err := c.conn.Read(c.buf[c.end:])
	c.end += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// loopPlain calls consume after each read, until it stops or fails.
func (c *wsClient) loopPlain(consume func() (stop bool, err error)) error {
	for {
		if err := c.readPlain(); err != nil {
			return err
		}
		if stop, err := consume(); stop || err != nil {
			return err
		}
	}
}
