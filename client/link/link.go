package link

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// Options configures Start. Session.URL and Session.Name are required; every
// other zero field takes the default documented on it.
type Options struct {
	// Session configures each connection. ReportHashes is always set, so
	// that a desynchronised world is repaired; Resume is managed by Link.
	Session session.Options
	// DialTimeout bounds each connection attempt. Default 10 s.
	DialTimeout time.Duration
	// RetryMin and RetryMax bound the delay between reconnection attempts,
	// which doubles from RetryMin up to RetryMax. Defaults 250 ms and 2 s.
	RetryMin, RetryMax time.Duration
	// GiveUp ends the reconnection attempts after this long without a
	// connection. Default 60 s.
	GiveUp time.Duration
	// Silence is how long the server may send nothing before the
	// connection is deemed lost (frames come every tick). Default 5 s.
	Silence time.Duration
	// Queue is the most updates held for Poll; if the game stops polling
	// for longer, the held frames are replaced by one Reset. Default 1024.
	Queue int
	// Logger receives the link's logs. Default: discard.
	Logger *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.Session.URL == "" {
		return o, errors.New("link: no server URL")
	}
	if !sim.ValidName(o.Session.Name) {
		return o, fmt.Errorf("link: invalid player name %q", o.Session.Name)
	}
	o.Session.ReportHashes = true
	o.Session.Resume = ""
	def := func(p *time.Duration, d time.Duration) {
		if *p <= 0 {
			*p = d
		}
	}
	def(&o.DialTimeout, 10*time.Second)
	def(&o.RetryMin, 250*time.Millisecond)
	def(&o.RetryMax, 2*time.Second)
	def(&o.GiveUp, time.Minute)
	def(&o.Silence, 5*time.Second)
	if o.Queue <= 0 {
		o.Queue = 1024
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o, nil
}

// State is what the link is doing.
type State int

// States.
const (
	Connecting   State = iota // the first connection is being made
	Playing                   // connected to the match
	Reconnecting              // the connection was lost; trying again
	Closed                    // for good: Status.Err says why
)

var stateNames = [...]string{"connecting", "playing", "reconnecting", "closed"}

func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("state(%d)", int(s))
	}
	return stateNames[s]
}

// Status is a summary of the link for the game to show.
type Status struct {
	State State
	// Err is the last error: why the connection was lost (while
	// reconnecting) or why the link closed (nil after Close).
	Err error
	// Attempts counts the failed connection attempts since the last
	// successful one.
	Attempts int
	// Gen numbers the connections: 1 for the first, 2 after the first
	// reconnection, and so on.
	Gen                int
	Player             sim.PlayerID
	Match, Map         string
	TickRate           int32
	Desyncs, Resyncs   int    // hashes that differed; snapshots that repaired them
	Notice             string // the text of the last notice
	BytesIn, BytesOut  int64  // of the current connection
	RTT                time.Duration
	ConnectedSince     time.Time
	LastAttempt        time.Time
	NextAttempt        time.Time // while reconnecting
	ReconnectedResumed bool      // the last reconnection resumed the same player
}

// Kind says what an Update is.
type Kind int

// Update kinds.
const (
	// Reset: start again from World (a welcome, or a snapshot after a
	// desync); forget everything predicted.
	Reset Kind = iota + 1
	// Frame: World is the confirmed world after tick World.Tick; Events
	// are that tick's events.
	Frame
	// Reject: the server refused command Seq for Reason.
	Reject
	// Notice: a notice from the server (the match ends, a desync...).
	Notice
)

// Update is one thing that happened on the link. It belongs to the caller
// from Poll until Release.
type Update struct {
	Kind Kind
	Gen  int // the connection it came on
	// World is the session's world after the update (Reset and Frame).
	World *sim.World
	// Events are a Frame's events.
	Events []protocol.Event
	// HasHash and Hash are the server's hash for a Frame's tick.
	HasHash bool
	Hash    uint64
	// Player, Match, TickRate and HashEvery describe the match (Reset).
	Player    sim.PlayerID
	Match     string
	TickRate  int32
	HashEvery uint32
	// Desync is set on a Reset that repairs a desynchronised world, and
	// Overflow on one that replaces frames the game did not poll in time.
	Desync, Overflow bool
	// Seq and Reason describe a Reject.
	Seq    uint32
	Reason protocol.Reason
	// Notice is a Notice's code and text.
	Notice protocol.Notice
}

// Link is a self-healing connection to a match. Create one with Start.
type Link struct {
	opts   Options
	cancel context.CancelFunc
	done   chan struct{}

	mu     sync.Mutex
	status Status
	cur    *conn // nil while not connected
	queue  []*Update
	free   []*Update
	match  matchInfo // of the current connection
}

// matchInfo describes the current connection's match, for the Resets that
// replace an overflowing queue.
type matchInfo struct {
	Player    sim.PlayerID
	Match     string
	TickRate  int32
	HashEvery uint32
}

// conn is one connection's sending side.
type conn struct {
	sess *session.Session
	gen  int
	out  chan outbound
	seq  uint32 // the last sequence number handed out
}

type outbound struct {
	seq uint32
	in  sim.Input
}

// sendQueue is the commands queued per connection; a person cannot fill it.
const sendQueue = 64

// Start returns a Link that connects to the match in the background. ctx
// bounds its whole life, like Close.
func Start(ctx context.Context, o Options) (*Link, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &Link{opts: o, cancel: cancel, done: make(chan struct{})}
	l.status.State = Connecting
	go l.run(ctx)
	return l, nil
}

// Status returns the link's status now.
func (l *Link) Status() Status {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.status
	if c := l.cur; c != nil {
		s.BytesIn, s.BytesOut = c.sess.Bytes()
		s.RTT = c.sess.Clock().LastRTT()
	}
	return s
}

// ServerTime returns the estimated match clock of the server in
// milliseconds, and false while not connected.
func (l *Link) ServerTime() (uint32, bool) {
	l.mu.Lock()
	c := l.cur
	l.mu.Unlock()
	if c == nil {
		return 0, false
	}
	return c.sess.Clock().Now(), true
}

// RTT returns the round trip the clock estimate rests on (the shortest
// recent one) and the latest one; false while not connected or before the
// first pong.
func (l *Link) RTT() (best, last time.Duration, ok bool) {
	l.mu.Lock()
	c := l.cur
	l.mu.Unlock()
	if c == nil {
		return 0, 0, false
	}
	best, ok = c.sess.Clock().RTT()
	return best, c.sess.Clock().LastRTT(), ok
}

// Send queues a command for the player of connection gen and returns the
// sequence number its event will carry. It never blocks; ok is false if gen
// is not the current connection (the command belongs to a world that has
// been reset) or the queue is full.
func (l *Link) Send(gen int, in sim.Input) (seq uint32, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.cur
	if c == nil || c.gen != gen {
		return 0, false
	}
	select {
	case c.out <- outbound{seq: c.seq + 1, in: in}:
		c.seq++
		return c.seq, true
	default:
		return 0, false
	}
}

// Poll appends the updates that arrived since the last call to dst, oldest
// first, and returns it. It never blocks.
func (l *Link) Poll(dst []*Update) []*Update {
	l.mu.Lock()
	defer l.mu.Unlock()
	dst = append(dst, l.queue...)
	clear(l.queue)
	l.queue = l.queue[:0]
	return dst
}

// Release returns updates taken with Poll, to be reused. The caller must not
// use them afterwards.
func (l *Link) Release(us []*Update) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.free = append(l.free, us...)
}

// Close ends the link: it leaves the match normally and stops the goroutines.
// It is safe to call more than once.
func (l *Link) Close() error {
	l.cancel()
	<-l.done
	return nil
}

// Done is closed when the link has closed for good.
func (l *Link) Done() <-chan struct{} { return l.done }

// newUpdate returns a cleared update from the free list; l.mu is held.
func (l *Link) newUpdate(k Kind, gen int) *Update {
	var u *Update
	if n := len(l.free); n > 0 {
		u = l.free[n-1]
		l.free = l.free[:n-1]
	} else {
		u = new(Update)
	}
	w, ev := u.World, u.Events[:0]
	*u = Update{Kind: k, Gen: gen, World: w, Events: ev}
	return u
}

// publish queues an update of kind k; w is the session's world now, copied
// into Reset and Frame updates. When the game has fallen too far behind, the
// held updates are dropped and a Reset to w takes their place.
func (l *Link) publish(k Kind, gen int, w *sim.World, fill func(u *Update)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	overflow := len(l.queue) >= l.opts.Queue
	if overflow {
		l.free = append(l.free, l.queue...)
		clear(l.queue)
		l.queue = l.queue[:0]
		if k != Frame && k != Reset {
			l.queue = append(l.queue, l.overflowReset(gen, w))
		}
	}
	if overflow && k == Frame {
		l.queue = append(l.queue, l.overflowReset(gen, w))
		return
	}
	u := l.newUpdate(k, gen)
	if k == Reset || k == Frame {
		u.World = copyWorld(u.World, w)
	}
	if fill != nil {
		fill(u)
	}
	l.queue = append(l.queue, u)
}

// overflowReset returns a Reset to w that replaces dropped updates; l.mu is
// held.
func (l *Link) overflowReset(gen int, w *sim.World) *Update {
	u := l.newUpdate(Reset, gen)
	u.World = copyWorld(u.World, w)
	u.Player, u.Match, u.TickRate, u.HashEvery = l.match.Player, l.match.Match, l.match.TickRate, l.match.HashEvery
	u.Overflow = true
	return u
}

func copyWorld(dst, src *sim.World) *sim.World {
	if dst == nil {
		return src.Clone()
	}
	dst.CopyFrom(src)
	return dst
}

func (l *Link) setStatus(fn func(s *Status)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fn(&l.status)
}

// errFinal marks an error that ends the link rather than being retried.
type errFinal struct{ err error }

func (e errFinal) Error() string { return e.err.Error() }
func (e errFinal) Unwrap() error { return e.err }

// run is the link's goroutine: connect, play until the connection ends,
// reconnect.
func (l *Link) run(ctx context.Context) {
	defer close(l.done)
	var (
		resume   string
		gen      int
		lastOK   = time.Now()
		delay    = l.opts.RetryMin
		attempts int
	)
	for {
		so := l.opts.Session
		so.Resume = resume
		l.setStatus(func(s *Status) { s.LastAttempt = time.Now() })
		dctx, cancel := context.WithTimeout(ctx, l.opts.DialTimeout)
		sess, err := session.Dial(dctx, so)
		cancel()
		if err == nil {
			attempts, delay = 0, l.opts.RetryMin
			gen++
			resumed := resume != "" && sess.Player() == l.Status().Player
			resume = sess.Welcome().Resume
			err = l.play(ctx, sess, gen, resumed)
			lastOK = time.Now()
		}
		if ctx.Err() != nil {
			l.setStatus(func(s *Status) { s.State, s.Err = Closed, nil })
			return
		}
		if websocket.CloseStatus(err) == protocol.CloseBadResume && resume != "" {
			l.opts.Logger.Info("resume refused; joining as a new player", "err", err)
			resume = ""
			continue
		}
		final := finalError(err)
		if final == nil && time.Since(lastOK) > l.opts.GiveUp {
			final = fmt.Errorf("link: no connection for %s: %w", l.opts.GiveUp, err)
		}
		if final != nil {
			l.opts.Logger.Info("link closed", "err", final)
			l.setStatus(func(s *Status) { s.State, s.Err = Closed, final })
			return
		}
		attempts++
		next := time.Now().Add(delay)
		l.opts.Logger.Info("connection lost; retrying", "err", err, "in", delay)
		l.setStatus(func(s *Status) {
			if s.Gen > 0 {
				s.State = Reconnecting
			}
			s.Err, s.Attempts, s.NextAttempt = err, attempts, next
		})
		select {
		case <-ctx.Done():
			l.setStatus(func(s *Status) { s.State, s.Err = Closed, nil })
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, l.opts.RetryMax)
	}
}

// closeWait bounds the close handshake when the link is closed.
const closeWait = time.Second

// closePolitely closes s normally, waiting at most closeWait for the server
// to answer: a lost network must not hold up the client's exit.
func closePolitely(s *session.Session) {
	done := make(chan struct{})
	go func() {
		s.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
	}
}

// finalError returns the error that ends the link if err is one the server
// meant (not worth retrying), or nil.
func finalError(err error) error {
	switch websocket.CloseStatus(err) {
	case protocol.CloseNormal:
		return fmt.Errorf("link: the server ended the session: %w", err)
	case protocol.CloseGoingAway:
		return fmt.Errorf("link: the server is shutting down: %w", err)
	case protocol.ClosePolicy:
		return fmt.Errorf("link: the server closed the session: %w", err)
	case protocol.CloseVersion, protocol.CloseBadHello, protocol.CloseMatchFull, protocol.CloseProtocolError, protocol.CloseTooBig:
		return fmt.Errorf("link: the server refused the session: %w", err)
	}
	var fe errFinal
	if errors.As(err, &fe) {
		return fe.err
	}
	return nil
}

// play runs one connection until it ends: the receive loop here, a sender
// goroutine and a watchdog that closes a connection gone silent.
func (l *Link) play(ctx context.Context, sess *session.Session, gen int, resumed bool) error {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		if parent.Err() != nil {
			closePolitely(sess) // Close: leave the match with a close handshake
		}
		sess.CloseNow()
		wg.Wait()
	}()
	w := sess.Welcome()
	c := &conn{sess: sess, gen: gen, out: make(chan outbound, sendQueue)}
	l.mu.Lock()
	l.cur = c
	l.status.State, l.status.Err, l.status.Attempts = Playing, nil, 0
	l.status.Gen, l.status.Player, l.status.Match, l.status.Map, l.status.TickRate = gen, w.Player, w.Match, w.Map, w.TickRate
	l.status.ConnectedSince = time.Now()
	l.status.ReconnectedResumed = resumed
	l.match = matchInfo{Player: w.Player, Match: w.Match, TickRate: w.TickRate, HashEvery: w.HashEvery}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		if l.cur == c {
			l.cur = nil
		}
		l.mu.Unlock()
	}()
	l.publish(Reset, gen, sess.World(), func(u *Update) {
		u.Player, u.Match, u.TickRate, u.HashEvery = w.Player, w.Match, w.TickRate, w.HashEvery
	})

	var heard atomic.Int64 // unix nanoseconds of the last message
	heard.Store(time.Now().UnixNano())
	wg.Add(2)
	go func() { // sender
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case o := <-c.out:
				seq, err := sess.Send(ctx, o.in)
				if err != nil {
					sess.CloseNow() // Recv fails and play returns
					return
				}
				if seq != o.seq {
					l.opts.Logger.Error("command numbered out of order", "want", o.seq, "got", seq)
				}
			}
		}
	}()
	go func() { // watchdog
		defer wg.Done()
		t := time.NewTicker(l.opts.Silence / 4)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if time.Since(time.Unix(0, heard.Load())) > l.opts.Silence {
					l.opts.Logger.Info("server silent; dropping the connection", "silence", l.opts.Silence)
					sess.CloseNow()
					return
				}
			}
		}
	}()

	for {
		msg, err := sess.Recv(ctx)
		if err != nil {
			return err
		}
		heard.Store(time.Now().UnixNano())
		switch m := msg.(type) {
		case *protocol.Frame:
			l.publish(Frame, gen, sess.World(), func(u *Update) {
				u.Events = append(u.Events, m.Events...)
				u.HasHash, u.Hash = m.HasHash, m.Hash
			})
			l.setStatus(func(s *Status) { s.Desyncs = sess.Desyncs() })
		case *protocol.Snapshot:
			l.publish(Reset, gen, sess.World(), func(u *Update) {
				u.Player, u.Match, u.TickRate, u.HashEvery = w.Player, w.Match, w.TickRate, w.HashEvery
				u.Desync = true
			})
			l.setStatus(func(s *Status) { s.Resyncs++ })
		case *protocol.Reject:
			l.publish(Reject, gen, nil, func(u *Update) { u.Seq, u.Reason = m.Seq, m.Reason })
		case *protocol.Notice:
			l.publish(Notice, gen, nil, func(u *Update) { u.Notice = *m })
			l.setStatus(func(s *Status) { s.Notice = m.Text })
		}
	}
}
