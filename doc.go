// Package skirmish is the root of Skirmish, a real-time multiplayer arena
// game with its authoritative dedicated server and its replay system. It
// holds no code: this is the map of the module, and its test checks the
// dependency rule below on the module's real import graph.
//
// # Map
//
//	sim          the deterministic world: Step, Snapshot/Restore, Hash
//	sim/brain    the bots' AI, made by name with brain.New
//	protocol     wire messages and their msgpack encoding
//	replay       the event log: writer, reader, seek, follow, verify;
//	             replay/projection: read models; replay/synth: synthetic matches
//	server       matches, sessions, HTTP API, metrics, replay writing;
//	             server/fleet: many nodes as one, on NATS JetStream
//	assets       embedded maps
//	client       session, predict, link, game (play), scene (what play and
//	             watch both draw), viewer (watch), bots, keys (the
//	             keyboard), settings (the settings file), browse (the
//	             server browser's data), audio (sounds and their mix),
//	             menu, and ui (Ebiten)
//	cmd          skirmish, skirmishd, skirmish-bots, skirmish-replay, ...;
//	             cmd/internal: the practice server, the user's directories
//
// # Dependency rule
//
// Arrows point only downward. sim imports the standard library only;
// protocol imports sim; replay imports sim and protocol; server imports
// those, replay/projection and assets. The client tree never imports
// server: the practice server that runs inside the desktop client
// (cmd/internal/practice) lives under cmd, which may import anything.
// client/viewer (watch) does not depend on the live-play stack (client/link,
// client/session, client/predict, client/game): what play and watch share is
// client/scene. client/keys, client/settings and client/browse depend on
// the standard library (and sim) only, client/audio on sim and client/scene
// only; client/menu does not depend on the viewer, the bots or the Ebiten
// layer. Only client/ui and cmd/skirmish depend on Ebiten or its sound
// backend (oto), directly or not, so that the server, the bots and the
// replay tool build without cgo or X11, and everything else of the client
// is tested without a display or a sound card.
// server/fleet implements the server's Fleet interface on NATS; only it and
// cmd/skirmishd link NATS, so the server package (and the practice server
// inside the desktop client) never does.
//
// The rule is about what each package builds into. Tests may reach across
// it to run real components together (a client package's test starts a real
// server on loopback; the server's tests connect real clients).
package skirmish
