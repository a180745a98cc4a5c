package link

import (
	"errors"
	"fmt"
	"testing"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/protocol"
)

func TestReason(t *testing.T) {
	t.Parallel()
	closed := func(code int, reason string) error {
		return fmt.Errorf("link: the server refused the session: session: handshake: %w", websocket.CloseError{Code: websocket.StatusCode(code), Reason: reason})
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), "dial tcp 127.0.0.1:1: connect: connection refused"},
		{closed(protocol.CloseMatchFull, "match friday is full"), "the server refused: match friday is full"},
		{closed(protocol.CloseVersion, "protocol version 3, want 4"), "this client and the server speak different versions of the protocol: protocol version 3, want 4"},
		{closed(protocol.CloseGoingAway, ""), "the server is shutting down"},
		{closed(protocol.CloseNormal, "the match ended"), "the match ended"},
		{closed(protocol.ClosePolicy, "kicked by an admin"), "the server closed the session: kicked by an admin"},
		{closed(4999, "odd"), "the server closed the session (StatusCode(4999)): odd"},
	} {
		if got := Reason(tc.err); got != tc.want {
			t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
