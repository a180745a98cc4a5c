// Package projection builds read models from the replay log, the event
// store of Skirmish: the query side of its CQRS. A projection consumes the
// events of every match, tick by tick with the world after each tick, and
// maintains a read model; it is built by replaying every stored event, then
// follows the running matches live.
//
// Write a projection by implementing Projection (Start, Apply, End for each
// match, Remove when its file goes; MarshalState and UnmarshalState for its
// checkpoint) and, if other goroutines query it, Publisher. MatchStats does the per-player counting
// (kills, deaths, shots, hits, distance, time) that most projections need;
// Tick.Facts says what each tick did. docs/PROJECTIONS.md walks through it.
//
// Run projections over a replay directory with an Engine: NewEngine loads
// each projection's checkpoint, Run catches up over every file in the
// directory and then follows the files of running matches (replay.Follow),
// checkpointing each projection's state together with how far it has
// consumed each file (its Mark), so that a restart continues where it
// stopped, with no tick missed or applied twice. A file that goes (Removed,
// or found gone) is taken back, so that the read models stay what a
// rebuild over the files left would give. Catch-up paces itself (Options.
// Share) so that it never takes the CPU from a server's tick loops. Sync
// waits for a pass over the directory. Run projections over a few files, without checkpoints,
// with PlayFile.
//
// Shipped read models: Leaderboard (per player name, across all matches),
// Summaries (per match) and Heatmap (per map, rendered to PNG). Their views
// are immutable once published and safe for concurrent use.
package projection
