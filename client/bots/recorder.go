package bots

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histograms hold microseconds. Latency keeps three significant digits (a
// p99.9 to 0.1%); the others two, to keep the shards small.
const (
	histMax     = int64(time.Minute / time.Microsecond)
	latencySig  = 3
	otherSig    = 2
	numShards   = 16
	jitterBatch = 64
)

func newHist(sig int) *hdrhistogram.Histogram { return hdrhistogram.New(1, histMax, sig) }

// record adds d to h in microseconds, clamped to the histogram's range.
func record(h *hdrhistogram.Histogram, d time.Duration) {
	us := max(0, min(int64(d/time.Microsecond), histMax))
	_ = h.RecordValue(us) // in range: cannot fail
}

// shard is one of the recorders that the bots share: bot i records into
// shard i mod numShards under the shard's mutex, so that a thousand bots do
// not queue on one lock. The run merges the shards each second (the
// timeline, the progress line) and at the end.
type shard struct {
	mu sync.Mutex
	// latency holds the commands sent in the window; second every answer
	// since the last timeline sample, whatever the phase.
	latency, second      *hdrhistogram.Histogram
	jitter, rtt, connect *hdrhistogram.Histogram
	_                    [64]byte // keep neighbouring shards' locks off one cache line
}

func newShard() *shard {
	return &shard{
		latency: newHist(latencySig),
		second:  newHist(latencySig),
		jitter:  newHist(otherSig),
		rtt:     newHist(otherSig),
		connect: newHist(otherSig),
	}
}

// latencySample records a command's latency; measured is true for a
// command sent in the window.
func (s *shard) latencySample(d time.Duration, measured bool) {
	s.mu.Lock()
	record(s.second, d)
	if measured {
		record(s.latency, d)
	}
	s.mu.Unlock()
}

// jitterSamples records a batch of frame jitters (µs).
func (s *shard) jitterSamples(us []int64) {
	s.mu.Lock()
	for _, v := range us {
		_ = s.jitter.RecordValue(max(0, min(v, histMax)))
	}
	s.mu.Unlock()
}

func (s *shard) sample(h func(*shard) *hdrhistogram.Histogram, d time.Duration) {
	s.mu.Lock()
	record(h(s), d)
	s.mu.Unlock()
}

func rttHist(s *shard) *hdrhistogram.Histogram     { return s.rtt }
func connectHist(s *shard) *hdrhistogram.Histogram { return s.connect }

// mergeInto adds every shard's histogram h into dst, and resets the
// shards' copies when reset is true.
func mergeInto(shards []*shard, dst *hdrhistogram.Histogram, h func(*shard) *hdrhistogram.Histogram, reset bool) {
	for _, s := range shards {
		s.mu.Lock()
		dst.Merge(h(s))
		if reset {
			h(s).Reset()
		}
		s.mu.Unlock()
	}
}
