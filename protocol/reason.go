package protocol

import (
	"fmt"

	"github.com/skirmishgg/skirmish/sim"
)

// Reason is the code of a Reject. Codes below 64 are sim.Reason values
// (the world's rules); 64 and up are the server's own.
type Reason uint8

// The server's reasons.
const (
	ReasonRateLimited Reason = 64 + iota // too many commands; slow down
	ReasonTooOld                         // the timestamp is too far in the past
	ReasonFromFuture                     // the timestamp is ahead of the server's clock
	ReasonNotAllowed                     // join and leave are not commands
	ReasonNotJoined                      // the session has no player yet
	numServerReasons
)

var serverReasons = [...]string{"rate limited", "timestamp too old", "timestamp in the future",
	"action not allowed as a command", "not joined"}

// String returns the reason's stable short text, for logs and metric labels.
func (r Reason) String() string {
	if r >= 64 && r < numServerReasons {
		return serverReasons[r-64]
	}
	if r > 0 && r < 64 {
		return sim.Reason(r).Error()[len("sim: "):]
	}
	return fmt.Sprintf("reason(%d)", uint8(r))
}
