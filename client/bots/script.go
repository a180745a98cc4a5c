package bots

import (
	"fmt"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// script is the command stream of one recorded player: its commands with
// their times, relative to the start of the recording and divided by the
// replay speed. Scripts are shared, read-only, by every bot that plays them.
type script struct {
	player sim.PlayerID
	cmds   []scriptCmd
	// length is the recording's span at the replay speed; a bot that
	// reaches the end starts over, length later.
	length time.Duration
}

type scriptCmd struct {
	at time.Duration
	in sim.Input
}

// loadScripts reads the commands of every player of the replay at path: the
// events a client sent (sequence number above zero), not the joins, leaves
// and stops the server made. Players without commands are skipped.
func loadScripts(path string, speed float64) ([]*script, error) {
	r, err := replay.Open(path)
	if err != nil {
		return nil, fmt.Errorf("bots: replay: %w", err)
	}
	defer r.Close()
	info := r.Info()
	byPlayer := map[sim.PlayerID]*script{}
	var order []*script
	for _, p := range info.Players {
		s := &script{player: p.ID}
		byPlayer[p.ID] = s
		order = append(order, s)
	}
	rate := time.Duration(info.TickRate)
	at := func(tick uint32) time.Duration {
		d := time.Duration(tick-info.FirstTick) * time.Second / rate
		return time.Duration(float64(d) / speed)
	}
	for f, err := range r.Frames(info.FirstTick+1, info.LastTick) {
		if err != nil {
			return nil, fmt.Errorf("bots: replay %s: %w", path, err)
		}
		for _, ev := range f.Events {
			if ev.Seq == 0 || ev.Input.Action == sim.Join || ev.Input.Action == sim.Leave {
				continue
			}
			s := byPlayer[ev.Input.Player]
			if s == nil { // not in the player list: a recovered file may lack it
				s = &script{player: ev.Input.Player}
				byPlayer[ev.Input.Player] = s
				order = append(order, s)
			}
			s.cmds = append(s.cmds, scriptCmd{at: at(f.Tick), in: ev.Input})
		}
	}
	length := at(info.LastTick) + time.Second/rate
	var out []*script
	for _, s := range order {
		if len(s.cmds) > 0 {
			s.length = length
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("bots: replay %s holds no player commands", path)
	}
	return out, nil
}

// scriptCursor is one bot's position in a script.
type scriptCursor struct {
	s    *script
	next int
	base time.Duration // the start of the current repetition
}

// due appends to dst the commands due at elapsed (the time since the bot
// started playing, on the match clock).
func (c *scriptCursor) due(elapsed time.Duration, dst []sim.Input) []sim.Input {
	for {
		if c.next == len(c.s.cmds) {
			c.next, c.base = 0, c.base+c.s.length
		}
		cmd := &c.s.cmds[c.next]
		if c.base+cmd.at > elapsed {
			return dst
		}
		dst = append(dst, cmd.in)
		c.next++
	}
}
