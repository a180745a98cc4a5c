package viewer

import (
	"math"
	"sort"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/sim"
)

// Speeds are the playback speeds that [ and ] step through.
var Speeds = [...]float64{0.25, 0.5, 1, 2, 4, 8, 16}

// normalSpeed is the index of 1× in Speeds.
const normalSpeed = 2

// SpeedIndex returns the index in Speeds of the step nearest to x (in
// ratio: 3 is nearer 4 than 2), for a speed given on the command line.
func SpeedIndex(x float64) int {
	best, bestD := normalSpeed, math.Inf(1)
	if x <= 0 || math.IsNaN(x) {
		return best
	}
	for i, s := range Speeds {
		if d := math.Abs(math.Log(x / s)); d < bestD {
			best, bestD = i, d
		}
	}
	return best
}

// Bar maps the timeline bar's screen x to ticks and back: the bar is W
// pixels wide from X, and spans ticks First to Last.
type Bar struct {
	X, W        float64
	First, Last uint32
}

// XAt returns the screen x of tick t (fractional), clamped to the bar.
func (b Bar) XAt(t float64) float64 {
	if b.Last <= b.First {
		return b.X
	}
	f := (t - float64(b.First)) / float64(b.Last-b.First)
	return b.X + b.W*math.Max(0, math.Min(1, f))
}

// TickAt returns the tick at screen x: the nearest, clamped to the bar's
// span.
func (b Bar) TickAt(x float64) uint32 {
	if b.Last <= b.First || b.W <= 0 {
		return b.First
	}
	f := math.Max(0, math.Min(1, (x-b.X)/b.W))
	return b.First + uint32(math.Round(f*float64(b.Last-b.First)))
}

// MarkerColumn is one pixel column of the timeline with kills in it: a
// 60-minute match has thousands of kills, more than a bar has pixels, so
// they are drawn a column at a time.
type MarkerColumn struct {
	X      float64 // the column's left edge, a whole pixel
	Kills  int
	Killer sim.PlayerID // the last kill's, for its colour
}

// Columns appends to dst the columns of bar b that hold kills (sorted by
// tick), left to right.
func (b Bar) Columns(kills []scene.Kill, dst []MarkerColumn) []MarkerColumn {
	lo := sort.Search(len(kills), func(i int) bool { return kills[i].Tick >= b.First })
	for _, k := range kills[lo:] {
		if k.Tick > b.Last {
			break
		}
		x := math.Floor(b.XAt(float64(k.Tick)))
		if n := len(dst); n > 0 && dst[n-1].X == x {
			dst[n-1].Kills++
			dst[n-1].Killer = k.KillerID
			continue
		}
		dst = append(dst, MarkerColumn{X: x, Kills: 1, Killer: k.KillerID})
	}
	return dst
}
