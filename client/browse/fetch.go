package browse

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Options configure Fetch and a Browser. The zero value is a working
// default.
type Options struct {
	// Client makes the requests. Default: a client of its own, so that
	// its connections are kept between a listing and its pings.
	Client *http.Client
	// Timeout bounds a whole fetch: the listing and the pings. Default 5 s.
	Timeout time.Duration
	// Pings is how many GET /healthz measure the ping (the quickest
	// counts). Default 3.
	Pings int
}

func (o Options) withDefaults() Options {
	if o.Client == nil {
		o.Client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second}}
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Pings <= 0 {
		o.Pings = 3
	}
	return o
}

// Listing is what a fetch found on a server.
type Listing struct {
	Matches []Match
	// Skipped counts the entries that were not matches.
	Skipped int
	// Ping is the quickest round trip of a GET /healthz; 0 if none
	// answered.
	Ping time.Duration
	// At is when the listing arrived.
	At time.Time
}

// Fetch reads server a's matches and measures its ping. Its errors wrap
// ErrUnreachable (no connection), ErrRefused (an answer other than the
// list: the status and the first line of the body say why) or ErrListing.
func Fetch(ctx context.Context, o Options, a Address) (Listing, error) {
	o = o.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	body, err := get(ctx, o.Client, a.HTTP+"/api/matches")
	if err != nil {
		return Listing{}, err
	}
	ms, skipped, err := DecodeMatches(body)
	if err != nil {
		return Listing{}, fmt.Errorf("%s: %w", a.HTTP, err)
	}
	l := Listing{Matches: ms, Skipped: skipped, At: time.Now()}
	// The connection is open now: the pings measure the round trip, not
	// the handshakes.
	for range o.Pings {
		start := time.Now()
		if _, err := get(ctx, o.Client, a.HTTP+"/healthz"); err != nil {
			break
		}
		if d := time.Since(start); l.Ping == 0 || d < l.Ping {
			l.Ping = d
		}
	}
	return l, nil
}

// get returns the body of a GET that answers 200.
func get(ctx context.Context, c *http.Client, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrAddress, err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrUnreachable, reason(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxListing+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrUnreachable, url, reason(err))
	}
	if resp.StatusCode != http.StatusOK {
		return nil, refused(resp, body)
	}
	if len(body) > MaxListing {
		return nil, fmt.Errorf("%w: %s: more than %d bytes", ErrListing, url, MaxListing)
	}
	return body, nil
}

// refused is the error of an answer that says no: its status and the
// first line of its body, the server's reason.
func refused(resp *http.Response, body []byte) error {
	return &RefusedError{Status: resp.Status, Reason: firstLine(body)}
}

// RefusedError is a server's answer that says no. It wraps ErrRefused.
type RefusedError struct {
	Status string // "409 Conflict"
	Reason string // the first line of the answer, shortened: the server's reason; may be empty
}

func (e *RefusedError) Error() string {
	if e.Reason == "" {
		return ErrRefused.Error() + ": " + e.Status
	}
	return ErrRefused.Error() + ": " + e.Status + ": " + e.Reason
}

// Unwrap returns ErrRefused.
func (e *RefusedError) Unwrap() error { return ErrRefused }

// reason shortens a transport error to what a player can act on: "no
// answer in time", "dial tcp 127.0.0.1:1: connect: connection refused".
func reason(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// firstLine returns the first line of an error page, shortened.
func firstLine(b []byte) string {
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	if sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if len(line) > 120 {
			line = line[:120] + "…"
		}
		return line
	}
	return ""
}
