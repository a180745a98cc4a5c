package replay_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/skirmishgg/skirmish/replay"
)

// layout locates the parts of a clean replay.
type layout struct {
	header int
	chunks []int // chunk offsets
	footer int
	size   int
}

func layoutOf(tb testing.TB, data []byte) layout {
	tb.Helper()
	r := openBytes(tb, data)
	in := r.Info()
	l := layout{header: int(in.HeaderSize), footer: int(in.Size - in.FooterSize), size: int(in.Size)}
	for i := range in.Chunks {
		c, err := r.Chunk(i)
		if err != nil {
			tb.Fatal(err)
		}
		l.chunks = append(l.chunks, int(c.Offset))
	}
	return l
}

func flip(off int) func([]byte) []byte {
	return func(b []byte) []byte { b[off] ^= 0x10; return b }
}

func cut(n int) func([]byte) []byte { return func(b []byte) []byte { return b[:n] } }

func then(fs ...func([]byte) []byte) func([]byte) []byte {
	return func(b []byte) []byte {
		for _, f := range fs {
			b = f(b)
		}
		return b
	}
}

// recrc recomputes the CRC of the record at off, so that a test can reach
// the checks behind it.
func recrc(off int) func([]byte) []byte {
	return func(b []byte) []byte {
		n := int(binary.LittleEndian.Uint32(b[off+1:]))
		c := crc32.Update(0, crc32.MakeTable(crc32.Castagnoli), b[off:off+5])
		c = crc32.Update(c, crc32.MakeTable(crc32.Castagnoli), b[off+9:off+9+n])
		binary.LittleEndian.PutUint32(b[off+5:], c)
		return b
	}
}

func putU32(off int, v uint32) func([]byte) []byte {
	return func(b []byte) []byte { binary.LittleEndian.PutUint32(b[off:], v); return b }
}

func TestCorrupt(t *testing.T) {
	t.Parallel()
	clean := small().data
	l := layoutOf(t, clean)
	if len(l.chunks) != 20 {
		t.Fatalf("%d chunks, the table expects 20", len(l.chunks))
	}
	noFooter := cut(l.footer)
	c := l.chunks
	tests := []struct {
		name    string
		corrupt func([]byte) []byte
		// wantErr is the error Open returns, wantWhere a part of its text.
		wantErr   error
		wantWhere string
		// For files that open: recovered or not, the chunks found, and
		// what Verify says: a chunk that is complete but unreadable fails
		// it, in a file without a footer too; a write cut short (a crash)
		// does not.
		wantRecovered bool
		wantChunks    int
		wantVerify    error
	}{
		{name: "clean", corrupt: nil, wantChunks: 20},
		{name: "no footer", corrupt: noFooter, wantRecovered: true, wantChunks: 20},
		{name: "truncated footer", corrupt: cut(l.footer + 5), wantRecovered: true, wantChunks: 20},
		{name: "truncated trailer", corrupt: cut(l.size - 3), wantRecovered: true, wantChunks: 20},
		{name: "truncated last chunk", corrupt: cut(c[19] + 30), wantRecovered: true, wantChunks: 19},
		{name: "truncated in a record header", corrupt: cut(c[10] + 4), wantRecovered: true, wantChunks: 10},
		{name: "zero-filled tail", corrupt: func(b []byte) []byte { clear(b[c[15]:]); return b }, wantRecovered: true, wantChunks: 15},
		{name: "zero-filled torn chunk", corrupt: then(noFooter, func(b []byte) []byte { clear(b[c[19]+20:]); return b }), wantRecovered: true, wantChunks: 19},
		{name: "garbage after the trailer", corrupt: func(b []byte) []byte { return append(b, "garbage"...) }, wantRecovered: true, wantChunks: 20},
		{name: "flip in trailer magic", corrupt: flip(l.size - 1), wantRecovered: true, wantChunks: 20},

		{name: "empty file", corrupt: cut(0), wantErr: replay.ErrTruncated, wantWhere: "header"},
		{name: "truncated header", corrupt: cut(25), wantErr: replay.ErrTruncated, wantWhere: "header"},
		{name: "header only", corrupt: cut(l.header), wantRecovered: true, wantChunks: 0},
		{name: "bad magic", corrupt: flip(0), wantErr: replay.ErrCorrupt, wantWhere: "magic"},
		{name: "not a replay", corrupt: func([]byte) []byte { return []byte("PK\x03\x04 this is a zip file, or so it says") }, wantErr: replay.ErrCorrupt, wantWhere: "magic"},
		{name: "future version", corrupt: func(b []byte) []byte { b[8], b[9] = 3, 0; return b }, wantErr: replay.ErrVersion, wantWhere: "version 3"},
		{name: "version 0", corrupt: func(b []byte) []byte { b[8], b[9] = 0, 0; return b }, wantErr: replay.ErrCorrupt, wantWhere: "version 0"},
		{name: "huge header length", corrupt: putU32(10, 0xffffffff), wantErr: replay.ErrCorrupt, wantWhere: "body length"},
		{name: "flip in header body", corrupt: flip(40), wantErr: replay.ErrCorrupt, wantWhere: "header"},
		{name: "flip in header CRC", corrupt: flip(15), wantErr: replay.ErrCorrupt, wantWhere: "CRC"},

		{name: "flip in chunk", corrupt: flip(c[5] + 40), wantChunks: 20, wantVerify: replay.ErrCorrupt},
		{name: "flip in chunk without footer", corrupt: then(noFooter, flip(c[5]+40)), wantRecovered: true, wantChunks: 5, wantVerify: replay.ErrCorrupt},
		{name: "flip in chunk type", corrupt: flip(c[7]), wantChunks: 20, wantVerify: replay.ErrCorrupt},
		{name: "type 0 with junk, no footer", corrupt: then(noFooter, func(b []byte) []byte { b[c[7]] = 0; return b }), wantRecovered: true, wantChunks: 7, wantVerify: replay.ErrCorrupt},
		{name: "unknown type, no footer", corrupt: then(noFooter, func(b []byte) []byte { b[c[7]] = 9; return b }), wantRecovered: true, wantChunks: 7, wantVerify: replay.ErrCorrupt},
		{name: "huge chunk length", corrupt: putU32(c[3]+1, 0x7fffffff), wantChunks: 20, wantVerify: replay.ErrCorrupt},
		{name: "huge chunk length, no footer", corrupt: then(noFooter, putU32(c[3]+1, 0x7fffffff)), wantRecovered: true, wantChunks: 3, wantVerify: replay.ErrCorrupt},
		{name: "huge raw length", corrupt: then(noFooter, putU32(c[3]+17, 1<<30), recrc(c[3])), wantRecovered: true, wantChunks: 3, wantVerify: replay.ErrCorrupt},
		{name: "zstd bomb", corrupt: then(cut(c[19]), func(b []byte) []byte {
			enc, _ := zstd.NewWriter(nil)
			z := enc.EncodeAll(make([]byte, 8<<20), nil)
			rec := make([]byte, 21, 21+len(z))
			copy(rec, clean[c[19]:c[19]+17])
			binary.LittleEndian.PutUint32(rec[17:], 100)
			rec = append(rec, z...)
			binary.LittleEndian.PutUint32(rec[1:], uint32(len(rec)-9))
			return recrc(c[19])(append(b, rec...))
		}), wantRecovered: true, wantChunks: 19, wantVerify: replay.ErrCorrupt},
		{name: "chunk ticks out of order", corrupt: then(noFooter, putU32(c[4]+9, 5), recrc(c[4])), wantRecovered: true, wantChunks: 4, wantVerify: replay.ErrCorrupt},

		{name: "flip in footer", corrupt: flip(l.footer + 25), wantErr: replay.ErrCorrupt, wantWhere: "footer"},
		{name: "flip in footer length", corrupt: flip(l.footer + 2), wantErr: replay.ErrCorrupt, wantWhere: "footer"},
		{name: "flip in trailer offset", corrupt: flip(l.size - 16), wantErr: replay.ErrCorrupt, wantWhere: "footer"},
		{name: "trailer offset out of the file", corrupt: func(b []byte) []byte { b[len(b)-10] = 0x40; return b }, wantErr: replay.ErrCorrupt, wantWhere: "trailer"},
		{name: "trailer points at a chunk", corrupt: func(b []byte) []byte {
			binary.LittleEndian.PutUint64(b[len(b)-16:], uint64(c[19]))
			return b
		}, wantErr: replay.ErrCorrupt, wantWhere: "footer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := bytes.Clone(clean)
			if tt.corrupt != nil {
				b = tt.corrupt(b)
			}
			r, err := replay.NewReader(bytes.NewReader(b), int64(len(b)))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantWhere) {
					t.Fatalf("Open: %v; want %v mentioning %q", err, tt.wantErr, tt.wantWhere)
				}
				var re *replay.Error
				if !errors.As(err, &re) {
					t.Errorf("Open: %T, want a *replay.Error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			in := r.Info()
			if in.Recovered != tt.wantRecovered || in.Chunks != tt.wantChunks {
				t.Fatalf("Info: recovered %v with %d chunks (lost %d: %s); want %v with %d",
					in.Recovered, in.Chunks, in.Lost, in.LostReason, tt.wantRecovered, tt.wantChunks)
			}
			if in.Recovered && in.Lost != in.Size-in.HeaderSize-in.ChunkBytes {
				t.Errorf("Info: lost %d bytes, but %d follow the chunks", in.Lost, in.Size-in.HeaderSize-in.ChunkBytes)
			}
			if in.Lost > 0 && in.LostReason == "" {
				t.Error("Info: lost bytes without a reason")
			}
			err = r.Verify(nil)
			if tt.wantVerify == nil && err != nil || tt.wantVerify != nil && !errors.Is(err, tt.wantVerify) {
				t.Fatalf("Verify: %v, want %v", err, tt.wantVerify)
			}
			if tt.wantVerify != nil && !strings.Contains(err.Error(), "chunk") {
				t.Errorf("Verify: %q does not say which chunk", err)
			}
			// Every recovered tick seeks; every tick of a bad chunk fails
			// with the same error.
			for tick := in.FirstTick; tick <= in.LastTick && in.Chunks > 0; tick += 97 {
				if _, err := r.Seek(tick); err != nil && (tt.wantVerify == nil || !errors.Is(err, tt.wantVerify)) {
					t.Fatalf("Seek(%d): %v", tick, err)
				}
			}
		})
	}
}
