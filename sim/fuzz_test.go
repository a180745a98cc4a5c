package sim

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// fuzzMaps are the maps the fuzz targets play on, loaded once per process
// (the fuzzing engine runs the target in many worker processes).
var fuzzMaps = sync.OnceValues(func() ([]*Map, error) {
	var maps []*Map
	for _, name := range []string{"arena", "duel", "yard"} {
		src, err := os.ReadFile(filepath.Join(mapsDir, name+".txt"))
		if err != nil {
			return nil, err
		}
		m, err := ParseMap(name, src)
		if err != nil {
			return nil, err
		}
		maps = append(maps, m)
	}
	return maps, nil
})

func mustFuzzMaps(tb testing.TB) []*Map {
	maps, err := fuzzMaps()
	if err != nil {
		tb.Fatal(err)
	}
	return maps
}

// FuzzRestore: Restore never panics; whatever it accepts re-encodes to the
// same bytes, keeps every rule that Restore promises, and keeps running
// under Advance without breaking the invariants.
func FuzzRestore(f *testing.F) {
	arena := mustFuzzMaps(f)[0]
	w := newWorld(f, arena, 60)
	s := newScript(11, 16)
	for _, tick := range []int{0, 1, 40, 400, 1500} {
		s.run(w, tick-int(w.Tick), nil)
		f.Add(w.AppendSnapshot(nil))
	}
	f.Add([]byte{})
	f.Add([]byte{Version})
	f.Add(binary.LittleEndian.AppendUint32([]byte{Version}, arena.Checksum()))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Restore(arena, data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrVersion) && !errors.Is(err, ErrMapMismatch) {
				t.Fatalf("error %q wraps none of the package's errors", err)
			}
			return
		}
		if got := w.AppendSnapshot(nil); !bytes.Equal(got, data) {
			t.Fatalf("restored world re-encodes differently\n%s", snapDiff(data, got))
		}
		if err := checkState(w); err != nil {
			t.Fatalf("Restore accepted an impossible world: %v\n%s", err, describe(w))
		}
		for range 3 {
			Advance(w)
			if err := checkInvariants(w); err != nil {
				t.Fatalf("tick %d after restoring: %v\n%s", w.Tick, err, describe(w))
			}
		}
	})
}

// FuzzStep decodes the bytes into a match: a tick rate, a map, then ticks of
// arbitrary inputs (any player id, action, value or spawn tile, valid or
// not) and stretches of idle ticks. Step never panics, every tick keeps the
// invariants (players out of walls and inside the map, health, speeds and
// timers in range, no overlaps, the projectile limit, a snapshot that
// restores to the same bytes), and playing the same inputs again ends in
// the same state.
func FuzzStep(f *testing.F) {
	mustFuzzMaps(f)
	// Seeds (see decodeMatch): join and spawn two players, run and shoot.
	join := func(id byte) []byte { return []byte{id, byte(Join), 0, 1} }
	spawn := func(id, spawn byte) []byte { return []byte{id, byte(SpawnAt), spawn} }
	act := func(id byte, a Action, value byte) []byte { return []byte{id, byte(a), value} }
	tick := func(inputs ...[]byte) []byte { return append([]byte{byte(len(inputs))}, bytes.Join(inputs, nil)...) }
	idle := func(n byte) []byte { return []byte{0x80 | n} }
	duel := bytes.Join([][]byte{
		{50, 1}, // 60 Hz, duel
		tick(join(1), join(2)),
		tick(spawn(1, 0), spawn(2, 3)),
		tick(act(1, MoveStart, 3), act(2, RotateStart, 9), act(2, StrafeStart, 6)),
		idle(20),
		tick(act(1, Fire, 0), act(2, Fire, 0)),
		idle(15),
		tick(act(1, Fire, 0), act(2, Fire, 0), act(1, RotateStart, 10)),
		idle(63), idle(63),
		tick(spawn(1, 1), spawn(2, 2), act(3, Fire, 0), act(0, Join, 0)),
	}, nil)
	f.Add(duel)
	f.Add([]byte{0, 0})
	f.Add([]byte{118, 2, 3, 1, 1, 0, 1, 2, 1, 0, 4, 3, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Add(append([]byte{0, 0}, bytes.Repeat(tick(act(1, Join, 0), spawn(1, 5), act(1, MoveStart, 0xff), act(1, Fire, 0)), 30)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		maps := mustFuzzMaps(t)
		rate, m, ticks := decodeMatch(maps, data)
		w, err := NewWorld(m, rate)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range ticks {
			Step(w, in)
			if err := checkInvariants(w); err != nil {
				t.Fatalf("tick %d, inputs %+v: %v\n%s", w.Tick, in, err, describe(w))
			}
		}
		again, _ := NewWorld(m, rate)
		for _, in := range ticks {
			Step(again, in)
		}
		if !bytes.Equal(again.AppendSnapshot(nil), w.AppendSnapshot(nil)) {
			t.Fatalf("the same inputs played twice end differently\n%s", snapDiff(w.AppendSnapshot(nil), again.AppendSnapshot(nil)))
		}
	})
}

// Decoding tables for FuzzStep: mostly valid values, and the edges.
var (
	fuzzIDs    = []PlayerID{1, 2, 3, 4, 0, 1 << 31, 1<<32 - 1, 1<<31 - 1}
	fuzzNames  = []string{"a", "bob", "", " lead", "trail ", "ctl\x01", "sixteen-bytes-ok", "seventeen-bytes-x", "Ünï", "\xff"}
	fuzzValues = []int32{0, 1, -1, MaxMoveSpeed, -MaxMoveSpeed, MaxMoveSpeed + 1, MaxStrafeSpeed, -MaxStrafeSpeed,
		MaxStrafeSpeed + 1, MaxRotateRate, -MaxRotateRate, MaxRotateRate + 1, -1 << 31, 1<<31 - 1, Unit, -Unit}
)

// fuzzMaxTicks bounds a decoded match, so that each run stays short.
const fuzzMaxTicks = 1500

// decodeMatch turns fuzz bytes into a match:
//
//	tick rate byte, map byte, then until the data ends:
//	  0x80|n: n idle ticks (no inputs)
//	  n < 0x80: one tick of n&7 inputs, each:
//	    player byte (an index into fuzzIDs), action byte (taken mod 12 below
//	    192, so mostly actions, else as is: unknown), then by action:
//	      Join: name byte (index into fuzzNames)
//	      SpawnAt: byte b; b < 128: spawn point b mod count, else raw
//	               signed tile x and y bytes follow
//	      starts: value byte; below 128: index into fuzzValues, else four
//	              more bytes of a raw little-endian int32
//	      others: nothing
//
// Missing bytes read as zero.
func decodeMatch(maps []*Map, data []byte) (int32, *Map, [][]Input) {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	rate := MinTickRate + int32(next())%(MaxTickRate-MinTickRate+1)
	m := maps[int(next())%len(maps)]
	var ticks [][]Input
	for len(data) > 0 && len(ticks) < fuzzMaxTicks {
		op := next()
		if op&0x80 != 0 {
			for range op & 0x7f {
				ticks = append(ticks, nil)
			}
			continue
		}
		var in []Input
		for range op & 7 {
			x := Input{Player: fuzzIDs[int(next())%len(fuzzIDs)]}
			a := next()
			if a < 192 {
				a %= 12
			}
			x.Action = Action(a)
			switch x.Action {
			case Join:
				x.Name = fuzzNames[int(next())%len(fuzzNames)]
			case SpawnAt:
				if b := next(); b < 128 {
					sp := m.Spawns()[int(b)%len(m.Spawns())]
					x.X, x.Y = sp.X, sp.Y
				} else {
					x.X, x.Y = int32(int8(next())), int32(int8(next()))
				}
			case MoveStart, StrafeStart, RotateStart:
				if b := next(); b < 128 {
					x.Value = fuzzValues[int(b)%len(fuzzValues)]
				} else {
					x.Value = int32(binary.LittleEndian.Uint32([]byte{next(), next(), next(), next()}))
				}
			}
			in = append(in, x)
		}
		ticks = append(ticks, in)
	}
	return rate, m, ticks
}
