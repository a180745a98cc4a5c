package projection_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/sim"
)

// compareStates fails unless two sets of models have the same state.
func compareStates(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if got[name] != want[name] {
			g, w := got[name], want[name]
			i := 0
			for i < len(g) && i < len(w) && g[i] == w[i] {
				i++
			}
			t.Errorf("%s: %s differs at byte %d:\n got …%s…\nwant …%s…", what, name, i,
				g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
		}
	}
}

// TestRebuildEqualsIncremental builds the read models incrementally, the
// way a server's engine meets history: some files at a time, a match
// followed live across a restart of the engine, a crashed match; then
// rebuilds them from scratch by deleting the checkpoints, and by playing
// every file with PlayFile. All three agree, byte for byte.
func TestRebuildEqualsIncremental(t *testing.T) {
	t.Parallel()
	dir, src := t.TempDir(), t.TempDir()
	var paths []string
	for i := range 5 {
		paths = append(paths, genFile(t, src, fmt.Sprintf("done-%d", i), synthOptions(t, uint64(10+i), 8, 20*time.Second)))
	}
	liveBytes := genBytes(t, synthOptions(t, 30, 8, 30*time.Second))
	crashBytes := genBytes(t, synthOptions(t, 31, 6, 20*time.Second))
	var live atomic.Bool
	o := projection.Options{Dir: dir, Live: func(id string) bool { return live.Load() && id == "live" }, LiveWindow: -1}

	// Two finished files.
	copyFile(t, filepath.Join(dir, "done-0.skr"), paths[0])
	copyFile(t, filepath.Join(dir, "done-1.skr"), paths[1])
	m1 := newModels()
	r1 := startEngine(t, o, m1.all()...)
	r1.sync()
	if n := m1.lb.View().Matches; n != 2 {
		t.Fatalf("after two files: %d matches", n)
	}
	r1.stop()

	// A third file, and a live match: the engine follows it as it is
	// written and is stopped in the middle of it.
	copyFile(t, filepath.Join(dir, "done-2.skr"), paths[2])
	live.Store(true)
	lf := newLiveFile(t, filepath.Join(dir, "live.skr"), liveBytes)
	m2 := newModels()
	r2 := startEngine(t, o, m2.all()...)
	last := lf.write(10)
	waitFor(t, "the live match's first chunks", func() bool {
		s, ok := m2.sum.View().Get("live")
		return ok && s.Ticks == last && s.State == projection.StateRunning
	})
	last = lf.write(3)
	waitFor(t, "more of the live match", func() bool {
		s, _ := m2.sum.View().Get("live")
		return s.Ticks == last
	})
	r2.stop()

	// The match goes on while the engine is down, and after it restarts;
	// a crashed match's file appears (no footer, half a chunk at the end).
	lf.write(4)
	crash := filepath.Join(dir, "crash.skr")
	cf := newLiveFile(t, crash, crashBytes)
	cf.write(cf.chunks() / 2)
	cf.append(crashBytes[cf.ends[cf.n-1] : cf.ends[cf.n-1]+20])
	ageFiles(t, crash)
	m3 := newModels()
	r3 := startEngine(t, o, m3.all()...)
	r3.sync()
	if s, ok := m3.sum.View().Get("crash"); !ok || s.State != projection.StateRecovered {
		t.Errorf("crashed match: %+v", s)
	}
	lf.write(5)
	lf.finish()
	waitFor(t, "the live match's end", func() bool {
		s, _ := m3.sum.View().Get("live")
		return s.State == projection.StateEnded
	})
	live.Store(false)
	copyFile(t, filepath.Join(dir, "done-3.skr"), paths[3])
	copyFile(t, filepath.Join(dir, "done-4.skr"), paths[4])
	r3.sync()
	r3.stop()
	incremental := m3.states(t)

	// Restarting changes nothing, and the read models are published from
	// the checkpoints without reading a replay.
	m4 := newModels()
	r4 := startEngine(t, o, m4.all()...)
	r4.sync()
	r4.stop()
	compareStates(t, "after a restart", m4.states(t), incremental)
	if st := r4.e.Status(); st.Ticks != 0 {
		t.Errorf("a restart simulated %d ticks", st.Ticks)
	}
	if _, ok := m4.heat.Stats("arena"); !ok || m4.sum.View().Len() != 7 || m4.lb.View().Matches != 7 {
		t.Errorf("after a restart: heatmap %v, %d summaries, %d matches", ok, m4.sum.View().Len(), m4.lb.View().Matches)
	}

	// Delete the checkpoints: the engine rebuilds from history.
	if err := os.RemoveAll(filepath.Join(dir, "projections")); err != nil {
		t.Fatal(err)
	}
	m5 := newModels()
	r5 := startEngine(t, o, m5.all()...)
	r5.sync()
	r5.stop()
	compareStates(t, "rebuilt", m5.states(t), incremental)

	// And PlayFile over the same files gives the same.
	var all []string
	for _, id := range []string{"crash", "done-0", "done-1", "done-2", "done-3", "done-4", "live"} {
		all = append(all, filepath.Join(dir, id+replay.Extension))
	}
	compareStates(t, "PlayFile", playFiles(t, all...).states(t), incremental)

	v := m5.lb.View()
	if v.Matches != 7 || v.Len() == 0 {
		t.Errorf("%d matches, %d players", v.Matches, v.Len())
	}
}

// TestLiveCountedOnce follows a match as it is written, the engine relying
// on the files' modification times alone, and checks that it counts every
// tick once: the result equals PlayFile's over the finished file. A second
// match stops without a footer (a crash) and is finished once its file has
// been still for the live window.
func TestLiveCountedOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	o := projection.Options{Dir: dir, LiveWindow: 300 * time.Millisecond}
	m := newModels()
	r := startEngine(t, o, m.all()...)
	a := newLiveFile(t, filepath.Join(dir, "a.skr"), genBytes(t, synthOptions(t, 40, 8, 20*time.Second)))
	b := newLiveFile(t, filepath.Join(dir, "b.skr"), genBytes(t, synthOptions(t, 41, 4, 20*time.Second)))
	// Headers first: the engine follows the files before their first chunk.
	a.write(0)
	b.write(0)
	waitFor(t, "the engine to follow both files", func() bool { return r.e.Status().Live == 2 })
	for a.n < len(a.ends) || b.n < b.chunks()/2 {
		if a.n < len(a.ends)-1 {
			a.write(1)
		} else if a.n < len(a.ends) {
			a.finish()
		}
		if b.n < b.chunks()/2 {
			b.write(1)
		}
		time.Sleep(2 * time.Millisecond)
	}
	waitFor(t, "both matches to end", func() bool {
		sa, _ := m.sum.View().Get("a")
		sb, _ := m.sum.View().Get("b")
		return sa != nil && sb != nil && sa.State == projection.StateEnded && sb.State == projection.StateRecovered
	})
	r.stop()
	compareStates(t, "followed", m.states(t), playFiles(t, a.path, b.path).states(t))
}

// TestCorruptFilesSkipped puts unreadable files among good ones: each is
// skipped with one logged reason (not again at every scan), the others are
// counted, and a file that changes is read again.
func TestCorruptFilesSkipped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := genFile(t, dir, "good", synthOptions(t, 50, 6, 20*time.Second))
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	r, err := replay.Open(good)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := r.Chunk(r.Info().Chunks / 2)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"garbage":   []byte("hello, I am not a replay\n"),
		"empty":     {},
		"torn":      b[:30],
		"flipped":   flip(b, ch.Offset+int64(len(ch.Raw))/2),
		"notes.txt": []byte("not a replay"),
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if filepath.Ext(name) == "" {
			p += replay.Extension
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.skr"), 0o755); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	m := newModels()
	run := startEngine(t, projection.Options{Dir: dir, LiveWindow: -1, Logger: newLogger(&logs)}, m.all()...)
	run.sync()
	run.sync()
	run.sync()
	for _, tc := range []struct{ file, why string }{
		{"garbage.skr", "not a Skirmish replay"},
		{"empty.skr", "truncated"},
		{"torn.skr", "truncated"},
	} {
		if n := logs.count("skipping unreadable replay", "file="+tc.file, tc.why); n != 1 {
			t.Errorf("%s: logged %d times with %q, want once:\n%s", tc.file, n, tc.why, logs.String())
		}
	}
	if n := logs.count("unreadable past a point", "file=flipped.skr", "CRC"); n != 1 {
		t.Errorf("flipped.skr: logged %d times, want once:\n%s", n, logs.String())
	}
	if n := logs.count("not a regular file", "file=dir.skr", "a directory"); n != 1 {
		t.Errorf("dir.skr: logged %d times, want once:\n%s", n, logs.String())
	}
	if st := run.e.Status(); st.Files != 5 || st.Skipped != 4 {
		t.Errorf("status %+v, want 5 files, 4 skipped (3 unreadable, a directory)", st)
	}
	fl, ok := m.sum.View().Get("flipped")
	gd, _ := m.sum.View().Get("good")
	if !ok || fl.State != projection.StateRecovered || fl.Ticks == 0 || fl.Ticks >= gd.Ticks {
		t.Errorf("flipped: %+v; want recovered, with fewer ticks than %d", fl, gd.Ticks)
	}
	if v := m.lb.View(); v.Matches != 2 {
		t.Errorf("%d matches, want good and flipped's first half", v.Matches)
	}

	// A skipped file that changes is read again.
	copyFile(t, filepath.Join(dir, "garbage.skr"), good)
	run.sync()
	if v := m.lb.View(); v.Matches != 3 {
		t.Errorf("after garbage.skr was replaced: %d matches, want 3", v.Matches)
	}
}

func flip(b []byte, at int64) []byte {
	c := append([]byte(nil), b...)
	c[at] ^= 0x10
	return c
}

// TestBadCheckpoint: an unreadable checkpoint is logged and its projection
// rebuilt from history, to the same state.
func TestBadCheckpoint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	genFile(t, dir, "a", synthOptions(t, 60, 6, 15*time.Second))
	genFile(t, dir, "b", synthOptions(t, 61, 6, 15*time.Second))
	o := projection.Options{Dir: dir, LiveWindow: -1}
	m1 := newModels()
	r1 := startEngine(t, o, m1.all()...)
	r1.sync()
	r1.stop()
	want := m1.states(t)
	cp := filepath.Join(dir, "projections")
	for name, data := range map[string]string{
		"leaderboard": `{"format": 1, "projection": "leader`,
		"summaries":   `{"format": 99, "projection": "summaries", "files": {}, "state": {}}`,
		"heatmap":     `{"format": 1, "projection": "heatmap", "files": {}, "state": {"v": 1, "grids": {"x": null}}}`,
	} {
		if err := os.WriteFile(filepath.Join(cp, name+".json"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var logs logBuffer
	o.Logger = newLogger(&logs)
	m2 := newModels()
	r2 := startEngine(t, o, m2.all()...)
	r2.sync()
	r2.stop()
	compareStates(t, "rebuilt", m2.states(t), want)
	for _, name := range []string{"leaderboard", "summaries", "heatmap"} {
		if logs.count("checkpoint unreadable; rebuilding from history", "projection="+name) != 1 {
			t.Errorf("%s: no log of the bad checkpoint:\n%s", name, logs.String())
		}
	}
}

// TestAddProjection: a projection added later is built from history alone;
// the others skip the files they have consumed.
func TestAddProjection(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	genFile(t, dir, "a", synthOptions(t, 70, 6, 15*time.Second))
	o := projection.Options{Dir: dir, LiveWindow: -1}
	lb := projection.NewLeaderboard()
	r1 := startEngine(t, o, lb)
	r1.sync()
	r1.stop()
	m := newModels()
	r2 := startEngine(t, o, m.all()...)
	r2.sync()
	r2.stop()
	if st := r2.e.Status(); st.Ticks != 15*60 {
		t.Errorf("simulated %d ticks, want one match's %d (for the new projections only)", st.Ticks, 15*60)
	}
	compareStates(t, "added", m.states(t), playFiles(t, filepath.Join(dir, "a.skr")).states(t))
}

// TestRemovedFilesTakenBack removes replay files under an engine in every
// way they go: told with Removed (as the server's retention does), deleted
// behind its back, a followed match's file deleted once the match is over,
// a file deleted while the engine is stopped. Each time, once the engine
// has seen it (Sync), every projection's state is what a new engine with no
// checkpoints builds from the files that remain, byte for byte, and so are
// the published read models; and a restart from the checkpoints keeps it so.
func TestRemovedFilesTakenBack(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 6 {
		o := synthOptions(t, uint64(90+i), 4, 10*time.Second)
		if i%3 == 2 { // a second map: its heatmap must go with its last match
			src, err := assets.MapSource("duel")
			if err != nil {
				t.Fatal(err)
			}
			o.Map, o.MapSource = "duel", src
		}
		genFile(t, dir, fmt.Sprintf("m-%d", i), o)
	}
	var live atomic.Bool
	live.Store(true)
	o := projection.Options{Dir: dir, LiveWindow: -1, Live: func(id string) bool { return live.Load() && id == "live" }}
	lf := newLiveFile(t, filepath.Join(dir, "live.skr"), genBytes(t, synthOptions(t, 99, 4, 20*time.Second)))
	lf.write(5)
	m := newModels()
	r := startEngine(t, o, m.all()...)
	r.sync()
	waitFor(t, "the live match", func() bool { _, ok := m.sum.View().Get("live"); return ok })

	// rebuilt is what a new engine makes of the directory as it is.
	rebuilt := func() models {
		t.Helper()
		fresh := newModels()
		ro := o
		ro.CheckpointDir = t.TempDir()
		ro.Live = func(string) bool { return false }
		fr := startEngine(t, ro, fresh.all()...)
		fr.sync()
		fr.stop()
		return fresh
	}
	check := func(what string, got models) {
		t.Helper()
		want := rebuilt()
		compareStates(t, what, got.states(t), want.states(t))
		_, gotRows := got.lb.View().Page(projection.ByKills, true, 0, -1)
		_, wantRows := want.lb.View().Page(projection.ByKills, true, 0, -1)
		if !slices.Equal(gotRows, wantRows) || got.lb.View().Matches != want.lb.View().Matches {
			t.Errorf("%s: published leaderboard differs from a rebuild", what)
		}
		if got.sum.View().Len() != want.sum.View().Len() {
			t.Errorf("%s: %d summaries published, a rebuild has %d", what, got.sum.View().Len(), want.sum.View().Len())
		}
		for _, mp := range []string{"arena", "duel"} {
			g, gok := got.heat.Stats(mp)
			w, wok := want.heat.Stats(mp)
			if g != w || gok != wok {
				t.Errorf("%s: heatmap of %s published %+v %v, a rebuild %+v %v", what, mp, g, gok, w, wok)
			}
		}
	}

	// Told: the way the server's retention removes a file.
	if err := os.Remove(filepath.Join(dir, "m-0.skr")); err != nil {
		t.Fatal(err)
	}
	r.e.Removed("m-0")
	r.sync()
	if _, ok := m.sum.View().Get("m-0"); ok {
		t.Error("m-0's summary is still published")
	}
	// Deleted behind its back, the only match on duel among them.
	for _, id := range []string{"m-1", "m-2"} {
		if err := os.Remove(filepath.Join(dir, id+replay.Extension)); err != nil {
			t.Fatal(err)
		}
	}
	r.sync()
	// The live match ends; its file goes.
	live.Store(false)
	if err := os.Remove(lf.path); err != nil {
		t.Fatal(err)
	}
	r.sync()
	r.sync()
	if _, ok := m.sum.View().Get("live"); ok {
		t.Error("the live match's summary is still published")
	}
	// Checked with a match on duel left (m-5), then without.
	check("after removals", m)
	r.stop()

	// Removed while the engine was stopped.
	if err := os.Remove(filepath.Join(dir, "m-5.skr")); err != nil {
		t.Fatal(err)
	}
	m2 := newModels()
	r2 := startEngine(t, o, m2.all()...)
	r2.sync()
	check("after a removal while stopped", m2)
	if _, ok := m2.heat.Stats("duel"); ok {
		t.Error("duel still has a heatmap, with none of its matches left")
	}
	if got := m2.lb.View().Matches; got != 2 {
		t.Errorf("%d matches, want m-3 and m-4", got)
	}
	r2.stop()

	// A restart from those checkpoints changes nothing.
	m3 := newModels()
	r3 := startEngine(t, o, m3.all()...)
	r3.sync()
	r3.stop()
	compareStates(t, "after a restart", m3.states(t), m2.states(t))
}

func TestEngineOptions(t *testing.T) {
	t.Parallel()
	if _, err := projection.NewEngine(projection.Options{}); err == nil {
		t.Error("no directory: no error")
	}
	dir := t.TempDir()
	if _, err := projection.NewEngine(projection.Options{Dir: dir}, projection.NewLeaderboard(), projection.NewLeaderboard()); err == nil {
		t.Error("two projections of one name: no error")
	}
	if _, err := projection.NewEngine(projection.Options{Dir: dir}, badName{projection.NewLeaderboard()}); err == nil {
		t.Error("bad name: no error")
	}
	r := startEngine(t, projection.Options{Dir: dir}, projection.NewLeaderboard())
	r.sync()
	r.stop()
	if err := r.e.Run(t.Context()); err == nil {
		t.Error("second Run: no error")
	}
	if err := r.e.Sync(t.Context()); err != projection.ErrStopped {
		t.Errorf("Sync after Run returned: %v", err)
	}
}

type badName struct{ *projection.Leaderboard }

func (badName) Name() string { return "../evil" }

// TestHostileNames puts names that are not regular files in the replay
// directory beside a replay: links out of it and into it, a named pipe, a
// directory. The engine opens none of them (the link to the replay is not
// a second match), never blocks on the pipe, and logs each once.
func TestHostileNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	genFile(t, dir, "good", synthOptions(t, 70, 4, 10*time.Second))
	for name, target := range map[string]string{"passwd.skr": "/etc/passwd", "twin.skr": "good.skr"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	fifo := filepath.Join(dir, "fifo.skr")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	t.Cleanup(func() { // release a reader blocked on the pipe, if the test failed so
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	var logs logBuffer
	m := newModels()
	r := startEngine(t, projection.Options{Dir: dir, LiveWindow: time.Hour, Logger: newLogger(&logs)}, m.all()...)
	r.sync() // bounded: fails if a scan blocks
	r.sync()
	r.sync()
	if v := m.lb.View(); v.Matches != 1 {
		t.Errorf("%d matches, want 1", v.Matches)
	}
	if st := r.e.Status(); st.Files != 1 || st.Skipped != 3 || st.Live != 0 {
		t.Errorf("status %+v, want 1 file, 3 skipped", st)
	}
	for _, tc := range []struct{ file, what string }{
		{"passwd.skr", "a symbolic link"}, {"twin.skr", "a symbolic link"}, {"fifo.skr", "a named pipe"},
	} {
		if n := logs.count("not a regular file", "file="+tc.file, tc.what); n != 1 {
			t.Errorf("%s logged %d times, want once:\n%s", tc.file, n, logs.String())
		}
	}
}

// TestCheckpointOnlyWhenChanged follows a match in which nobody is alive:
// the summaries change with every tick and their checkpoint is written
// again, but the heatmap's state does not, and neither is its checkpoint.
func TestCheckpointOnlyWhenChanged(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src, err := assets.MapSource("arena")
	if err != nil {
		t.Fatal(err)
	}
	mp, err := sim.ParseMap("arena", src)
	if err != nil {
		t.Fatal(err)
	}
	w, err := sim.NewWorld(mp, 60)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	wr, err := replay.NewWriter(syncBuffer{&buf}, replay.Header{MatchID: "quiet", Map: "arena", MapSource: src, TickRate: 60}, w, replay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for range 600 {
		sim.Step(w, nil)
		if err := wr.Append(&protocol.Frame{Tick: w.Tick}, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	lf := newLiveFile(t, filepath.Join(dir, "quiet.skr"), buf.Bytes())
	m := newModels()
	startEngine(t, projection.Options{Dir: dir, LiveWindow: -1, CheckpointEvery: 10 * time.Millisecond,
		Live: func(id string) bool { return id == "quiet" }}, m.all()...)
	saved := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, "projections", name+".json"))
		if err != nil {
			return ""
		}
		var c struct{ Saved string }
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatal(err)
		}
		return c.Saved
	}
	advance := func(k int) {
		t.Helper()
		last, before := lf.write(k), saved("summaries")
		waitFor(t, "the summaries' checkpoint", func() bool {
			s, ok := m.sum.View().Get("quiet")
			return ok && s.Ticks == last && saved("summaries") != before
		})
	}
	advance(2)
	waitFor(t, "the heatmap's checkpoint", func() bool { return saved("heatmap") != "" })
	heat := saved("heatmap")
	advance(3)
	advance(2)
	if got := saved("heatmap"); got != heat {
		t.Errorf("the heatmap's checkpoint was written again (saved %s, then %s) with nothing changed", heat, got)
	}
}

type syncBuffer struct{ *bytes.Buffer }

func (syncBuffer) Sync() error { return nil }
