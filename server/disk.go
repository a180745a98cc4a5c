package server

import (
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// replayHealth says whether replays can be written, for /readyz. A failed
// replay write (or creation) marks it failing; a chunk written by any
// match, or a probe that /readyz makes while it is failing, marks it
// healthy again. Without the probe, a server that no load balancer sends
// players to (it is not ready) would never find out that the disk has room
// again.
type replayHealth struct {
	failing atomic.Bool

	mu       sync.Mutex
	probed   time.Time
	probeErr error
}

const (
	// probeEvery bounds how often /readyz probes the replay directory.
	probeEvery = time.Second
	// probeSize is what a probe writes: a few seconds of a busy match's
	// replay.
	probeSize = 64 << 10
)

// ok records a successful replay write. Called by every writer after each
// chunk, so it writes only on a change.
func (h *replayHealth) ok() {
	if h.failing.Load() {
		h.failing.Store(false)
	}
}

// replayFailed records a replay writer's failure: counted, and /readyz
// says not ready until a replay write succeeds again.
func (s *Server) replayFailed() {
	s.metrics.replayErrors.Inc()
	s.disk.failing.Store(true)
}

// replaysWritable returns nil if replays can be written, as far as the
// server knows; while they could not, it probes the replay directory (at
// most once per probeEvery) and returns the probe's error.
func (s *Server) replaysWritable() error {
	h := &s.disk
	if !h.failing.Load() {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.probed) >= probeEvery {
		h.probed = time.Now()
		if h.probeErr = probeDir(s.opts.ReplayDir); h.probeErr == nil {
			h.failing.Store(false)
		}
	}
	return h.probeErr
}

// probeDir writes, syncs and removes a file of probeSize bytes in dir. Its
// name is not a replay's, so nothing that reads replays looks at it.
func probeDir(dir string) error {
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, probeSize))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
