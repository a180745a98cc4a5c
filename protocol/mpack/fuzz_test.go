package mpack_test

import (
	"bytes"
	"testing"

	"github.com/skirmishgg/skirmish/protocol/mpack"
)

// read is one read of FuzzReader: what it read and where.
type read struct {
	op       byte
	flag, ok bool // Nil's or Bool's result; whether the read succeeded
	v        int64
	u        uint64
	b        []byte
	from, to int
}

// readAll reads data with one read per byte of ops, and returns the reads
// up to the first failure. None may panic, and every read after a failure
// must return zero and consume nothing.
func readAll(t *testing.T, ops, data []byte) ([]read, *mpack.Reader) {
	r := mpack.NewReader(data)
	var reads []read
	failed := false
	for _, op := range ops {
		rd := read{op: op, from: r.Offset()}
		switch op % 8 {
		case 0:
			rd.flag = r.Nil()
		case 1:
			rd.flag = r.Bool("bool")
		case 2:
			lo := -int64(op) << (op % 64)
			rd.v = r.Int("int", lo, -lo)
		case 3:
			rd.u = r.Uint64("uint64")
		case 4:
			rd.u = uint64(r.Uint32("uint32"))
		case 5:
			rd.v = int64(r.ArrayLen("array", 0, int(op)*16))
		case 6:
			rd.b = []byte(r.Str("str", int(op)))
		case 7:
			rd.b = r.Bin("bin", int(op)*256)
		}
		rd.to, rd.ok = r.Offset(), r.Err() == nil
		switch {
		case rd.to < rd.from || rd.to > len(data):
			t.Fatalf("op %d moved the offset from %d to %d of %d", op, rd.from, rd.to, len(data))
		case failed && (rd.to != rd.from || rd.flag || rd.v != 0 || rd.u != 0 || len(rd.b) != 0):
			t.Fatalf("op %d after a failure read %+v", op, rd)
		case op%8 == 7 && rd.ok && (cap(rd.b) != len(rd.b) || !bytes.Equal(rd.b, data[rd.to-len(rd.b):rd.to])):
			t.Fatalf("bin is not the capped slice of the input before the offset")
		}
		if !rd.ok {
			failed = true
		}
		if !failed {
			reads = append(reads, rd)
		}
	}
	return reads, r
}

// FuzzReader reads arbitrary bytes with an arbitrary sequence of reads: no
// panic, offsets that only move forward and not after a failure, the first
// error kept. What was read re-encodes in no more bytes, and reads back the same.
func FuzzReader(f *testing.F) {
	f.Add([]byte{5, 2, 6, 7, 3, 1, 0}, mpack.Append(nil, func(a *mpack.Appender) {
		a.ArrayLen(5)
		a.Int(-300)
		a.Str("ada")
		a.Bin([]byte{1, 2, 3})
		a.Uint(1 << 63)
		a.Bool(true)
		a.Nil()
	}))
	f.Add([]byte{2, 2, 2, 2}, []byte{0xd0, 0xff, 0xcd, 0, 1, 0xcf, 0, 0, 0, 0, 0, 0, 0, 9, 0xd3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{5, 7, 6}, []byte{0xdd, 0, 0, 0, 2, 0xc6, 0, 0, 0, 1, 9, 0xdb, 0, 0, 0, 1, 'x'})
	f.Fuzz(func(t *testing.T, ops, data []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		reads, r := readAll(t, ops, data)
		if err := r.Err(); err != nil {
			if len(reads) == len(ops) {
				t.Fatalf("an error (%v) with every read successful", err)
			}
			r.Fail("later")
			if r.Err() != err {
				t.Fatal("a later failure replaced the first")
			}
		}
		// Re-encode the successful reads, followed by as many fixints as
		// there were bytes: arrays claim no more than the bytes left.
		ok := ops[:len(reads)]
		enc := mpack.Append(nil, func(a *mpack.Appender) {
			for _, rd := range reads {
				switch rd.op % 8 {
				case 0:
					if rd.flag {
						a.Nil()
					}
				case 1:
					a.Bool(rd.flag)
				case 2:
					a.Int(rd.v)
				case 3, 4:
					a.Uint(rd.u)
				case 5:
					a.ArrayLen(int(rd.v))
				case 6:
					a.Str(string(rd.b))
				case 7:
					a.Bin(rd.b)
				}
			}
		})
		used := len(enc)
		enc = append(enc, make([]byte, len(data))...)
		again, r2 := readAll(t, ok, enc)
		if r2.Err() != nil {
			t.Fatalf("re-encoding does not read back: %v\n% x", r2.Err(), enc[:used])
		}
		if used > r.Offset() {
			t.Fatalf("re-encoding takes %d bytes, the input %d: not the shortest form", used, r.Offset())
		}
		for i := range reads {
			a, b := reads[i], again[i]
			if a.flag != b.flag || a.v != b.v || a.u != b.u || !bytes.Equal(a.b, b.b) {
				t.Fatalf("read %d (op %d) differs: %+v, %+v", i, a.op, a, b)
			}
		}
	})
}
