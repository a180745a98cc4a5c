//go:build unix

package server

import (
	"crypto/tls"
	"errors"
	"net"
	"syscall"
)

// directWriter returns the raw connection beneath conn, through which
// tryWrite writes without waiting, or nil if conn has none (TLS).
func directWriter(conn net.Conn) syscall.RawConn {
	if _, ok := conn.(*tls.Conn); ok {
		return nil
	}
	return rawConn(conn)
}

// rawConn returns the socket beneath conn (beneath TLS too), or nil.
func rawConn(conn net.Conn) syscall.RawConn {
	if tc, ok := conn.(*tls.Conn); ok {
		conn = tc.NetConn()
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// setSendBuffer sets the send buffer of conn's socket to n bytes, if it
// has a socket and n is positive.
func setSendBuffer(conn net.Conn, n int) {
	rc := rawConn(conn)
	if rc == nil || n <= 0 {
		return
	}
	rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, n) })
}

// tryWrite writes the frame b with one write system call, never waiting:
// not for the socket's buffer, nor for another frame being written. It
// returns errWouldBlock when it wrote nothing. After a partial write it
// returns the bytes written and held true: the frame's first bytes are on
// the wire, wmu stays held, and the caller must finish the frame with
// writeFrame(b[n:], true) before anything else is written.
func (c *wsConn) tryWrite(b []byte) (n int, held bool, err error) {
	if c.direct == nil || !c.wmu.TryLock() {
		return 0, false, errWouldBlock
	}
	if c.closeSent {
		c.wmu.Unlock()
		return 0, false, errCloseSent
	}
	var werr error
	err = c.direct.Write(func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), b)
			if werr != syscall.EINTR {
				return true // done, or not now: never wait for the socket here
			}
		}
	})
	if err == nil {
		err = werr
	}
	n = max(n, 0)
	switch {
	case n == len(b):
		c.wmu.Unlock()
		return n, false, nil
	case n > 0:
		return n, true, nil
	case errors.Is(err, syscall.EAGAIN):
		err = errWouldBlock
	case err == nil:
		err = errWouldBlock // a write of nothing: leave it to the writer
	}
	c.wmu.Unlock()
	return 0, false, err
}
