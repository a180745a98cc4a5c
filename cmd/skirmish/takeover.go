package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/client/viewer"
	"github.com/skirmishgg/skirmish/cmd/internal/practice"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// forkPractice starts a practice server, writing its replays to dir, whose
// match is forked from t.Source at t.Tick with t.Player yours: what the
// viewer's T and skirmish play -from start. brain and rate are the bots'
// (empty and 0: practice's defaults).
func forkPractice(dir string, logger *slog.Logger, brain string, rate float64, t viewer.TakeOver) (*practice.Practice, error) {
	return practice.Start(practice.Options{
		Brain: brain, BotRate: rate, Match: "practice",
		Server: server.Options{ReplayDir: dir, Logger: logger, Maps: assets.MapSource},
		Fork:   &practice.Fork{Source: t.Source, SourceID: t.SourceID, Tick: t.Tick, As: t.Player},
	})
}

// openRecording opens a replay file, or downloads one from a server's URL.
func openRecording(name string) (*replay.Reader, error) {
	if viewer.IsURL(name) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		return viewer.Download(ctx, nil, name, 0)
	}
	return replay.Open(name)
}

// forkLine is what -print-hash prints of a match forked from a recording:
// the tick, world hash and player of the world the server welcomed the
// client with (the forked world).
func forkLine(w *sim.World, me sim.PlayerID) string {
	return fmt.Sprintf("fork tick=%d hash=%016x player=%d", w.Tick, w.Hash(), me)
}
