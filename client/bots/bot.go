package bots

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// pendingSlots is the size of a bot's table of unanswered commands, indexed
// by sequence number: at 2 commands a second a command would have to wait
// two minutes for its answer to be pushed out of the table (it then counts
// as unanswered).
const pendingSlots = 256

type pendingCmd struct {
	seq      uint32
	sent     time.Duration // on the run's clock
	measured bool          // sent in the window
}

// bot is one simulated player. Its goroutine (run) owns every field; the
// run reads them only after the goroutine has ended, except the
// connection, which it may close at the end.
//
// A full bot plays through a session.Session: its own copy of the world,
// stepped by every frame, its brain thinking about it, its hashes checked
// and reported. A blind bot (Options.FullBots) plays through a
// session.Tracker: no world, a blindBrain (or the script of a recording),
// and the same measurements, which need only the frames' ticks and its own
// events.
type bot struct {
	r     *run
	i     int
	match string
	shard *shard
	drv   driver
	full  bool

	sess   *session.Session // a full bot's connection
	tr     *session.Tracker // a blind bot's
	err    error            // what ended the connection
	period time.Duration
	phase  int32 // the run phase the bot has seen last

	pending  [pendingSlots]pendingCmd
	npending int

	// Frame timing.
	haveLast bool
	lastTick uint32
	lastAt   time.Duration
	jitter   [jitterBatch]int64
	njitter  int

	// Observations of the window, for the results.
	registered bool // connected and playing (until the goroutine ends)
	sawWindow  bool // received a message in the window
	winClosed  bool // in1 and out1 are set
	wholeWin   bool // connected when the window opened and still at its end
	obsFirst   frameObs
	obsLast    frameObs
	obsOK      bool
	in0, out0  int64 // session bytes when the window opened
	in1, out1  int64 // and when it closed
	frames     int64
	events     int64 // measured commands answered by an event
	desyncs    int
	ended      bool // the connection ended before the bot stopped
	endReason  string
}

type frameObs struct {
	tick uint32
	at   time.Duration
}

// loop connects at start (on the run's clock) and plays until the run
// stops it or the connection ends.
func (b *bot) loop(start time.Duration) {
	r := b.r
	defer r.botDone(b)
	if wait := start - r.since(); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-r.quit:
			t.Stop()
			r.dialDone(b, nil)
			return
		}
	}
	select {
	case <-r.quit:
		r.dialDone(b, nil)
		return
	default:
	}
	if err := b.dial(); err != nil {
		r.dialDone(b, err)
		return
	}
	r.dialDone(b, nil)
	b.play()
}

func (b *bot) dial() error {
	r := b.r
	ctx, cancel := context.WithTimeout(context.Background(), r.o.DialTimeout)
	defer cancel()
	began := r.since()
	o := session.Options{
		URL:          r.o.URL,
		Name:         fmt.Sprintf("bot%04d", b.i),
		Match:        b.match,
		ReportHashes: !r.o.NoHashReports,
		HTTPClient:   r.httpClient,
	}
	var welcome *protocol.Welcome
	if b.full {
		s, err := session.Dial(ctx, o)
		if err != nil {
			return err
		}
		b.sess, welcome = s, s.Welcome()
	} else {
		t, err := session.DialTracker(ctx, o)
		if err != nil {
			return err
		}
		b.tr, welcome = t, t.Welcome()
		if b.drv.cur == nil {
			spawns, err := r.spawns(welcome.Map)
			if err != nil {
				t.CloseNow()
				return err
			}
			b.drv.blind = newBlindBrain(brain.Seed(r.o.Seed, b.i), r.o.Rate, welcome.TickRate, spawns)
		}
	}
	b.shard.sample(connectHist, r.since()-began)
	b.period = time.Second / time.Duration(welcome.TickRate)
	if b.registered = r.register(b); !b.registered { // the run ended while we dialed
		b.closeNow()
	}
	return nil
}

// The bot's connection, whichever kind it is.

func (b *bot) player() sim.PlayerID {
	if b.full {
		return b.sess.Player()
	}
	return b.tr.Player()
}

func (b *bot) bytes() (in, out int64) {
	if b.full {
		return b.sess.Bytes()
	}
	return b.tr.Bytes()
}

func (b *bot) lastRTT() time.Duration {
	if b.full {
		return b.sess.Clock().LastRTT()
	}
	return b.tr.Clock().LastRTT()
}

func (b *bot) closeNow() {
	if b.full {
		b.sess.CloseNow()
	} else {
		b.tr.CloseNow()
	}
}

// step is what a message tells the bot to do next.
type step int

const (
	goOn   step = iota
	finish      // the drain is over: close normally
	broken      // the connection failed (b.err)
)

// play runs the receive loop. Reading with a background context lets the
// WebSocket skip a context watch per message; the run unblocks a read by
// closing the connection. A blind bot handles its messages inside the
// tracker's read, which it leaves before closing.
func (b *bot) play() {
	if !b.registered {
		return
	}
	last := goOn
	if b.full {
		ctx := context.Background()
		for last == goOn {
			msg, err := b.sess.Recv(ctx)
			last = b.handle(msg, err)
		}
	} else {
		err := b.tr.Run(func(m protocol.Message) bool {
			last = b.handle(m, nil)
			return last == goOn
		})
		if err != nil {
			last = b.handle(nil, err)
		}
	}
	if last == finish {
		b.stop()
	} else {
		b.fail(b.err)
	}
}

// handle takes in one message, or the error that ended the connection.
func (b *bot) handle(msg protocol.Message, err error) step {
	r := b.r
	now := r.since()
	phase := r.phase.Load()
	if phase != b.phase {
		b.enter(phase)
	}
	if err != nil {
		b.err = err
		return broken
	}
	switch m := msg.(type) {
	case *protocol.Frame:
		if !b.frame(m, now, phase) {
			return broken
		}
	case *protocol.Reject:
		b.reject(m)
	case *protocol.Pong:
		if phase == phaseWindow {
			b.shard.sample(rttHist, b.lastRTT())
		}
	case *protocol.Snapshot:
		b.haveLast = false // the world jumped; the next interval is not a tick's
	}
	if phase >= phaseDrain && (b.npending == 0 || now >= r.drainEnd()) {
		return finish
	}
	return goOn
}

// enter notes the run's move to a new phase, as the bot sees it.
func (b *bot) enter(phase int32) {
	prev := b.phase
	b.phase = phase
	if prev < phaseWindow && phase == phaseWindow {
		b.sawWindow, b.wholeWin = true, true
		b.in0, b.out0 = b.bytes()
	}
	if prev == phaseWindow && phase > phaseWindow {
		b.closeWindow()
	}
}

// frame handles a frame; false means the bot could not send (b.err).
func (b *bot) frame(f *protocol.Frame, now time.Duration, phase int32) bool {
	if phase == phaseWindow {
		b.frames++
		if b.haveLast && f.Tick == b.lastTick+1 {
			d := now - b.lastAt - b.period
			if d < 0 {
				d = -d
			}
			b.jitter[b.njitter] = int64(d / time.Microsecond)
			if b.njitter++; b.njitter == jitterBatch {
				b.flushJitter()
			}
		}
		if !b.obsOK {
			b.obsFirst, b.obsOK = frameObs{f.Tick, now}, true
		}
		b.obsLast = frameObs{f.Tick, now}
	}
	b.haveLast, b.lastTick, b.lastAt = true, f.Tick, now
	me := b.player()
	for i := range f.Events {
		ev := &f.Events[i]
		if ev.Input.Player == me && ev.Seq != 0 {
			if p, ok := b.answer(ev.Seq); ok {
				b.shard.latencySample(now-p.sent, p.measured)
				if p.measured {
					b.events++
				}
			}
			if b.drv.blind != nil {
				b.drv.blind.event(f.Tick, ev.Input)
			}
		}
	}
	if phase > phaseWindow {
		return true // no new commands after the window
	}
	var w *sim.World
	if b.full {
		w = b.sess.World()
	}
	for _, in := range b.drv.decide(w, me, f.Tick, b.period) {
		sent := b.r.since()
		var seq uint32
		var err error
		if b.full {
			seq, err = b.sess.Send(context.Background(), in)
		} else {
			seq, err = b.tr.Send(in)
		}
		if err != nil {
			b.err = err
			return false
		}
		if b.drv.blind != nil {
			b.drv.blind.sent(seq, in)
		}
		b.addPending(seq, sent, phase == phaseWindow)
	}
	return true
}

func (b *bot) reject(m *protocol.Reject) {
	p, ok := b.answer(m.Seq)
	if ok && p.measured {
		b.r.rejects[m.Reason].Add(1)
	}
	if b.drv.blind != nil {
		b.drv.blind.rejected(m.Seq, m.Reason)
	}
}

func (b *bot) addPending(seq uint32, sent time.Duration, measured bool) {
	slot := &b.pending[seq%pendingSlots]
	if slot.seq != 0 { // never answered: it counts as unanswered
		b.npending--
	}
	*slot = pendingCmd{seq: seq, sent: sent, measured: measured}
	b.npending++
	if measured {
		b.r.commands.Add(1)
	}
	b.r.sentTotal.Add(1)
}

// answer takes seq's entry out of the pending table.
func (b *bot) answer(seq uint32) (pendingCmd, bool) {
	slot := &b.pending[seq%pendingSlots]
	if seq == 0 || slot.seq != seq {
		return pendingCmd{}, false
	}
	p := *slot
	*slot = pendingCmd{}
	b.npending--
	return p, true
}

// closeWindow notes the bytes at the end of the bot's part of the window.
func (b *bot) closeWindow() {
	if b.sawWindow && !b.winClosed {
		b.winClosed = true
		b.in1, b.out1 = b.bytes()
	}
	b.flushJitter()
}

func (b *bot) flushJitter() {
	if b.njitter > 0 {
		b.shard.jitterSamples(b.jitter[:b.njitter])
		b.njitter = 0
	}
}

// fail handles the end of the connection: a disconnect unless the run is
// closing the bots.
func (b *bot) fail(err error) {
	b.flushJitter()
	if b.full {
		b.desyncs = b.sess.Desyncs()
	}
	if b.r.stopping.Load() {
		return
	}
	if b.phase == phaseWindow {
		b.wholeWin = false
		b.closeWindow()
	}
	b.ended = true
	b.endReason = describe(err)
	b.closeNow()
}

// stop ends the bot normally, after the window and the drain.
func (b *bot) stop() {
	b.flushJitter()
	if b.full {
		b.desyncs = b.sess.Desyncs()
		b.sess.Close()
	} else {
		b.tr.Close()
	}
}

// closeStatusNames names the close codes of the protocol.
var closeStatusNames = map[websocket.StatusCode]string{
	protocol.CloseNormal:            "normal closure",
	protocol.CloseGoingAway:         "going away",
	protocol.CloseProtocolError:     "protocol error",
	protocol.CloseBadData:           "bad data",
	protocol.ClosePolicy:            "policy violation",
	protocol.CloseTooBig:            "message too big",
	protocol.CloseVersion:           "wrong protocol version",
	protocol.CloseMatchFull:         "match full",
	protocol.CloseBadResume:         "bad resume token",
	protocol.CloseBadHello:          "bad hello",
	protocol.CloseDesync:            "desynchronised",
	protocol.CloseTimeout:           "timed out",
	websocket.StatusAbnormalClosure: "connection lost",
}

// describe turns a connection error into a short, stable text: the
// server's close code and reason, or the network error.
func describe(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		name := closeStatusNames[ce.Code]
		if name == "" {
			name = "close"
		}
		if ce.Reason == "" {
			return fmt.Sprintf("%d %s", int(ce.Code), name)
		}
		return fmt.Sprintf("%d %s: %s", int(ce.Code), name, ce.Reason)
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Error()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return err.Error()
}
