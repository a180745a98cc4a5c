package predict_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/predict"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

const rate = 60

func newWorld(t testing.TB) *sim.World {
	t.Helper()
	src, err := assets.MapSource("arena")
	if err != nil {
		t.Fatal(err)
	}
	m, err := sim.ParseMap("arena", src)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(m, rate)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// joined returns a world in which players 1..n have joined and spawned on
// the first spawn points.
func joined(t testing.TB, n int) *sim.World {
	t.Helper()
	w := newWorld(t)
	var in []sim.Input
	for id := 1; id <= n; id++ {
		sp := w.Map.Spawns()[id-1]
		in = append(in,
			sim.Input{Player: sim.PlayerID(id), Action: sim.Join, Name: fmt.Sprintf("p%d", id)},
			sim.Input{Player: sim.PlayerID(id), Action: sim.SpawnAt, X: sp.X, Y: sp.Y})
	}
	sim.Step(w, in)
	return w
}

// TestNoLatency: with frames that confirm every command in the tick it was
// predicted for, a rebuild never moves the player.
func TestNoLatency(t *testing.T) {
	t.Parallel()
	server := joined(t, 1)
	p := predict.New(1, server, 0)
	inputs := []sim.Input{
		{Action: sim.MoveStart, Value: sim.MaxMoveSpeed},
		{Action: sim.RotateStart, Value: sim.MaxRotateRate / 2},
		{Action: sim.Fire},
		{Action: sim.StrafeStart, Value: -sim.MaxStrafeSpeed},
		{Action: sim.MoveStop},
	}
	seq := uint32(0)
	for tick := 0; tick < 200; tick++ {
		var events []protocol.Event
		if tick%37 == 0 && tick/37 < len(inputs) {
			seq++
			in := inputs[tick/37]
			if err := p.Issue(seq, in); err != nil {
				t.Fatalf("tick %d: predicted world refuses %v: %v", tick, in.Action, err)
			}
			in.Player = 1
			events = append(events, protocol.Event{Seq: seq, Input: in})
		}
		in := make([]sim.Input, len(events))
		for i := range events {
			in[i] = events[i].Input
		}
		sim.Step(server, in)
		p.AdvanceTo(server.Tick)
		p.Confirm(server, events)
		p.AdvanceTo(server.Tick)
		if got, want := p.World().Hash(), server.Hash(); got != want {
			t.Fatalf("tick %d: predicted world %016x, confirmed %016x", server.Tick, got, want)
		}
	}
	if s := p.Stats(); s.Corrections != 0 {
		t.Errorf("stats %+v, want no corrections", s)
	}
	if n := len(p.Pending()); n != 0 {
		t.Errorf("%d commands still pending", n)
	}
}

// TestRejectRollsBack: a command the server refuses is undone.
func TestRejectRollsBack(t *testing.T) {
	t.Parallel()
	server := joined(t, 1)
	p := predict.New(1, server, 2)
	p.AdvanceTo(server.Tick + 2)
	p.Issue(1, sim.Input{Action: sim.MoveStart, Value: sim.MaxMoveSpeed})
	p.AdvanceTo(server.Tick + 20)
	moved := *p.World().Player(1)
	if start := server.Player(1); moved.X == start.X && moved.Y == start.Y {
		t.Fatal("the predicted player did not move")
	}
	p.Reject(1)
	p.AdvanceTo(server.Tick + 20)
	if got, want := *p.World().Player(1), *server.Player(1); got.X != want.X || got.Y != want.Y || got.Move != 0 {
		t.Errorf("after the reject the player is at %d,%d moving %d; want %d,%d still", got.X, got.Y, got.Move, want.X, want.Y)
	}
	if s := p.Stats(); s.Rejected != 1 || s.Corrections != 1 {
		t.Errorf("stats %+v, want 1 reject and 1 correction", s)
	}
}

// TestLateCommandReapplied: a command the server has not confirmed by the
// tick predicted for it is re-applied at the next tick until it is.
func TestLateCommandReapplied(t *testing.T) {
	t.Parallel()
	server := joined(t, 1)
	p := predict.New(1, server, 0)
	p.Issue(1, sim.Input{Action: sim.MoveStart, Value: sim.MaxMoveSpeed})
	for range 5 { // the command is still on its way
		sim.Step(server, nil)
		p.Confirm(server, nil)
		p.AdvanceTo(server.Tick + 1)
	}
	if got := p.World().Player(1).Move; got != sim.MaxMoveSpeed {
		t.Errorf("predicted move %d after late frames, want %d", got, sim.MaxMoveSpeed)
	}
	ev := protocol.Event{Seq: 1, Input: sim.Input{Player: 1, Action: sim.MoveStart, Value: sim.MaxMoveSpeed}}
	sim.Step(server, []sim.Input{ev.Input})
	p.Confirm(server, []protocol.Event{ev})
	p.AdvanceTo(server.Tick)
	if n := len(p.Pending()); n != 0 {
		t.Errorf("%d pending after the confirmation, want 0", n)
	}
	if got, want := p.World().Hash(), server.Hash(); got != want {
		t.Errorf("predicted world %016x, confirmed %016x", got, want)
	}
	// The command landed 5 ticks after the tick predicted for it.
	if l := p.Lead().Ticks(); l <= 0 {
		t.Errorf("lead %.2f after a late command, want it raised above 0", l)
	}
}

// TestLaterSeqSettlesEarlier: confirming seq n settles every pending command
// up to n, so a reject that never arrives leaves nothing behind.
func TestLaterSeqSettlesEarlier(t *testing.T) {
	t.Parallel()
	server := joined(t, 1)
	p := predict.New(1, server, 0)
	p.Issue(1, sim.Input{Action: sim.RotateStart, Value: 100})
	p.Issue(2, sim.Input{Action: sim.MoveStart, Value: 100})
	p.Issue(3, sim.Input{Action: sim.StrafeStart, Value: 100})
	ev := protocol.Event{Seq: 2, Input: sim.Input{Player: 1, Action: sim.MoveStart, Value: 100}}
	sim.Step(server, []sim.Input{ev.Input})
	p.Confirm(server, []protocol.Event{ev})
	if got := p.Pending(); len(got) != 1 || got[0].Seq != 3 {
		t.Errorf("pending %+v, want only seq 3", got)
	}
}

// net is a fake network between one client and an authoritative world: each
// message takes a base delay plus a uniformly random jitter, and messages
// keep their order (TCP).
type net struct {
	base, jitter int // ms
	r            *rand.Rand
	last         int
}

func (n *net) arrival(now int) int {
	at := now + n.base
	if n.jitter > 0 {
		at += n.r.IntN(2*n.jitter+1) - n.jitter
	}
	at = max(at, n.last) // in order
	n.last = at
	return at
}

type command struct {
	at  int // arrival at the server, ms
	seq uint32
	in  sim.Input
}

type delivery struct {
	at     int // arrival at the client, ms
	tick   uint32
	events []protocol.Event
	reject uint32 // seq of a reject, when tick is 0
}

// TestPredictionUnderLatency plays a match through a fake network with
// latency and jitter: the server world runs on its own schedule, the client
// presses keys like a person, and frames reach it late and unevenly. The
// predicted player must follow the confirmed one, and no rebuild during
// play may move it by more than 1/8 tile.
func TestPredictionUnderLatency(t *testing.T) {
	t.Parallel()
	// A command lands up to a tick away from the tick predicted for it when
	// the network's jitter crosses a tick boundary (16.7 ms at 60 Hz): one
	// tick of walking is 0.1 tile, under the 1/8 tile allowed. With ±20 ms
	// each way (±40 ms round trip) two ticks happen, and only the drawn
	// position, smoothed, stays within 1/8 tile per frame.
	oneTick := int32(sim.MaxMoveSpeed / rate)
	for _, tc := range []struct {
		name         string
		base, jitter int // one way, ms
		clockErr     int // the client's clock estimate minus the truth, ms
		limit        int32
	}{
		{"lan", 1, 0, 0, sim.Unit / 8},
		{"rtt60", 30, 0, 0, sim.Unit / 8},
		{"rtt100±20", 50, 10, 0, sim.Unit / 8},
		{"rtt100±20-clock+30ms", 50, 10, 30, sim.Unit / 8},
		{"rtt100±20-clock-30ms", 50, 10, -30, sim.Unit / 8},
		{"rtt200±20", 100, 10, 15, sim.Unit / 8},
		// A server that skipped ticks under load simulates behind its own
		// clock: the lead must go negative.
		{"rtt60±10-server-200ms-behind", 30, 5, 200, sim.Unit / 8},
		{"rtt100±40", 50, 20, 0, 2*oneTick + oneTick/2},
		{"rtt160±60", 80, 30, -10, 3*oneTick + oneTick/2},
	} {
		for seed := uint64(1); seed <= 5; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", tc.name, seed), func(t *testing.T) {
				t.Parallel()
				runMatch(t, seed, tc.base, tc.jitter, tc.clockErr, tc.limit)
			})
		}
	}
}

func runMatch(t *testing.T, seed uint64, base, jitter, clockErr int, limit int32) {
	const (
		me       = 1
		duration = 20_000 // ms
		idleFrom = 17_000 // the player stops pressing keys
		warmup   = 2_000  // the lead settles
	)
	r := rand.New(rand.NewPCG(seed, uint64(base+1000*jitter+1000_000*clockErr)))
	up := &net{base: base, jitter: jitter, r: r}
	down := &net{base: base, jitter: jitter, r: r}

	// Player 1 is the client's; players 2 and 3 wander about on the server.
	server := joined(t, 3)
	bots := map[sim.PlayerID]brain.Brain{}
	for _, id := range []sim.PlayerID{2, 3} {
		b, err := brain.New("random", uint64(id), 3)
		if err != nil {
			t.Fatal(err)
		}
		bots[id] = b
	}
	client := server.Clone() // the session's confirmed world
	rtt := 2 * base
	p := predict.New(me, client, float64(rtt)/2*rate/1000+1)

	var toServer []command
	var toClient []delivery
	seq := uint32(0)
	nextKey := 300
	var botIn []sim.Input
	var keys keyboard
	stopped := false
	lastTarget := uint32(0)
	predicted := map[uint32]sim.Player{} // own player as first drawn at each tick
	confirmed := map[uint32]sim.Player{} // own player as the server had it
	var worst int32
	var smooth predict.Smoother
	worstDrawn := 0.0
	worstAt := 0

	for now := 0; now <= duration; now++ {
		// The server simulates tick k at k/rate seconds.
		if next := server.Tick + 1; now == int(uint64(next)*1000/rate) {
			var events []protocol.Event
			for _, id := range []sim.PlayerID{2, 3} {
				botIn = bots[id].Think(server, id, botIn[:0])
				for _, in := range botIn {
					if sim.Apply(server, in) == nil {
						events = append(events, protocol.Event{Input: in})
					}
				}
			}
			for len(toServer) > 0 && toServer[0].at <= now {
				c := toServer[0]
				toServer = toServer[1:]
				in := c.in
				in.Player = me
				if sim.Apply(server, in) != nil {
					toClient = append(toClient, delivery{at: down.arrival(now), reject: c.seq})
					continue
				}
				events = append(events, protocol.Event{Seq: c.seq, Input: in})
			}
			sim.Advance(server)
			toClient = append(toClient, delivery{at: down.arrival(now), tick: server.Tick, events: events})
		}

		// The client draws 60 frames a second, out of phase with the server.
		if (now+7)%17 != 0 {
			continue
		}
		for len(toClient) > 0 && toClient[0].at <= now {
			d := toClient[0]
			toClient = toClient[1:]
			if d.tick == 0 {
				p.Reject(d.reject)
				continue
			}
			in := make([]sim.Input, len(d.events))
			for i := range d.events {
				in[i] = d.events[i].Input
			}
			sim.Step(client, in)
			if client.Tick != d.tick {
				t.Fatalf("client at tick %d after frame %d", client.Tick, d.tick)
			}
			if q := client.Player(me); q != nil {
				confirmed[d.tick] = *q
			}
			before := p.Stats().Corrections
			p.Confirm(client, d.events)
			p.AdvanceTo(p.World().Tick) // rebuild now, to see this frame's correction
			if s := p.Stats(); s.Corrections > before && now > warmup && s.LastCorrection > worst {
				worst, worstAt = s.LastCorrection, now
			}
		}
		smooth.Correct(p.TakeCorrection())
		if drawn := smooth.Decay(17 * time.Millisecond); now > warmup {
			worstDrawn = max(worstDrawn, drawn)
		}
		serverTicks := float64(now+clockErr) * rate / 1000
		target := p.Target(serverTicks)
		if target < lastTarget {
			target = lastTarget // the game keeps its own timeline monotonic
		}
		lastTarget = target
		p.AdvanceTo(target)
		self, _ := p.Self()
		if _, ok := predicted[p.World().Tick]; !ok && self != nil {
			predicted[p.World().Tick] = *self
		}

		// Keys: a change every 150-600 ms, fire whenever allowed.
		if now >= nextKey && now < idleFrom {
			nextKey = now + 150 + r.IntN(450)
			in := keys.press(r, p.World(), me)
			seq++
			p.Issue(seq, in)
			toServer = append(toServer, command{at: up.arrival(now), seq: seq, in: in})
		}
		if now >= idleFrom && !stopped {
			stopped = true
			for _, a := range []sim.Action{sim.MoveStop, sim.StrafeStop, sim.RotateStop} {
				seq++
				p.Issue(seq, sim.Input{Action: a})
				toServer = append(toServer, command{at: up.arrival(now), seq: seq, in: sim.Input{Action: a}})
			}
		}
	}

	s := p.Stats()
	t.Logf("%d commands, %d frames; %d corrections, worst after warm-up %.3f tile at %d ms, drawn %.3f tile/frame; lead %.2f ticks, hits %.2f; rejected %d",
		seq, client.Tick, s.Corrections, float64(worst)/sim.Unit, worstAt, worstDrawn/sim.Unit, p.Lead().Ticks(), p.Lead().Hits(), s.Rejected)
	if worst > limit {
		t.Errorf("a correction after warm-up moved the player %d units (%.3f tile), limit %d", worst, float64(worst)/sim.Unit, limit)
	}
	if worstDrawn > sim.Unit/8 {
		t.Errorf("a correction moved the drawn player %.0f units in one frame (%.3f tile), limit 1/8 tile", worstDrawn, worstDrawn/sim.Unit)
	}
	// Convergence: once the keys are released and confirmed, the player the
	// client drew at each tick is exactly where the server had it.
	settled := uint32((idleFrom + 4*base + 2*jitter + 200) * rate / 1000)
	checked := 0
	for tick, want := range confirmed {
		got, ok := predicted[tick]
		if !ok || tick < settled {
			continue
		}
		checked++
		if got.X != want.X || got.Y != want.Y || got.Heading != want.Heading || got.Alive != want.Alive {
			t.Errorf("tick %d: drawn at %d,%d heading %d alive %v; server %d,%d heading %d alive %v",
				tick, got.X, got.Y, got.Heading, got.Alive, want.X, want.Y, want.Heading, want.Alive)
		}
	}
	if checked < 60 {
		t.Errorf("only %d settled ticks compared", checked)
	}
	if n := len(p.Pending()); n != 0 {
		t.Errorf("%d commands still pending at the end", n)
	}
	if got, want := p.Confirmed().Hash(), client.Hash(); got != want {
		t.Errorf("confirmed world %016x, session's %016x", got, want)
	}
}

// keyboard plays like a person at a keyboard: every so often one key goes
// down or up, and each change sends the command that the new set of held
// keys means (forward and back together cancel out). Fire is a tap.
type keyboard struct {
	held [6]bool // forward, back, left, right, strafe left, strafe right
}

// press changes one key at random and returns the command it causes.
func (k *keyboard) press(r *rand.Rand, w *sim.World, me sim.PlayerID) sim.Input {
	if self := w.Player(me); self != nil && !self.Alive {
		if sp, ok := brain.FarthestSpawn(w, me); ok && self.Respawn == 0 {
			return sim.Input{Action: sim.SpawnAt, X: sp.X, Y: sp.Y}
		}
	}
	i := r.IntN(len(k.held) + 1)
	if i == len(k.held) {
		return sim.Input{Action: sim.Fire}
	}
	k.held[i] = !k.held[i]
	axis := func(neg, pos bool) int32 {
		v := int32(0)
		if pos {
			v++
		}
		if neg {
			v--
		}
		return v
	}
	switch i / 2 {
	case 0:
		if v := axis(k.held[1], k.held[0]); v != 0 {
			return sim.Input{Action: sim.MoveStart, Value: v * sim.MaxMoveSpeed}
		}
		return sim.Input{Action: sim.MoveStop}
	case 1:
		if v := axis(k.held[2], k.held[3]); v != 0 {
			return sim.Input{Action: sim.RotateStart, Value: v * sim.MaxRotateRate}
		}
		return sim.Input{Action: sim.RotateStop}
	}
	if v := axis(k.held[4], k.held[5]); v != 0 {
		return sim.Input{Action: sim.StrafeStart, Value: v * sim.MaxStrafeSpeed}
	}
	return sim.Input{Action: sim.StrafeStop}
}
