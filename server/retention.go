package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skirmishgg/skirmish/replay"
)

// Retention says which finished replays the server keeps
// (Options.ReplayKeep, skirmishd -replay-keep). Every Every, the replays of
// the directory are looked at, oldest first (by the time their file was
// last written, which is when the match ended): those older than MaxAge go,
// then the oldest go while there are more than MaxCount or together they
// take more than MaxBytes. The replay of a running match is never removed
// (it counts toward MaxCount and MaxBytes all the same: it is on the disk),
// nor is a file written less than a minute ago. Only files named like the
// server's replays (see validReplayID) are counted and removed; anything
// else in the directory is left alone.
//
// A zero field takes its default (DefaultRetention); a negative one means
// no limit. Removing a replay takes its match out of the read models
// (leaderboard, summaries, heatmaps), which stay what a rebuild over the
// remaining files would give.
type Retention struct {
	MaxAge   time.Duration // default 720h (30 days)
	MaxCount int           // default 10,000 replays
	MaxBytes int64         // default 20 GiB
	Every    time.Duration // how often; default one minute
}

// DefaultRetention is what the zero Retention means.
var DefaultRetention = Retention{MaxAge: 720 * time.Hour, MaxCount: 10000, MaxBytes: 20 << 30, Every: time.Minute}

// KeepAll is a Retention that removes nothing.
var KeepAll = Retention{MaxAge: -1, MaxCount: -1, MaxBytes: -1}

// retentionGrace protects new files: a match's replay is created just
// before the match is known to be running.
const retentionGrace = time.Minute

func (r Retention) withDefaults() Retention {
	d := DefaultRetention
	if r.MaxAge == 0 {
		r.MaxAge = d.MaxAge
	}
	if r.MaxCount == 0 {
		r.MaxCount = d.MaxCount
	}
	if r.MaxBytes == 0 {
		r.MaxBytes = d.MaxBytes
	}
	if r.Every <= 0 {
		r.Every = d.Every
	}
	return r
}

// keepsAll reports whether r removes nothing.
func (r Retention) keepsAll() bool { return r.MaxAge < 0 && r.MaxCount < 0 && r.MaxBytes < 0 }

// String formats r as Set reads it: "age=720h0m0s,count=10000,size=20GiB",
// with "off" for no limit, and "all" when nothing is removed; fields left
// zero are left out (they take their defaults).
func (r Retention) String() string {
	if r.keepsAll() {
		return "all"
	}
	var parts []string
	switch {
	case r.MaxAge < 0:
		parts = append(parts, "age=off")
	case r.MaxAge > 0:
		parts = append(parts, "age="+r.MaxAge.String())
	}
	switch {
	case r.MaxCount < 0:
		parts = append(parts, "count=off")
	case r.MaxCount > 0:
		parts = append(parts, "count="+strconv.Itoa(r.MaxCount))
	}
	switch {
	case r.MaxBytes < 0:
		parts = append(parts, "size=off")
	case r.MaxBytes > 0:
		parts = append(parts, "size="+formatBytes(r.MaxBytes))
	}
	if r.Every > 0 {
		parts = append(parts, "every="+r.Every.String())
	}
	return strings.Join(parts, ",")
}

// Set parses a retention, so that a Retention is a flag.Value. The syntax
// is a comma-separated list of limits, each optional (a limit left out
// takes its default):
//
//	age=DURATION   remove replays older than this (720h, 90m, or 30d for days)
//	count=N        keep at most N replays
//	size=BYTES     keep at most this many bytes of replays: 500MB, 20GiB, ...
//	               (B, KB, MB, GB, TB are powers of 1000; KiB, MiB, GiB, TiB of 1024)
//	every=DURATION how often to look (default 1m)
//
// A limit given as "off" is no limit. "all" (or "off") alone keeps every
// replay; "default" alone is the defaults.
func (r *Retention) Set(s string) error {
	s = strings.TrimSpace(s)
	switch s {
	case "all", "off":
		*r = KeepAll
		return nil
	case "", "default":
		*r = Retention{}
		return nil
	}
	var out Retention
	seen := map[string]bool{}
	for part := range strings.SplitSeq(s, ",") {
		key, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("retention: %q: want key=value (age, count, size, every)", part)
		}
		if seen[key] {
			return fmt.Errorf("retention: %s given twice", key)
		}
		seen[key] = true
		off := val == "off"
		var err error
		switch key {
		case "age":
			out.MaxAge, err = parseAge(val, off)
		case "count":
			out.MaxCount = -1
			if !off {
				var n int
				if n, err = strconv.Atoi(val); err == nil && n < 1 {
					err = errors.New("want at least 1; use off for no limit")
				}
				out.MaxCount = n
			}
		case "size":
			out.MaxBytes = -1
			if !off {
				out.MaxBytes, err = parseBytes(val)
			}
		case "every":
			if out.Every, err = time.ParseDuration(val); err == nil && out.Every < time.Second {
				err = errors.New("below one second")
			}
		default:
			return fmt.Errorf("retention: unknown limit %q (want age, count, size or every)", key)
		}
		if err != nil {
			return fmt.Errorf("retention: %s=%q: %v", key, val, err)
		}
	}
	*r = out
	return nil
}

func parseAge(val string, off bool) (time.Duration, error) {
	if off {
		return -1, nil
	}
	var d time.Duration
	var err error
	if days, ok := strings.CutSuffix(val, "d"); ok {
		var n int
		if n, err = strconv.Atoi(days); err == nil {
			if n < 0 || n > 100*365 {
				return 0, errors.New("days outside 0..36500")
			}
			d = time.Duration(n) * 24 * time.Hour
		}
	} else {
		d, err = time.ParseDuration(val)
	}
	switch {
	case err != nil:
		return 0, err
	case d < 0:
		return 0, errors.New("negative")
	case d == 0:
		return 0, errors.New("zero would remove every replay at once; use off for no limit")
	}
	return d, nil
}

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

func parseBytes(val string) (int64, error) {
	mult := int64(1)
	num := val
	for _, u := range byteUnits {
		if n, ok := strings.CutSuffix(val, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	switch {
	case err != nil:
		return 0, fmt.Errorf("want a whole number and a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)")
	case n <= 0:
		return 0, errors.New("want more than 0; use off for no limit")
	case n > (1<<62)/mult:
		return 0, errors.New("too large")
	}
	return n * mult, nil
}

func formatBytes(n int64) string {
	for _, u := range byteUnits[:4] {
		if n >= u.mult && n%u.mult == 0 && (u.suffix == "TiB" || n%(u.mult<<10) != 0) {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10) + "B"
}

// startRetention starts the retention's goroutine, unless it keeps
// everything; Shutdown stops it (s.stopRetain). Safe to stop twice.
func (s *Server) startRetention() {
	r := s.opts.ReplayKeep
	if r.keepsAll() {
		s.stopRetain = func() {}
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.retainLoop(ctx, r)
	}()
	s.stopRetain = func() {
		cancel()
		<-done
	}
}

// retainLoop applies the retention every r.Every until ctx ends, off the
// tick path: on its own goroutine, owned by the Server (Shutdown stops it).
func (s *Server) retainLoop(ctx context.Context, r Retention) {
	t := time.NewTicker(r.Every)
	defer t.Stop()
	for {
		s.retain(r, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// retain removes the replays the retention says to, and returns their ids.
func (s *Server) retain(r Retention, now time.Time) []string {
	entries, err := s.dir.List()
	if err != nil {
		s.opts.Logger.Warn("retention: cannot read the replay directory", "err", err)
		return nil
	}
	type file struct {
		id      string
		size    int64
		mod     time.Time
		keep    bool // a running match's, or too new
		removed bool
	}
	var files []file
	var count int
	var total int64
	for _, e := range entries {
		if e.Err != nil || !validReplayID(e.ID) {
			continue
		}
		keep := s.replayRunning(e.ID) || now.Sub(e.ModTime) < retentionGrace
		files = append(files, file{id: e.ID, size: e.Size, mod: e.ModTime, keep: keep})
		count++
		total += e.Size
	}
	slices.SortFunc(files, func(a, b file) int {
		if c := a.mod.Compare(b.mod); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	var removed []string
	var freed int64
	why := map[string]int{}
	drop := func(f *file, reason string) {
		if err := s.removeReplay(f.id); err != nil {
			s.opts.Logger.Warn("retention: cannot remove a replay", "file", f.id+replay.Extension, "err", err)
			return
		}
		f.removed = true
		count--
		total -= f.size
		freed += f.size
		why[reason]++
		removed = append(removed, f.id)
	}
	for i := range files {
		if f := &files[i]; !f.keep && r.MaxAge > 0 && now.Sub(f.mod) > r.MaxAge {
			drop(f, "age")
		}
	}
	for i := range files {
		f := &files[i]
		over := r.MaxCount >= 0 && count > r.MaxCount
		big := r.MaxBytes > 0 && total > r.MaxBytes
		if !over && !big {
			break
		}
		if f.keep || f.removed {
			continue
		}
		if over {
			drop(f, "count")
		} else {
			drop(f, "size")
		}
	}
	if len(removed) > 0 {
		s.metrics.replaysRemoved.Add(float64(len(removed)))
		s.opts.Logger.Info("retention: replays removed", "removed", len(removed), "freed_bytes", freed,
			"by_age", why["age"], "by_count", why["count"], "by_size", why["size"], "kept", count, "kept_bytes", total)
	}
	return removed
}

// removeReplay removes the replay file id and everything derived from it:
// its entry in the replay listing's cache, and its match in the read models
// (the projection engine takes it back; a Sync then sees it done). It does
// not check whether a running match writes the file: retention skips
// running matches, and a match that ends may remove its own replay (an
// empty match, say). A file that is already gone is not an error.
func (s *Server) removeReplay(id string) error {
	if err := s.dir.Remove(id); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	s.replays.forget(id)
	s.tails.forget(id)
	if s.read != nil {
		s.read.engine.Removed(id)
	}
	return nil
}
