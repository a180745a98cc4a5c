// Package brain decides what a player does: it is the AI behind the
// load-test bots, the desktop client's practice bots and the synthetic
// matches that skirmish-replay gen writes.
//
// A Brain plays one player. Call its Think once per simulated tick with the
// world as that player sees it; it appends the commands to send now. Make
// one with New, by name (Names lists them, About says what each does):
// "random" issues plausible commands at a given average rate (a load
// generator that looks like play); "chase" plays like a person: it hunts the
// nearest opponent, walks around walls, turns to face it and fires when the
// shot is clear, at no more than a human's rate of key presses; "storm" is
// random and fires whenever the weapon allows (as many shots in flight as the
// rules permit, to measure a client). Seed gives each bot of a group its own
// seed. FarthestSpawn picks a spawn point away from the opponents, for
// clients and brains alike.
//
// Brains are deterministic, because gen's output is committed as golden files
// that must be identical on every architecture: the same seed and the same
// sequence of worlds give the same commands. Each brain owns a PCG generator
// seeded by its constructor; decisions use integers only (float options are
// converted once, in the constructor); nothing reads the clock, iterates a map
// or uses a global random source. Timing is counted in world ticks.
//
// Every command Think returns passes sim.Validate against the world it was
// given. Commands of different brains that think about the same world may
// still conflict (two players spawning on one spawn point in the same tick):
// a driver that must see no rejects, such as gen, applies each brain's
// commands with sim.Apply before asking the next brain.
package brain
