// Package predict shows a player the effect of their own commands at once,
// although the server confirms them only a round trip later: client-side
// prediction with rollback, without graphics, so that it is tested without a
// display.
//
// A Predictor keeps two worlds. The confirmed world is the last one the
// server vouched for (a copy of the session's world after each frame). The
// predicted world is the confirmed world with the player's own commands that
// are not yet confirmed re-applied at the ticks they are expected to take
// effect, stepped ahead to the tick the server will be simulating when a
// command sent now reaches it. Use Issue when a command is sent, Confirm for
// each frame, Reject for each reject, and AdvanceTo once per rendered frame
// with the tick from Target; World is the world to draw your own player from.
//
// When a frame arrives the predicted world is rebuilt: rolled back to the new
// confirmed world and re-simulated (sim.World.CopyFrom, no allocation). If
// the guess was right the player's position does not change; Stats reports
// how far it moved when it did not (a correction).
//
// The lead, how far ahead of the server's present the client simulates,
// adapts: each confirmed command says in which tick the server applied it,
// and Lead picks the lead that would have predicted the most recent commands
// exactly. With jitter a command still lands a tick early or late now and
// then; Smoother hides the small correction that follows from the eye.
//
// A Predictor is not safe for concurrent use; the game loop owns it.
package predict
