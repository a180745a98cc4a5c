package session

import (
	"testing"
	"time"
)

// TestClockPrefersShortRoundTrips feeds pongs from a server whose clock is
// 5 s ahead, over a link with one-way delays that vary: the estimate follows
// the sample with the shortest round trip, whose error is the smallest.
func TestClockPrefersShortRoundTrips(t *testing.T) {
	base := time.Unix(1000, 0)
	c := newClock(base)
	const ahead = 5 * time.Second
	for i, link := range []struct{ up, down time.Duration }{
		{40 * time.Millisecond, 10 * time.Millisecond}, // asymmetric and slow: 15 ms error
		{5 * time.Millisecond, 5 * time.Millisecond},   // fast and symmetric: exact
		{80 * time.Millisecond, 20 * time.Millisecond},
	} {
		sent := base.Add(time.Duration(i) * time.Second)
		serverAt := sent.Add(link.up).Sub(base) + ahead
		c.observe(c.local(sent), uint32(serverAt.Milliseconds()), sent.Add(link.up+link.down))
	}
	rtt, ok := c.RTT()
	if !ok || rtt != 10*time.Millisecond {
		t.Fatalf("best round trip %v (%v), want 10ms", rtt, ok)
	}
	if got := c.LastRTT(); got != 100*time.Millisecond {
		t.Fatalf("last round trip %v, want 100ms", got)
	}
	// The estimate is the local clock plus the offset of the best sample.
	c.mu.Lock()
	offset := c.best.offset
	c.mu.Unlock()
	if offset != ahead {
		t.Fatalf("offset %v, want %v", offset, ahead)
	}
}

func TestClockIgnoresForeignPongs(t *testing.T) {
	base := time.Unix(1000, 0)
	c := newClock(base)
	c.observe(c.local(base.Add(time.Second)), 0, base) // sent "after" it arrived
	if _, ok := c.RTT(); ok {
		t.Fatal("a pong from the future counted as a sample")
	}
	c.seed(7000, base)
	c.mu.Lock()
	offset := c.best.offset
	c.mu.Unlock()
	if offset != 7*time.Second {
		t.Fatalf("seeded offset %v, want 7s", offset)
	}
}
