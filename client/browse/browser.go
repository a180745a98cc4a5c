package browse

import (
	"context"
	"sync"
)

// Op says what a Result answers.
type Op uint8

// Ops of a Browser.
const (
	OpList   Op = iota // Refresh: Listing
	OpMaps             // FetchMaps: Maps
	OpCreate           // Create: Created
)

// Result is a finished request of a Browser.
type Result struct {
	Op      Op
	Address Address
	Listing Listing  // OpList
	Maps    []string // OpMaps
	Created Match    // OpCreate
	Err     error
}

// job is a request under way: one of each Op per server at a time.
type job struct {
	op Op
	a  Address
}

// Browser runs requests to servers (listings, their maps, new matches)
// on goroutines of its own, one of each kind at a time per server. Its
// methods are safe for concurrent use and never block on the network:
// the game loop calls them every frame it likes, and collects the
// answers with Poll.
type Browser struct {
	o       Options
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	busy    map[job]bool
	results chan Result
}

// New returns a Browser.
func New(o Options) *Browser {
	ctx, cancel := context.WithCancel(context.Background())
	return &Browser{o: o.withDefaults(), ctx: ctx, cancel: cancel, busy: map[job]bool{}, results: make(chan Result, 16)}
}

// Refresh starts fetching a's matches, unless a fetch of a is under way
// or the Browser is closed; it reports whether it started one.
func (b *Browser) Refresh(a Address) bool {
	return b.start(job{OpList, a}, func(ctx context.Context) Result {
		l, err := Fetch(ctx, b.o, a)
		return Result{Listing: l, Err: err}
	})
}

// FetchMaps starts fetching the names of a's maps (Maps), unless that is
// under way or the Browser is closed; it reports whether it started.
func (b *Browser) FetchMaps(a Address) bool {
	return b.start(job{OpMaps, a}, func(ctx context.Context) Result {
		names, err := Maps(ctx, b.o, a)
		return Result{Maps: names, Err: err}
	})
}

// Create starts creating a match on a (Create), unless a creation on a
// is under way or the Browser is closed; it reports whether it started.
func (b *Browser) Create(a Address, id, mapName string) bool {
	return b.start(job{OpCreate, a}, func(ctx context.Context) Result {
		m, err := Create(ctx, b.o, a, id, mapName)
		return Result{Created: m, Err: err}
	})
}

// start runs do for j on a goroutine of the Browser, unless j is under
// way or the Browser is closed.
func (b *Browser) start(j job, do func(context.Context) Result) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.busy[j] || b.ctx.Err() != nil {
		return false
	}
	b.busy[j] = true
	b.wg.Go(func() {
		r := do(b.ctx)
		r.Op, r.Address = j.op, j.a
		b.mu.Lock()
		delete(b.busy, j)
		b.mu.Unlock()
		select {
		case b.results <- r:
		case <-b.ctx.Done():
		}
	})
	return true
}

// Busy reports whether a fetch of a's matches is under way.
func (b *Browser) Busy(a Address) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.busy[job{OpList, a}]
}

// Poll appends the requests that finished since the last call to dst.
func (b *Browser) Poll(dst []Result) []Result {
	for {
		select {
		case r := <-b.results:
			dst = append(dst, r)
		default:
			return dst
		}
	}
}

// Close cancels the requests under way and waits for their goroutines.
func (b *Browser) Close() {
	b.cancel()
	b.wg.Wait()
}
