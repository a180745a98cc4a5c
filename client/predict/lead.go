package predict

import "math"

// Lead estimates how many ticks ahead of the server's present the client must
// simulate so that a command it sends now takes effect in the tick it
// predicts: about half a round trip, plus whatever the clock estimate gets
// wrong, plus the wait for the server's next tick.
//
// Every confirmed command is a sample: it was sent when the server's present
// was at (in ticks, as the client estimated it) and took effect in tick k.
// A lead L would have predicted it exactly if ⌊at+L⌋+1 = k, that is for L in
// [k−1−at, k−at). Lead keeps the last leadWindow such intervals and chooses
// the middle of the range of L that the most of them agree on (the most
// recent break ties): with a steady network every command then lands in the
// predicted tick, and with jitter as many as possible do. Averaging the
// errors instead would leave the lead hovering around a tick boundary, where
// a tenth of a tick either way mispredicts one command in ten.
type Lead struct {
	ticks   float64
	samples [leadWindow]float64 // the low end of each interval
	n       int                 // samples observed since Reset
	hits    int                 // of the window, predicted exactly by ticks
}

// leadWindow is the number of recent commands the lead rests on: at a
// person's few commands a second, the last several seconds.
const leadWindow = 32

// maxLead bounds the lead either way, in ticks.
const maxLead = 256

// Reset sets the lead to ticks and forgets the samples.
func (l *Lead) Reset(ticks float64) {
	*l = Lead{ticks: clampLead(ticks)}
}

// Ticks returns the lead in ticks.
func (l *Lead) Ticks() float64 { return l.ticks }

// Observed returns how many commands have been observed since Reset.
func (l *Lead) Observed() int { return l.n }

// Hits returns the share of the recent commands (0 to 1) that the current
// lead would have predicted exactly; 1 before any was observed.
func (l *Lead) Hits() float64 {
	w := min(l.n, leadWindow)
	if w == 0 {
		return 1
	}
	return float64(l.hits) / float64(w)
}

// Observe takes one confirmed command: it was issued when the server's
// present was at ticks (the client's estimate) and took effect in tick
// landed.
func (l *Lead) Observe(at float64, landed uint32) {
	lo := float64(landed) - 1 - at
	if math.IsNaN(lo) || math.IsInf(lo, 0) {
		return
	}
	l.samples[l.n%leadWindow] = lo
	l.n++
	w := min(l.n, leadWindow)
	newest := (l.n - 1) % leadWindow

	// Coverage is constant between interval ends and reaches its maximum
	// at the low end of some interval; score each low end by the intervals
	// covering it, the more recent ones weighing a little more.
	bestScore, bestStart := -1.0, 0.0
	for i := 0; i < w; i++ {
		s := l.samples[i]
		score := 0.0
		for j := 0; j < w; j++ {
			if lj := l.samples[j]; lj <= s && s < lj+1 {
				score += 1 + recency(j, newest, w)
			}
		}
		if score > bestScore {
			bestScore, bestStart = score, s
		}
	}
	// The best range runs from bestStart to the first end of a covering
	// interval or start of another, whichever comes first.
	end := bestStart + 1
	for j := 0; j < w; j++ {
		lj := l.samples[j]
		if lj <= bestStart && bestStart < lj+1 {
			end = min(end, lj+1)
		} else if lj > bestStart {
			end = min(end, lj)
		}
	}
	l.ticks = clampLead((bestStart + end) / 2)
	l.hits = 0
	for j := 0; j < w; j++ {
		if lj := l.samples[j]; lj <= l.ticks && l.ticks < lj+1 {
			l.hits++
		}
	}
}

// recency weighs sample j: from 0 for the oldest in the window to just under
// 1/leadWindow for the newest, so that it only ever breaks ties.
func recency(j, newest, w int) float64 {
	age := (newest - j + leadWindow) % leadWindow // 0 is the newest
	return float64(w-1-age) / float64(w*leadWindow)
}

// clampLead bounds a lead. A lead may be negative: when the server falls
// behind its own clock (it skips ticks when overloaded), the tick it is
// simulating is behind the clock's present.
func clampLead(t float64) float64 {
	if t != t { // NaN
		return 0
	}
	return max(-maxLead, min(t, maxLead))
}
