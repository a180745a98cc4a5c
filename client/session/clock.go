package session

import (
	"sync"
	"time"
)

// Clock estimates the server's match clock from ping/pong samples. Of the
// recent samples it trusts the one with the shortest round trip: its
// one-way delays were the least room for error (Cristian's algorithm with
// a minimum filter). Clock is safe for concurrent use.
type Clock struct {
	mu      sync.Mutex
	base    time.Time // local origin of the local timestamps in pings
	samples [clockSamples]clockSample
	n       int
	best    clockSample
	last    time.Duration // the round trip of the latest sample
	ok      bool
}

type clockSample struct {
	rtt    time.Duration
	offset time.Duration // server clock minus local clock (since base)
}

const clockSamples = 8

func newClock(now time.Time) *Clock { return &Clock{base: now} }

// local returns now on the local clock, in the units pings carry.
func (c *Clock) local(now time.Time) uint64 { return uint64(now.Sub(c.base).Microseconds()) }

// observe records a pong: sent is the ping's local timestamp, server the
// server's clock in ms, now the local arrival time.
func (c *Clock) observe(sent uint64, server uint32, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	recv := now.Sub(c.base)
	rtt := recv - time.Duration(sent)*time.Microsecond
	if rtt < 0 {
		return // not a pong of ours
	}
	// The server read its clock about half a round trip before we got the pong.
	serverAtRecv := time.Duration(server)*time.Millisecond + rtt/2
	s := clockSample{rtt: rtt, offset: serverAtRecv - recv}
	c.last = rtt
	c.samples[c.n%clockSamples] = s
	c.n++
	c.best = c.samples[0]
	for _, x := range c.samples[:min(c.n, clockSamples)] {
		if x.rtt < c.best.rtt {
			c.best = x
		}
	}
	c.ok = true
}

// Now returns the estimated server match clock in milliseconds.
func (c *Clock) Now() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := time.Since(c.base) + c.best.offset
	if t < 0 {
		return 0
	}
	return uint32(t.Milliseconds())
}

// RTT returns the round trip of the sample the estimate rests on, and
// whether there has been any sample.
func (c *Clock) RTT() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.best.rtt, c.ok
}

// LastRTT returns the round trip of the most recent ping.
func (c *Clock) LastRTT() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

// seed sets a first estimate from the welcome, before any pong, assuming
// no delay.
func (c *Clock) seed(server uint32, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.ok {
		c.best = clockSample{rtt: time.Hour, offset: time.Duration(server)*time.Millisecond - now.Sub(c.base)}
	}
}
