package viewer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/skirmishgg/skirmish/replay"
)

// LiveOptions configure DialLive. The zero value is the default.
type LiveOptions struct {
	// Client makes the requests. Default: http.DefaultClient.
	Client *http.Client
	// Timeout bounds each request. Default 10 s.
	Timeout time.Duration
	// Poll is how often the index is asked for new chunks. The server
	// seals a chunk about once a second, and a cache in front keeps the
	// index for a second. Default 500 ms.
	Poll time.Duration
	// Retry is the wait before asking again after a request failed.
	// Default 2 s.
	Retry time.Duration
	// Parallel is how many chunks are fetched at once when more than one
	// is missing: on joining a match in progress, after an outage.
	// Default 8.
	Parallel int
	// MaxBytes bounds the recording kept in memory. Default 1 GiB (a
	// 60-minute match of 32 players is 1.5 MiB).
	MaxBytes int64
}

func (o *LiveOptions) defaults() {
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = 500 * time.Millisecond
	}
	if o.Retry <= 0 {
		o.Retry = 2 * time.Second
	}
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 1 << 30
	}
}

// Live follows a running match through its server's chunk URLs
// (docs/HTTP-API.md): the match's index names its replay, and then the
// replay's header, each chunk by number as the index lists it, and the
// footer when the match has ended are fetched, each at a URL of its own
// whose bytes never change, so that any HTTP cache between the spectator
// and the server can serve them. Live keeps the bytes in memory and grows
// a replay.Reader over them, so that all of the match received so far can
// be sought. A request that fails is made again; only what is missing is
// ever fetched. Its methods are safe for concurrent use.
type Live struct {
	url   string // as given to DialLive
	o     LiveOptions
	buf   memFile
	rbase *url.URL // the replay's URLs are under it: header, chunks, footer
	rid   string

	mu     sync.Mutex
	r      *replay.Reader
	status LiveStatus

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// LiveStatus is where a live match stands.
type LiveStatus struct {
	Chunks int
	// Last is the newest tick received, and At when it arrived.
	Last uint32
	At   time.Time
	// Done: the match ended and every chunk has arrived (or the server no
	// longer has the recording: what arrived is all there is).
	Done bool
	// Connected: the last request to the server succeeded; Err says why
	// one failed (the last time one did), and Reconnects counts the
	// times requests succeeded again after failing.
	Connected  bool
	Err        error
	Reconnects int
}

// DialLive starts following the running match at addr: its page on a
// server (http://HOST:PORT/api/matches/ID), or its index or live stream
// under it (…/chunks, …/live). It returns once the match's index and the
// replay's header have arrived (each within LiveOptions.Timeout, or when
// ctx ends); the chunks then arrive on a goroutine of Live's until Close.
func DialLive(ctx context.Context, addr string, o LiveOptions) (*Live, error) {
	o.defaults()
	index, err := matchIndexURL(addr)
	if err != nil {
		return nil, err
	}
	l := &Live{url: addr, o: o}
	ix, at, err := l.getIndex(ctx, index)
	if err != nil {
		return nil, err
	}
	// The replay's URLs are the server's that answered (a node of a fleet
	// may have sent the request on to the one hosting the match), under
	// the same path prefix.
	l.rid = ix.Replay
	l.rbase = at.ResolveReference(&url.URL{Path: "../../replays/" + ix.Replay + "/"})
	hdr, err := l.get(ctx, "header", replay.MaxHeaderLen+64)
	if err != nil {
		return nil, err
	}
	if _, err := l.buf.append(hdr, o.MaxBytes); err != nil {
		return nil, err
	}
	r, err := replay.NewReader(&l.buf, l.buf.size())
	if err != nil {
		return nil, fmt.Errorf("viewer: live: %s: %w", l.pieceURL("header"), err)
	}
	if h := r.Header(); h.MatchID != ix.Match {
		return nil, fmt.Errorf("viewer: live: the header of replay %s is match %q's, the index says %q", ix.Replay, h.MatchID, ix.Match)
	}
	l.r = r
	l.status.Connected = true
	lctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	l.wg.Add(1)
	go l.run(lctx, ix)
	return l, nil
}

// matchIndexURL turns the address of a running match into its index's:
// http://HOST/PREFIX/api/matches/ID[/live|/chunks] into
// http://HOST/PREFIX/api/matches/ID/chunks.
func matchIndexURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	bad := func() (*url.URL, error) {
		return nil, fmt.Errorf("viewer: live: %q: want a running match's URL, http://HOST:PORT/api/matches/ID (or …/live)", s)
	}
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad()
	}
	prefix, rest, ok := strings.Cut(u.Path, "/api/matches/")
	if !ok {
		return bad()
	}
	id, suffix, _ := strings.Cut(strings.TrimSuffix(rest, "/"), "/")
	if id == "" || (suffix != "" && suffix != "live" && suffix != "chunks") {
		return bad()
	}
	return &url.URL{Scheme: u.Scheme, User: u.User, Host: u.Host, Path: prefix + "/api/matches/" + id + "/chunks"}, nil
}

// liveIndex is the part of a chunk index (GET …/chunks) a spectator needs.
type liveIndex struct {
	Replay string `json:"replay"`
	Match  string `json:"match"`
	State  string `json:"state"` // running, ended or recovered
	Count  int    `json:"count"`
}

// replayIDPattern matches the replay ids a server gives (docs/HTTP-API.md),
// which the viewer puts in URLs.
var replayIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// maxIndexBytes bounds an index: about 80 bytes a chunk, and it is asked
// for from the first chunk missing.
const maxIndexBytes = 64 << 20

// getIndex fetches and checks an index; it returns the URL that answered
// it, after any redirect.
func (l *Live) getIndex(ctx context.Context, u *url.URL) (liveIndex, *url.URL, error) {
	var ix liveIndex
	b, at, err := l.fetch(ctx, u, maxIndexBytes)
	if err != nil {
		return ix, nil, err
	}
	if err := json.Unmarshal(b, &ix); err != nil {
		return ix, nil, fmt.Errorf("viewer: live: %s: %w", u, err)
	}
	if !replayIDPattern.MatchString(ix.Replay) || ix.Count < 0 {
		return ix, nil, fmt.Errorf("viewer: live: %s: not a chunk index", u)
	}
	return ix, at, nil
}

// pieceURL returns the URL of a piece of the replay: "header", "footer",
// "chunks/N" or "chunks?from=N".
func (l *Live) pieceURL(piece string) *url.URL {
	ref, _ := url.Parse(piece)
	return l.rbase.ResolveReference(ref)
}

// get fetches a piece of the replay, at most max bytes.
func (l *Live) get(ctx context.Context, piece string, max int64) ([]byte, error) {
	b, _, err := l.fetch(ctx, l.pieceURL(piece), max)
	return b, err
}

// fetch makes one GET request, within the timeout, and returns the body
// of a 200 answer (at most max bytes) and the URL that gave it.
func (l *Live) fetch(ctx context.Context, u *url.URL, max int64) ([]byte, *url.URL, error) {
	rctx, cancel := context.WithTimeout(ctx, l.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("viewer: live: %w", err)
	}
	resp, err := l.o.Client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("viewer: live: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, &statusError{code: resp.StatusCode, msg: fmt.Sprintf("viewer: live: GET %s: %s", u, httpReason(resp))}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, nil, fmt.Errorf("viewer: live: GET %s: %w", u, err)
	}
	if int64(len(b)) > max {
		return nil, nil, fmt.Errorf("viewer: live: GET %s: more than the %d bytes it can be", u, max)
	}
	return b, resp.Request.URL, nil
}

// statusError is a response other than 200 OK.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

// isStatus reports whether err is a response with status code.
func isStatus(err error, code int) bool {
	var se *statusError
	return errors.As(err, &se) && se.code == code
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

var (
	errTooBig     = errors.New("viewer: live: the recording is larger than the memory allowed for it")
	errOtherMatch = errors.New("viewer: live: the server now lists another recording under this address")
	errShrunk     = errors.New("viewer: live: the server lists fewer chunks than it did")
)

// run follows the index until the match has ended and everything has
// arrived: it fetches the chunks the index lists that are missing, asks
// the index again every Poll, and after a failed request waits Retry and
// goes on from what it has.
func (l *Live) run(ctx context.Context, ix liveIndex) {
	defer l.wg.Done()
	var err error
	for {
		if err == nil {
			err = l.catchUp(ctx, ix)
		}
		over := false
		var footErr error
		if err == nil && ix.State != "running" && l.Status().Chunks == ix.Count {
			// The recording is over: with its footer, the file is
			// complete; without (a crash), what is sealed is all there is.
			if ix.State == "ended" {
				footErr, err = l.finish(ctx)
			}
			over = err == nil
		}
		if ctx.Err() != nil {
			return
		}
		l.report(err)
		if over {
			l.setDone(footErr)
			return
		}
		if fatal(err) {
			return
		}
		wait := l.o.Poll
		if err != nil {
			wait = l.o.Retry
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		ix, _, err = l.getIndex(ctx, l.pieceURL("chunks?from="+strconv.Itoa(l.Status().Chunks)))
		switch {
		case isStatus(err, http.StatusNotFound):
			// The server no longer has the recording (its retention
			// removed it): what has arrived is all there is.
			l.setDone(err)
			return
		case err == nil && ix.Replay != l.rid:
			err = errOtherMatch
		case err == nil && ix.Count < l.Status().Chunks:
			err = errShrunk
		}
	}
}

// fatal reports whether err stops following: the recording cannot go on
// in memory, or what the server sends is not the recording it was.
func fatal(err error) bool {
	return errors.Is(err, errTooBig) || errors.Is(err, errOtherMatch) || errors.Is(err, replay.ErrCorrupt)
}

// report records how the last round of requests went.
func (l *Live) report(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case err != nil:
		l.status.Connected, l.status.Err = false, err
	case !l.status.Connected:
		l.status.Connected, l.status.Err = true, nil
		l.status.Reconnects++
	}
}

func (l *Live) setDone(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.status.Done, l.status.Err = true, err
}

// catchUp fetches the chunks the index lists that have not arrived, up to
// Parallel at a time, and publishes them in order.
func (l *Live) catchUp(ctx context.Context, ix liveIndex) error {
	for have := l.Status().Chunks; have < ix.Count; have = l.Status().Chunks {
		n := min(ix.Count-have, l.o.Parallel)
		got := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				got[i], errs[i] = l.get(ctx, "chunks/"+strconv.Itoa(have+i), replay.MaxChunkLen+64)
			})
		}
		wg.Wait()
		added := 0
		for i := range n {
			if errs[i] != nil {
				break
			}
			if _, err := l.buf.append(got[i], l.o.MaxBytes); err != nil {
				return err
			}
			added++
		}
		if added > 0 {
			if err := l.grow(have + added); err != nil {
				return err
			}
		}
		if added < n {
			return errs[added]
		}
	}
	return nil
}

// grow publishes the chunks appended since the last time: want of them in
// all. A chunk that is not one (its checks fail, or it does not continue
// the one before) is corruption.
func (l *Live) grow(want int) error {
	l.mu.Lock()
	r := l.r
	l.mu.Unlock()
	nr, err := r.Grow(&l.buf, l.buf.size())
	if err != nil {
		return err
	}
	in := nr.Info()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.r = nr
	l.status.Chunks, l.status.Last, l.status.At = in.Chunks, in.LastTick, time.Now()
	if in.Chunks != want {
		return fmt.Errorf("viewer: live: %s: %w", l.pieceURL("chunks/"+strconv.Itoa(in.Chunks)), in.LostErr)
	}
	return nil
}

// finish fetches the footer of an ended match: the recording in memory is
// then its replay file, which is read again, its index and players from
// the footer. It returns err when the footer could not be fetched (the
// next round asks again), and footErr when it came but does not read: the
// chunks, which all came, are then what there is.
func (l *Live) finish(ctx context.Context) (footErr, err error) {
	b, err := l.get(ctx, "footer", replay.MaxFooterLen+64)
	if err != nil {
		return nil, err
	}
	if _, err := l.buf.append(b, l.o.MaxBytes); err != nil {
		return err, nil
	}
	r, err := replay.NewReader(&l.buf, l.buf.size())
	if err != nil {
		return fmt.Errorf("viewer: live: %s: %w", l.pieceURL("footer"), err), nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.r = r
	return nil, nil
}

// Reader returns a Reader of everything received so far. It is replaced
// by a grown one as chunks arrive.
func (l *Live) Reader() *replay.Reader {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r
}

// Status returns where the match stands.
func (l *Live) Status() LiveStatus {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.status
}

// URL returns the address DialLive was given.
func (l *Live) URL() string { return l.url }

// Replay returns the id of the replay being followed.
func (l *Live) Replay() string { return l.rid }

// Close stops following and waits for Live's goroutine.
func (l *Live) Close() error {
	l.cancel()
	l.wg.Wait()
	return nil
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
