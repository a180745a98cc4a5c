package browse

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// DefaultPort is the port of an address typed without one: skirmishd's.
const DefaultPort = "7777"

// Address is a server's two addresses: its game WebSocket and the base of
// its HTTP API.
type Address struct {
	// WS is the game's WebSocket: ws://host:port/ws (wss:// for TLS).
	WS string
	// HTTP is the API's base, without a trailing slash: http://host:port.
	HTTP string
}

// ParseAddress reads a server's address as a player types it: "host",
// "host:port", "ws://host:port/ws", "wss://host/ws", "http://host:port" or
// "https://host". A missing port is DefaultPort for a bare host, and the
// scheme's for a URL.
func ParseAddress(s string) (Address, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Address{}, fmt.Errorf("%w: empty", ErrAddress)
	}
	if !strings.Contains(s, "://") {
		host := s
		if _, _, err := net.SplitHostPort(s); err != nil {
			host = net.JoinHostPort(strings.Trim(s, "[]"), DefaultPort)
		}
		s = "ws://" + host + "/ws"
	}
	u, err := url.Parse(s)
	if err != nil {
		return Address{}, fmt.Errorf("%w: %q: %v", ErrAddress, s, err)
	}
	if u.Host == "" || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Address{}, fmt.Errorf("%w: %q: want host:port or ws://host:port/ws", ErrAddress, s)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n <= 0 || n > 65535 {
			return Address{}, fmt.Errorf("%w: %q: bad port %q", ErrAddress, s, p)
		}
	}
	var ws, web string
	switch u.Scheme {
	case "ws", "http":
		ws, web = "ws", "http"
	case "wss", "https":
		ws, web = "wss", "https"
	default:
		return Address{}, fmt.Errorf("%w: %q: unknown scheme %q (want ws, wss, http or https)", ErrAddress, s, u.Scheme)
	}
	path := "/ws"
	if (u.Scheme == "ws" || u.Scheme == "wss") && u.Path != "" && u.Path != "/" {
		path = u.Path
	}
	return Address{WS: ws + "://" + u.Host + path, HTTP: web + "://" + u.Host}, nil
}

// String returns the WebSocket address, which names the server.
func (a Address) String() string { return a.WS }
