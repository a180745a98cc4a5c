package sim

import (
	"encoding/binary"
	"fmt"
)

// Snapshot layout (all integers little-endian; uv = unsigned varint, sv =
// zig-zag signed varint, both in their shortest form):
//
//	u8  Version     u32 map checksum     uv tick rate     uv tick
//	uv  player count, then per player (ascending id):
//	    uv id, uv name length, name bytes, u8 flags (bit 0: alive),
//	    uv x, uv y, u16 heading, sv move, sv strafe, sv rotate,
//	    uv health, uv cooldown, uv respawn, uv kills, uv deaths
//	uv  projectile count, then per projectile (in flight order):
//	    uv owner, uv x, uv y, u16 heading, uv life
//
// The encoding is canonical: equal worlds give equal bytes, and Restore
// accepts only bytes that AppendSnapshot could have written.

// AppendSnapshot appends the canonical encoding of w to dst.
func (w *World) AppendSnapshot(dst []byte) []byte {
	dst = append(dst, Version)
	dst = binary.LittleEndian.AppendUint32(dst, w.Map.Checksum())
	dst = binary.AppendUvarint(dst, uint64(w.TickRate))
	dst = binary.AppendUvarint(dst, uint64(w.Tick))
	dst = binary.AppendUvarint(dst, uint64(len(w.Players)))
	for i := range w.Players {
		p := &w.Players[i]
		dst = binary.AppendUvarint(dst, uint64(p.ID))
		dst = binary.AppendUvarint(dst, uint64(len(p.Name)))
		dst = append(dst, p.Name...)
		var flags byte
		if p.Alive {
			flags = 1
		}
		dst = append(dst, flags)
		dst = binary.AppendUvarint(dst, uint64(p.X))
		dst = binary.AppendUvarint(dst, uint64(p.Y))
		dst = binary.LittleEndian.AppendUint16(dst, p.Heading)
		dst = binary.AppendVarint(dst, int64(p.Move))
		dst = binary.AppendVarint(dst, int64(p.Strafe))
		dst = binary.AppendVarint(dst, int64(p.Rotate))
		for _, v := range [...]int32{p.Health, p.Cooldown, p.Respawn, p.Kills, p.Deaths} {
			dst = binary.AppendUvarint(dst, uint64(v))
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(w.Projectiles)))
	for i := range w.Projectiles {
		pr := &w.Projectiles[i]
		dst = binary.AppendUvarint(dst, uint64(pr.Owner))
		dst = binary.AppendUvarint(dst, uint64(pr.X))
		dst = binary.AppendUvarint(dst, uint64(pr.Y))
		dst = binary.LittleEndian.AppendUint16(dst, pr.Heading)
		dst = binary.AppendUvarint(dst, uint64(pr.Life))
	}
	return dst
}

// Hash returns a 64-bit FNV-1a hash of w's snapshot: equal worlds hash equal,
// on every machine.
func (w *World) Hash() uint64 {
	var buf [4096]byte // a 64-player world fits; larger ones spill to the heap
	return HashSnapshot(w.AppendSnapshot(buf[:0]))
}

// HashSnapshot is the hash of a world given its snapshot bytes: for a
// snapshot b of w, HashSnapshot(b) == w.Hash(), without restoring it.
func HashSnapshot(b []byte) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, c := range b {
		h ^= uint64(c)
		h *= prime
	}
	return h
}

// Restore decodes a snapshot taken on map m. Every field is checked against
// the rules, so a corrupt or hostile snapshot is an error (wrapping
// ErrCorrupt, ErrVersion or ErrMapMismatch), never a panic or an impossible
// world.
func Restore(m *Map, data []byte) (*World, error) {
	r := reader{b: data}
	if v := r.u8(); r.err == nil && v != Version {
		return nil, fmt.Errorf("%w: version %d, this is %d", ErrVersion, v, Version)
	}
	if sum := r.u32(); r.err == nil && sum != m.Checksum() {
		return nil, fmt.Errorf("%w: checksum %08x, map %s has %08x", ErrMapMismatch, sum, m.Name, m.Checksum())
	}
	w := &World{Map: m}
	w.TickRate = r.uint("tick rate", MinTickRate, MaxTickRate)
	w.Tick = uint32(r.uvarint("tick", 1<<32-1))
	if r.err != nil {
		// The limits below depend on the tick rate.
		return nil, r.err
	}
	n := r.uint("player count", 0, MaxPlayers)
	if r.err == nil && n > 0 {
		w.Players = make([]Player, n)
	}
	maxX, maxY := m.Width*Unit-1, m.Height*Unit-1
	for i := 0; r.err == nil && i < int(n); i++ {
		p := &w.Players[i]
		p.ID = r.id("player id")
		if i > 0 && r.err == nil && p.ID <= w.Players[i-1].ID {
			r.fail("player ids not ascending")
		}
		p.Name = r.str("name", MaxNameLen)
		if r.err == nil && !ValidName(p.Name) {
			r.fail("invalid name %q", p.Name)
		}
		p.Alive = r.uint("flags", 0, 1) == 1
		p.X = r.uint("x", 0, maxX)
		p.Y = r.uint("y", 0, maxY)
		p.Heading = r.u16()
		p.Move = r.int("move", MaxMoveSpeed)
		p.Strafe = r.int("strafe", MaxStrafeSpeed)
		p.Rotate = r.int("rotate", MaxRotateRate)
		p.Health = r.uint("health", 0, MaxHealth)
		p.Cooldown = r.uint("cooldown", 0, w.ticks(FireCooldownMs))
		p.Respawn = r.uint("respawn", 0, w.ticks(RespawnDelayMs))
		p.Kills = r.uint("kills", 0, 1<<31-1)
		p.Deaths = r.uint("deaths", 0, 1<<31-1)
		if r.err != nil {
			break
		}
		switch {
		case p.Alive && (p.Health == 0 || p.Respawn != 0):
			r.fail("player %d alive with health %d, respawn %d", p.ID, p.Health, p.Respawn)
		case !p.Alive && p.Health != 0:
			r.fail("player %d dead with health %d", p.ID, p.Health)
		case p.Alive && w.boxInWall(p.X, p.Y):
			r.fail("player %d inside a wall", p.ID)
		}
		// Step never lets living players overlap, and two that overlap by
		// more than a substep are locked together: moveAxis refuses every
		// step that leaves them overlapping, even one away from the other.
		for j := 0; p.Alive && j < i; j++ {
			q := &w.Players[j]
			if q.Alive && abs32(q.X-p.X) < 2*PlayerRadius && abs32(q.Y-p.Y) < 2*PlayerRadius {
				r.fail("players %d and %d overlap", q.ID, p.ID)
				break
			}
		}
	}
	np := r.uint("projectile count", 0, MaxProjectiles)
	if r.err == nil && np > 0 {
		w.Projectiles = make([]Projectile, np)
	}
	maxLife := ProjectileRange / max(w.perTick(ProjectileSpeed), 1)
	for i := 0; r.err == nil && i < int(np); i++ {
		pr := &w.Projectiles[i]
		pr.Owner = r.id("owner")
		pr.X = r.uint("projectile x", 0, maxX)
		pr.Y = r.uint("projectile y", 0, maxY)
		pr.Heading = r.u16()
		pr.Life = r.uint("life", 1, maxLife)
	}
	if r.err == nil && len(r.b) > 0 {
		r.fail("%d bytes after the end", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return w, nil
}

// boxInWall reports whether a player's box centred at (x, y) overlaps a wall.
func (w *World) boxInWall(x, y int32) bool {
	for ty := floorDiv(y-PlayerRadius, Unit); ty <= floorDiv(y+PlayerRadius-1, Unit); ty++ {
		for tx := floorDiv(x-PlayerRadius, Unit); tx <= floorDiv(x+PlayerRadius-1, Unit); tx++ {
			if w.Map.At(tx, ty) == Wall {
				return true
			}
		}
	}
	return false
}

// reader decodes a snapshot, remembering the first error so that callers can
// check once per record. Every read after an error returns zero.
type reader struct {
	b   []byte
	off int
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: at byte %d: %s", ErrCorrupt, r.off, fmt.Sprintf(format, args...))
	}
}

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if len(r.b) < n {
		r.fail("truncated %s", what)
		return nil
	}
	s := r.b[:n]
	r.b, r.off = r.b[n:], r.off+n
	return s
}

func (r *reader) u8() byte {
	if s := r.take(1, "byte"); s != nil {
		return s[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if s := r.take(2, "u16"); s != nil {
		return binary.LittleEndian.Uint16(s)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if s := r.take(4, "u32"); s != nil {
		return binary.LittleEndian.Uint32(s)
	}
	return 0
}

// uvarint reads a shortest-form unsigned varint no larger than limit.
func (r *reader) uvarint(what string, limit uint64) uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	switch {
	case n <= 0:
		r.fail("bad varint for %s", what)
		return 0
	case n != uvarintLen(v):
		r.fail("non-canonical varint for %s", what)
		return 0
	case v > limit:
		r.fail("%s %d above %d", what, v, limit)
		return 0
	}
	r.b, r.off = r.b[n:], r.off+n
	return v
}

// id reads a player id: any uint32 but 0, as Validate accepts.
func (r *reader) id(what string) PlayerID {
	v := PlayerID(r.uvarint(what, 1<<32-1))
	if r.err == nil && v == 0 {
		r.fail("%s 0 below 1", what)
	}
	return v
}

// uint reads an unsigned varint within [lo, hi].
func (r *reader) uint(what string, lo, hi int32) int32 {
	v := int32(r.uvarint(what, uint64(hi)))
	if r.err == nil && v < lo {
		r.fail("%s %d below %d", what, v, lo)
	}
	return v
}

// int reads a zig-zag varint within [-limit, limit].
func (r *reader) int(what string, limit int32) int32 {
	u := r.uvarint(what, 2*uint64(limit))
	v := int64(u >> 1)
	if u&1 != 0 {
		v = ^v
	}
	if r.err == nil && (v < -int64(limit) || v > int64(limit)) {
		r.fail("%s %d outside ±%d", what, v, limit)
	}
	return int32(v)
}

func (r *reader) str(what string, maxLen uint64) string {
	n := r.uvarint(what+" length", maxLen)
	return string(r.take(int(n), what))
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}
