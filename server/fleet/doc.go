// Package fleet joins skirmishd nodes into one service on NATS JetStream:
// it implements server.Fleet.
//
// Use StartNode to run an embedded JetStream node inside the process (alone,
// or clustered with other nodes through routes), and Join to connect a
// server to the fleet's NATS servers (embedded or an external cluster);
// pass the result as server.Options.Fleet. docs/FLEET.md describes the
// fleet for the people who run one.
//
// What lives where:
//
//   - the directory (directory.go): a key-value bucket with one entry per
//     node and per running match, rewritten every second by its node and
//     expiring when the node stops doing so; claiming a match id is a KV
//     create, atomic across the fleet;
//   - finished replays (replays.go): an object store bucket, one object per
//     replay, which any node lists and serves through a local cache.
//
// Nothing here runs on a match's tick: the directory is published and
// watched by goroutines of their own, every NATS call is bounded by a
// timeout, and while NATS is out of reach those loops skip their rounds
// and count them. A Fleet is safe for concurrent use.
package fleet
