package game

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/link"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// fakeConn is a simulated server and network behind the Conn interface: the
// server's world runs on its own schedule in simulated milliseconds, and
// every message takes base ± jitter ms each way, in order. The test moves
// time with advance and lets the server's other players act through
// script.
type fakeConn struct {
	t        testing.TB
	now      int // ms since the start of the match
	base     int
	jitter   int
	clockErr int
	r        *rand.Rand
	lastUp   int
	lastDown int

	world    *sim.World
	me       sim.PlayerID
	seq      uint32
	toServer []fakeCmd
	toClient []fakeMsg
	// script lets the test act for other players before each tick.
	script func(w *sim.World) []sim.Input
	closed bool
	hashes map[uint32]uint64 // the server's world hash after each tick
	// stall holds back every message sent to the client from stall[0] ms
	// until stall[1] ms, as a congested network does.
	stall [2]int
}

type fakeCmd struct {
	at  int
	seq uint32
	in  sim.Input
}

type fakeMsg struct {
	at int
	u  link.Update
}

func newFakeConn(t testing.TB, m *sim.Map, base, jitter int) *fakeConn {
	w, err := sim.NewWorld(m, 60)
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeConn{t: t, base: base, jitter: jitter, r: rand.New(rand.NewPCG(1, 2)), world: w, me: 1}
	// The client joins: the welcome holds the world before its Join event.
	c.toClient = append(c.toClient, fakeMsg{at: c.down(), u: link.Update{Kind: link.Reset, Gen: 1, World: w.Clone(), Player: 1, TickRate: 60, HashEvery: 30}})
	return c
}

func (c *fakeConn) delay() int {
	d := c.base
	if c.jitter > 0 {
		d += c.r.IntN(2*c.jitter+1) - c.jitter
	}
	return d
}

func (c *fakeConn) down() int {
	at := c.now + c.delay()
	if c.now >= c.stall[0] && c.now < c.stall[1] {
		at = max(at, c.stall[1])
	}
	c.lastDown = max(at, c.lastDown)
	return c.lastDown
}

// advance moves simulated time to ms, running the server's ticks.
func (c *fakeConn) advance(ms int) {
	for c.now < ms {
		c.now++
		next := c.world.Tick + 1
		if c.now != int(uint64(next)*1000/60) {
			continue
		}
		var events []protocol.Event
		if next == 1 {
			in := sim.Input{Player: c.me, Action: sim.Join, Name: "me"}
			sim.Apply(c.world, in)
			events = append(events, protocol.Event{Input: in})
		}
		if c.script != nil {
			for _, in := range c.script(c.world) {
				if sim.Apply(c.world, in) == nil {
					events = append(events, protocol.Event{Input: in})
				}
			}
		}
		for len(c.toServer) > 0 && c.toServer[0].at <= c.now {
			cmd := c.toServer[0]
			c.toServer = c.toServer[1:]
			in := cmd.in
			in.Player = c.me
			if err := sim.Apply(c.world, in); err != nil {
				var r sim.Reason
				r, _ = err.(sim.Reason)
				c.toClient = append(c.toClient, fakeMsg{at: c.down(), u: link.Update{Kind: link.Reject, Gen: 1, Seq: cmd.seq, Reason: protocol.Reason(r)}})
				continue
			}
			events = append(events, protocol.Event{Seq: cmd.seq, Input: in})
		}
		sim.Advance(c.world)
		if c.hashes == nil {
			c.hashes = map[uint32]uint64{}
		}
		c.hashes[c.world.Tick] = c.world.Hash()
		u := link.Update{Kind: link.Frame, Gen: 1, World: c.world.Clone(), Events: events}
		if c.world.Tick%30 == 0 {
			u.HasHash, u.Hash = true, c.world.Hash()
		}
		c.toClient = append(c.toClient, fakeMsg{at: c.down(), u: u})
	}
}

func (c *fakeConn) Poll(dst []*link.Update) []*link.Update {
	for len(c.toClient) > 0 && c.toClient[0].at <= c.now {
		u := c.toClient[0].u
		c.toClient = c.toClient[1:]
		dst = append(dst, &u)
	}
	return dst
}

func (c *fakeConn) Release([]*link.Update) {}

func (c *fakeConn) Send(gen int, in sim.Input) (uint32, bool) {
	if gen != 1 || c.closed {
		return 0, false
	}
	c.seq++
	c.lastUp = max(c.now+c.delay(), c.lastUp)
	c.toServer = append(c.toServer, fakeCmd{at: c.lastUp, seq: c.seq, in: in})
	return c.seq, true
}

func (c *fakeConn) Status() link.Status {
	st := link.Status{State: link.Playing, Gen: 1, Player: c.me, TickRate: 60, RTT: time.Duration(2*c.base) * time.Millisecond}
	if c.closed {
		st.State = link.Closed
	}
	return st
}

func (c *fakeConn) ServerTime() (uint32, bool) { return uint32(max(0, c.now+c.clockErr)), true }

// play runs the model against c for the given simulated time at 60 frames a
// second, calling frame after each Update with the frame's time.
func play(c *fakeConn, m *Model, from, until int, keys func(frame int) Keys, frame func(now time.Time, ms int)) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := 0; ; n++ {
		ms := from + n*1000/60
		if ms > until {
			return
		}
		c.advance(ms)
		now := base.Add(time.Duration(from)*time.Millisecond + time.Duration(n)*time.Second/60)
		var k Keys
		if keys != nil {
			k = keys(n)
		}
		m.Update(now, k)
		if frame != nil {
			frame(now, ms)
		}
	}
}
