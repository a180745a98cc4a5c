package link

import (
	"errors"

	"github.com/coder/websocket"
	"github.com/skirmishgg/skirmish/protocol"
)

// Reason returns what a player should read of an error that ended or
// interrupted a link (Status.Err): when the server closed the session, its
// close reason with what the close code means ("the server refused: match
// friday is full"); else the error itself.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	why := ce.Reason
	say := func(what string) string {
		if why == "" {
			return what
		}
		return what + ": " + why
	}
	switch int(ce.Code) {
	case protocol.CloseNormal:
		if why == "" {
			return "the server ended the session"
		}
		return why
	case protocol.CloseGoingAway:
		return say("the server is shutting down")
	case protocol.ClosePolicy:
		return say("the server closed the session")
	case protocol.CloseVersion:
		return say("this client and the server speak different versions of the protocol")
	case protocol.CloseMatchFull, protocol.CloseBadResume, protocol.CloseBadHello:
		return say("the server refused")
	case protocol.CloseProtocolError, protocol.CloseTooBig:
		return say("the server found a message it could not read")
	}
	return say("the server closed the session (" + ce.Code.String() + ")")
}
