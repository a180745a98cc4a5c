//go:build !unix

package server

import (
	"net"
	"syscall"
)

// directWriter returns nil: without a Unix descriptor, every frame goes
// through the session's writer goroutine.
func directWriter(net.Conn) syscall.RawConn { return nil }

// tryWrite never writes here: see wsconn_unix.go.
func (c *wsConn) tryWrite([]byte) (int, bool, error) { return 0, false, errWouldBlock }

// setSendBuffer does nothing here.
func setSendBuffer(net.Conn, int) {}
