package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// ForkRequest asks Server.Fork for a match that starts from the world of a
// recording at one of its ticks.
type ForkRequest struct {
	// Source is the recording; SourceID its id (a replay's file name
	// without .skr), which the fork's replay records as its origin.
	Source   *replay.Reader
	SourceID string
	// Tick is the tick of the source's world the match starts from. The
	// match keeps the source's tick numbering: its next tick is Tick+1.
	Tick uint32
	// Match is the new match's id; empty: the server chooses one.
	Match string
	// Claim names the players of the forked world whose clients the match
	// waits for before it starts (at most Options.ForkGrace). Empty: all
	// of them.
	Claim []string
	// Addr is the address of whoever asked (as the per-address limit on
	// new matches counts it); empty for the server's own use.
	Addr string
}

// Forked describes a match that Fork created.
type Forked struct {
	Match   string       `json:"match"`
	Replay  string       `json:"replay"` // the fork's own replay
	Origin  ForkOrigin   `json:"origin"`
	Map     string       `json:"map"`
	Tick    uint32       `json:"tick"` // the fork's first tick: Origin.Tick
	Players []ForkedSlot `json:"players"`
	// GraceS is how long, at most, the match waits for the players it
	// waits for, in seconds.
	GraceS float64 `json:"grace_s"`
}

// ForkOrigin is a fork's origin as the API shows it: the hash in hex, as
// everywhere else hashes are shown.
type ForkOrigin struct {
	Replay string `json:"replay"`
	Tick   uint32 `json:"tick"`
	Hash   string `json:"hash"`
}

// ForkedSlot is a player of the forked world: a hello with its name
// takes its place.
type ForkedSlot struct {
	ID     sim.PlayerID `json:"id"`
	Name   string       `json:"name"`
	Alive  bool         `json:"alive"`
	Health int32        `json:"health"`
	Kills  int32        `json:"kills"`
	Deaths int32        `json:"deaths"`
	Waited bool         `json:"waited"` // the match waits for this player's client before it starts
}

// forkSpec is what newMatch needs to make a forked match.
type forkSpec struct {
	world     *sim.World // the source's world at the fork's tick; the match's from then on
	mapName   string
	mapSource []byte
	origin    replay.Origin
	claim     []string
}

// maxForkClock bounds a fork's match clock at its start, in ms: the clock
// is 32 bits of milliseconds, and a fork late in a very long match must
// leave it room to run.
const maxForkClock = 1 << 31

// Fork creates a running match from the world of req.Source at req.Tick,
// through the same path as any new match (the limits, the fleet's claim).
// Its replay records the origin (req.SourceID, the tick and the world's
// hash there). Each player of that world waits for a client: a hello
// naming the match and the player's name takes its place (PROTOCOL.md);
// the match holds its world until the players of req.Claim (all, if
// empty) have a client or Options.ForkGrace has passed, then starts, and
// a bot plays every player nobody took, or it is removed
// (Options.ForkRemove). Errors wrap ErrForkRange, ErrForkSource,
// ErrForkVersion, ErrForkMap, ErrForkRequest, ErrMatchExists or ErrRefused.
func (s *Server) Fork(req ForkRequest) (Forked, error) {
	spec, err := s.forkSpec(&req)
	if err != nil {
		return Forked{}, err
	}
	if req.Match != "" && !validID(req.Match) {
		return Forked{}, fmt.Errorf("%w: invalid match id %q", ErrForkRequest, req.Match)
	}
	out := Forked{Map: spec.mapName, Tick: spec.origin.Tick,
		Origin:  ForkOrigin{Replay: spec.origin.Replay, Tick: spec.origin.Tick, Hash: fmt.Sprintf("%016x", spec.origin.Hash)},
		Players: []ForkedSlot{}, GraceS: s.opts.ForkGrace.Seconds()}
	// Before the match runs: then its world is its loop's.
	for _, p := range spec.world.Players {
		slot := ForkedSlot{ID: p.ID, Name: p.Name, Alive: p.Alive, Health: p.Health, Kills: p.Kills, Deaths: p.Deaths, Waited: len(req.Claim) == 0}
		for _, name := range req.Claim {
			slot.Waited = slot.Waited || name == p.Name
		}
		out.Players = append(out.Players, slot)
	}
	s.mu.Lock()
	if id := req.Match; id != "" && (s.matches[id] != nil || s.creating[id] != nil) {
		s.mu.Unlock()
		return Forked{}, fmt.Errorf("%w: %s", ErrMatchExists, id)
	}
	id, err := s.reserve(req.Match, req.Addr)
	s.mu.Unlock()
	if err != nil {
		return Forked{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	m, err := s.create(id, req.Addr, req.Match == "", spec.mapName, spec)
	var re *redirectError
	switch {
	case errors.As(err, &re):
		return Forked{}, fmt.Errorf("%w: %s runs on %s", ErrMatchExists, id, re.to.URL)
	case err != nil:
		return Forked{}, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	out.Match, out.Replay = m.id, m.replayID
	m.log.Info("match forked", "source", req.SourceID, "tick", spec.origin.Tick, "hash", out.Origin.Hash, "players", len(out.Players))
	return out, nil
}

// forkSpec reads the source's world at the tick and checks that this
// server can run it.
func (s *Server) forkSpec(req *ForkRequest) (*forkSpec, error) {
	r := req.Source
	if r == nil {
		return nil, fmt.Errorf("%w: no source", ErrForkSource)
	}
	h := r.Header()
	if h.SimVersion != sim.Version {
		return nil, fmt.Errorf("%w: recorded by simulation version %d, this server simulates version %d", ErrForkVersion, h.SimVersion, sim.Version)
	}
	in := r.Info()
	if in.Chunks == 0 || req.Tick < in.FirstTick || req.Tick > in.LastTick {
		return nil, fmt.Errorf("%w: tick %d is outside the recording, %d..%d", ErrForkRange, req.Tick, in.FirstTick, in.LastTick)
	}
	if ms := uint64(req.Tick) * 1000 / uint64(h.TickRate); ms >= maxForkClock {
		return nil, fmt.Errorf("%w: tick %d is %s into the match, past the %s a fork may start at", ErrForkRange, req.Tick,
			time.Duration(ms)*time.Millisecond, time.Duration(maxForkClock)*time.Millisecond)
	}
	src, err := s.opts.Maps(h.Map)
	if err != nil {
		return nil, fmt.Errorf("%w: this server has no map %s", ErrForkMap, h.Map)
	}
	ours, err := sim.ParseMap(h.Map, src)
	if err != nil || ours.Checksum() != r.Map().Checksum() {
		return nil, fmt.Errorf("%w: the replay's map %s is not this server's %s (the map has changed since): its players could not play it", ErrForkMap, h.Map, h.Map)
	}
	w, err := r.Seek(req.Tick)
	switch {
	case errors.Is(err, replay.ErrVersion):
		return nil, fmt.Errorf("%w: %v", ErrForkVersion, err)
	case errors.Is(err, replay.ErrRange):
		return nil, fmt.Errorf("%w: %v", ErrForkRange, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %v", ErrForkSource, err)
	}
	for _, name := range req.Claim {
		found := false
		for _, p := range w.Players {
			found = found || p.Name == name
		}
		if !found {
			return nil, fmt.Errorf("%w: no player %q at tick %d", ErrForkRequest, name, req.Tick)
		}
	}
	return &forkSpec{
		world: w, mapName: h.Map, mapSource: src, claim: req.Claim,
		origin: replay.Origin{Replay: req.SourceID, Tick: w.Tick, Hash: w.Hash()},
	}, nil
}

// sourceOf opens the recording of replay id for a fork: a file of the
// replay directory, or in a fleet, a replay in the fleet's store. The
// caller closes it.
func (s *Server) sourceOf(ctx context.Context, id string) (*replay.Reader, error) {
	r, err := s.dir.Open(id)
	if err == nil || s.opts.Fleet == nil || !errors.Is(err, fs.ErrNotExist) {
		return r, err
	}
	return s.fleetSource(ctx, id)
}

// liveSource waits, for a fork of running match m at tick, until the chunk
// that holds tick is on disk (at most about a chunk's time: a second by
// default), and opens the match's replay as it is. Without a tick (has is
// false) the fork takes the last keyframe on disk, whose world was
// recorded whole.
func (s *Server) liveSource(ctx context.Context, m *match, tick uint32, has bool) (*replay.Reader, uint32, error) {
	if has {
		if now := m.tick.Load(); tick > now {
			return nil, 0, fmt.Errorf("%w: tick %d is ahead of the match, at tick %d", ErrForkRange, tick, now)
		}
		wait := time.Duration(max(s.opts.ChunkTicks, int(m.world.TickRate))+int(m.world.TickRate)) * time.Second / time.Duration(m.world.TickRate)
		ctx, cancel := context.WithTimeout(ctx, wait+time.Second)
		defer cancel()
		for !m.hasSealed.Load() || m.sealed.Load() < tick {
			select {
			case <-m.done: // ended: its file is complete
			case <-ctx.Done():
				return nil, 0, fmt.Errorf("%w: tick %d of the match is not on disk yet; try again shortly", ErrRefused, tick)
			case <-time.After(20 * time.Millisecond):
				continue
			}
			break
		}
	}
	r, err := s.dir.Open(m.replayID)
	if err != nil {
		return nil, 0, err
	}
	if !has {
		keys := r.KeyframeTicks()
		if len(keys) == 0 {
			r.Close()
			return nil, 0, fmt.Errorf("%w: the match has no second on disk yet; try again shortly", ErrRefused)
		}
		tick = keys[len(keys)-1]
	}
	return r, tick, nil
}
