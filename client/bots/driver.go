package bots

import (
	"time"

	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// driver decides a bot's commands after each frame: its brain thinks about
// the session's world, or, replaying a recording, its script hands out the
// commands that are due, or, for a bot without a world, its blind brain
// plays from its own events (blind.go). The load test's bots (bot.go) and
// Play's bots (play.go) drive their sessions with it.
type driver struct {
	brain  brain.Brain
	cur    *scriptCursor // replaying instead of thinking, when set
	blind  *blindBrain   // thinking without a world, when set
	inputs []sim.Input
	// The script's clock: the tick of the session's first frame.
	startTick uint32
	started   bool
}

func newDriver(b brain.Brain, cur *scriptCursor) driver {
	return driver{brain: b, cur: cur, inputs: make([]sim.Input, 0, 16)}
}

// decide returns the commands for player me to send after the frame of
// tick, which w (nil for a bot without a world) has applied; period is the
// tick period. The slice is reused by the next call.
func (d *driver) decide(w *sim.World, me sim.PlayerID, tick uint32, period time.Duration) []sim.Input {
	if !d.started {
		d.started, d.startTick = true, tick
	}
	d.inputs = d.inputs[:0]
	switch {
	case d.cur != nil:
		d.inputs = d.cur.due(time.Duration(tick-d.startTick)*period, d.inputs)
	case d.blind != nil:
		d.inputs = d.blind.think(tick, d.inputs)
	default:
		d.inputs = d.brain.Think(w, me, d.inputs)
	}
	return d.inputs
}

// restart starts the script's clock again, for a new session.
func (d *driver) restart() { d.started = false }
