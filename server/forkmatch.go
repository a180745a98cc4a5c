package server

import (
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// A forked match inside the loop: its players, its hold and its bots.
//
// Every player of the forked world gets a seat with no client (open). A
// hello naming the match and one of those players' names takes that seat
// (take); any other name joins as a new player. The match first holds its
// world at the fork's tick (hold): no tick is simulated and no welcome is
// sent until a client has taken every seat it waits for, or ForkGrace has
// passed. Then it starts (release): every client that has taken a seat
// gets its welcome, with the world exactly as it was forked, and the match
// clock starts at the fork's tick, so that clients tell the present tick
// from it as in any match; the seats nobody took are played by bots, or
// removed (Options.ForkRemove). A client may take a bot's seat at any time
// later; its player stops moving, as when a client takes a seat, since the
// keys of the one who takes it over are not held.

// seatForked gives every player of the forked world a seat without a
// client, and sets the hold.
func (m *match) seatForked(f *forkSpec) {
	waitAll := len(f.claim) == 0
	for _, p := range m.world.Players {
		st := &seat{id: p.ID, name: p.Name, token: m.newToken(), forked: true, open: true, wait: waitAll}
		for _, name := range f.claim {
			st.wait = st.wait || name == p.Name
		}
		m.holding = m.holding || st.wait
		m.players[st.id] = st
		m.order = append(m.order, st)
		m.nextID = max(m.nextID, p.ID+1)
	}
	m.seats.Store(int32(len(m.players)))
	m.holdUntil = m.start.Add(m.srv.opts.ForkGrace)
	m.waiting.Store(m.holding)
}

// forkedSeat returns the seat of the forked world's player called name if
// no client has it, or nil.
func (m *match) forkedSeat(name string) *seat {
	for _, st := range m.order {
		if st.forked && st.name == name && st.sess == nil && (st.open || st.bot != nil) {
			return st
		}
	}
	return nil
}

// take gives a forked world's player to s's client.
func (m *match) take(st *seat, s *session) {
	by := "nobody"
	if st.bot != nil {
		by = "a bot"
	}
	st.open, st.bot = false, nil
	m.spawned = true // someone plays the fork: its replay is worth keeping
	m.attach(st, s)
	m.stopMotion(st)
	m.log.Info("player taken over", "player", st.id, "name", st.name, "from", by)
}

// unhold undoes a take or a join whose client left before the match
// started: the seat is open again, or the new player goes.
func (m *match) unhold(st *seat) {
	st.sess = nil
	m.connected.Add(-1)
	m.srv.metrics.sessions.Dec()
	if st.forked {
		st.open = true
		m.log.Info("player given back before the start", "player", st.id)
		return
	}
	m.leave(st, "left before the start")
}

// waitingFor lists the names of the players the hold still waits for.
func (m *match) waitingFor() []string {
	var names []string
	for _, st := range m.order {
		if st.wait && st.open {
			names = append(names, st.name)
		}
	}
	return names
}

// hold runs the loop of a forked match before it starts: control
// operations (the hellos that take seats) and end requests, until every
// seat it waits for is taken or ForkGrace has passed. It returns false if
// the match ended meanwhile.
func (m *match) hold(period time.Duration) bool {
	t := time.NewTicker(min(period, 50*time.Millisecond))
	defer t.Stop()
	for len(m.waitingFor()) > 0 && time.Now().Before(m.holdUntil) {
		select {
		case reason := <-m.stop:
			m.unplayed = true // not a tick simulated: the replay holds nothing
			m.end(reason)
			return false
		case fn := <-m.ctl:
			fn()
		case <-t.C:
		}
	}
	m.release(period)
	return true
}

// release starts a forked match: the seats nobody took go to bots or
// away, the match clock starts at the fork's tick, and the clients that
// took seats get their welcomes.
func (m *match) release(period time.Duration) {
	o := &m.srv.opts
	taken, bots, removed := 0, 0, 0
	for _, st := range append([]*seat(nil), m.order...) {
		switch {
		case !st.open:
			taken++
		case o.ForkRemove:
			removed++
			m.leave(st, "not taken when the fork started")
		default:
			// The options were checked: New cannot fail.
			st.bot, _ = brain.New(o.ForkBrain, brain.Seed(uint64(m.world.Tick), int(st.id)), o.ForkBotRate)
			st.open = false
			bots++
		}
	}
	m.holding = false
	m.waiting.Store(false)
	// tick × period, so that clock × rate / 1000 is the tick (the ms
	// clock of a fork late in a long match stays well within 32 bits:
	// Fork refuses ticks past maxForkClock).
	base := time.Now().Add(-time.Duration(m.world.Tick) * period)
	m.clockBase.Store(base.UnixNano())
	for _, st := range m.order {
		if s := st.sess; s != nil {
			s.touch() // it waited for the start, not silent on its own account
			m.welcome(st)
		}
	}
	m.log.Info("fork started", "tick", m.world.Tick, "taken", taken, "bots", bots, "removed", removed)
}

// applyBots applies the commands the bots chose after the last tick, as
// commands of their players, at the start of this one. A command the
// world refuses by now (another command came first) is dropped, as a
// client's would be rejected.
func (m *match) applyBots() {
	for _, in := range m.botCmds {
		st := m.players[in.Player]
		if st == nil || st.bot == nil {
			continue // a client took the player over, or it left
		}
		if sim.Apply(m.world, in) != nil {
			continue
		}
		st.lastSeq++
		m.events = append(m.events, protocol.Event{Seq: st.lastSeq, Input: in})
	}
	m.botCmds = m.botCmds[:0]
}

// thinkBots asks each bot what its player does next, from the world after
// this tick, as a client's brain would after the frame.
func (m *match) thinkBots() {
	for _, st := range m.order {
		if st.bot != nil {
			m.botCmds = st.bot.Think(m.world, st.id, m.botCmds)
		}
	}
}
