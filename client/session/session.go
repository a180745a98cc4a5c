package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// Options configures Dial. The zero value of every field but URL and Name
// is a working default.
type Options struct {
	URL    string // ws://host:port/ws
	Name   string // the player's name
	Match  string // the match to join; empty lets the server choose
	Resume string // a resume token from an earlier session
	// Maps returns a map's source by name. Default: the embedded maps.
	Maps func(name string) ([]byte, error)
	// ReportHashes sends the server a hash report for every frame that
	// carries a hash, so that a desynchronised world is repaired.
	ReportHashes bool
	// PingEvery is the interval of clock-sync pings sent by Recv. Default 1 s.
	PingEvery time.Duration
	// HTTPClient dials the WebSocket. Default http.DefaultClient.
	HTTPClient *http.Client
}

// Session is a connection to a Skirmish server with the client's own copy
// of the world: Recv applies each frame to it, so it passes through exactly
// the server's states. Recv must be called from one goroutine at a time;
// Send, Ping, Clock, Seq and Close are safe for concurrent use. World may be
// used only by the goroutine that calls Recv.
type Session struct {
	opts    Options
	conn    *websocket.Conn
	welcome protocol.Welcome
	world   *sim.World
	clock   *Clock
	maps    map[string]*sim.Map

	seq      atomic.Uint32
	bytesIn  atomic.Int64
	bytesOut atomic.Int64
	sendMu   sync.Mutex
	sendBuf  []byte
	readBuf  []byte
	frame    protocol.Frame
	inputs   []sim.Input
	lastPing time.Time
	desyncs  int

	redirected bool
}

// Dial connects, sends the hello and waits for the welcome; the world is
// then at Welcome().Tick. A node of a fleet may answer the hello with a
// redirect to the node that hosts the match (protocol.CloseRedirect): Dial
// follows one, and fails with ErrRedirectLoop if that node redirects too.
func Dial(ctx context.Context, o Options) (*Session, error) {
	s, err := dial(ctx, o)
	var r *redirectError
	if !errors.As(err, &r) {
		return s, err
	}
	o.URL = r.to.URL
	if r.to.Match != "" {
		o.Match = r.to.Match
	}
	s, err = dial(ctx, o)
	if errors.As(err, &r) {
		return nil, fmt.Errorf("%w: %s sent the client on to %s", ErrRedirectLoop, o.URL, r.to.URL)
	}
	if s != nil {
		s.redirected = true
	}
	return s, err
}

// ErrRedirectLoop is Dial's error when the node a redirect named redirects
// the client again.
var ErrRedirectLoop = errors.New("session: redirected twice")

// redirectError is a handshake closed with a redirect.
type redirectError struct {
	from string
	to   protocol.Redirect
}

func (e *redirectError) Error() string {
	return fmt.Sprintf("session: %s redirects to %s", e.from, e.to.Reason())
}

func dial(ctx context.Context, o Options) (*Session, error) {
	if o.Maps == nil {
		o.Maps = assets.MapSource
	}
	if o.PingEvery == 0 {
		o.PingEvery = time.Second
	}
	conn, _, err := websocket.Dial(ctx, o.URL, &websocket.DialOptions{HTTPClient: o.HTTPClient})
	if err != nil {
		return nil, fmt.Errorf("session: connect to %s: %w", o.URL, err)
	}
	conn.SetReadLimit(protocol.MaxMessageSize)
	s := &Session{opts: o, conn: conn, clock: newClock(time.Now()), maps: map[string]*sim.Map{}}
	hello := &protocol.Hello{Version: protocol.Version, Name: o.Name, Match: o.Match, Resume: o.Resume}
	if err := conn.Write(ctx, websocket.MessageBinary, hello.Append(nil)); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("session: hello: %w", err)
	}
	msg, err := s.read(ctx)
	if err != nil {
		conn.CloseNow()
		var ce websocket.CloseError
		if errors.As(err, &ce) && ce.Code == protocol.CloseRedirect {
			to, perr := protocol.ParseRedirect(ce.Reason)
			if perr != nil {
				return nil, fmt.Errorf("session: handshake: bad redirect from %s: %w", o.URL, perr)
			}
			return nil, &redirectError{from: o.URL, to: to}
		}
		return nil, fmt.Errorf("session: handshake: %w", err)
	}
	if err := s.welcome.Decode(msg); err != nil {
		conn.CloseNow()
		return nil, fmt.Errorf("session: handshake: %w", err)
	}
	s.welcome.Snapshot = append([]byte(nil), s.welcome.Snapshot...)
	if err := s.restore(s.welcome.Snapshot); err != nil {
		conn.CloseNow()
		return nil, err
	}
	s.clock.seed(s.welcome.Time, time.Now())
	if err := s.Ping(ctx); err != nil {
		conn.CloseNow()
		return nil, err
	}
	return s, nil
}

// URL returns the address the session is connected to: Options.URL, or
// where a redirect sent it.
func (s *Session) URL() string { return s.opts.URL }

// Redirected reports whether the session reached its match through a
// redirect.
func (s *Session) Redirected() bool { return s.redirected }

// Welcome returns the server's welcome (player id, match, tick rate, resume token).
func (s *Session) Welcome() *protocol.Welcome { return &s.welcome }

// Player returns the session's own player id.
func (s *Session) Player() sim.PlayerID { return s.welcome.Player }

// World returns the client's copy of the world, as of the last frame.
func (s *Session) World() *sim.World { return s.world }

// Clock returns the estimate of the server's match clock.
func (s *Session) Clock() *Clock { return s.clock }

// Desyncs returns how many frame hashes differed from the local world.
func (s *Session) Desyncs() int { return s.desyncs }

// Bytes returns the message bytes received and sent so far.
func (s *Session) Bytes() (in, out int64) { return s.bytesIn.Load(), s.bytesOut.Load() }

// Seq returns the sequence number of the last command sent.
func (s *Session) Seq() uint32 { return s.seq.Load() }

func (s *Session) restore(snapshot []byte) error {
	m := s.maps[s.welcome.Map]
	if m == nil {
		src, err := s.opts.Maps(s.welcome.Map)
		if err != nil {
			return fmt.Errorf("session: map %q: %w", s.welcome.Map, err)
		}
		if m, err = sim.ParseMap(s.welcome.Map, src); err != nil {
			return fmt.Errorf("session: %w", err)
		}
		s.maps[s.welcome.Map] = m
	}
	w, err := sim.Restore(m, snapshot)
	if err != nil {
		return fmt.Errorf("session: snapshot: %w", err)
	}
	s.world = w
	return nil
}

// Send sends a command for the session's own player, stamped with the
// estimated server clock, and returns its sequence number.
func (s *Session) Send(ctx context.Context, in sim.Input) (uint32, error) {
	seq := s.seq.Add(1)
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	cmd := protocol.Command{Seq: seq, Time: s.clock.Now(), Input: in}
	s.sendBuf = cmd.Append(s.sendBuf[:0])
	if err := s.write(ctx); err != nil {
		return seq, fmt.Errorf("session: send: %w", err)
	}
	return seq, nil
}

// Ping sends a clock-sync ping; Recv handles the pong.
func (s *Session) Ping(ctx context.Context) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	now := time.Now()
	s.lastPing = now
	s.sendBuf = (&protocol.Ping{ClientTime: s.clock.local(now)}).Append(s.sendBuf[:0])
	if err := s.write(ctx); err != nil {
		return fmt.Errorf("session: ping: %w", err)
	}
	return nil
}

func (s *Session) send(ctx context.Context, m protocol.Message) error {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	s.sendBuf = m.Append(s.sendBuf[:0])
	return s.write(ctx)
}

// write sends sendBuf; the caller holds sendMu.
func (s *Session) write(ctx context.Context) error {
	s.bytesOut.Add(int64(len(s.sendBuf)))
	return s.conn.Write(ctx, websocket.MessageBinary, s.sendBuf)
}

// Recv reads the next message from the server and applies it: a frame
// steps the world (the returned *protocol.Frame is reused by the next
// call), a pong updates the clock, a snapshot replaces the world. It also
// sends a ping when one is due. A closed connection is an error wrapping
// the server's close status (see websocket.CloseStatus).
func (s *Session) Recv(ctx context.Context) (protocol.Message, error) {
	if time.Since(s.lastPing) >= s.opts.PingEvery {
		if err := s.Ping(ctx); err != nil {
			return nil, err
		}
	}
	msg, err := s.read(ctx)
	if err != nil {
		return nil, err
	}
	kind, err := protocol.PeekKind(msg)
	if err != nil {
		return nil, err
	}
	switch kind {
	case protocol.KindFrame:
		if err := s.frame.Decode(msg); err != nil {
			return nil, err
		}
		return &s.frame, s.apply(ctx, &s.frame)
	case protocol.KindPong:
		var p protocol.Pong
		if err := p.Decode(msg); err != nil {
			return nil, err
		}
		s.clock.observe(p.ClientTime, p.ServerTime, time.Now())
		return &p, nil
	case protocol.KindSnapshot:
		var m protocol.Snapshot
		if err := m.Decode(msg); err != nil {
			return nil, err
		}
		return &m, s.restore(m.Snapshot)
	}
	return protocol.Decode(msg)
}

// apply steps the world by one frame, which must be the next tick, and
// checks the server's hash when the frame carries one.
func (s *Session) apply(ctx context.Context, f *protocol.Frame) error {
	if f.Tick != s.world.Tick+1 {
		return fmt.Errorf("session: frame for tick %d, world at %d", f.Tick, s.world.Tick)
	}
	s.inputs = s.inputs[:0]
	for i := range f.Events {
		s.inputs = append(s.inputs, f.Events[i].Input)
	}
	sim.Step(s.world, s.inputs)
	if !f.HasHash {
		return nil
	}
	h := s.world.Hash()
	if h != f.Hash {
		s.desyncs++
	}
	if s.opts.ReportHashes {
		return s.send(ctx, &protocol.HashReport{Tick: f.Tick, Hash: h})
	}
	return nil
}

func (s *Session) read(ctx context.Context) ([]byte, error) {
	typ, r, err := s.conn.Reader(ctx)
	if err != nil {
		return nil, err
	}
	if typ != websocket.MessageBinary {
		return nil, errors.New("session: text message from the server")
	}
	buf := s.readBuf[:0]
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	s.readBuf = buf
	s.bytesIn.Add(int64(len(buf)))
	return buf, nil
}

// Close closes the connection normally.
func (s *Session) Close() error {
	return s.conn.Close(websocket.StatusNormalClosure, "bye")
}

// CloseNow drops the connection without a close handshake, like a lost network.
func (s *Session) CloseNow() error { return s.conn.CloseNow() }
