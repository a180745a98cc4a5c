package browse

import (
	"context"
	"sync"
)

// Result is a finished fetch.
type Result struct {
	Address Address
	Listing Listing
	Err     error
}

// Browser fetches servers' matches on goroutines of its own, one fetch at
// a time per server. Its methods are safe for concurrent use and never
// block on the network: the game loop calls Refresh and Poll every frame
// it likes.
type Browser struct {
	o       Options
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	busy    map[Address]bool
	results chan Result
}

// New returns a Browser.
func New(o Options) *Browser {
	ctx, cancel := context.WithCancel(context.Background())
	return &Browser{o: o.withDefaults(), ctx: ctx, cancel: cancel, busy: map[Address]bool{}, results: make(chan Result, 16)}
}

// Refresh starts fetching a's matches, unless a fetch of a is under way
// or the Browser is closed; it reports whether it started one.
func (b *Browser) Refresh(a Address) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.busy[a] || b.ctx.Err() != nil {
		return false
	}
	b.busy[a] = true
	b.wg.Go(func() {
		l, err := Fetch(b.ctx, b.o, a)
		b.mu.Lock()
		delete(b.busy, a)
		b.mu.Unlock()
		select {
		case b.results <- Result{Address: a, Listing: l, Err: err}:
		case <-b.ctx.Done():
		}
	})
	return true
}

// Busy reports whether a fetch of a is under way.
func (b *Browser) Busy(a Address) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.busy[a]
}

// Poll appends the fetches that finished since the last call to dst.
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

// Close cancels the fetches under way and waits for their goroutines.
func (b *Browser) Close() {
	b.cancel()
	b.wg.Wait()
}
