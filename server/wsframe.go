package server

import "encoding/binary"

// The server writes its messages as WebSocket frames of its own making
// (RFC 6455 §5.2) rather than through the WebSocket library's Write: a
// frame from server to client is not masked, so the bytes of one tick's
// frame are the same for every client, and the match builds them once and
// hands the same slice to every session. The library still does the
// handshake, the reading, the control frames and the close handshake;
// wsConn keeps its frames and these from interleaving on the wire.

// wireHeaderMax is the longest header of an unmasked frame: 2 bytes and an
// 8-byte extended length.
const wireHeaderMax = 10

// opcodes of RFC 6455 §5.2 that the server's own writes use or look for.
const (
	opBinary = 0x2
	opClose  = 0x8
	finBit   = 0x80
)

// newWireBuf returns a buffer to append one message's payload to, with room
// for the frame header in front; wireFrame then frames it.
func newWireBuf(payloadCap int) []byte {
	return make([]byte, wireHeaderMax, wireHeaderMax+payloadCap)
}

// wireFrame frames the payload that follows the first wireHeaderMax bytes of
// buf (as newWireBuf leaves it) as one final binary frame, writing the
// header just before the payload, and returns the frame.
func wireFrame(buf []byte) []byte {
	payload := len(buf) - wireHeaderMax
	var h [wireHeaderMax]byte
	h[0] = finBit | opBinary
	n := 2
	switch {
	case payload < 126:
		h[1] = byte(payload)
	case payload < 1<<16:
		h[1] = 126
		binary.BigEndian.PutUint16(h[2:], uint16(payload))
		n = 4
	default:
		h[1] = 127
		binary.BigEndian.PutUint64(h[2:], uint64(payload))
		n = 10
	}
	start := wireHeaderMax - n
	copy(buf[start:], h[:n])
	return buf[start:]
}

// wireMessage returns an encoded protocol message framed for the wire.
func wireMessage(msg []byte) []byte {
	return wireFrame(append(newWireBuf(len(msg)), msg...))
}

// frameScanner follows frame boundaries in the stream of frames the
// WebSocket library writes, which may reach wsConn.Write in pieces: the
// connection stays the library's from a frame's first byte to its last.
type frameScanner struct {
	hdr  [14]byte // the header so far: 2 bytes, extended length, masking key
	nh   int      // header bytes seen; 0 between frames
	left uint64   // payload bytes still to come, once the header is whole
}

// headerLen is the length of the current frame's header, as far as the
// bytes seen tell: 2 until the second byte is known.
func (f *frameScanner) headerLen() int {
	if f.nh < 2 {
		return 2
	}
	n := 2
	switch f.hdr[1] & 0x7f {
	case 126:
		n += 2
	case 127:
		n += 8
	}
	if f.hdr[1]&0x80 != 0 {
		n += 4
	}
	return n
}

// scan consumes p, the next bytes of the stream. It reports whether p ends
// at a frame boundary, and whether a close frame began in p.
func (f *frameScanner) scan(p []byte) (boundary, closes bool) {
	for len(p) > 0 {
		if f.nh < f.headerLen() {
			k := copy(f.hdr[f.nh:f.headerLen()], p)
			f.nh += k
			p = p[k:]
			if f.nh < f.headerLen() {
				continue
			}
			switch l := f.hdr[1] & 0x7f; l {
			case 126:
				f.left = uint64(binary.BigEndian.Uint16(f.hdr[2:]))
			case 127:
				f.left = binary.BigEndian.Uint64(f.hdr[2:])
			default:
				f.left = uint64(l)
			}
			if f.hdr[0]&0x0f == opClose {
				closes = true
			}
		} else {
			k := min(uint64(len(p)), f.left)
			p = p[k:]
			f.left -= k
		}
		if f.nh >= 2 && f.nh == f.headerLen() && f.left == 0 {
			f.nh = 0
		}
	}
	return f.nh == 0, closes
}
