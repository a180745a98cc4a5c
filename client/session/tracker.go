package session

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// Tracker is a connection to a Skirmish server that keeps no world. It
// reads every frame, checks that the ticks follow one another, and hands
// the frames (with their events) to its caller, who can tell from them
// what became of its own commands; it keeps the clock in sync like a
// Session. It is the cheap client that load-test bots use when they do not
// simulate: no simulation, no hash reports, and a read path of one system
// call per message (wsclient.go).
//
// Run must be called from one goroutine; Send, Ping, Clock, Seq, Bytes and
// CloseNow are safe for concurrent use.
type Tracker struct {
	opts    Options
	ws      *wsClient
	welcome protocol.Welcome
	clock   *Clock

	seq      atomic.Uint32
	bytesIn  atomic.Int64
	bytesOut atomic.Int64
	sendMu   sync.Mutex
	sendBuf  []byte

	// The reading goroutine's.
	frame    protocol.Frame
	reject   protocol.Reject
	pong     protocol.Pong
	tick     uint32
	anyTick  bool // a snapshot came: the next frame may be of any tick
	lastPing time.Time
}

// DialTracker connects like Dial, sends the hello and waits for the welcome,
// but keeps no world: frames follow from Welcome().Tick+1. It dials the
// URL's host itself (ws://, or wss:// with the TLS settings of
// Options.HTTPClient's *http.Transport if it has any); Maps and
// ReportHashes do not apply.
func DialTracker(ctx context.Context, o Options) (*Tracker, error) {
	if o.PingEvery == 0 {
		o.PingEvery = time.Second
	}
	ws, err := dialWS(ctx, o.URL, o.HTTPClient)
	if err != nil {
		return nil, fmt.Errorf("session: connect to %s: %w", o.URL, err)
	}
	t := &Tracker{opts: o, ws: ws, clock: newClock(time.Now())}
	hello := &protocol.Hello{Version: protocol.Version, Name: o.Name, Match: o.Match, Resume: o.Resume}
	if err := t.send(hello); err != nil {
		ws.conn.Close()
		return nil, fmt.Errorf("session: hello: %w", err)
	}
	if d, ok := ctx.Deadline(); ok {
		ws.conn.SetReadDeadline(d)
	}
	msg, err := t.readWelcome()
	ws.conn.SetReadDeadline(time.Time{})
	if err == nil {
		err = t.welcome.Decode(msg)
	}
	if err != nil {
		ws.conn.Close()
		return nil, fmt.Errorf("session: handshake: %w", err)
	}
	t.welcome.Snapshot = nil // no world to make of it
	t.tick = t.welcome.Tick
	t.clock.seed(t.welcome.Time, time.Now())
	if err := t.Ping(); err != nil {
		ws.conn.Close()
		return nil, err
	}
	return t, nil
}

// readWelcome reads up to the first data message, which must be binary.
func (t *Tracker) readWelcome() ([]byte, error) {
	for {
		op, p, ok, err := t.ws.next()
		switch {
		case err != nil:
			return nil, err
		case !ok:
			if err := t.ws.readPlain(); err != nil {
				return nil, err
			}
			continue
		}
		if msg, done, err := t.control(op, p); done || err != nil {
			return msg, err
		}
	}
}

// control handles a control frame (answering pings, taking a close frame
// as the end) and returns a data message's payload with done set.
func (t *Tracker) control(op byte, p []byte) (msg []byte, done bool, err error) {
	switch op {
	case opPing:
		return nil, false, t.ws.write(opPong, p)
	case opPong:
		return nil, false, nil
	case opClose:
		return nil, true, t.closed(p)
	case opText:
		return nil, true, errors.New("session: text message from the server")
	}
	t.bytesIn.Add(int64(len(p)))
	return p, true, nil
}

// closed answers the server's close frame and returns the error that says
// how the connection ended: a websocket.CloseError, as a Session would
// return. Run closes the connection once it has stopped reading (closing
// it from inside the read would wait for the read to end).
func (t *Tracker) closed(p []byte) error {
	ce := websocket.CloseError{Code: websocket.StatusNoStatusRcvd}
	if len(p) >= 2 {
		ce.Code, ce.Reason = websocket.StatusCode(binary.BigEndian.Uint16(p)), string(p[2:])
		if !utf8.ValidString(ce.Reason) {
			ce.Reason = ""
		}
	}
	t.ws.writeClose(ce.Code, "") // a failure changes nothing: we are closing
	return fmt.Errorf("session: %w", ce)
}

// Welcome returns the server's welcome (player id, match, tick rate, resume
// token); its Snapshot is nil.
func (t *Tracker) Welcome() *protocol.Welcome { return &t.welcome }

// Player returns the tracker's own player id.
func (t *Tracker) Player() sim.PlayerID { return t.welcome.Player }

// Clock returns the estimate of the server's match clock.
func (t *Tracker) Clock() *Clock { return t.clock }

// Tick returns the tick of the last frame read (the welcome's before any).
func (t *Tracker) Tick() uint32 { return t.tick }

// Bytes returns the message bytes received and sent so far.
func (t *Tracker) Bytes() (in, out int64) { return t.bytesIn.Load(), t.bytesOut.Load() }

// Seq returns the sequence number of the last command sent.
func (t *Tracker) Seq() uint32 { return t.seq.Load() }

// Send sends a command for the tracker's own player, stamped with the
// estimated server clock, and returns its sequence number.
func (t *Tracker) Send(in sim.Input) (uint32, error) {
	seq := t.seq.Add(1)
	if err := t.send(&protocol.Command{Seq: seq, Time: t.clock.Now(), Input: in}); err != nil {
		return seq, fmt.Errorf("session: send: %w", err)
	}
	return seq, nil
}

// Ping sends a clock-sync ping; Run handles the pong.
func (t *Tracker) Ping() error {
	now := time.Now()
	t.sendMu.Lock()
	t.lastPing = now
	t.sendMu.Unlock()
	if err := t.send(&protocol.Ping{ClientTime: t.clock.local(now)}); err != nil {
		return fmt.Errorf("session: ping: %w", err)
	}
	return nil
}

func (t *Tracker) send(m protocol.Message) error {
	t.sendMu.Lock()
	defer t.sendMu.Unlock()
	t.sendBuf = m.Append(t.sendBuf[:0])
	t.bytesOut.Add(int64(len(t.sendBuf)))
	return t.ws.write(opBinary, t.sendBuf)
}

// Run reads the server's messages and calls fn with each, on the calling
// goroutine, until fn returns false (Run then returns nil) or the
// connection ends (the error wraps the server's close status, see
// websocket.CloseStatus; the connection is closed). fn must not call Close
// or CloseNow: return false instead, then close. It answers the server's pings and sends a
// clock-sync ping when one is due. A *protocol.Frame passed to fn is
// reused by the next call, as are a *protocol.Reject and a
// *protocol.Pong (the Clock has taken it in by then); other messages are
// fn's to keep. A frame that is not the next tick is an error, except the
// first after a *protocol.Snapshot, which the server sends only to clients
// that report hashes.
func (t *Tracker) Run(fn func(protocol.Message) bool) error {
	err := t.ws.readLoop(func() (bool, error) {
		for {
			op, p, ok, err := t.ws.next()
			if err != nil {
				return true, err
			}
			if !ok {
				break
			}
			msg, data, err := t.control(op, p)
			if err != nil {
				return true, err
			}
			if !data {
				continue
			}
			m, err := t.decode(msg)
			if err != nil {
				return true, err
			}
			if !fn(m) {
				return true, nil
			}
		}
		t.ws.compact()
		t.sendMu.Lock()
		due := time.Since(t.lastPing) >= t.opts.PingEvery
		t.sendMu.Unlock()
		if due {
			if err := t.Ping(); err != nil {
				return true, err
			}
		}
		return false, nil
	})
	if err != nil {
		t.ws.conn.Close()
	}
	return err
}

// decode reads a message from the server, keeping the frame, reject and
// pong in the tracker's own storage.
func (t *Tracker) decode(msg []byte) (protocol.Message, error) {
	kind, err := protocol.PeekKind(msg)
	if err != nil {
		return nil, err
	}
	switch kind {
	case protocol.KindFrame:
		if err := t.frame.Decode(msg); err != nil {
			return nil, err
		}
		if t.frame.Tick != t.tick+1 && !t.anyTick {
			return nil, fmt.Errorf("session: frame for tick %d after tick %d", t.frame.Tick, t.tick)
		}
		t.tick, t.anyTick = t.frame.Tick, false
		return &t.frame, nil
	case protocol.KindReject:
		return &t.reject, t.reject.Decode(msg)
	case protocol.KindPong:
		if err := t.pong.Decode(msg); err != nil {
			return nil, err
		}
		t.clock.observe(t.pong.ClientTime, t.pong.ServerTime, time.Now())
		return &t.pong, nil
	case protocol.KindSnapshot:
		t.anyTick = true // the next frame follows the snapshot's tick
	}
	return protocol.Decode(msg)
}

// Close closes the connection normally: it sends a close frame and waits
// up to a second for the server's. Call it when Run is not running: after
// it has returned, or instead of calling it.
func (t *Tracker) Close() error {
	err := t.ws.writeClose(websocket.StatusNormalClosure, "bye")
	if err == nil {
		t.ws.conn.SetReadDeadline(time.Now().Add(time.Second))
		err = t.ws.readLoop(func() (bool, error) {
			for {
				op, _, ok, err := t.ws.next()
				if err != nil || !ok {
					t.ws.compact()
					return err != nil, err
				}
				if op == opClose {
					return true, nil
				}
			}
		})
		if errors.Is(err, io.EOF) {
			err = nil
		}
	}
	if cerr := t.ws.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// CloseNow drops the connection without a close handshake, like a lost
// network; Run returns.
func (t *Tracker) CloseNow() error { return t.ws.conn.Close() }
