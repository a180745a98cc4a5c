package bots

import (
	"fmt"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// progress samples the run every second for the timeline and prints the
// progress line. Its goroutine owns res.Timeline until it stops.
type progress struct {
	r         *run
	res       *Results
	sec, all  *hdrhistogram.Histogram
	lastCmds  int64
	lastPrint time.Duration
	printed   bool
}

func newProgress(r *run, res *Results) *progress {
	return &progress{r: r, res: res, sec: newHist(latencySig), all: newHist(latencySig)}
}

func (p *progress) loop(stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			p.sample()
			return
		case <-t.C:
			s := p.sample()
			p.print(s)
		}
	}
}

// sample closes the current second of the timeline.
func (p *progress) sample() Second {
	r := p.r
	p.sec.Reset()
	mergeInto(r.shards, p.sec, func(s *shard) *hdrhistogram.Histogram { return s.second }, true)
	cmds := r.sentTotal.Load()
	s := Second{
		T:        r.since().Seconds(),
		Phase:    phaseNames[r.phase.Load()],
		Bots:     r.alive.Load(),
		Commands: cmds - p.lastCmds,
		Answers:  p.sec.TotalCount(),
	}
	p.lastCmds = cmds
	if s.Answers > 0 {
		s.P50Ms = ms(p.sec.ValueAtQuantile(50))
		s.P99Ms = ms(p.sec.ValueAtQuantile(99))
		s.MaxMs = ms(p.sec.Max())
	}
	p.res.Timeline = append(p.res.Timeline, s)
	return s
}

// print writes the progress line: the phase, the time, the bots playing,
// the commands of the last second, the latency so far (the window's, or
// the last second's during the ramp) and the errors.
func (p *progress) print(s Second) {
	r := p.r
	w := r.o.Progress
	if w == nil {
		return
	}
	now := r.since()
	if !r.o.ProgressInPlace && p.printed && now-p.lastPrint < r.o.ProgressEvery {
		return
	}
	p50, p99, scope := s.P50Ms, s.P99Ms, "last s"
	if r.phase.Load() >= phaseWindow {
		p.all.Reset()
		mergeInto(r.shards, p.all, func(s *shard) *hdrhistogram.Histogram { return s.latency }, false)
		p50, p99, scope = ms(p.all.ValueAtQuantile(50)), ms(p.all.ValueAtQuantile(99)), "so far"
	}
	lat := "-"
	if p50 > 0 {
		lat = fmt.Sprintf("p50 %.1f ms p99 %.1f ms", p50, p99)
	}
	line := fmt.Sprintf("%-5s %4.0fs  bots %d/%d  cmd/s %d  latency %s %s  errors %d",
		s.Phase, now.Seconds(), s.Bots, r.o.Bots, s.Commands, scope, lat, r.connErrs.Load()+r.discs.Load())
	if r.o.ProgressInPlace {
		fmt.Fprintf(w, "\r%s\x1b[K", line)
	} else {
		fmt.Fprintln(w, line)
	}
	p.printed, p.lastPrint = true, now
}

// final ends the progress line.
func (p *progress) final(*Results) {
	if p.r.o.Progress != nil && p.r.o.ProgressInPlace && p.printed {
		fmt.Fprintln(p.r.o.Progress)
	}
}
