package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// Match states, as the HTTP API reports them.
const (
	stateStarting = "starting" // placed on a node of the fleet, which creates it when its first client arrives
	stateRunning  = "running"
	stateEnding   = "ending"
	stateEnded    = "ended"
)

// match is one game. Its goroutine (run) owns the world, the players and
// the replay writer; other goroutines talk to it through in (commands and
// hash reports, bounded, never blocking the sender) and ctl (rare control
// operations run inside the loop). The fields read by the HTTP API are
// atomic or immutable.
type match struct {
	srv      *Server
	id       string
	mapName  string
	start    time.Time
	replayID string
	creator  string         // the address of the client whose hello created it
	origin   *replay.Origin // a forked match's: where its first world comes from
	log      *slog.Logger

	in   chan inbound
	ctl  chan func()
	stop chan string // an end request with its reason; buffered 1
	done chan struct{}

	// For the HTTP API.
	tick      atomic.Uint32
	connected atomic.Int32
	state     atomic.Value // string
	seats     atomic.Int32 // players, connected or waiting to resume, and a fork's players without a client
	waiting   atomic.Bool  // a fork holds its first world for its players (forkmatch.go)
	// sealed is the last tick on disk (the writer's OnSeal), once hasSealed.
	sealed    atomic.Uint32
	hasSealed atomic.Bool
	// clockBase is the time, in Unix nanoseconds, at which the match clock
	// read 0 (sessions read it for pongs and command timestamps).
	clockBase atomic.Int64

	// Owned by the match goroutine.
	world    *sim.World
	players  map[sim.PlayerID]*seat
	order    []*seat // players by id, for broadcasting in a stable order
	nextID   sim.PlayerID
	pending  []protocol.Event // server-made events for the next tick
	events   []protocol.Event
	frame    protocol.Frame
	hashes   [hashRing]tickHash
	writer   *replay.Writer
	emptyFor time.Duration
	spawned  bool // someone has spawned: the match has something worth a replay
	unplayed bool // the match ends unplayed: its replay goes
	failed   bool // the replay writer has failed (and said so, once)
	ticks    int  // simulated since the start, for the keep-alive rounds

	// A forked match's (forkmatch.go): when it stops waiting for its players,
	// and the bots' commands for the next tick.
	holdUntil time.Time
	holding   bool
	botCmds   []sim.Input
}

// seat is a player's place in a match; its session is nil while the player
// is disconnected and may resume.
type seat struct {
	id      sim.PlayerID
	name    string
	token   string
	sess    *session
	leftAt  time.Time // when the session was lost, if sess is nil
	lastSeq uint32

	// The run of resyncs the client has needed since its hash last matched.
	resyncs    int
	resyncAt   time.Time // when the last resync was sent
	resyncTick uint32    // the tick of its snapshot; reports up to it are stale

	// A forked match's players (forkmatch.go): forked is a player of the forked
	// world; open is one that no client has taken yet; wait says the match
	// holds its first world for it; bot plays it while no client does.
	forked, open, wait bool
	bot                brain.Brain
}

type tickHash struct {
	tick uint32
	hash uint64
}

// hashRing is how many recent frame hashes a match remembers to check the
// clients' hash reports against.
const hashRing = 64

// maxCommandsPerTick bounds the commands one tick takes from the queue.
const maxCommandsPerTick = 1024

// inbound is a message from a session to its match.
type inbound struct {
	sess *session
	cmd  protocol.Command
	hash *protocol.HashReport // set for a hash report instead of a command
}

// newMatch makes match id, created by the client at address creator: on
// map mapName from tick 0, or for a fork (f not nil) from f's world.
func newMatch(srv *Server, id, creator, mapName string, f *forkSpec) (*match, error) {
	o := &srv.opts
	var w *sim.World
	var src []byte
	if f == nil {
		var err error
		if src, err = o.Maps(mapName); err != nil {
			return nil, err
		}
		m, err := sim.ParseMap(mapName, src)
		if err != nil {
			return nil, err
		}
		if w, err = sim.NewWorld(m, int32(o.TickRate)); err != nil {
			return nil, err
		}
	} else {
		w, mapName, src = f.world, f.mapName, f.mapSource
	}
	start := time.Now()
	mt := &match{
		srv:     srv,
		id:      id,
		mapName: mapName,
		start:   start,
		creator: creator,
		log:     o.Logger.With("match", id),
		in:      make(chan inbound, o.MaxPlayers*(o.CommandBurst+8)),
		ctl:     make(chan func(), 16),
		stop:    make(chan string, 1),
		done:    make(chan struct{}),
		world:   w,
		players: make(map[sim.PlayerID]*seat),
		nextID:  1,
	}
	mt.state.Store(stateRunning)
	mt.tick.Store(w.Tick)
	mt.clockBase.Store(start.UnixNano())
	h := replay.Header{MatchID: id, Map: mapName, MapSource: src, TickRate: w.TickRate, Start: start}
	if f != nil {
		o := f.origin
		mt.origin, h.Origin = &o, &o
		mt.seatForked(f)
	}
	ro := replay.Options{
		ChunkTicks: o.ChunkTicks, KeyframeTicks: o.KeyframeTicks,
		OnBehind: func(queued int) {
			srv.metrics.replayBehind.Inc()
			mt.log.Warn("replay writer falling behind", "queued_chunks", queued)
		},
		OnSeal: func(last uint32) {
			srv.disk.ok()
			mt.sealed.Store(last)
			mt.hasSealed.Store(true)
		},
	}
	var err error
	// A replay id is unique even when a match id comes back within a
	// second: the random suffix differs, and a clash is retried.
	for try := 0; ; try++ {
		mt.replayID = replayID(id, start)
		mt.writer, err = replay.Create(srv.replayPath(mt.replayID), h, w, ro)
		if err == nil || !errors.Is(err, fs.ErrExist) || try == 3 {
			break
		}
	}
	if err != nil {
		srv.replayFailed()
		return nil, fmt.Errorf("server: match %s: %w", id, err)
	}
	return mt, nil
}

// replayID names the replay of match id started at start: the id, the
// start time to the second (UTC) and 16 random bits, at most 53 bytes.
func replayID(id string, start time.Time) string {
	return id + "-" + start.UTC().Format("20060102-150405") + "-" + randomHex(2)
}

// clock is the match clock in milliseconds, the time base of commands and
// pongs. It reads about tick × 1000 / tick rate when the loop simulates a
// tick: from 0 in a new match, from a fork's first tick's time when the
// fork starts (clients tell the server's present tick from it).
func (m *match) clock() uint32 {
	return uint32(time.Since(time.Unix(0, m.clockBase.Load())).Milliseconds())
}

// run is the match goroutine: a drift-free tick schedule that never
// accumulates lag. If a tick runs late by more than a whole period, the
// overrun is counted and the schedule restarts from now instead of
// simulating the missed ticks in a burst.
func (m *match) run() {
	defer close(m.done)
	period := time.Second / time.Duration(m.world.TickRate)
	if m.holding && !m.hold(period) {
		return
	}
	base, n := time.Now(), int64(0)
	timer := time.NewTimer(period)
	defer timer.Stop()
	for {
		select {
		case reason := <-m.stop:
			m.end(reason)
			return
		case fn := <-m.ctl:
			fn()
			continue
		case <-timer.C:
		}
		began := time.Now()
		m.tickOnce(period)
		took := time.Since(began)
		m.srv.metrics.tickSeconds.Observe(took.Seconds())
		if reason := m.checkEnd(period); reason != "" {
			m.end(reason)
			return
		}
		n++
		next := base.Add(time.Duration(n+1) * period)
		if late := time.Since(next); late > period {
			m.srv.metrics.tickOverruns.Inc()
			base, n = time.Now(), -1
			next = base
		}
		timer.Reset(time.Until(next))
	}
}

// tickOnce simulates one tick: server-made events first, then the queued
// commands in arrival order, each validated against the world as the earlier
// ones left it; then the world advances and the frame goes to the replay and
// to every session.
func (m *match) tickOnce(period time.Duration) {
	w := m.world
	m.events = m.events[:0]
	for _, ev := range m.pending {
		if err := sim.Apply(w, ev.Input); err == nil {
			m.events = append(m.events, ev)
		} else {
			m.log.Error("server-made event refused", "action", ev.Input.Action, "player", ev.Input.Player, "err", err)
		}
	}
	m.pending = m.pending[:0]
	m.applyBots()
	// Commands beyond maxCommandsPerTick wait for the next tick, which keeps
	// every frame well under the protocol's message size limit.
	for range min(len(m.in), maxCommandsPerTick) {
		msg := <-m.in
		if msg.hash != nil {
			m.checkHash(msg.sess, msg.hash)
			continue
		}
		m.command(msg.sess, &msg.cmd)
	}
	sim.Advance(w)
	m.tick.Store(w.Tick)

	f := &m.frame
	f.Tick, f.Events = w.Tick, m.events
	f.HasHash = int(w.Tick)%m.srv.opts.HashEvery == 0
	if f.HasHash {
		f.Hash = w.Hash()
		m.hashes[(w.Tick/uint32(m.srv.opts.HashEvery))%hashRing] = tickHash{w.Tick, f.Hash}
	}
	if err := m.writer.Append(f, w); err != nil && !m.failed {
		// The writer's error is sticky: it would come back every tick.
		m.failed = true
		m.srv.replayFailed()
		m.log.Error("replay write failed; the match goes on, unrecorded from here", "replay", m.replayID, "tick", w.Tick, "err", err)
	}
	// One frame, header and all, for every session: most of them write it
	// to their socket right here, without waiting (session.sendWire).
	wire := wireFrame(f.Append(newWireBuf(16 + 8*len(f.Events))))
	for _, st := range m.order {
		if st.sess != nil {
			st.sess.sendWire(wire)
		}
	}
	m.thinkBots()
	if m.connected.Load() == 0 {
		m.emptyFor += period
	} else {
		m.emptyFor = 0
	}
}

// command validates one command of a session's player and makes it an event.
func (m *match) command(s *session, c *protocol.Command) {
	st := m.players[s.player]
	if st == nil || st.sess != s {
		return // the player left or another session resumed it
	}
	in := c.Input
	in.Player = st.id
	if err := sim.Apply(m.world, in); err != nil {
		var r sim.Reason
		errors.As(err, &r)
		s.reject(c.Seq, protocol.Reason(r))
		return
	}
	m.srv.metrics.accepted.Inc()
	if in.Action == sim.SpawnAt {
		m.spawned = true
	}
	st.lastSeq = c.Seq
	m.events = append(m.events, protocol.Event{Seq: c.Seq, Input: in})
}

// checkHash compares a client's reported hash with the server's for that
// tick. On a mismatch the client gets a fresh snapshot to continue from,
// at most one per ResyncInterval; a client that still differs after
// MaxResyncs of them in a row is closed. One log line marks the start of
// each run of resyncs.
func (m *match) checkHash(s *session, r *protocol.HashReport) {
	o := &m.srv.opts
	st := m.players[s.player]
	h := m.hashes[(r.Tick/uint32(o.HashEvery))%hashRing]
	if st == nil || st.sess != s || h.tick != r.Tick || r.Tick == 0 || r.Tick <= st.resyncTick {
		return // gone, too old to check, not a hash tick, or before the last resync
	}
	if h.hash == r.Hash {
		st.resyncs = 0 // in sync again
		return
	}
	now := time.Now()
	if st.resyncs > 0 && now.Sub(st.resyncAt) < o.ResyncInterval {
		return // the last snapshot is recent: it may not have arrived yet
	}
	if st.resyncs >= o.MaxResyncs {
		m.srv.metrics.desyncCloses.Inc()
		s.closeWith(protocol.CloseDesync, fmt.Sprintf("world hash still differs after %d resyncs", st.resyncs))
		return
	}
	if st.resyncs == 0 {
		m.srv.metrics.desyncs.Inc()
		m.log.Warn("desync", "player", s.player, "tick", r.Tick, "server_hash", fmt.Sprintf("%016x", h.hash), "client_hash", fmt.Sprintf("%016x", r.Hash))
	}
	st.resyncs++
	st.resyncAt, st.resyncTick = now, m.world.Tick
	m.srv.metrics.resyncs.Inc()
	s.send((&protocol.Notice{Code: protocol.NoticeDesync, Text: fmt.Sprintf("world hash differs at tick %d; resynchronising", r.Tick)}).Append(nil))
	s.send((&protocol.Snapshot{Snapshot: m.world.AppendSnapshot(nil)}).Append(nil))
}

// checkEnd returns why the match should end now, or "". It also runs the
// keep-alive rounds of the sessions.
func (m *match) checkEnd(period time.Duration) string {
	o := &m.srv.opts
	now := time.Now()
	for _, st := range m.order {
		if st.sess == nil && st.bot == nil && !st.open && now.Sub(st.leftAt) >= o.ResumeGrace {
			m.leave(st, "resume grace period over")
		}
	}
	// Four keep-alive rounds per KeepAlive: a silent client is pinged and
	// dropped within a quarter of KeepAlive of when it is due.
	if m.ticks++; m.ticks%max(1, int(o.KeepAlive/4/period)) == 0 {
		for _, st := range m.order {
			if st.sess != nil {
				st.sess.keepAlive(o.KeepAlive)
			}
		}
	}
	switch {
	case o.TimeLimit > 0 && now.Sub(m.start) >= o.TimeLimit:
		return "time limit reached"
	case !m.spawned && m.emptyFor >= o.UnplayedGrace:
		m.unplayed = true
		return "abandoned before anyone spawned"
	case m.emptyFor >= o.EmptyGrace:
		return "empty"
	}
	return ""
}

// join seats a new player for s. The player's Join event takes effect at the
// next tick; the welcome carries the world as it is now, and frames follow.
func (m *match) join(s *session, name string) error {
	if st := m.forkedSeat(name); st != nil {
		m.take(st, s)
		return nil
	}
	if len(m.players) >= m.srv.opts.MaxPlayers || len(m.world.Players)+len(m.pending) >= sim.MaxPlayers {
		return errMatchFull
	}
	name = m.uniqueName(name)
	st := &seat{id: m.nextID, name: name, token: m.newToken()}
	m.nextID++
	m.players[st.id] = st
	m.order = append(m.order, st)
	m.seats.Store(int32(len(m.players)))
	m.pending = append(m.pending, protocol.Event{Input: sim.Input{Player: st.id, Action: sim.Join, Name: name}})
	m.attach(st, s)
	m.log.Info("player joined", "player", st.id, "name", name)
	return nil
}

// resume gives the player holding token back to s.
func (m *match) resume(s *session, token string) error {
	for _, st := range m.order {
		if st.token != token {
			continue
		}
		if old := st.sess; old != nil {
			old.closeWith(protocol.ClosePolicy, "resumed by another connection")
			m.detach(st)
		}
		st.token = m.newToken() // a token takes a player back once
		m.attach(st, s)
		m.log.Info("player resumed", "player", st.id)
		return nil
	}
	return errBadResume
}

// attach connects st to s and sends the welcome; a fork that holds its
// first world sends it when it starts (forkmatch.go).
func (m *match) attach(st *seat, s *session) {
	st.sess = s
	s.player = st.id
	m.connected.Add(1)
	m.srv.metrics.sessions.Inc()
	if !m.holding {
		m.welcome(st)
	}
}

// welcome sends st's client the welcome: the world as it is now.
func (m *match) welcome(st *seat) {
	st.resyncs, st.resyncTick = 0, m.world.Tick // the welcome's snapshot is a fresh start
	st.sess.send((&protocol.Welcome{
		Player: st.id, Match: m.id, Map: m.mapName, TickRate: m.world.TickRate,
		Tick: m.world.Tick, Time: m.clock(), HashEvery: uint32(m.srv.opts.HashEvery),
		Resume: st.token, Snapshot: m.world.AppendSnapshot(nil),
	}).Append(nil))
}

// detach marks st's session lost: its motion stops (as server-made events,
// so every copy of the world agrees) and the resume grace period starts.
func (m *match) detach(st *seat) {
	st.sess = nil
	st.leftAt = time.Now()
	m.connected.Add(-1)
	m.srv.metrics.sessions.Dec()
	m.stopMotion(st)
}

// stopMotion stops st's player's motion with server-made events, as when
// the keys that started it are no longer held by anyone.
func (m *match) stopMotion(st *seat) {
	if p := m.world.Player(st.id); p != nil {
		for _, a := range [...]struct {
			on  bool
			act sim.Action
		}{{p.Move != 0, sim.MoveStop}, {p.Strafe != 0, sim.StrafeStop}, {p.Rotate != 0, sim.RotateStop}} {
			if a.on {
				m.pending = append(m.pending, protocol.Event{Input: sim.Input{Player: st.id, Action: a.act}})
			}
		}
	}
}

// disconnected is called (in the loop) when s's connection ends. A client
// that closed normally has left; any other loss starts the resume grace period.
func (m *match) disconnected(s *session, left bool) {
	st := m.players[s.player]
	if st == nil || st.sess != s {
		return
	}
	if m.holding {
		m.unhold(st) // it never had its welcome
		return
	}
	if left {
		m.leave(st, "left")
		return
	}
	m.detach(st)
	m.log.Info("player disconnected", "player", st.id, "why", s.why())
}

// leave removes st from the match with a Leave event.
func (m *match) leave(st *seat, why string) {
	if st.sess != nil {
		m.detach(st)
	}
	delete(m.players, st.id)
	for i, o := range m.order {
		if o == st {
			m.order = append(m.order[:i], m.order[i+1:]...)
			break
		}
	}
	m.seats.Store(int32(len(m.players)))
	m.pending = append(m.pending, protocol.Event{Input: sim.Input{Player: st.id, Action: sim.Leave}})
	m.log.Info("player left", "player", st.id, "why", why)
}

// kick removes a player at an admin's request.
func (m *match) kick(id sim.PlayerID, why string) bool {
	st := m.players[id]
	if st == nil {
		return false
	}
	if s := st.sess; s != nil {
		s.send((&protocol.Notice{Code: protocol.NoticeKicked, Text: why}).Append(nil))
		s.closeWith(protocol.ClosePolicy, "kicked: "+why)
	}
	m.leave(st, "kicked: "+why)
	return true
}

// end tells every client, closes their sessions and finalizes the replay.
func (m *match) end(reason string) {
	m.state.Store(stateEnding)
	code, notice := websocket.StatusCode(protocol.CloseNormal), protocol.NoticeMatchEnding
	if m.srv.shuttingDown.Load() {
		code, notice = protocol.CloseGoingAway, protocol.NoticeShutdown
	}
	for _, st := range m.order {
		if s := st.sess; s != nil {
			s.send((&protocol.Notice{Code: notice, Text: reason}).Append(nil))
			s.closeWith(code, "match ended: "+reason)
			m.detach(st)
		}
	}
	if err := m.writer.Close(); err != nil && !m.failed {
		m.srv.replayFailed()
		m.log.Error("replay close failed", "replay", m.replayID, "err", err)
	}
	if m.unplayed {
		m.srv.discardReplay(m.replayID)
	}
	m.state.Store(stateEnded)
	m.srv.removeMatch(m)
	if f := m.srv.opts.Fleet; f != nil {
		f.Release(m.id)
		if !m.unplayed {
			f.StoreReplay(m.srv.replayPath(m.replayID), FleetReplay{ReplaySummary: ReplaySummary{
				ID: m.replayID, Match: m.id, Map: m.mapName, Started: m.start.UTC(),
			}})
		}
	}
	m.log.Info("match ended", "reason", reason, "ticks", m.world.Tick, "replay_kept", !m.unplayed)
}

// requestEnd asks the match to end; it returns at once. Safe to call many times.
func (m *match) requestEnd(reason string) {
	select {
	case m.stop <- reason:
	default: // an end is already requested
	}
}

// do runs fn in the match goroutine and waits for it; false if the match
// has ended.
func (m *match) do(fn func()) bool {
	ran := make(chan struct{})
	select {
	case m.ctl <- func() { fn(); close(ran) }:
	case <-m.done:
		return false
	}
	select {
	case <-ran:
		return true
	case <-m.done:
		return false
	}
}

func (m *match) uniqueName(name string) string {
	taken := func(n string) bool {
		for _, st := range m.order {
			if st.name == n {
				return true
			}
		}
		return false
	}
	for i := 2; taken(name); i++ {
		suffix := fmt.Sprintf("#%d", i)
		base := []rune(name)
		for len(string(base))+len(suffix) > sim.MaxNameLen {
			base = base[:len(base)-1]
		}
		name = strings.TrimRight(string(base), " ") + suffix
	}
	return name
}

// newToken returns a resume token: the match id (so the server can find the
// match) and 128 random bits.
func (m *match) newToken() string { return m.id + "." + randomHex(16) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
