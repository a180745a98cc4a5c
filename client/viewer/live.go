package viewer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/skirmishgg/skirmish/replay"
)

// LiveOptions configure DialLive. The zero value is the default.
type LiveOptions struct {
	// Client makes the requests. Default: a client without a timeout (the
	// stream lasts as long as the match).
	Client *http.Client
	// Timeout bounds connecting and reading the header. Default 10 s.
	Timeout time.Duration
	// Retry is the wait before connecting again after the stream broke
	// off. Default 2 s.
	Retry time.Duration
	// MaxBytes bounds the recording kept in memory. Default 1 GiB (a
	// 60-minute match of 32 players is 1.5 MiB).
	MaxBytes int64
}

func (o *LiveOptions) defaults() {
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Retry <= 0 {
		o.Retry = 2 * time.Second
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
}

// Live follows a running match through its server's live endpoint (GET
// /api/matches/ID/live): the header, then each chunk as it is sealed, the
// same bytes as the replay file. It keeps the bytes in memory and grows a
// replay.Reader over them, so that all of the match received so far can be
// sought. When the stream breaks off before the match's end it connects
// again and goes on from the chunks it has. Its methods are safe for
// concurrent use.
type Live struct {
	url string
	o   LiveOptions
	buf memFile

	mu     sync.Mutex
	r      *replay.Reader
	status LiveStatus

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// LiveStatus is where a live stream stands.
type LiveStatus struct {
	Chunks int
	// Last is the newest tick received, and At when it arrived.
	Last uint32
	At   time.Time
	// Done: the match ended and every chunk has arrived.
	Done bool
	// Connected: the stream is open; Err says why it is not (or why it
	// broke off last), and Reconnects counts new connections.
	Connected  bool
	Err        error
	Reconnects int
}

// DialLive connects to the live stream at url and reads the header. It
// returns once the header has arrived (or within LiveOptions.Timeout, or
// when ctx ends); the chunks then arrive on a goroutine of Live's until
// Close.
func DialLive(ctx context.Context, url string, o LiveOptions) (*Live, error) {
	o.defaults()
	lctx, cancel := context.WithCancel(context.Background())
	l := &Live{url: url, o: o, cancel: cancel}
	st, err := l.connect(ctx, lctx)
	if err != nil {
		cancel()
		return nil, err
	}
	if _, err := l.buf.append(st.sr.RawHeader(), o.MaxBytes); err != nil {
		cancel()
		st.body.Close()
		return nil, err
	}
	r, err := replay.NewReader(&l.buf, l.buf.size())
	if err != nil {
		cancel()
		st.body.Close()
		return nil, err
	}
	l.r = r
	l.status.Connected = true
	l.wg.Add(1)
	go l.run(lctx, st)
	return l, nil
}

// stream is one connection's response being read.
type stream struct {
	body io.ReadCloser
	br   *bufio.Reader
	n    *countingReader
	sr   *replay.StreamReader
}

// connect makes the request and reads the header, within the timeout and
// while ctx lasts; the stream itself lives as long as lctx.
func (l *Live) connect(ctx, lctx context.Context) (*stream, error) {
	rctx, cancel := context.WithCancel(lctx)
	stopAfter := context.AfterFunc(ctx, cancel)
	timer := time.AfterFunc(l.o.Timeout, cancel)
	ok := false
	defer func() {
		stopAfter()
		timer.Stop()
		if !ok {
			cancel()
		}
	}()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, l.url, nil)
	if err != nil {
		return nil, fmt.Errorf("viewer: live: %w", err)
	}
	resp, err := l.o.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("viewer: live: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, &statusError{code: resp.StatusCode, msg: fmt.Sprintf("viewer: live: GET %s: %s", l.url, httpReason(resp))}
	}
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	n := &countingReader{r: br}
	st := &stream{body: bodyCloser{resp.Body, cancel}, br: br, n: n, sr: replay.NewStreamReader(n)}
	if _, err := st.sr.Header(); err != nil {
		resp.Body.Close()
		if rctx.Err() != nil && lctx.Err() == nil && ctx.Err() == nil {
			return nil, fmt.Errorf("viewer: live: no header from %s within %v", l.url, l.o.Timeout)
		}
		return nil, fmt.Errorf("viewer: live: %s: %w", l.url, err)
	}
	ok = true
	return st, nil
}

// statusError is a response other than 200 OK.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

// bodyCloser closes a response body and ends its request's context.
type bodyCloser struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b bodyCloser) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// httpReason describes a failed response: its status and the first line
// of its body, which the server fills with the reason.
func httpReason(resp *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	if line == "" {
		return resp.Status
	}
	return resp.Status + ": " + line
}

// growEvery is the longest a received chunk waits to be published while
// more keep arriving (a burst: the match so far, on connecting).
const growEvery = 250 * time.Millisecond

func (l *Live) run(ctx context.Context, st *stream) {
	defer l.wg.Done()
	have := 0 // chunks received
	for {
		footer, err := l.read(st, &have)
		st.body.Close()
		l.mu.Lock()
		l.status.Connected = false
		if footer {
			l.status.Done, l.status.Err = true, nil
			l.mu.Unlock()
			return
		}
		if err == nil || errors.Is(err, io.EOF) {
			err = errors.New("the stream ended before the match did")
		}
		if ctx.Err() != nil {
			l.mu.Unlock()
			return
		}
		l.status.Err = err
		fatal := errors.Is(err, errTooBig) || errors.Is(err, errOtherMatch) || errors.Is(err, replay.ErrCorrupt)
		l.mu.Unlock()
		if fatal {
			return
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-time.After(l.o.Retry):
			}
			st, err = l.connect(ctx, ctx)
			if err == nil && !bytes.Equal(st.sr.RawHeader(), l.buf.prefix(len(st.sr.RawHeader()))) {
				st.body.Close()
				err = errOtherMatch
			}
			l.mu.Lock()
			if err == nil {
				l.status.Connected, l.status.Err = true, nil
				l.status.Reconnects++
			} else {
				l.status.Err = err
			}
			l.mu.Unlock()
			if err == nil {
				break
			}
			var se *statusError
			if errors.Is(err, errOtherMatch) || errors.As(err, &se) && se.code == http.StatusNotFound {
				// The match is over (its live endpoint is gone) or another
				// has taken its id: what has arrived is all there is.
				l.mu.Lock()
				l.status.Done = !errors.Is(err, errOtherMatch)
				l.mu.Unlock()
				return
			}
		}
	}
}

var (
	errTooBig     = errors.New("viewer: live: the recording is larger than the memory allowed for it")
	errOtherMatch = errors.New("viewer: live: the server now streams another recording under this address")
)

// read reads chunks until the stream ends, keeping those after the first
// have (which arrived on an earlier connection). It reports whether the
// stream ended with the footer: the match is over.
func (l *Live) read(st *stream, have *int) (footer bool, err error) {
	var lastGrow time.Time
	pending := false
	defer func() {
		if pending {
			if gerr := l.grow(); gerr != nil && err == nil {
				err = gerr
			}
		}
	}()
	for {
		c, err := st.sr.Next()
		if errors.Is(err, io.EOF) {
			// The StreamReader reads exactly what it needs, and this
			// connection's header and chunks are those in buf: bytes read
			// beyond them were a footer.
			return st.n.n > l.buf.size(), nil
		}
		if err != nil {
			return false, err
		}
		if c.Index < *have {
			continue
		}
		if _, err := l.buf.append(c.Raw, l.o.MaxBytes); err != nil {
			return false, err
		}
		*have++
		now := time.Now()
		l.mu.Lock()
		l.status.Chunks, l.status.Last, l.status.At = *have, c.Last, now
		l.mu.Unlock()
		pending = true
		if st.br.Buffered() == 0 || now.Sub(lastGrow) >= growEvery {
			if err := l.grow(); err != nil {
				return false, err
			}
			pending, lastGrow = false, now
		}
	}
}

// grow publishes the chunks received since the last time.
func (l *Live) grow() error {
	l.mu.Lock()
	r := l.r
	l.mu.Unlock()
	nr, err := r.Grow(&l.buf, l.buf.size())
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.r = nr
	l.mu.Unlock()
	return nil
}

// Reader returns a Reader of everything received so far. It is replaced
// by a grown one as chunks arrive.
func (l *Live) Reader() *replay.Reader {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r
}

// Status returns where the stream stands.
func (l *Live) Status() LiveStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status
}

// URL returns the stream's address.
func (l *Live) URL() string { return l.url }

// Close stops the stream and waits for its goroutine.
func (l *Live) Close() error {
	l.cancel()
	l.wg.Wait()
	return nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// memFile is a recording in memory that grows at the end: an io.ReaderAt
// for replay.Reader, appended to by Live's goroutine.
type memFile struct {
	mu sync.RWMutex
	b  []byte
}

func (m *memFile) ReadAt(p []byte, off int64) (int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if off < 0 {
		return 0, errors.New("viewer: negative offset")
	}
	if off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *memFile) append(p []byte, limit int64) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if int64(len(m.b))+int64(len(p)) > limit {
		return int64(len(m.b)), errTooBig
	}
	m.b = append(m.b, p...)
	return int64(len(m.b)), nil
}

func (m *memFile) size() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return int64(len(m.b))
}

// prefix returns a copy of the first n bytes.
func (m *memFile) prefix(n int) []byte {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]byte(nil), m.b[:min(n, len(m.b))]...)
}

// Live clock. A live match's chunks arrive about once a second, each with
// a second of ticks; the newest tick received jumps by a second at a time.
// The picture must not: it is drawn Delay behind the match's present, as
// estimated from the newest tick and when it arrived, and the playhead
// moves at the match's pace, a little faster or slower to stay on that
// mark.
const (
	// maxAheadSeconds is how far past the newest tick the present is
	// estimated to go: a little more than a chunk, so that a late chunk
	// stops the estimate rather than the picture running into the end.
	maxAheadSeconds = 1.5
	// liveJumpSeconds is the error beyond which the playhead jumps to the
	// mark rather than catching up (on connecting, after a stall).
	liveJumpSeconds = 2.0
	// catchUpSeconds: an error of this much changes the pace by
	// maxCatchUp.
	catchUpSeconds = 1.0
	maxCatchUp     = 0.2
)

// LiveEdge estimates a live match's present, in ticks, at now: its newest
// tick received, last, which arrived at at, plus the time since, at rate
// ticks a second, but not more than maxAheadSeconds.
func LiveEdge(last uint32, at, now time.Time, rate float64) float64 {
	ahead := now.Sub(at).Seconds() * rate
	return float64(last) + math.Max(0, math.Min(maxAheadSeconds*rate, ahead))
}

// LiveStep returns the playhead dt seconds after pos, playing delay
// seconds behind the present edge (in ticks) of a match at rate ticks a
// second of which ticks up to last have arrived: at the match's pace, up
// to maxCatchUp faster or slower to close the gap, or a jump when it is
// more than liveJumpSeconds; never past last.
func LiveStep(pos, edge, delay, rate, dt float64, last uint32) float64 {
	target := edge - delay*rate
	gap := target - pos
	if math.Abs(gap) > liveJumpSeconds*rate {
		pos = target
	} else {
		pace := 1 + math.Max(-maxCatchUp, math.Min(maxCatchUp, gap/(catchUpSeconds*rate)*maxCatchUp))
		pos += dt * rate * pace
	}
	return math.Min(pos, float64(last))
}
