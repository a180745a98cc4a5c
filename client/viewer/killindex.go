package viewer

import (
	"sync"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/replay"
)

// KillIndex finds every kill of a recording, on a goroutine of its own, by
// playing it through once (about a second for a 60-minute match of 32
// players): the timeline's markers and the kill feed at any tick come from
// it. It publishes what it has found as it goes. Its methods are safe for
// concurrent use.
type KillIndex struct {
	mu    sync.Mutex
	kills []scene.Kill // in tick order; the first published are immutable
	done  uint32       // the last tick indexed
	err   error

	grow chan *replay.Reader
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// publishEvery is how many ticks the index plays between publishing.
const publishEvery = 4096

// NewKillIndex starts indexing r.
func NewKillIndex(r *replay.Reader) *KillIndex {
	x := &KillIndex{grow: make(chan *replay.Reader, 1), stop: make(chan struct{})}
	x.done = r.Info().FirstTick
	x.wg.Add(1)
	go x.run(r)
	return x
}

// Grow has the index go on into r, a Reader grown from the last one
// (a live match).
func (x *KillIndex) Grow(r *replay.Reader) {
	for {
		select {
		case x.grow <- r:
			return
		default:
		}
		select { // replace a reader not yet taken
		case <-x.grow:
		default:
		}
	}
}

// Kills returns the kills found so far, in tick order. The slice must not
// be changed.
func (x *KillIndex) Kills() []scene.Kill {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.kills[:len(x.kills):len(x.kills)]
}

// Done returns the last tick indexed, and the error that stopped the index
// early, if any.
func (x *KillIndex) Done() (uint32, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.done, x.err
}

// Close stops the index and waits for its goroutine.
func (x *KillIndex) Close() {
	x.once.Do(func() { close(x.stop) })
	x.wg.Wait()
}

func (x *KillIndex) run(r *replay.Reader) {
	defer x.wg.Done()
	in := r.Info()
	for in.Chunks == 0 { // a live match before its first chunk
		select {
		case <-x.stop:
			return
		case r = <-x.grow:
			in = r.Info()
		}
	}
	c, err := r.Cursor(in.FirstTick)
	if err != nil {
		x.fail(err)
		return
	}
	prev := c.World().Clone()
	var found []scene.Kill
	for {
		last := r.Info().LastTick
		for c.Tick() < last {
			prev.CopyFrom(c.World())
			if err := c.Next(); err != nil {
				x.publish(found, c.Tick())
				x.fail(err)
				return
			}
			found = scene.Kills(prev, c.World(), found)
			if c.Tick()%publishEvery == 0 {
				x.publish(found, c.Tick())
				found = found[:0]
				select {
				case <-x.stop:
					return
				default:
				}
			}
		}
		x.publish(found, c.Tick())
		found = found[:0]
		select {
		case <-x.stop:
			return
		case nr := <-x.grow:
			if err := c.Rebase(nr); err != nil {
				x.fail(err)
				return
			}
			r = nr
		}
	}
}

func (x *KillIndex) publish(found []scene.Kill, done uint32) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.kills = append(x.kills, found...)
	x.done = done
}

func (x *KillIndex) fail(err error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.err = err
}
