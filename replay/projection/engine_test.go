package projection_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
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
	if st := run.e.Status(); st.Files != 5 || st.Skipped != 3 {
		t.Errorf("status %+v, want 5 files, 3 skipped", st)
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

// TestVanishedFile: a match followed live whose file disappears is ended
// where it stopped.
func TestVanishedFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var live atomic.Bool
	live.Store(true)
	m := newModels()
	r := startEngine(t, projection.Options{Dir: dir, LiveWindow: -1, Live: func(string) bool { return live.Load() }}, m.all()...)
	lf := newLiveFile(t, filepath.Join(dir, "gone.skr"), genBytes(t, synthOptions(t, 80, 4, 20*time.Second)))
	last := lf.write(5)
	waitFor(t, "the live match", func() bool {
		s, ok := m.sum.View().Get("gone")
		return ok && s.Ticks == last
	})
	live.Store(false)
	if err := os.Remove(lf.path); err != nil {
		t.Fatal(err)
	}
	r.sync()
	r.sync()
	if s, _ := m.sum.View().Get("gone"); s.State != projection.StateRecovered || s.Ticks != last {
		t.Errorf("%+v: want recovered at %d ticks", s, last)
	}
	if v := m.lb.View(); v.Matches != 1 {
		t.Errorf("%d matches", v.Matches)
	}
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
