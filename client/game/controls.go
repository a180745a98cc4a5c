package game

import (
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// Controls turns the keys held into commands. Motion is a state, not a
// stream: each axis (move, strafe, rotate) has a value that the held keys
// ask for (forward and back together cancel out), and a command is issued
// when that value differs from the one last sent, so each key press and
// release becomes one start or stop command. Positions are never sent.
//
// Fire is sent while Space is held whenever the weapon is ready in the
// predicted world, one command per shot; a tap while it is cooling down is
// kept and fired as soon as it is ready. Respawn (R) is kept until the
// respawn delay is over, then the player spawns at brain.FarthestSpawn.
type Controls struct {
	move, strafe, rotate int32 // the values last sent (or confirmed at a reset)
	prev                 Keys
	fireQueued           bool
	lastFire             uint32 // predicted tick of the last shot sent
	fired                bool
	spawnWanted          bool
	spawnSeq             uint32 // the sequence number of the last spawn sent
}

// FireMarginTicks is the slack, in ticks, that Controls leaves beyond the
// weapon's cooldown between two shots: a shot that lands a tick earlier
// than predicted, relative to the one before, would otherwise be refused
// as cooling down.
const FireMarginTicks = 2

// Reset adopts the motion that player p has in a world just received (a
// welcome or a reconnection: the server stops the motion of a player whose
// connection is lost), so that keys still held are sent again. spawn says
// whether the player should spawn as soon as the world allows.
func (c *Controls) Reset(p *sim.Player, spawn bool) {
	*c = Controls{prev: c.prev, spawnWanted: spawn}
	if p != nil {
		c.move, c.strafe, c.rotate = p.Move, p.Strafe, p.Rotate
	}
}

// Rejected tells the Controls that the server refused command seq; a
// refused spawn is tried again.
func (c *Controls) Rejected(seq uint32, r protocol.Reason) {
	if seq != 0 && seq == c.spawnSeq {
		c.spawnWanted = true
	}
}

// Sent tells the Controls the sequence number of a command it returned from
// Commands, once it was sent.
func (c *Controls) Sent(seq uint32, in sim.Input) {
	if in.Action == sim.SpawnAt {
		c.spawnSeq = seq
	}
}

// Commands appends to dst the commands that the keys held now call for,
// judged against the predicted world w in which the player is me, and
// records them as sent.
func (c *Controls) Commands(keys Keys, w *sim.World, me sim.PlayerID, dst []sim.Input) []sim.Input {
	pressed := keys.Pressed(c.prev)
	c.prev = keys
	p := w.Player(me)
	if p == nil {
		return dst // not in the world yet: the join is on its way
	}
	if pressed.Has(KeyRespawn) {
		c.spawnWanted = true
	}
	if pressed.Has(KeyFire) {
		c.fireQueued = true
	}

	axis := func(neg, pos Key, speed int32) int32 {
		v := int32(0)
		if keys.Has(pos) {
			v += speed
		}
		if keys.Has(neg) {
			v -= speed
		}
		return v
	}
	dst = motion(dst, me, &c.move, axis(KeyBack, KeyForward, sim.MaxMoveSpeed), sim.MoveStart, sim.MoveStop)
	dst = motion(dst, me, &c.strafe, axis(KeyStrafeLeft, KeyStrafeRight, sim.MaxStrafeSpeed), sim.StrafeStart, sim.StrafeStop)
	dst = motion(dst, me, &c.rotate, axis(KeyLeft, KeyRight, sim.MaxRotateRate), sim.RotateStart, sim.RotateStop)

	if !p.Alive {
		c.fireQueued = false
		if c.spawnWanted && p.Respawn == 0 {
			if sp, ok := brain.FarthestSpawn(w, me); ok {
				in := sim.Input{Player: me, Action: sim.SpawnAt, X: sp.X, Y: sp.Y}
				if sim.Validate(w, in) == nil {
					c.spawnWanted = false
					dst = append(dst, in)
				}
			}
		}
		return dst
	}
	c.spawnWanted = false

	if keys.Has(KeyFire) || c.fireQueued {
		spacing := uint32(sim.FireCooldownMs*w.TickRate/1000) + FireMarginTicks
		next := w.Tick + 1 // the tick a command sent now takes effect in
		ready := p.Cooldown == 0 && (!c.fired || next-c.lastFire >= spacing)
		in := sim.Input{Player: me, Action: sim.Fire}
		if ready && sim.Validate(w, in) == nil {
			dst = append(dst, in)
			c.fireQueued = false
			c.fired, c.lastFire = true, next
		}
	}
	return dst
}

// motion appends the command that brings an axis from *sent to want.
func motion(dst []sim.Input, me sim.PlayerID, sent *int32, want int32, start, stop sim.Action) []sim.Input {
	if want == *sent {
		return dst
	}
	*sent = want
	if want == 0 {
		return append(dst, sim.Input{Player: me, Action: stop})
	}
	return append(dst, sim.Input{Player: me, Action: start, Value: want})
}
