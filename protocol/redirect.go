package protocol

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// A redirect is how a node of a fleet sends a client to the node that
// hosts its match: it closes the handshake with CloseRedirect and a reason
// of the form "URL MATCH" (MATCH may be empty: "URL"), and the client
// sends its hello again to URL, asking for MATCH when one is given. A
// close reason holds 123 bytes, which bounds the URL (MaxRedirectURLLen).
type Redirect struct {
	URL   string // ws:// or wss:// URL of the node to go to
	Match string // the match to ask for there; empty: the one asked for here
}

// MaxRedirectURLLen caps a redirect's URL, so that it and a match id fit
// in a WebSocket close reason.
const MaxRedirectURLLen = 86

var matchIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// ValidMatchID reports whether id may name a match: 1 to MaxMatchIDLen
// lowercase letters, digits and dashes, starting with a letter or digit.
func ValidMatchID(id string) bool { return matchIDPattern.MatchString(id) }

// CheckRedirectURL says what is wrong with u as a redirect target, if
// anything.
func CheckRedirectURL(u string) error {
	if len(u) > MaxRedirectURLLen {
		return fmt.Errorf("protocol: redirect URL longer than %d bytes", MaxRedirectURLLen)
	}
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "ws" && p.Scheme != "wss") || p.Host == "" || strings.ContainsAny(u, " \t\r\n") {
		return fmt.Errorf("protocol: redirect URL %q: want ws://HOST[:PORT]/PATH or wss://…", u)
	}
	return nil
}

// Reason returns the close reason that carries r.
func (r Redirect) Reason() string {
	if r.Match == "" {
		return r.URL
	}
	return r.URL + " " + r.Match
}

// ParseRedirect decodes a CloseRedirect reason.
func ParseRedirect(reason string) (Redirect, error) {
	u, match, _ := strings.Cut(reason, " ")
	if err := CheckRedirectURL(u); err != nil {
		return Redirect{}, err
	}
	if match != "" && !ValidMatchID(match) {
		return Redirect{}, fmt.Errorf("protocol: redirect to match %q: not a match id", match)
	}
	return Redirect{URL: u, Match: match}, nil
}
