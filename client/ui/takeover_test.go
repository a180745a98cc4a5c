package ui

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/viewer"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
)

// TestShellTakeOver runs the shell on the viewer: T starts the take-over
// match (here on a real server that forks the replay), whose client is
// welcomed with the world replay.Seek gives at the tick, as the player
// followed; Esc comes back to the viewer at that tick and stops the
// server. A take-over that cannot start says why on the viewer.
func TestShellTakeOver(t *testing.T) {
	r, err := replay.Open("../../replay/testdata/arena-4p-30s.skr")
	if err != nil {
		t.Fatal(err)
	}
	const tick = 1200
	want, err := r.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	m, err := viewer.NewModel(r, viewer.Options{Name: "arena-4p-30s.skr", Start: tick, Seek: true, Paused: true,
		Camera: viewer.CameraFollow, Target: 2, NoIndex: true})
	if err != nil {
		t.Fatal(err)
	}
	app := viewer.NewApp(viewer.AppOptions{Model: m})
	defer app.Close()

	var asked []viewer.TakeOver
	stopped := 0
	fail := false
	takeOver := func(to viewer.TakeOver) (string, string, string, func() error, error) {
		asked = append(asked, to)
		if fail {
			return "", "", "", nil, errors.New("no room for practice")
		}
		srv, err := server.New(server.Options{ReplayDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			return "", "", "", nil, err
		}
		hs := httptest.NewServer(srv.Handler())
		stop := func() error {
			stopped++
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := srv.Shutdown(ctx)
			hs.Close()
			return err
		}
		if _, err := srv.Fork(server.ForkRequest{Source: to.Source, SourceID: to.SourceID, Tick: to.Tick, Match: "fk", Claim: []string{to.Name}}); err != nil {
			stop()
			return "", "", "", nil, err
		}
		return "ws" + strings.TrimPrefix(hs.URL, "http") + "/ws", "fk", to.Name, stop, nil
	}
	s := testShell(t, Options{Start: StartWatch, Watch: app, TakeOver: takeOver,
		WatchScript: viewer.Script{{Frame: 2, Action: viewer.ActTakeOver}}}, 1280, 720)

	frame := 0
	step := func() {
		s.Update(frame, 1280, 720)
		frame++
	}
	for range 3 {
		step()
	}
	if len(asked) != 1 || asked[0].Tick != tick || asked[0].Player != 2 || asked[0].SourceID != "arena-4p-30s" || !s.takeover {
		t.Fatalf("after T: asked %+v, taking over %v", asked, s.takeover)
	}
	deadline := time.Now().Add(20 * time.Second)
	for s.last.First() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("no welcome: %+v", s.link.Status())
		}
		time.Sleep(10 * time.Millisecond)
		step()
	}
	if w := s.last.First(); w.Tick != tick || w.Hash() != want.Hash() || s.last.Me() != 2 {
		t.Errorf("welcomed at tick %d with %016x as %d; replay.Seek(%d) gives %016x, and player 2 was followed", w.Tick, w.Hash(), s.last.Me(), tick, want.Hash())
	}
	for range 10 {
		time.Sleep(10 * time.Millisecond)
		step()
	}
	s.watch.script = append(s.watch.script, viewer.ScriptStep{Frame: frame, Action: viewer.ActBack})
	step()
	if s.takeover || s.play != nil || stopped != 1 || s.quit {
		t.Fatalf("after Esc: taking over %v, playing %v, stopped %d, quit %v; want back in the viewer", s.takeover, s.play != nil, stopped, s.quit)
	}
	if f := app.View(); f.Screen != viewer.ScreenWatch || f.Tick != tick || f.Playing {
		t.Errorf("back in the viewer: screen %v, tick %d, playing %v; want paused at %d", f.Screen, f.Tick, f.Playing, tick)
	}

	fail = true
	s.watch.script = append(s.watch.script, viewer.ScriptStep{Frame: frame, Action: viewer.ActTakeOver})
	step()
	if s.takeover || len(asked) != 2 {
		t.Fatalf("a take-over that failed: taking over %v, asked %d times", s.takeover, len(asked))
	}
	if f := app.View(); f.Note != "cannot take over: no room for practice" {
		t.Errorf("note %q", f.Note)
	}
}
