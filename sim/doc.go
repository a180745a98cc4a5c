// Package sim is Skirmish's deterministic world simulation: the one piece of
// game logic that the server, every client, the bots and the replay viewer
// all run, and that must reach the same state on every machine.
//
// Load a map with ParseMap and create a world with NewWorld. Advance it one
// tick at a time with Step, passing the tick's inputs (the events of the
// match); the authoritative server instead calls Apply for each command, which
// validates it against the current world (Validate explains a refusal with a
// Reason) and applies it, then Advance. Snapshot a world with AppendSnapshot,
// read one back with Restore, and compare worlds with Hash.
//
// Determinism rules, checked by this package's tests: no floating point (all
// lengths are integer units, Unit per tile; angles are 16-bit binary angles;
// trigonometry comes from a generated integer table), no map iteration, no
// goroutines, no clock and no global random source. Only the standard library
// is imported. Anything that changes the results of Step or the snapshot
// encoding bumps Version.
package sim
