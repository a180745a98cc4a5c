package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// session is one client's WebSocket connection. Its reader goroutine (serve)
// decodes, checks and forwards the client's messages; its writer goroutine
// drains the bounded send queue. Anyone may call send and closeWith.
type session struct {
	srv    *Server
	conn   *websocket.Conn
	match  *match
	player sim.PlayerID // set by the match goroutine before the welcome

	out    chan []byte
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	code   websocket.StatusCode // how and why the session ended
	reason string

	commands bucket
	messages bucket
}

func newSession(srv *Server, conn *websocket.Conn) *session {
	o := &srv.opts
	now := time.Now()
	return &session{
		srv:      srv,
		conn:     conn,
		out:      make(chan []byte, o.SendQueue),
		done:     make(chan struct{}),
		commands: newBucket(o.CommandRate, o.CommandBurst, now),
		messages: newBucket(o.FloodRate, 2*o.FloodRate, now),
	}
}

// send queues msg without blocking. A client whose queue is full is too slow
// to keep up: it is disconnected rather than allowed to delay anyone.
func (s *session) send(msg []byte) {
	select {
	case <-s.done:
		return
	default:
	}
	select {
	case s.out <- msg:
	default:
		s.srv.metrics.slowKicks.Inc()
		s.closeWith(protocol.ClosePolicy, "too slow: send queue full")
	}
}

func (s *session) reject(seq uint32, r protocol.Reason) {
	s.srv.metrics.reject(r)
	s.send((&protocol.Reject{Seq: seq, Reason: r, Text: r.String()}).Append(nil))
}

// closeWith ends the session with a WebSocket close status and reason. It
// never blocks: it queues a nil message, on which the writer goroutine,
// having sent what was queued before (a notice, say), performs the close
// handshake. A writer stuck on a client that stopped reading, or behind a
// full queue, is cut off after flushTimeout by closing the connection.
func (s *session) closeWith(code websocket.StatusCode, reason string) {
	if len(reason) > maxCloseReason {
		reason = reason[:maxCloseReason]
	}
	s.once.Do(func() {
		s.mu.Lock()
		s.code, s.reason = code, reason
		s.mu.Unlock()
		close(s.done)
		s.wakeWriter()
		time.AfterFunc(flushTimeout, func() {
			s.conn.CloseNow() // fails a blocked write; harmless after a clean close
			s.wakeWriter()    // the queue has room by now unless the writer is stuck in a write
		})
	})
}

// wakeWriter queues the nil message that tells the writer to close.
func (s *session) wakeWriter() {
	select {
	case s.out <- nil:
	default:
	}
}

const (
	// flushTimeout bounds how long a closing session may take to send what
	// it has queued.
	flushTimeout = time.Second
	// maxCloseReason keeps a close frame within WebSocket's 125-byte limit
	// for control frames (2 bytes go to the status code).
	maxCloseReason = 120
)

func (s *session) why() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("%d %s", s.code, s.reason)
}

// writeLoop sends queued messages until the nil message that closeWith
// queues, then closes the connection with the session's status. It waits
// on the queue alone: one channel receive per message is measurably cheaper
// than a select at a thousand sessions, and writes carry no cancellable
// context (closing the connection is what cuts off a blocked write).
func (s *session) writeLoop() {
	ctx := context.Background()
	for {
		msg := <-s.out
		if msg == nil {
			s.mu.Lock()
			code, reason := s.code, s.reason
			s.mu.Unlock()
			s.conn.Close(code, reason)
			return
		}
		if err := s.conn.Write(ctx, websocket.MessageBinary, msg); err != nil {
			s.closeWith(websocket.StatusAbnormalClosure, "write: "+err.Error())
			s.conn.CloseNow()
			return
		}
		s.srv.metrics.bytesOut.Add(float64(len(msg)))
	}
}

// serve runs the session: handshake, then the read loop, until the
// connection ends. It runs on the HTTP handler's goroutine.
func (s *session) serve(ctx context.Context) {
	go s.writeLoop()
	s.conn.SetReadLimit(protocol.MaxClientMessage)
	buf := make([]byte, protocol.MaxClientMessage+1) // one spare byte so that a full read always sees the end

	hello, err := s.readHello(ctx, buf)
	if err != nil {
		return
	}
	if !s.srv.place(s, hello) {
		return
	}
	left := false // the client closed with 1000: it leaves instead of waiting to resume
	defer func() { s.match.do(func() { s.match.disconnected(s, left) }) }()

	for {
		msg, err := s.read(ctx, buf)
		if err != nil {
			left = websocket.CloseStatus(err) == websocket.StatusNormalClosure
			s.closeWith(websocket.CloseStatus(err), "read: "+err.Error())
			return
		}
		if !s.handle(msg) {
			return
		}
	}
}

// read reads one binary message into buf.
func (s *session) read(ctx context.Context, buf []byte) ([]byte, error) {
	typ, r, err := s.conn.Reader(ctx)
	if err != nil {
		return nil, err
	}
	n, err := io.ReadFull(r, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if n > protocol.MaxClientMessage {
		// The WebSocket library lets one byte past its limit through.
		s.closeWith(websocket.StatusMessageTooBig, fmt.Sprintf("message above %d bytes", protocol.MaxClientMessage))
		return nil, errClosed
	}
	if typ != websocket.MessageBinary {
		s.closeWith(protocol.CloseProtocolError, "text messages are not part of the protocol")
		return nil, errClosed
	}
	s.srv.metrics.bytesIn.Add(float64(n))
	return buf[:n], nil
}

func (s *session) readHello(ctx context.Context, buf []byte) (*protocol.Hello, error) {
	hctx, cancel := context.WithTimeout(ctx, s.srv.opts.HandshakeTimeout)
	defer cancel()
	msg, err := s.read(hctx, buf)
	if err != nil {
		s.closeWith(protocol.CloseBadHello, "no hello: "+err.Error())
		return nil, err
	}
	var h protocol.Hello
	if err := h.Decode(msg); err != nil {
		s.closeWith(protocol.CloseBadHello, err.Error())
		return nil, err
	}
	if h.Version != protocol.Version {
		err := fmt.Errorf("protocol version %d, server speaks %d", h.Version, protocol.Version)
		s.closeWith(protocol.CloseVersion, err.Error())
		return nil, err
	}
	if !sim.ValidName(h.Name) {
		s.closeWith(protocol.CloseBadHello, fmt.Sprintf("invalid player name %q", h.Name))
		return nil, errClosed
	}
	if h.Match != "" && !validID(h.Match) {
		s.closeWith(protocol.CloseBadHello, fmt.Sprintf("invalid match id %q", h.Match))
		return nil, errClosed
	}
	return &h, nil
}

// handle acts on one message from the client; false ends the session.
func (s *session) handle(msg []byte) bool {
	now := time.Now()
	if !s.messages.take(now) {
		s.closeWith(protocol.ClosePolicy, "flooding: too many messages")
		return false
	}
	kind, err := protocol.PeekKind(msg)
	if err != nil {
		s.closeWith(protocol.CloseProtocolError, err.Error())
		return false
	}
	switch kind {
	case protocol.KindCommand:
		var c protocol.Command
		if err := c.Decode(msg); err != nil {
			s.closeWith(protocol.CloseProtocolError, err.Error())
			return false
		}
		s.command(&c, now)
	case protocol.KindPing:
		var p protocol.Ping
		if err := p.Decode(msg); err != nil {
			s.closeWith(protocol.CloseProtocolError, err.Error())
			return false
		}
		s.send((&protocol.Pong{ClientTime: p.ClientTime, ServerTime: s.match.clock()}).Append(nil))
	case protocol.KindHashReport:
		h := new(protocol.HashReport)
		if err := h.Decode(msg); err != nil {
			s.closeWith(protocol.CloseProtocolError, err.Error())
			return false
		}
		s.forward(inbound{sess: s, hash: h})
	default:
		s.closeWith(protocol.CloseProtocolError, fmt.Sprintf("unexpected %s message from a client", kind))
		return false
	}
	return true
}

// command applies the session's own checks (rate, timestamp window, actions
// only the server makes) and forwards the rest to the match, which checks
// them against the world.
func (s *session) command(c *protocol.Command, now time.Time) {
	o := &s.srv.opts
	if a := c.Input.Action; a == sim.Join || a == sim.Leave {
		s.reject(c.Seq, protocol.ReasonNotAllowed)
		return
	}
	if !s.commands.take(now) {
		s.reject(c.Seq, protocol.ReasonRateLimited)
		return
	}
	clock := int64(s.match.clock())
	switch t := int64(c.Time); {
	case t < clock-o.MaxAge.Milliseconds():
		s.reject(c.Seq, protocol.ReasonTooOld)
		return
	case t > clock+o.MaxAhead.Milliseconds():
		s.reject(c.Seq, protocol.ReasonFromFuture)
		return
	}
	s.forward(inbound{sess: s, cmd: *c})
}

// forward hands a message to the match without blocking. The queue has room
// for every player's full burst, so it fills only under abuse.
func (s *session) forward(msg inbound) {
	select {
	case s.match.in <- msg:
	default:
		if msg.hash == nil {
			s.reject(msg.cmd.Seq, protocol.ReasonRateLimited)
		}
	}
}

// bucket is a token bucket: rate tokens a second, up to burst.
type bucket struct {
	tokens, rate, burst float64
	last                time.Time
}

func newBucket(rate, burst int, now time.Time) bucket {
	return bucket{tokens: float64(burst), rate: float64(rate), burst: float64(burst), last: now}
}

func (b *bucket) take(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
