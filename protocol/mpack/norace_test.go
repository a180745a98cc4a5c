//go:build !race

package mpack_test

const raceEnabled = false
