package scene

// Rect is a screen rectangle in pixels: X, Y its top left corner, W, H its
// size. The layouts of play (package client/game) and watch (package
// client/viewer) place their panels as Rects, so that whether two panels
// overlap is a property of numbers, tested without a display.
type Rect struct{ X, Y, W, H float64 }

// Contains reports whether screen point (x, y) is inside r.
func (r Rect) Contains(x, y float64) bool {
	return x >= r.X && y >= r.Y && x < r.X+r.W && y < r.Y+r.H
}

// Empty reports whether r has no area.
func (r Rect) Empty() bool { return r.W <= 0 || r.H <= 0 }

// Overlaps reports whether r and o share any area; an empty rectangle
// overlaps nothing.
func (r Rect) Overlaps(o Rect) bool {
	if r.Empty() || o.Empty() {
		return false
	}
	return r.X < o.X+o.W && o.X < r.X+r.W && r.Y < o.Y+o.H && o.Y < r.Y+r.H
}

// Within reports whether r lies entirely inside o.
func (r Rect) Within(o Rect) bool {
	return r.X >= o.X && r.Y >= o.Y && r.X+r.W <= o.X+o.W && r.Y+r.H <= o.Y+o.H
}

// Right and Bottom return the edges past the rectangle.
func (r Rect) Right() float64  { return r.X + r.W }
func (r Rect) Bottom() float64 { return r.Y + r.H }
