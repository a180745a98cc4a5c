package bots

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/sim"
	"github.com/skirmishgg/skirmish/sim/brain"
)

// Run phases, in order.
const (
	phaseRamp   int32 = iota // bots connecting
	phaseWindow              // measuring
	phaseDrain               // no new commands; waiting for the last answers
	phaseStop                // closing
)

var phaseNames = [...]string{"ramp", "run", "drain", "stop"}

// abortAfter is the number of connections that time out, with none
// succeeding, after which a run gives up instead of dialing the remaining
// bots. A refusal (connection refused, a close status, an HTTP error) with
// none succeeding ends the ramp at once.
const abortAfter = 10

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// run is the state of one Run, shared by its bots.
type run struct {
	o          Options
	t0         time.Time
	httpClient *http.Client
	shards     []*shard
	bots       []*bot

	phase    atomic.Int32
	stopping atomic.Bool  // the run is closing the bots: errors are not disconnects
	drainAt  atomic.Int64 // when the drain ends, on the run's clock
	quit     chan struct{}
	quitOnce sync.Once

	// Counters read by the progress line.
	commands  atomic.Int64 // commands sent in the window
	sentTotal atomic.Int64 // commands sent in any phase
	rejects   [256]atomic.Int64
	alive     atomic.Int64 // bots connected and playing
	connErrs  atomic.Int64
	discs     atomic.Int64

	mu       sync.Mutex
	dialed   int // bots that have connected, failed or given up
	allDials chan struct{}
	ok       int // successful dials
	failed   int // failed dials
	done     int // bots whose goroutine has ended
	allDone  chan struct{}
	connFail map[string]int // connect failures by reason
	live     []*bot         // bots with a session, for closing at the end
	ended    bool           // no more bots may register

	spawnMu sync.Mutex
	spawnAt map[string][]sim.Point // the spawn points of the maps the blind bots play, by name
}

// spawns returns the spawn points of the map called name, which blind bots
// spawn at without a world to look them up in.
func (r *run) spawns(name string) ([]sim.Point, error) {
	r.spawnMu.Lock()
	defer r.spawnMu.Unlock()
	if p, ok := r.spawnAt[name]; ok {
		return p, nil
	}
	src, err := assets.MapSource(name)
	if err != nil {
		return nil, fmt.Errorf("bots: map %q: %w", name, err)
	}
	m, err := sim.ParseMap(name, src)
	if err != nil {
		return nil, fmt.Errorf("bots: %w", err)
	}
	r.spawnAt[name] = m.Spawns()
	return r.spawnAt[name], nil
}

func (r *run) since() time.Duration { return time.Since(r.t0) }

func (r *run) drainEnd() time.Duration { return time.Duration(r.drainAt.Load()) }

// abort makes the bots that have not connected yet give up.
func (r *run) abort() { r.quitOnce.Do(func() { close(r.quit) }) }

func (r *run) dialDone(b *bot, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dialed++
	switch {
	case err != nil:
		r.failed++
		r.connErrs.Add(1)
		r.connFail[describe(err)]++
		if r.ok == 0 && (r.failed >= abortAfter || !isTimeout(err)) {
			// Nobody got in and the server answered with a refusal (or
			// not at all, ten times): the others would fare the same.
			r.abort()
		}
	case b.sess != nil || b.tr != nil:
		r.ok++
	}
	if r.dialed == len(r.bots) {
		close(r.allDials)
	}
}

// register adds a connected bot to the live set; false if the run is
// already closing.
func (r *run) register(b *bot) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ended {
		return false
	}
	r.live = append(r.live, b)
	r.alive.Add(1)
	return true
}

func (r *run) botDone(b *bot) {
	if b.ended {
		r.discs.Add(1)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if b.registered {
		r.alive.Add(-1)
	}
	r.done++
	if r.done == len(r.bots) {
		close(r.allDone)
	}
}

// Run runs a load test as o describes, until the window ends or ctx is
// done, and returns what it measured. The results are returned (partial)
// whenever the options were valid, even with an error: bots that could not
// connect (ErrConnect, with the server's reason when it refused the
// handshake), bots the server disconnected (ErrDisconnect), worlds that
// desynchronised (ErrDesync), or ctx's error.
func Run(ctx context.Context, o Options) (*Results, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	var scripts []*script
	if o.Replay != "" {
		if scripts, err = loadScripts(o.Replay, o.Speed); err != nil {
			return nil, err
		}
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost: o.Bots,
			ForceAttemptHTTP2:   false,
		}}
	}
	r := &run{
		o:          o,
		t0:         time.Now(),
		httpClient: hc,
		quit:       make(chan struct{}),
		allDials:   make(chan struct{}),
		allDone:    make(chan struct{}),
		connFail:   map[string]int{},
		spawnAt:    map[string][]sim.Point{},
	}
	for range numShards {
		r.shards = append(r.shards, newShard())
	}
	for i := range o.Bots {
		b := &bot{r: r, i: i, match: matchID(o.MatchPrefix, i%o.Matches), shard: r.shards[i%numShards],
			full: i/o.Matches < o.FullBots} // bot i is the (i/Matches)-th of its match
		if scripts != nil {
			b.drv = newDriver(nil, &scriptCursor{s: scripts[i%len(scripts)]})
		} else {
			br, err := brain.New(o.Brain, brain.Seed(o.Seed, i), o.Rate)
			if err != nil {
				return nil, fmt.Errorf("bots: %w", err)
			}
			b.drv = newDriver(br, nil)
		}
		r.bots = append(r.bots, b)
	}
	res := newResults(o, r.t0)
	prog := newProgress(r, res)
	progDone := make(chan struct{})
	progStop := make(chan struct{})
	go func() {
		defer close(progDone)
		prog.loop(progStop)
	}()

	for i, b := range r.bots {
		start := time.Duration(0)
		if o.Bots > 1 {
			start = o.Ramp * time.Duration(i) / time.Duration(o.Bots)
		}
		go b.loop(start)
	}

	// Ramp: until every bot has connected or failed.
	var runErr error
	select {
	case <-r.allDials:
	case <-ctx.Done():
		runErr = ctx.Err()
	}
	r.abort() // nobody dials once the ramp is over
	var cpu0 cpuSample
	winStart, opened := r.since(), false
	if runErr == nil && r.alive.Load() > 0 {
		cpu0 = takeCPU(o.ServerPID)
		r.phase.Store(phaseWindow)
		winStart, opened = r.since(), true
		runErr = r.wait(ctx, o.Duration)
	}
	winEnd := r.since()
	if !opened {
		winEnd = winStart
	}
	cpu1 := takeCPU(o.ServerPID)

	// Drain: bots stop sending and wait for their last answers.
	r.drainAt.Store(int64(winEnd + o.Drain))
	r.phase.Store(phaseDrain)
	if err := r.wait(ctx, o.Drain); err != nil && runErr == nil {
		runErr = err
	}
	// Close whatever is still open: bots waiting on a silent server.
	r.phase.Store(phaseStop)
	r.stopping.Store(true)
	r.mu.Lock()
	r.ended = true
	live := r.live
	r.mu.Unlock()
	for _, b := range live {
		b.closeNow()
	}
	<-r.allDone
	close(progStop)
	<-progDone

	res.collect(r, winStart, winEnd, cpu0, cpu1)
	prog.final(res)
	err = r.verdict(res, runErr)
	if err != nil {
		res.Error = err.Error()
	}
	return res, err
}

// wait waits for d, for ctx, or until no bot is playing.
func (r *run) wait(ctx context.Context, d time.Duration) error {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	for {
		select {
		case <-deadline.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-r.allDone:
			return nil
		case <-poll.C:
			if r.alive.Load() == 0 {
				return nil
			}
		}
	}
}

// verdict is Run's error: the first of ctx's error, connection failures,
// disconnects and desyncs, with the servers' reasons.
func (r *run) verdict(res *Results, ctxErr error) error {
	var errs []error
	if ctxErr != nil {
		errs = append(errs, fmt.Errorf("bots: run interrupted: %w", ctxErr))
	}
	if res.ConnectErrors > 0 {
		what := fmt.Sprintf("%d of %d bots could not connect", res.ConnectErrors, res.Bots)
		if res.Connected == 0 {
			what = fmt.Sprintf("no bot could connect (%d tried)", res.ConnectErrors)
		}
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrConnect, what, reasons(res.ConnectErrorReasons)))
	}
	if res.Disconnects > 0 {
		errs = append(errs, fmt.Errorf("%w: the server closed %d of %d connections: %s",
			ErrDisconnect, res.Disconnects, res.Connected, reasons(res.DisconnectReasons)))
	}
	if res.Desyncs > 0 {
		errs = append(errs, fmt.Errorf("%w: %d frame hashes differed from the bots' worlds", ErrDesync, res.Desyncs))
	}
	return errors.Join(errs...)
}

// reasons lists a count-by-reason map, most frequent first.
func reasons(m map[string]int) string {
	type kv struct {
		k string
		n int
	}
	var l []kv
	for k, n := range m {
		l = append(l, kv{k, n})
	}
	sort.Slice(l, func(i, j int) bool { return l[i].n > l[j].n || l[i].n == l[j].n && l[i].k < l[j].k })
	var parts []string
	for i, e := range l {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more reasons", len(l)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%q ×%d", e.k, e.n))
	}
	return strings.Join(parts, ", ")
}

// merged returns the sum of every shard's histogram h.
func (r *run) merged(h func(*shard) *hdrhistogram.Histogram, sig int) *hdrhistogram.Histogram {
	dst := newHist(sig)
	mergeInto(r.shards, dst, h, false)
	return dst
}
