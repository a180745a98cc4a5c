package server_test

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
)

// wsRaw is a WebSocket client that writes and reads frames byte by byte,
// to send what no WebSocket library would: reserved opcodes and bits,
// unmasked frames, bad close frames, floods of control frames.
type wsRaw struct {
	t    *testing.T
	conn net.Conn
	br   *bufio.Reader
}

// WebSocket opcodes and header bits (RFC 6455, section 5.2).
const (
	opCont   = 0x0
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
	fin      = 0x80
	rsv1     = 0x40
	rsv2     = 0x20
)

// wsUpgrade opens a TCP connection to ts from a local address (empty: any)
// and upgrades it to a WebSocket by hand.
func wsUpgrade(t *testing.T, ts *testServer, local string) *wsRaw {
	t.Helper()
	d := net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	host := strings.TrimPrefix(ts.http.URL, "http://")
	conn, err := d.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	return wsUpgradeConn(t, conn, host)
}

// wsUpgradeConn upgrades conn, a connection to host, to a WebSocket.
func wsUpgradeConn(t *testing.T, conn net.Conn, host string) *wsRaw {
	t.Helper()
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /ws HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", host)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %s", resp.Status)
	}
	conn.SetDeadline(time.Time{})
	return &wsRaw{t: t, conn: conn, br: br}
}

// wsFrame encodes one frame: head is FIN, RSV bits and opcode; a client's
// frames are masked.
func wsFrame(head byte, masked bool, payload []byte) []byte {
	b := []byte{head}
	var m byte
	if masked {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		b = append(b, m|byte(n))
	case n < 1<<16:
		b = append(b, m|126, byte(n>>8), byte(n))
	default:
		b = append(b, m|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if !masked {
		return append(b, payload...)
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	b = append(b, key[:]...)
	for i, x := range payload {
		b = append(b, x^key[i%4])
	}
	return b
}

// closePayload is a close frame's payload: the code, then the reason.
func closePayload(code uint16, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

func (c *wsRaw) send(frames ...[]byte) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	for _, f := range frames {
		if _, err := c.conn.Write(f); err != nil {
			c.t.Fatalf("write: %v", err)
		}
	}
}

// readFrame reads one frame from the server, which never masks.
func (c *wsRaw) readFrame() (op byte, payload []byte, err error) {
	var h [2]byte
	if _, err := io.ReadFull(c.br, h[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if h[1]&0x80 != 0 || n > 1<<20 {
		return 0, nil, fmt.Errorf("bad frame from the server: % x, length %d", h, n)
	}
	payload = make([]byte, n)
	if _, err := io.ReadFull(c.br, payload); err != nil {
		return 0, nil, err
	}
	return h[0] & 0x0f, payload, nil
}

// hello sends a hello and reads up to the welcome.
func (c *wsRaw) hello(name, match string) *protocol.Welcome {
	c.t.Helper()
	c.send(wsFrame(fin|opBinary, true, (&protocol.Hello{Version: protocol.Version, Name: name, Match: match}).Append(nil)))
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.conn.SetReadDeadline(time.Time{})
	for {
		op, p, err := c.readFrame()
		if err != nil {
			c.t.Fatalf("waiting for the welcome: %v", err)
		}
		if op == opClose {
			c.t.Fatalf("closed instead of welcomed: %d %q", binary.BigEndian.Uint16(p), p[2:])
		}
		var w protocol.Welcome
		if op == opBinary && w.Decode(p) == nil {
			return &w
		}
	}
}

// ending is how the server ended a connection.
type ending struct {
	code   int    // the close frame's code, -1 if none came
	reason string // its reason
	pings  int    // ping frames seen before the end
	pongs  int    // pong frames seen before the end
	err    error  // what ended the stream after the close frame: io.EOF for a graceful close
}

// untilEnd reads the server's frames, answering pings if asked to, until
// the connection ends or within passes.
func (c *wsRaw) untilEnd(within time.Duration, answerPings bool) ending {
	return c.untilEndSaying(within, answerPings, nil)
}

// untilEndSaying is untilEnd for a client that carries on talking: it sends
// more when the close frame arrives, as a client does whose messages were
// on their way.
func (c *wsRaw) untilEndSaying(within time.Duration, answerPings bool, more []byte) ending {
	c.conn.SetReadDeadline(time.Now().Add(within))
	e := ending{code: -1}
	for {
		op, p, err := c.readFrame()
		if err != nil {
			e.err = err
			return e
		}
		switch op {
		case opClose:
			if e.code != -1 {
				c.t.Errorf("a second close frame: % x", p)
			}
			e.code = 1005 // no status
			if len(p) >= 2 {
				e.code, e.reason = int(binary.BigEndian.Uint16(p)), string(p[2:])
			}
			if more != nil {
				c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
				c.conn.Write(more) // a failure shows in the next read
			}
		case opBinary, opText, opCont:
			if e.code != -1 {
				c.t.Errorf("a data frame after the close frame: %d bytes", len(p))
			}
		case opPing:
			e.pings++
			if answerPings {
				c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
				c.conn.Write(wsFrame(fin|opPong, true, p)) // a failure shows in the next read
			}
		case opPong:
			e.pongs++
		}
	}
}

// check fails unless the connection ended with a close frame of code,
// followed by the end of the stream rather than a reset.
func (e ending) check(t *testing.T, code int) {
	t.Helper()
	switch {
	case e.code == -1:
		t.Fatalf("no close frame; the connection ended with %v", e.err)
	case e.code != code:
		t.Fatalf("close code %d (%q), want %d", e.code, e.reason, code)
	case errors.Is(e.err, syscall.ECONNRESET):
		t.Fatalf("close frame %d %q, then a TCP reset instead of the end of the stream", e.code, e.reason)
	case !errors.Is(e.err, io.EOF):
		t.Fatalf("close frame %d %q, then %v instead of the end of the stream", e.code, e.reason, e.err)
	}
}
