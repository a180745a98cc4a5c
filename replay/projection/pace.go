package projection

import (
	"runtime"
	"time"
)

// Catching up over history is background work in a process whose tick
// loops must never be late, and Go has no goroutine priorities: left alone,
// the engine's goroutine would take a whole core for as long as the history
// lasts, and the tick loops, the session goroutines and the garbage
// collector would share what is left of the machine (with the other
// processes on it). So the engine paces itself:
//
//   - its work comes in bounded slices: it looks at the clock every few
//     ticks it simulates (more often when ticks carry many events), between
//     chunks and between the chunks of a file it scans, so a slice is about
//     sliceWork long and never much more than one chunk's decoding (the
//     format's limits bound a chunk; see replay.MaxChunkEvents);
//   - after each slice it sleeps, long enough that its work takes at most
//     Options.Share of one core, and in any case yields the processor, so
//     that goroutines waiting for it (a tick loop whose timer fired) run at
//     once rather than at the next preemption, up to 10 ms later;
//   - it decodes one chunk at a time, and a replay.Reader caches a bounded
//     number of bytes, so its memory, and the garbage collector's work, stay
//     small whatever the files hold.
//
// A duty cycle was chosen over reacting to the tick loops' lateness: it
// needs nothing from the server, it holds when other processes take the
// CPU (which the tick loops could only notice once late), and catch-up at
// half a core is still thousands of times faster than real time.

// sliceWork is how long the engine works before it pauses.
const sliceWork = 2 * time.Millisecond

// pacer spreads the engine's work over time (see above). It belongs to the
// engine's goroutine. A nil pacer never pauses (PlayFile, offline).
type pacer struct {
	share float64 // of one core, in (0, 1]
	start time.Time
	units int // work since the clock was last read
	now   func() time.Time
	sleep func(time.Duration)
}

// Units of work between two looks at the clock: a tick costs one, and
// every eventsPerUnit events of a tick one more.
const (
	unitsPerLook  = 16
	eventsPerUnit = 64
)

func newPacer(share float64) *pacer {
	return &pacer{share: share, start: time.Now(), now: time.Now, sleep: time.Sleep}
}

// begin starts a slice: the engine was idle (waiting for the next scan or
// a tail) until now.
func (p *pacer) begin() {
	if p != nil {
		p.start, p.units = p.now(), 0
	}
}

// tick accounts for one simulated tick with n events.
func (p *pacer) tick(n int) {
	if p == nil {
		return
	}
	p.units += 1 + n/eventsPerUnit
	if p.units >= unitsPerLook {
		p.pause()
	}
}

// pause ends the slice if it has lasted sliceWork: it sleeps for the
// share's idle time and yields.
func (p *pacer) pause() {
	if p == nil {
		return
	}
	p.units = 0
	worked := p.now().Sub(p.start)
	if worked < sliceWork {
		return
	}
	if idle := time.Duration(float64(worked) * (1 - p.share) / p.share); idle > 0 {
		p.sleep(idle)
	}
	runtime.Gosched()
	p.start = p.now()
}
