package sim

// Units. Every length in the world is an integer count of units; a tile is
// Unit units wide. Angles are binary angle units: a full turn is 65536, so a
// uint16 heading wraps around by itself. Speeds and rates are per second and
// are turned into per-tick steps with the world's tick rate.
const (
	// Unit is the number of world units in one tile (12 fractional bits).
	Unit = 1 << 12
	// FullTurn is a full turn in binary angle units.
	FullTurn = 1 << 16

	// trigOne is fixed-point 1.0 for the values of the sine table.
	trigOne   = 1 << 16
	trigShift = 16

	quarterSteps = 1024             // entries per quarter turn in sineQuarter
	angleShift   = 4                // 65536 angle units / 4096 table steps
	quarterMask  = quarterSteps - 1 // index within a quarter
)

// Sin returns sin(a) in fixed point with 16 fractional bits, where a is in
// binary angle units (65536 per turn).
func Sin(a uint16) int32 {
	i := int(a >> angleShift) // 0..4095
	q := i / quarterSteps
	j := i & quarterMask
	switch q {
	case 0:
		return sineQuarter[j]
	case 1:
		return sineQuarter[quarterSteps-j]
	case 2:
		return -sineQuarter[j]
	default:
		return -sineQuarter[quarterSteps-j]
	}
}

// Cos returns cos(a) in fixed point with 16 fractional bits.
func Cos(a uint16) int32 { return Sin(a + FullTurn/4) }

// Direction returns the vector of length length units pointing along heading
// a. Heading 0 points along +X, and headings grow clockwise on a screen whose
// Y axis points down.
func Direction(a uint16, length int32) (dx, dy int32) {
	dx = int32(int64(Cos(a)) * int64(length) >> trigShift)
	dy = int32(int64(Sin(a)) * int64(length) >> trigShift)
	return dx, dy
}

// Atan2 returns the heading, in binary angle units, of the vector (dx, dy).
// It searches the sine table, so it is exact to the table's resolution and
// uses no floating point. Atan2(0, 0) is 0.
func Atan2(dy, dx int64) uint16 {
	if dx == 0 && dy == 0 {
		return 0
	}
	ax, ay := dx, dy
	if ax < 0 {
		ax = -ax
	}
	if ay < 0 {
		ay = -ay
	}
	// Find the first-octant angle t with tan(t) = small/large by binary search
	// on sin/cos ratios from the table: sin(t)·large vs cos(t)·small.
	small, large := ay, ax
	swapped := false
	if small > large {
		small, large = large, small
		swapped = true
	}
	lo, hi := 0, quarterSteps/2 // [0°, 45°]
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if int64(sineQuarter[mid])*large <= int64(sineQuarter[quarterSteps-mid])*small {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	t := lo
	if swapped {
		t = quarterSteps - t
	}
	// t is the angle of (ax, ay) in table steps, within the first quadrant.
	switch {
	case dx >= 0 && dy >= 0:
	case dx < 0 && dy >= 0:
		t = 2*quarterSteps - t
	case dx < 0 && dy < 0:
		t = 2*quarterSteps + t
	default:
		t = 4*quarterSteps - t
	}
	return uint16(t << angleShift)
}
