package brain

import "github.com/skirmishgg/skirmish/sim"

// pathField is a breadth-first distance field over a map's tiles towards a
// goal tile, for walking around walls. It is recomputed only when the goal
// tile or the map changes, and reuses its buffers.
type pathField struct {
	m     *sim.Map
	goal  sim.Point
	dist  []int32 // steps to the goal by tiles that are not walls, -1 if none
	queue []int32
}

// neighbours are the four directions a path steps in, in the order ties are
// broken.
var neighbours = [4]sim.Point{{X: 0, Y: -1}, {X: -1, Y: 0}, {X: 1, Y: 0}, {X: 0, Y: 1}}

// reserve makes room for a field over m, so that Think allocates only when
// it first sees a map, not on the first chase around a wall.
func (f *pathField) reserve(m *sim.Map) {
	if n := int(m.Width * m.Height); cap(f.dist) < n {
		f.dist = make([]int32, n)
		f.queue = make([]int32, 0, n)
		f.m = nil // the field is gone
	}
}

func (f *pathField) update(m *sim.Map, goal sim.Point) {
	if f.m == m && f.goal == goal {
		return
	}
	f.reserve(m)
	f.m, f.goal = m, goal
	f.dist = f.dist[:m.Width*m.Height]
	for i := range f.dist {
		f.dist[i] = -1
	}
	if m.At(goal.X, goal.Y) == sim.Wall {
		return
	}
	q := append(f.queue[:0], goal.Y*m.Width+goal.X)
	f.dist[q[0]] = 0
	for h := 0; h < len(q); h++ { // each tile is queued once: q never outgrows n
		i := q[h]
		x, y := i%m.Width, i/m.Width
		for _, nb := range neighbours {
			nx, ny := x+nb.X, y+nb.Y
			j := ny*m.Width + nx
			if m.At(nx, ny) != sim.Wall && f.dist[j] < 0 {
				f.dist[j] = f.dist[i] + 1
				q = append(q, j)
			}
		}
	}
	f.queue = q
}

// at returns the steps from tile p to the goal, -1 if it cannot be reached.
func (f *pathField) at(p sim.Point) int32 {
	if p.X < 0 || p.Y < 0 || p.X >= f.m.Width || p.Y >= f.m.Height {
		return -1
	}
	return f.dist[p.Y*f.m.Width+p.X]
}

// next returns the neighbour of p one step nearer the goal; p must be
// reachable and not the goal.
func (f *pathField) next(p sim.Point) sim.Point {
	d := f.at(p)
	for _, nb := range neighbours {
		q := sim.Point{X: p.X + nb.X, Y: p.Y + nb.Y}
		if f.at(q) == d-1 {
			return q
		}
	}
	return p // unreachable for a consistent field
}

// waypoint returns where a player at (x, y) should head for to reach the
// position (gx, gy) around walls: the centre of the farthest of the next few
// tiles of a shortest path that it can walk to in a straight line, or of the
// next tile if none. Without a path it returns the goal itself.
func (f *pathField) waypoint(m *sim.Map, x, y, gx, gy int32) (int32, int32) {
	f.update(m, tileOf(gx, gy))
	cur := tileOf(x, y)
	if f.at(cur) <= 0 {
		return gx, gy
	}
	var best sim.Point
	for k := 0; k < lookahead && f.at(cur) > 0; k++ {
		cur = f.next(cur)
		cx, cy := sim.SpawnCenter(cur)
		if k == 0 || clearPath(m, x, y, cx, cy) {
			best = cur
		}
	}
	return sim.SpawnCenter(best)
}
