//go:build unix

package session

import (
	"io"
	"syscall"
)

// readLoop reads from the socket and calls consume after each read that
// brought bytes, until consume stops it or the connection ends.
//
// It reads from inside one long wait of the runtime's poller (RawConn.Read
// calls its function again each time the socket becomes readable). A read
// that does not fill the buffer has emptied the socket, so instead of
// reading again to be told so, as net.Conn.Read does, it goes back to
// waiting: the poller is edge-triggered, and data that arrives after the
// read makes a new edge, so nothing is missed. That saves a system call per
// message, and the goroutine switch of returning to the caller.
func (c *wsClient) readLoop(consume func() (stop bool, err error)) error {
	if c.raw == nil {
		return c.loopPlain(consume)
	}
	var rerr error
	err := c.raw.Read(func(fd uintptr) bool {
		for {
			c.space()
			n, err := syscall.Read(int(fd), c.buf[c.end:])
			switch {
			case err == syscall.EINTR:
				continue
			case err == syscall.EAGAIN:
				return false // nothing yet: wait
			case err != nil:
				rerr = err
				return true
			case n == 0:
				rerr = io.EOF
				return true
			}
			full := c.end+n == len(c.buf)
			c.end += n
			if stop, err := consume(); stop || err != nil {
				rerr = err
				return true
			}
			if !full {
				return false // the socket is empty: wait for the next arrival
			}
		}
	})
	if err != nil {
		return err
	}
	return rerr
}
