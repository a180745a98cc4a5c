// Package simtest holds what the tests of several packages build worlds
// from, so that each does not carry its own copy.
package simtest

import (
	"testing"

	"github.com/skirmishgg/skirmish/sim"
)

// openRoom is a 20×20 room with nothing in it but spawn points.
const openRoom = `name: Open
####################
#..................#
#.S..............S.#
#..................#
#..................#
#..................#
#..................#
#..................#
#..................#
#.S.......S........#
#..................#
#..................#
#..................#
#..................#
#..................#
#..................#
#..................#
#.S..............S.#
#..................#
####################
`

// OpenRoom returns a 20×20 map named "open" with nothing in it but spawn
// points at tiles (2, 2), (17, 2), (2, 9), (10, 9), (2, 17) and (17, 17).
func OpenRoom(tb testing.TB) *sim.Map {
	tb.Helper()
	m, err := sim.ParseMap("open", []byte(openRoom))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}
