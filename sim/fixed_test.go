package sim

import (
	"math"
	"testing"
)

// Tests may use floating point; the simulation may not (TestNoFloatingPoint).

// TestSineTable recomputes the table exactly as gen_trig.go does and
// compares it with the committed one: an edited or stale table fails here.
// An exact match is expected on every architecture: each entry is
// round(sin(x)·65536), and the test checks that no unrounded value lies
// within 1e-6 of a rounding boundary, so a last-bit difference in math.Sin
// (e.g. a fused multiply-add on arm64) cannot change any entry.
func TestSineTable(t *testing.T) {
	t.Parallel()
	const quarter, one = 1024, 1 << 16
	if len(sineQuarter) != quarter+1 || quarterSteps != quarter {
		t.Fatalf("table has %d entries, want %d", len(sineQuarter), quarter+1)
	}
	margin := 1.0
	for i := 0; i <= quarter; i++ {
		v := math.Sin(float64(i)/quarter*math.Pi/2) * one
		want := int32(math.Round(v))
		if sineQuarter[i] != want {
			t.Errorf("sineQuarter[%d] = %d, want %d (from %.9f)", i, sineQuarter[i], want, v)
		}
		if frac := v - math.Floor(v); i != 0 && i != quarter {
			margin = min(margin, math.Abs(frac-0.5))
		}
	}
	if margin < 1e-6 {
		t.Errorf("an entry lies %g from a rounding boundary: the table may differ between machines", margin)
	}
	t.Logf("smallest distance of an entry from a rounding boundary: %.4f", margin)
}

func TestSinCos(t *testing.T) {
	t.Parallel()
	exact := []struct {
		a        uint16
		sin, cos int32
	}{
		{0, 0, trigOne},
		{FullTurn / 4, trigOne, 0},
		{FullTurn / 2, 0, -trigOne},
		{FullTurn * 3 / 4, -trigOne, 0},
		{FullTurn / 8, 46341, 46341},  // round(65536/√2)
		{FullTurn / 16, 25080, 60547}, // 22.5°
	}
	for _, tc := range exact {
		if s, c := Sin(tc.a), Cos(tc.a); s != tc.sin || c != tc.cos {
			t.Errorf("Sin, Cos(%d) = %d, %d; want %d, %d", tc.a, s, c, tc.sin, tc.cos)
		}
	}
	for a := 0; a < FullTurn; a++ {
		h := uint16(a)
		s, c := Sin(h), Cos(h)
		// The table has 4096 steps a turn; within a step the value holds.
		step := h &^ (1<<angleShift - 1)
		if s != Sin(step) {
			t.Fatalf("Sin(%d) = %d, Sin(%d) = %d: not constant within a table step", h, s, step, Sin(step))
		}
		want := math.Sin(2 * math.Pi * float64(step) / FullTurn)
		if d := math.Abs(float64(s)/trigOne - want); d > 0.5/trigOne+1e-12 {
			t.Fatalf("Sin(%d) = %d, off sin by %g (more than half a unit)", h, s, d*trigOne)
		}
		if c != Sin(h+FullTurn/4) {
			t.Fatalf("Cos(%d) ≠ Sin(%d + a quarter turn)", h, h)
		}
		if step == h {
			// Odd and even, exactly, on the table's own angles.
			if Sin(-h) != -s || Cos(-h) != c {
				t.Fatalf("Sin, Cos(-%d) = %d, %d; want %d, %d", h, Sin(-h), Cos(-h), -s, c)
			}
		}
		// sin² + cos² = 1 within the rounding of both entries.
		if n := int64(s)*int64(s) + int64(c)*int64(c); n < trigOne*trigOne-2*trigOne || n > trigOne*trigOne+2*trigOne {
			t.Fatalf("Sin²+Cos²(%d) = %d, want about %d", h, n, int64(trigOne)*trigOne)
		}
	}
}

func TestDirection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a      uint16
		length int32
		dx, dy int32
	}{
		{0, 1000, 1000, 0},
		{FullTurn / 4, 1000, 0, 1000}, // clockwise on screen: +Y is down
		{FullTurn / 2, 1000, -1000, 0},
		{FullTurn * 3 / 4, 1000, 0, -1000},
		{0, -1000, -1000, 0},
		{FullTurn / 8, 65536, 46341, 46341},
		{FullTurn / 4, 0, 0, 0},
	}
	for _, tc := range tests {
		if dx, dy := Direction(tc.a, tc.length); dx != tc.dx || dy != tc.dy {
			t.Errorf("Direction(%d, %d) = %d, %d; want %d, %d", tc.a, tc.length, dx, dy, tc.dx, tc.dy)
		}
	}
	// The largest lengths the world uses do not overflow.
	for _, length := range []int32{ProjectileSpeed, MaxMoveSpeed, MaxMapSize * Unit, 1<<31 - 1} {
		for a := 0; a < FullTurn; a += 61 {
			dx, dy := Direction(uint16(a), length)
			r := math.Hypot(float64(dx), float64(dy))
			if math.Abs(r-float64(length)) > float64(length)/2000+2 {
				t.Fatalf("Direction(%d, %d) = %d, %d: length %.0f", a, length, dx, dy, r)
			}
		}
	}
}

func TestAtan2(t *testing.T) {
	t.Parallel()
	quadrants := []struct {
		dy, dx int64
		want   uint16
	}{
		{0, 0, 0},
		{0, 1, 0},
		{1, 0, FullTurn / 4},
		{0, -1, FullTurn / 2},
		{-1, 0, FullTurn * 3 / 4},
		{1, 1, FullTurn / 8},
		{1, -1, FullTurn * 3 / 8},
		{-1, -1, FullTurn * 5 / 8},
		{-1, 1, FullTurn * 7 / 8},
		{5, 1000000, 0}, // just below the first table step
		{1 << 40, 1 << 40, FullTurn / 8},
		{-(1 << 40), 1 << 40, FullTurn * 7 / 8},
	}
	for _, tc := range quadrants {
		if got := Atan2(tc.dy, tc.dx); got != tc.want {
			t.Errorf("Atan2(%d, %d) = %d, want %d", tc.dy, tc.dx, got, tc.want)
		}
	}
	// Atan2 inverts Direction to within one table step (16 angle units),
	// all the way round, for short vectors and long ones.
	const tableStep = 1 << angleShift
	for _, length := range []int32{Unit, 100 * Unit, 1 << 30} {
		worst := 0
		for a := 0; a < FullTurn; a++ {
			dx, dy := Direction(uint16(a), length)
			got := Atan2(int64(dy), int64(dx))
			// The table resolves angles to its steps: compare with the
			// step a falls in, the difference taken round the circle.
			diff := int(int16(got - uint16(a)&^(tableStep-1)))
			worst = max(worst, abs(diff))
			if abs(diff) > tableStep {
				t.Fatalf("length %d: Atan2(Direction(%d)) = %d, %d units off", length, a, got, diff)
			}
			// And the quadrant is right: a vector strictly inside
			// quadrant q gets an angle in it, or on its far edge at worst.
			if q := quadrant(dx, dy); q >= 0 {
				gq, onEdge := int(got)/(FullTurn/4), int(got)%(FullTurn/4) == 0
				if gq != q && !(onEdge && gq == (q+1)%4) {
					t.Fatalf("Atan2(%d, %d) = %d: quadrant %d, want %d", dy, dx, got, gq, q)
				}
			}
		}
		t.Logf("length %d: worst error %d angle units", length, worst)
	}
}

// quadrant returns the quadrant (0 to 3, clockwise from +X) strictly
// containing (dx, dy), or -1 on an axis.
func quadrant(dx, dy int32) int {
	switch {
	case dx > 0 && dy > 0:
		return 0
	case dx < 0 && dy > 0:
		return 1
	case dx < 0 && dy < 0:
		return 2
	case dx > 0 && dy < 0:
		return 3
	}
	return -1
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
