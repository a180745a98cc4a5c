package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// session is one client's WebSocket connection. Its reader goroutine (serve)
// decodes, checks and forwards the client's messages. Its messages go out
// as frames of the server's own making (wsframe.go): whoever sends one
// writes it to the socket at once if the socket has room and nothing is
// queued before it (tryWrite), which is how nearly every frame goes, with
// no goroutine woken for it; otherwise it joins the bounded queue that the
// session's writer goroutine drains, waiting for the socket as long as it
// takes. Anyone may call send, sendWire and closeWith.
type session struct {
	srv    *Server
	conn   *websocket.Conn
	raw    *wsConn // beneath conn
	addr   string  // the client's address, as the per-address limits count it
	match  *match
	player sim.PlayerID // set by the match goroutine before the welcome

	outMu   sync.Mutex
	queue   [][]byte      // frames for the writer goroutine, oldest first, from head; under outMu
	head    int           // the next frame to write in queue
	held    bool          // queue[head] is the rest of a frame begun by tryWrite; wmu is held for it
	busy    bool          // the writer goroutine owns the socket until the queue is empty
	closing bool          // closeWith was called: nothing more is queued
	wake    chan struct{} // the writer's signal: busy was set
	done    chan struct{}
	once    sync.Once
	mu      sync.Mutex
	code    websocket.StatusCode // how and why the session ended
	reason  string

	commands bucket // the reader goroutine's alone
	floodMu  sync.Mutex
	messages bucket // messages and control frames, which the library reports from whichever goroutine reads

	born    time.Time
	lastIn  atomic.Int64 // when something last arrived from the client, in ns since born
	pinging atomic.Bool  // a keep-alive ping waits for its pong
}

func newSession(srv *Server, addr string) *session {
	o := &srv.opts
	now := time.Now()
	return &session{
		srv:      srv,
		addr:     addr,
		queue:    make([][]byte, 0, 8),
		wake:     make(chan struct{}, 1),
		done:     make(chan struct{}),
		commands: newBucket(o.CommandRate, o.CommandBurst, now),
		messages: newBucket(o.FloodRate, 2*o.FloodRate, now),
		born:     now,
	}
}

// byteBudget is the session's allowance of raw bytes: as many as FloodRate
// messages of the largest size would take, with the same burst.
func (s *session) byteBudget() byteBudget {
	perSecond := float64(s.srv.opts.FloodRate * (protocol.MaxClientMessage + frameOverhead))
	return byteBudget{rate: perSecond, burst: 2 * perSecond}
}

// send sends an encoded protocol message; see sendWire.
func (s *session) send(msg []byte) { s.sendWire(wireMessage(msg)) }

// sendWire sends a frame (wsframe.go) without blocking, after everything
// sent before it; the caller must not change it afterwards. A client whose
// queue is full is too slow to keep up: it is disconnected rather than
// allowed to delay anyone.
func (s *session) sendWire(frame []byte) {
	var why string // set: the session must close, after outMu is released
	s.outMu.Lock()
	switch {
	case s.closing:
	case !s.busy:
		n, held, err := s.raw.tryWrite(frame)
		switch {
		case err == nil && n == len(frame):
			s.srv.metrics.bytesOut.Add(float64(len(frame)))
		case err == nil || errors.Is(err, errWouldBlock):
			// The rest goes first, from the writer goroutine.
			s.srv.metrics.sendQueued.Inc()
			s.queue = append(s.queue, frame[n:])
			s.held, s.busy = held, true
			s.signal()
		case errors.Is(err, errCloseSent):
			// The library is closing the connection; closeWith follows.
		default:
			why = "write: " + err.Error()
		}
	case len(s.queue)-s.head >= s.srv.opts.SendQueue:
		why = "too slow"
	default:
		s.srv.metrics.sendQueued.Inc()
		s.queue = append(s.queue, frame)
	}
	s.outMu.Unlock()
	switch why {
	case "":
	case "too slow":
		s.srv.metrics.slowKicks.Inc()
		s.closeWith(protocol.ClosePolicy, "too slow: send queue full")
	default:
		s.closeWith(websocket.StatusAbnormalClosure, why)
		s.conn.CloseNow()
	}
}

// redirect sends the client to the node of the fleet that hosts its match.
func (s *session) redirect(to protocol.Redirect) {
	s.closeWith(protocol.CloseRedirect, to.Reason())
}

func (s *session) reject(seq uint32, r protocol.Reason) {
	s.srv.metrics.reject(r)
	s.send((&protocol.Reject{Seq: seq, Reason: r, Text: r.String()}).Append(nil))
}

// closeWith ends the session with a WebSocket close status and reason. It
// never blocks: the writer goroutine, having sent what was queued before
// (a notice, say), performs the close handshake. A writer stuck on a
// client that stopped reading, or behind a full queue, is cut off after
// flushTimeout by closing the connection.
func (s *session) closeWith(code websocket.StatusCode, reason string) {
	if len(reason) > maxCloseReason {
		reason = strings.ToValidUTF8(reason[:maxCloseReason], "")
	}
	s.once.Do(func() {
		s.mu.Lock()
		s.code, s.reason = code, reason
		s.mu.Unlock()
		close(s.done)
		s.outMu.Lock()
		s.closing = true
		if !s.busy {
			s.busy = true
			s.signal()
		}
		s.outMu.Unlock()
		// Whatever the client does, reading from it ends closeWait from
		// now: the WebSocket library's close handshake, which waits for
		// the client's close frame and first skips the rest of the message
		// in progress (its declared length may be 2^40), has no deadline
		// of its own on those reads.
		s.raw.SetReadDeadline(time.Now().Add(closeWait))
		time.AfterFunc(flushTimeout, func() {
			s.conn.CloseNow() // fails a blocked write; harmless after a clean close
		})
	})
}

// signal makes sure that the writer goroutine has a wake-up pending.
func (s *session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

const (
	// flushTimeout bounds how long a closing session may take to send what
	// it has queued.
	flushTimeout = time.Second
	// closeWait bounds how long a closing session reads on, waiting for
	// the client's close frame.
	closeWait = 2 * time.Second
	// maxCloseReason keeps a close frame within WebSocket's 125-byte limit
	// for control frames (2 bytes go to the status code).
	maxCloseReason = 120
)

func (s *session) why() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("%d %s", s.code, s.reason)
}

// writeLoop is the session's writer goroutine. It sleeps until a frame
// could not go out at once (or the session closes), then writes the queue
// in order, waiting for the socket, until it is empty; it ends after the
// close handshake, which follows the last frame queued before closeWith.
func (s *session) writeLoop() {
	for range s.wake {
		for {
			s.outMu.Lock()
			if s.head == len(s.queue) {
				s.queue, s.head = s.queue[:0], 0
				closing := s.closing
				if !closing {
					s.busy = false
				}
				s.outMu.Unlock()
				if closing {
					s.finish()
					return
				}
				break
			}
			frame, held := s.queue[s.head], s.held
			s.queue[s.head] = nil
			s.head++
			s.held = false
			s.outMu.Unlock()
			err := s.raw.writeFrame(frame, held)
			switch {
			case err == nil:
				s.srv.metrics.bytesOut.Add(float64(len(frame)))
			case errors.Is(err, errCloseSent):
				// The library is closing the connection; closeWith follows.
			default:
				s.closeWith(websocket.StatusAbnormalClosure, "write: "+err.Error())
				s.conn.CloseNow()
				return
			}
		}
	}
}

// finish closes the connection with the session's status.
func (s *session) finish() {
	s.mu.Lock()
	code, reason := s.code, s.reason
	s.mu.Unlock()
	if code == websocket.StatusAbnormalClosure {
		s.conn.CloseNow() // the connection is gone: nobody to tell
	} else {
		s.conn.Close(code, reason)
	}
}

// serve runs the session: handshake, then the read loop, until the
// connection ends. It runs on the HTTP handler's goroutine.
func (s *session) serve(ctx context.Context) {
	go s.writeLoop()
	s.conn.SetReadLimit(protocol.MaxClientMessage)
	buf := make([]byte, protocol.MaxClientMessage+1) // one spare byte so that a full read always sees the end

	// The hello's deadline closes the session with its own code. A deadline
	// on the read itself would not do: the WebSocket library drops the
	// connection, close frame unsent, when a read's context expires.
	wait := s.srv.opts.HandshakeTimeout
	late := time.AfterFunc(wait, func() { s.closeWith(protocol.CloseBadHello, fmt.Sprintf("no hello within %s", wait)) })
	hello := s.readHello(ctx, buf)
	if !late.Stop() || hello == nil {
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
			left = s.readFailed(err)
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
	s.touch()
	if n > protocol.MaxClientMessage {
		// The WebSocket library lets one byte past its limit through.
		s.closeWith(websocket.StatusMessageTooBig, fmt.Sprintf("message above %d bytes", protocol.MaxClientMessage))
		return nil, errClosed
	}
	if typ != websocket.MessageBinary {
		if !utf8.Valid(buf[:n]) {
			s.closeWith(protocol.CloseBadData, "a text message that is not UTF-8")
		} else {
			s.closeWith(protocol.CloseProtocolError, "text messages are not part of the protocol")
		}
		return nil, errClosed
	}
	s.srv.metrics.bytesIn.Add(float64(n))
	return buf[:n], nil
}

// readFailed closes the session after a failed read, with the code that
// says why; it reports whether the client left (closed with 1000).
func (s *session) readFailed(err error) (left bool) {
	code := websocket.CloseStatus(err)
	switch {
	case errors.Is(err, errClosed):
		// The session closed itself and has its code.
	case code != -1:
		// The client closed; the library has answered with its code.
		s.closeWith(code, "closed by the client")
		return code == websocket.StatusNormalClosure
	case errors.Is(err, errByteFlood):
		s.closeWith(protocol.ClosePolicy, "flooding: too many bytes")
	case errors.Is(err, websocket.ErrMessageTooBig):
		s.closeWith(protocol.CloseTooBig, fmt.Sprintf("message above %d bytes", protocol.MaxClientMessage))
	case connectionLost(err):
		s.closeWith(websocket.StatusAbnormalClosure, "connection lost: "+err.Error())
	default:
		// Whatever else the library refuses breaks RFC 6455: a reserved
		// opcode or bit, a continuation without a start, a bad control or
		// close frame, an unmasked frame. The library may have sent a
		// close frame already (then this one is not sent); if it has not,
		// this one says why.
		s.closeWith(protocol.CloseProtocolError, err.Error())
	}
	return false
}

// connectionLost reports whether err says that the connection ended or
// failed (or that the session closed it) rather than that the client broke
// the WebSocket protocol.
func connectionLost(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, context.Canceled) || errors.As(err, &ne)
}

// readHello reads and checks the client's hello; nil means the session
// was closed, with the code that says why.
func (s *session) readHello(ctx context.Context, buf []byte) *protocol.Hello {
	msg, err := s.read(ctx, buf)
	if err != nil {
		s.readFailed(err)
		return nil
	}
	var h protocol.Hello
	if err := h.Decode(msg); err != nil {
		s.closeWith(protocol.CloseBadHello, err.Error())
		return nil
	}
	if h.Version != protocol.Version {
		s.closeWith(protocol.CloseVersion, fmt.Sprintf("protocol version %d, server speaks %d", h.Version, protocol.Version))
		return nil
	}
	if !sim.ValidName(h.Name) {
		s.closeWith(protocol.CloseBadHello, fmt.Sprintf("invalid player name %q", h.Name))
		return nil
	}
	if h.Match != "" && !validID(h.Match) {
		s.closeWith(protocol.CloseBadHello, fmt.Sprintf("invalid match id %q", h.Match))
		return nil
	}
	return &h
}

// touch records that something arrived from the client.
func (s *session) touch() { s.lastIn.Store(int64(time.Since(s.born))) }

// idle is how long nothing has arrived from the client.
func (s *session) idle() time.Duration {
	return time.Since(s.born) - time.Duration(s.lastIn.Load())
}

// control counts a ping or pong from the client like a message; false
// when it floods (the session is then closing and no pong is sent).
func (s *session) control() bool {
	s.touch()
	return s.takeMessage()
}

// takeMessage takes a token from the flood bucket, closing the session
// when there is none.
func (s *session) takeMessage() bool {
	s.floodMu.Lock()
	ok := s.messages.take(time.Now())
	s.floodMu.Unlock()
	if !ok {
		s.closeWith(protocol.ClosePolicy, "flooding: too many messages")
	}
	return ok
}

// keepAlive pings a client that has been silent for k and closes one that
// stays silent for another k. The match calls it every so often.
func (s *session) keepAlive(k time.Duration) {
	switch idle := s.idle(); {
	case idle >= 2*k:
		s.closeWith(protocol.CloseTimeout, fmt.Sprintf("nothing received for %s, not even a pong", idle.Round(time.Millisecond)))
	case idle >= k && s.pinging.CompareAndSwap(false, true):
		go s.ping(k)
	}
}

// ping sends a WebSocket ping and waits at most k for the pong, which
// touches the session as it arrives; keepAlive judges the silence.
func (s *session) ping(k time.Duration) {
	defer s.pinging.Store(false)
	ctx, cancel := context.WithTimeout(context.Background(), k)
	defer cancel()
	_ = s.conn.Ping(ctx)
}

// handle acts on one message from the client; false ends the session.
func (s *session) handle(msg []byte) bool {
	if !s.takeMessage() {
		return false
	}
	now := time.Now()
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
