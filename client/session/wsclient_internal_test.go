package session

import (
	"bytes"
	"encoding/binary"
	"io"
	mrand "math/rand/v2"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serverFrame encodes a frame as a server sends it: unmasked.
func serverFrame(head byte, payload []byte) []byte {
	b := []byte{head}
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

// loopbackClient returns a wsClient on one end of a loopback TCP connection
// and the other end, from which the test plays the server.
func loopbackClient(t *testing.T) (*wsClient, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(); srv.Close() })
	c := &wsClient{conn: conn, buf: make([]byte, 4096), mask: mrand.NewChaCha8([32]byte{})}
	c.raw, _ = conn.(syscall.Conn).SyscallConn()
	return c, srv
}

// TestReadLoop: messages of every size (fragmented too, with control
// frames among the fragments), written in pieces cut anywhere and with
// pauses, come out of the read loop whole and in order, through the
// poller (one read per arrival) and through plain reads.
func TestReadLoop(t *testing.T) {
	t.Parallel()
	for _, plain := range []bool{false, true} {
		c, srv := loopbackClient(t)
		if plain {
			c.raw = nil
		}
		r := mrand.New(mrand.NewPCG(7, uint64(len(c.buf))))
		var stream []byte
		var want [][]byte
		wantPings := 0
		for i := range 300 {
			n := r.IntN(200)
			switch i % 10 {
			case 3:
				n = 126 + r.IntN(5000)
			case 7:
				n = 60000 + r.IntN(5000)
			}
			msg := bytes.Repeat([]byte{byte(i)}, n)
			want = append(want, msg)
			if i%5 == 4 && n > 2 { // in three fragments, a ping between
				a, b := n/3, 2*n/3
				stream = append(stream, serverFrame(opBinary, msg[:a])...)
				stream = append(stream, serverFrame(0x80|opPing, []byte("hi"))...)
				wantPings++
				stream = append(stream, serverFrame(opCont, msg[a:b])...)
				stream = append(stream, serverFrame(0x80|opCont, msg[b:])...)
				continue
			}
			stream = append(stream, serverFrame(0x80|opBinary, msg)...)
		}
		go func() {
			for at := 0; at < len(stream); {
				n := min(len(stream)-at, 1+r.IntN(9000))
				srv.Write(stream[at : at+n])
				at += n
				if r.IntN(4) == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		}()
		var got [][]byte
		pings := 0
		c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		err := c.readLoop(func() (bool, error) {
			for {
				op, p, ok, err := c.next()
				if err != nil || !ok {
					c.compact()
					return err != nil, err
				}
				switch op {
				case opPing:
					pings++
				case opBinary:
					got = append(got, bytes.Clone(p))
					if len(got) == len(want) {
						return true, nil
					}
				default:
					t.Fatalf("opcode %d", op)
				}
			}
		})
		if err != nil {
			t.Fatalf("plain %v: %v", plain, err)
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("plain %v: message %d: %d bytes, want %d", plain, i, len(got[i]), len(want[i]))
			}
		}
		if pings != wantPings {
			t.Fatalf("plain %v: %d pings, want %d", plain, pings, wantPings)
		}
	}
}

// TestReadLoopBurst: a burst larger than the read buffer, then silence,
// is read to its end: a read that fills the buffer is followed by another
// at once, since no new arrival will wake the reader for what is left.
func TestReadLoopBurst(t *testing.T) {
	t.Parallel()
	c, srv := loopbackClient(t)
	var burst []byte
	const n = 200
	for i := range n {
		burst = append(burst, serverFrame(0x80|opBinary, bytes.Repeat([]byte{byte(i)}, 100))...)
	}
	if _, err := srv.Write(burst); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // all of it in the socket before the first read
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	got := 0
	err := c.readLoop(func() (bool, error) {
		for {
			_, p, ok, err := c.next()
			if err != nil || !ok {
				c.compact()
				return err != nil, err
			}
			if p[0] != byte(got) {
				t.Fatalf("message %d carries %d", got, p[0])
			}
			if got++; got == n {
				return true, nil
			}
		}
	})
	if err != nil {
		t.Fatalf("after %d of %d messages: %v", got, n, err)
	}
}

// TestNextRefuses: what a server must not send ends the connection with
// an error that says so.
func TestNextRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, want string
		stream     []byte
	}{
		{"masked frame", "mask", []byte{0x82, 0x81, 1, 2, 3, 4, 5}},
		{"reserved bit", "reserved bits", []byte{0xc2, 0}},
		{"reserved opcode", "reserved opcode", []byte{0x83, 0}},
		{"fragmented ping", "control frame", []byte{0x09, 0}},
		{"long ping", "control frame", serverFrame(0x80|opPing, make([]byte, 126))},
		{"orphan continuation", "continuation", []byte{0x80, 0}},
		{"message inside a message", "inside", append([]byte{0x02, 1, 'a'}, 0x82, 0)},
		{"huge message", "above", append([]byte{0x82, 127}, binary.BigEndian.AppendUint64(nil, 1<<40)...)},
	} {
		c := &wsClient{buf: append([]byte(nil), tc.stream...), end: len(tc.stream)}
		var err error
		for err == nil {
			var ok bool
			if _, _, ok, err = c.next(); !ok && err == nil {
				break
			}
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// FuzzNext: whatever the server sends, next never panics, and what it
// returns lies within what was received.
func FuzzNext(f *testing.F) {
	f.Add(append(serverFrame(0x80|opBinary, []byte("frame")), serverFrame(0x80|opPing, nil)...))
	f.Add(append(serverFrame(opText, []byte("ab")), serverFrame(0x80|opCont, []byte("c"))...))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &wsClient{buf: append([]byte(nil), b...), end: len(b)}
		total := 0
		for range 1000 {
			_, p, ok, err := c.next()
			if err != nil || !ok {
				return
			}
			if total += len(p); total > len(b) {
				t.Fatalf("%d payload bytes out of %d received", total, len(b))
			}
		}
	})
}

// TestWriteMasks: the client's frames are masked with a fresh key each,
// and unmask to the payload.
func TestWriteMasks(t *testing.T) {
	t.Parallel()
	c, srv := loopbackClient(t)
	payload := []byte("a command")
	keys := map[uint32]bool{}
	for range 3 {
		if err := c.write(opBinary, payload); err != nil {
			t.Fatal(err)
		}
		var f [2 + 4 + 9]byte
		srv.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(srv, f[:]); err != nil {
			t.Fatal(err)
		}
		if f[0] != 0x82 || f[1] != 0x80|9 {
			t.Fatalf("header % x", f[:2])
		}
		key := f[2:6]
		keys[binary.LittleEndian.Uint32(key)] = true
		got := make([]byte, 9)
		for i := range got {
			got[i] = f[6+i] ^ key[i%4]
		}
		if !bytes.Equal(got, payload) {
			t.Fatalf("unmasked %q, want %q", got, payload)
		}
	}
	if len(keys) != 3 {
		t.Fatalf("%d distinct masking keys in 3 frames", len(keys))
	}
}
