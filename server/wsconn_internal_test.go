package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// splitConn records what is written to it, each Write in two halves with
// a pause between them, as a socket with little room takes a frame: a
// writer that does not hold the connection for the whole frame would let
// another's bytes in between.
type splitConn struct {
	net.Conn // not used: only Write is called
	mu       sync.Mutex
	buf      []byte
}

func (c *splitConn) Write(p []byte) (int, error) {
	half := len(p) / 2
	c.mu.Lock()
	c.buf = append(c.buf, p[:half]...)
	c.mu.Unlock()
	time.Sleep(20 * time.Microsecond)
	c.mu.Lock()
	c.buf = append(c.buf, p[half:]...)
	c.mu.Unlock()
	return len(p), nil
}

// parseFrames splits a stream of unmasked frames; it fails on a frame whose
// payload is not all one byte, which is how the writers below fill theirs
// (close frames aside).
func parseFrames(t *testing.T, b []byte) (ops []byte) {
	t.Helper()
	for len(b) > 0 {
		if len(b) < 2 {
			t.Fatalf("stream ends inside a header: % x", b)
		}
		op, n, h := b[0]&0x0f, int(b[1]&0x7f), 2
		switch n {
		case 126:
			n, h = int(binary.BigEndian.Uint16(b[2:])), 4
		case 127:
			n, h = int(binary.BigEndian.Uint64(b[2:])), 10
		}
		if len(b) < h+n {
			t.Fatalf("stream ends inside a frame of %d bytes", n)
		}
		p := b[h : h+n]
		if op != opClose && len(p) > 0 && !bytes.Equal(p, bytes.Repeat(p[:1], len(p))) {
			t.Fatalf("frame (opcode %d, %d bytes) mixes bytes of other frames: % x", op, n, p)
		}
		ops = append(ops, op)
		b = b[h+n:]
	}
	return ops
}

// libFrame is a control frame as the WebSocket library writes one.
func libFrame(op, fill byte, n int) []byte {
	return append([]byte{finBit | op, byte(n)}, bytes.Repeat([]byte{fill}, n)...)
}

// TestWSConnFramesWhole: the library's control frames (written in one
// Write or in pieces) and the session's frames share the connection, and
// every frame reaches it whole.
func TestWSConnFramesWhole(t *testing.T) {
	t.Parallel()
	sc := &splitConn{}
	c := newWSConn(sc, byteBudget{})
	const each = 200
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // the library: pongs, some written header first, payload after
		defer wg.Done()
		for i := range each {
			f := libFrame(0xA, byte(i), 100)
			if i%2 == 0 {
				c.Write(f)
				continue
			}
			c.Write(f[:1])
			c.Write(f[1:30])
			c.Write(f[30:])
		}
	}()
	go func() { // the session
		defer wg.Done()
		for i := range each {
			payload := bytes.Repeat([]byte{byte(i)}, 300+i)
			if err := c.writeFrame(wireMessage(payload), false); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	wg.Wait()
	ops := parseFrames(t, sc.buf)
	if len(ops) != 2*each {
		t.Fatalf("%d frames, want %d", len(ops), 2*each)
	}
}

// TestWSConnNothingAfterClose: once the library has sent a close frame,
// the session's frames are refused, wherever the library was cut off.
func TestWSConnNothingAfterClose(t *testing.T) {
	t.Parallel()
	for _, pieces := range [][]int{{4}, {1, 3}, {2, 2}} {
		sc := &splitConn{}
		c := newWSConn(sc, byteBudget{})
		if err := c.writeFrame(wireMessage(bytes.Repeat([]byte{1}, 5)), false); err != nil {
			t.Fatal(err)
		}
		f := append([]byte{finBit | opClose, 2}, 0x03, 0xe8) // 1000
		at := 0
		for _, n := range pieces {
			c.Write(f[at : at+n])
			at += n
		}
		if err := c.writeFrame(wireMessage(bytes.Repeat([]byte{2}, 5)), false); !errors.Is(err, errCloseSent) {
			t.Fatalf("close frame written in pieces %v: a frame after it: %v, want errCloseSent", pieces, err)
		}
		if ops := parseFrames(t, sc.buf); len(ops) != 2 || ops[1] != opClose {
			t.Fatalf("close frame written in pieces %v: frames %v, want binary then close", pieces, ops)
		}
	}
}
