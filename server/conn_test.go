package server_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/server"
)

// TestFrameViolations sends what RFC 6455 forbids, before and after the
// hello, followed by bytes the server will not read, and more once the
// close frame arrives: every violation ends with a close frame carrying the
// RFC's code, then the end of the stream (not a TCP reset, which could
// destroy the close frame unread).
func TestFrameViolations(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{MaxPlayers: 40})
	ping := (&protocol.Ping{ClientTime: 1}).Append(nil)
	negative := []byte{fin | opBinary, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4}
	huge := append([]byte{fin | opBinary, 0x80 | 127}, binary.BigEndian.AppendUint64(nil, 1<<40)...)
	huge = append(huge, 1, 2, 3, 4)
	huge = append(huge, make([]byte, 600)...)
	cases := []struct {
		name     string
		preHello bool
		send     []byte
		want     int
	}{
		{name: "reserved data opcode", send: wsFrame(fin|0x3, true, []byte("x")), want: protocol.CloseProtocolError},
		{name: "reserved control opcode", send: wsFrame(fin|0xB, true, nil), want: protocol.CloseProtocolError},
		{name: "RSV1 without compression", send: wsFrame(fin|rsv1|opBinary, true, ping), want: protocol.CloseProtocolError},
		{name: "RSV2", send: wsFrame(fin|rsv2|opBinary, true, ping), want: protocol.CloseProtocolError},
		{name: "continuation without a start", send: wsFrame(fin|opCont, true, ping), want: protocol.CloseProtocolError},
		{name: "new message inside a fragmented one", send: append(wsFrame(opBinary, true, ping[:1]), wsFrame(fin|opBinary, true, ping)...), want: protocol.CloseProtocolError},
		{name: "fragmented ping", send: wsFrame(opPing, true, []byte("x")), want: protocol.CloseProtocolError},
		{name: "ping above 125 bytes", send: wsFrame(fin|opPing, true, make([]byte, 126)), want: protocol.CloseProtocolError},
		{name: "close with one byte", send: wsFrame(fin|opClose, true, []byte{3}), want: protocol.CloseProtocolError},
		{name: "close with code 1005", send: wsFrame(fin|opClose, true, closePayload(1005, "")), want: protocol.CloseProtocolError},
		{name: "close with code 999", send: wsFrame(fin|opClose, true, closePayload(999, "")), want: protocol.CloseProtocolError},
		{name: "close with code 5000", send: wsFrame(fin|opClose, true, closePayload(5000, "")), want: protocol.CloseProtocolError},
		{name: "unmasked frame", send: wsFrame(fin|opBinary, false, ping), want: protocol.CloseProtocolError},
		{name: "negative length", send: negative, want: protocol.CloseProtocolError},
		{name: "text not UTF-8", send: wsFrame(fin|opText, true, []byte("\xff\xfe")), want: protocol.CloseBadData},
		{name: "text", send: wsFrame(fin|opText, true, []byte("hi")), want: protocol.CloseProtocolError},
		{name: "message above 512 bytes", send: wsFrame(fin|opBinary, true, make([]byte, 600)), want: protocol.CloseTooBig},
		{name: "declared length 2^40", send: huge, want: protocol.CloseTooBig},
		{name: "client closes", send: wsFrame(fin|opClose, true, closePayload(3000, "bye")), want: 3000},
		{name: "reserved opcode before the hello", preHello: true, send: wsFrame(fin|0x3, true, nil), want: protocol.CloseProtocolError},
		{name: "unmasked hello", preHello: true, send: wsFrame(fin|opBinary, false, (&protocol.Hello{Version: protocol.Version, Name: "x"}).Append(nil)), want: protocol.CloseProtocolError},
		{name: "text hello", preHello: true, send: wsFrame(fin|opText, true, []byte("hello")), want: protocol.CloseProtocolError},
		{name: "oversize hello", preHello: true, send: wsFrame(fin|opBinary, true, make([]byte, 513)), want: protocol.CloseTooBig},
		{name: "not a hello", preHello: true, send: wsFrame(fin|opBinary, true, ping), want: protocol.CloseBadHello},
	}
	// What follows a violation: bytes the server has no reason to read.
	junk := bytes.Repeat([]byte("after the violation "), 50)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := wsUpgrade(t, ts, "")
			if !tc.preHello {
				c.hello(fmt.Sprintf("v%02d", i), "violations")
			}
			c.send(tc.send, junk)
			c.untilEndSaying(20*time.Second, false, junk).check(t, tc.want)
		})
	}
}

// TestSilentBeforeHello: WebSockets that never say hello are closed with
// 4004 (not cut off without a word) once the handshake timeout passes.
func TestSilentBeforeHello(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{HandshakeTimeout: 300 * time.Millisecond})
	const n = 200
	var wg sync.WaitGroup
	ends := make([]ending, n)
	for i := range n {
		c := wsUpgrade(t, ts, "")
		wg.Add(1)
		go func() {
			defer wg.Done()
			ends[i] = c.untilEnd(30*time.Second, false)
		}()
	}
	wg.Wait()
	for _, e := range ends {
		e.check(t, protocol.CloseBadHello)
		if !strings.HasPrefix(e.reason, "no hello within") {
			t.Fatalf("reason %q", e.reason)
		}
	}
}

// TestPingFlood: WebSocket pings count toward the flood limit like
// messages: a client that pings without pause is closed with 1008 instead
// of drawing pong after pong.
func TestPingFlood(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{CommandRate: 5, FloodRate: 20})
	for _, preHello := range []bool{false, true} {
		c := wsUpgrade(t, ts, "")
		if !preHello {
			c.hello("pinger", "pings")
		}
		var flood []byte
		for range 2000 {
			flood = append(flood, wsFrame(fin|opPing, true, []byte("are you there"))...)
		}
		start := time.Now()
		c.send(flood)
		e := c.untilEnd(20*time.Second, false)
		e.check(t, protocol.ClosePolicy)
		// The bucket holds twice the flood rate and refills at the rate.
		if most := 2*20 + int(20*time.Since(start).Seconds()); e.pongs > most {
			t.Errorf("before the hello: %v: %d pongs for 2000 pings, want at most %d", preHello, e.pongs, most)
		}
	}
}

// TestEmptyFrameFlood: frames that never make a message (an endless run of
// empty continuation frames) are bounded too, by the bytes they take.
func TestEmptyFrameFlood(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{CommandRate: 5, FloodRate: 20})
	c := wsUpgrade(t, ts, "")
	c.hello("stutter", "stutter")
	flood := wsFrame(opBinary, true, nil)
	for range 20000 {
		flood = append(flood, wsFrame(opCont, true, nil)...)
	}
	done := make(chan struct{})
	go func() { // the server stops reading at some point: write from aside
		defer close(done)
		c.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
		c.conn.Write(flood)
	}()
	e := c.untilEnd(20*time.Second, false)
	<-done
	if e.code != protocol.ClosePolicy || !strings.Contains(e.reason, "flooding") {
		t.Fatalf("ended with %d %q (%v), want %d flooding", e.code, e.reason, e.err, protocol.ClosePolicy)
	}
}

// TestDeadPeerAfterHello: after the hello, the server pings a silent
// client and drops it when it does not answer, with 4006; one that answers
// the pings stays.
func TestDeadPeerAfterHello(t *testing.T) {
	t.Parallel()
	// Long enough that a client slowed down by the race detector and the
	// other tests answers its pings in time.
	const keepAlive = 3 * time.Second
	ts := startServer(t, server.Options{KeepAlive: keepAlive, AdminToken: "tok"})
	alive := wsUpgrade(t, ts, "")
	alive.hello("alive", "peers")
	dead := wsUpgrade(t, ts, "")
	dead.hello("dead", "peers")

	// The live one answers its pings all along: while the dead one is
	// dropped and closed, and for as long again as it took to drop it.
	aliveEnd := make(chan ending, 1)
	go func() { aliveEnd <- alive.untilEnd(time.Minute, true) }()
	start := time.Now()
	e := dead.untilEnd(30*time.Second, false)
	e.check(t, protocol.CloseTimeout)
	if e.pings == 0 {
		t.Error("dropped without a ping first")
	}
	alive.conn.SetReadDeadline(time.Now().Add(time.Since(start)))
	if a := <-aliveEnd; a.code != -1 || a.pings == 0 {
		t.Fatalf("the client that answers pings: %+v", a)
	}
	var m struct {
		Roster []struct {
			Name      string `json:"name"`
			Connected bool   `json:"connected"`
		} `json:"roster"`
	}
	getJSON(t, ts.http.URL+"/api/matches/peers", &m)
	for _, p := range m.Roster {
		if p.Connected != (p.Name == "alive") {
			t.Fatalf("roster %+v: want alive connected, dead waiting to resume", m.Roster)
		}
	}
}
