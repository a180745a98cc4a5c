package game

import "time"

// Quality is how the connection looks to the player: the colour of the
// HUD's connection indicator.
type Quality uint8

// Qualities.
const (
	QualityGood Quality = iota // green: nothing to notice
	QualityFair                // amber: a long ping or some late frames
	QualityPoor                // red: play suffers, or the link is down
)

var qualityNames = [...]string{"good", "fair", "poor"}

func (q Quality) String() string {
	if int(q) < len(qualityNames) {
		return qualityNames[q]
	}
	return "quality(?)"
}

// The thresholds of the connection indicator. A frame is late when it
// arrives after the time the other players are drawn at has passed its
// tick: they stood still for a moment (the render delay then grows to
// avoid it). A frame is due every tick, so a silence is a stall.
const (
	FairPing   = 100 * time.Millisecond
	PoorPing   = 250 * time.Millisecond
	FairLate   = 0.02 // share of the frames of the last LateWindow
	PoorLate   = 0.10
	FairSilent = 250 * time.Millisecond
	PoorSilent = time.Second
	// LateWindow is how many of the last frames the late share counts.
	LateWindow = 120
)

// Connection is what the HUD's connection indicator shows.
type Connection struct {
	Ping   time.Duration
	PingOK bool // a ping has been measured
	// Late is the share of the last LateWindow frames that arrived late;
	// Frames how many frames it counts (fewer at the start).
	Late   float64
	Frames int
	// Silent is how long since the last frame arrived.
	Silent time.Duration
	// Down: the link is reconnecting or closed.
	Down    bool
	Quality Quality
}

// Rate returns the connection's quality: poor when down or past any poor
// threshold, fair past any fair threshold, else good.
func (c *Connection) Rate() Quality {
	switch {
	case c.Down, c.PingOK && c.Ping >= PoorPing, c.Late >= PoorLate, c.Silent >= PoorSilent:
		return QualityPoor
	case c.PingOK && c.Ping >= FairPing, c.Late >= FairLate, c.Silent >= FairSilent:
		return QualityFair
	}
	return QualityGood
}

// lateFrames counts the late frames among the last LateWindow. The zero
// value is ready to use.
type lateFrames struct {
	late  [LateWindow]bool
	n     int // frames observed
	count int // late ones among the last LateWindow
}

// observe records a frame, late or not.
func (l *lateFrames) observe(late bool) {
	i := l.n % LateWindow
	if l.n >= LateWindow && l.late[i] {
		l.count--
	}
	l.late[i] = late
	if late {
		l.count++
	}
	l.n++
}

// share returns the late share and how many frames it counts.
func (l *lateFrames) share() (float64, int) {
	n := min(l.n, LateWindow)
	if n == 0 {
		return 0, 0
	}
	return float64(l.count) / float64(n), n
}
