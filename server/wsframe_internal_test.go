package server

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestWireFrame checks the header of each length class against RFC 6455
// §5.2: final, binary, unmasked, the shortest length encoding.
func TestWireFrame(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		payload int
		header  []byte
	}{
		{0, []byte{0x82, 0}},
		{1, []byte{0x82, 1}},
		{125, []byte{0x82, 125}},
		{126, []byte{0x82, 126, 0, 126}},
		{65535, []byte{0x82, 126, 0xff, 0xff}},
		{65536, []byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	} {
		payload := bytes.Repeat([]byte{0xa5}, tc.payload)
		got := wireMessage(payload)
		if !bytes.Equal(got[:len(tc.header)], tc.header) || !bytes.Equal(got[len(tc.header):], payload) {
			t.Errorf("%d-byte payload: header % x, want % x", tc.payload, got[:min(len(got), 10)], tc.header)
		}
	}
}

// frameStream encodes frames of the given payload lengths as a server (or,
// with masked, a client) would, the last one a close frame when closeLast.
func frameStream(lengths []int, masked, closeLast bool) (stream []byte, ends []int) {
	for i, n := range lengths {
		op := byte(opBinary)
		if closeLast && i == len(lengths)-1 {
			op = opClose
		}
		stream = append(stream, finBit|op)
		var m byte
		if masked {
			m = 0x80
		}
		switch {
		case n < 126:
			stream = append(stream, m|byte(n))
		case n < 1<<16:
			stream = append(stream, m|126)
			stream = binary.BigEndian.AppendUint16(stream, uint16(n))
		default:
			stream = append(stream, m|127)
			stream = binary.BigEndian.AppendUint64(stream, uint64(n))
		}
		if masked {
			stream = append(stream, 1, 2, 3, 4)
		}
		stream = append(stream, bytes.Repeat([]byte{byte(i)}, n)...)
		ends = append(ends, len(stream))
	}
	return stream, ends
}

// TestFrameScanner feeds a stream of frames to the scanner in pieces cut
// at random: it must report a boundary exactly where a frame ends, and the
// close frame.
func TestFrameScanner(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 500 {
		var lengths []int
		for range 1 + r.IntN(6) {
			switch r.IntN(4) {
			case 0:
				lengths = append(lengths, 0)
			case 1:
				lengths = append(lengths, r.IntN(126))
			case 2:
				lengths = append(lengths, 126+r.IntN(1000))
			default:
				lengths = append(lengths, 65536+r.IntN(10))
			}
		}
		masked, closeLast := round%2 == 1, round%3 == 0
		stream, ends := frameStream(lengths, masked, closeLast)
		isEnd := map[int]bool{}
		for _, e := range ends {
			isEnd[e] = true
		}
		var f frameScanner
		sawClose := false
		for at := 0; at < len(stream); {
			n := 1 + r.IntN(min(len(stream)-at, 1+r.IntN(300)))
			boundary, closes := f.scan(stream[at : at+n])
			at += n
			sawClose = sawClose || closes
			if boundary != isEnd[at] {
				t.Fatalf("round %d (lengths %v, masked %v): after %d of %d bytes, boundary %v, want %v",
					round, lengths, masked, at, len(stream), boundary, isEnd[at])
			}
		}
		if sawClose != closeLast {
			t.Fatalf("round %d: close frame seen %v, want %v", round, sawClose, closeLast)
		}
	}
}

// FuzzFrameScanner: whatever the bytes, the scanner never panics, and cut
// anywhere, a stream gives the same boundary at its end as in one piece.
func FuzzFrameScanner(f *testing.F) {
	s, _ := frameStream([]int{0, 5, 200, 70000}, false, true)
	f.Add(s, uint16(3))
	f.Add([]byte{0x82, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, uint16(1))
	f.Fuzz(func(t *testing.T, stream []byte, cut uint16) {
		var whole, pieces frameScanner
		want, wantClose := whole.scan(stream)
		at := min(int(cut), len(stream))
		b1, c1 := pieces.scan(stream[:at])
		b2, c2 := pieces.scan(stream[at:])
		got := b2
		if at == len(stream) {
			got = b1
		}
		if got != want || (c1 || c2) != wantClose {
			t.Fatalf("cut at %d: boundary %v close %v, in one piece %v %v", at, got, c1 || c2, want, wantClose)
		}
	})
}
