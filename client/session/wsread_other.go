//go:build !unix

package session

// readLoop reads and calls consume after each read, until consume stops it
// or the connection ends; see wsread_unix.go for the Unix way.
func (c *wsClient) readLoop(consume func() (stop bool, err error)) error {
	return c.loopPlain(consume)
}
