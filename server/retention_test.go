package server_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/server"
)

func TestRetentionFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want server.Retention
		str  string
	}{
		{"", server.Retention{}, ""},
		{"default", server.Retention{}, ""},
		{"all", server.KeepAll, "all"},
		{"off", server.KeepAll, "all"},
		{"age=720h,count=10000,size=20GiB", server.Retention{MaxAge: 720 * time.Hour, MaxCount: 10000, MaxBytes: 20 << 30}, "age=720h0m0s,count=10000,size=20GiB"},
		{"age=30d", server.Retention{MaxAge: 30 * 24 * time.Hour}, "age=720h0m0s"},
		{"size=500MB, count=off", server.Retention{MaxBytes: 500e6, MaxCount: -1}, "count=off,size=500000000B"},
		{"age=off,every=10s", server.Retention{MaxAge: -1, Every: 10 * time.Second}, "age=off,every=10s"},
		{"size=1TiB", server.Retention{MaxBytes: 1 << 40}, "size=1TiB"},
		{"size=1536KiB", server.Retention{MaxBytes: 1536 << 10}, "size=1536KiB"},
	} {
		var r server.Retention
		if err := r.Set(tc.in); err != nil || r != tc.want || r.String() != tc.str {
			t.Errorf("Set(%q): %+v %v, String %q; want %+v, %q", tc.in, r, err, r.String(), tc.want, tc.str)
		}
		var again server.Retention
		if err := again.Set(r.String()); err != nil || again != r {
			t.Errorf("Set(%q) after String: %+v %v, want %+v", r.String(), again, err, r)
		}
	}
	for _, bad := range []string{"age=0", "age=-1h", "age=forever", "count=0", "count=-2", "size=0", "size=10XB", "size=1.5GB",
		"foo=1", "age=1h,age=2h", "every=1ms", "count", "age=1h;count=2", "size=99999999TiB"} {
		var r server.Retention
		if err := r.Set(bad); err == nil {
			t.Errorf("Set(%q): no error, %+v", bad, r)
		}
	}
}

// FuzzRetention: what Set reads, String writes back.
func FuzzRetention(f *testing.F) {
	for _, s := range []string{"age=720h,count=10000,size=20GiB", "all", "age=30d,every=1m", "size=off", "count=7,size=3KB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var r server.Retention
		if r.Set(s) != nil {
			return
		}
		var again server.Retention
		if err := again.Set(r.String()); err != nil || again != r {
			t.Fatalf("Set(%q) = %+v; Set(%q) = %+v, %v", s, r, r.String(), again, err)
		}
	})
}

// aged writes n replays into dir, the i-th last written ages[i] ago, and
// returns their ids.
func aged(t *testing.T, dir string, ages ...time.Duration) []string {
	t.Helper()
	var ids []string
	for i, p := range history(t, dir, len(ages), 3, 3*time.Second) {
		at := time.Now().Add(-ages[i])
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strings.TrimSuffix(filepath.Base(p), replay.Extension))
	}
	return ids
}

// waitReplays waits until the server lists exactly the replays ids.
func waitReplays(t *testing.T, ts *testServer, ids ...string) {
	t.Helper()
	slices.Sort(ids)
	waitJSON(t, ts.http.URL+"/api/replays?limit=500", func(p replaysPage) bool {
		var got []string
		for _, r := range p.Replays {
			got = append(got, r.ID)
		}
		slices.Sort(got)
		return slices.Equal(got, ids)
	})
}

// TestRetention removes replays by age, count and size, oldest first; what
// remains of the read models is what the remaining files give.
func TestRetention(t *testing.T) {
	t.Parallel()
	h := time.Hour
	for _, tc := range []struct {
		name string
		keep server.Retention
		ages []time.Duration
		kept []int // indexes into ages
	}{
		{"age", server.Retention{MaxAge: 30 * 24 * h, MaxCount: -1, MaxBytes: -1}, []time.Duration{100 * 24 * h, 2 * h, 31 * 24 * h, 29 * 24 * h}, []int{1, 3}},
		{"count", server.Retention{MaxAge: -1, MaxCount: 2, MaxBytes: -1}, []time.Duration{5 * h, 1 * h, 3 * h, 4 * h, 2 * h}, []int{1, 4}},
		{"size", server.Retention{MaxAge: -1, MaxCount: -1}, []time.Duration{5 * h, 1 * h, 3 * h, 4 * h, 2 * h}, []int{1, 4, 2}},
		{"all three", server.Retention{MaxAge: 4*h + 30*time.Minute, MaxCount: 3}, []time.Duration{5 * h, 1 * h, 3 * h, 4 * h, 2 * h}, []int{1, 4, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			ids := aged(t, dir, tc.ages...)
			var kept, paths []string
			for _, i := range tc.kept {
				kept = append(kept, ids[i])
				paths = append(paths, filepath.Join(dir, ids[i]+replay.Extension))
			}
			keep := tc.keep
			keep.Every = 50 * time.Millisecond
			if keep.MaxBytes == 0 { // room for three of them
				var total int64
				for _, p := range paths {
					st, err := os.Stat(p)
					if err != nil {
						t.Fatal(err)
					}
					total += st.Size()
				}
				keep.MaxBytes = total + 100
			}
			ts := startServer(t, server.Options{ReplayDir: dir, ReplayKeep: keep})
			waitReplays(t, ts, kept...)
			for i, id := range ids {
				_, err := os.Stat(filepath.Join(dir, id+replay.Extension))
				if want := slices.Contains(tc.kept, i); want != (err == nil) {
					t.Errorf("%s (%v old): kept %v, want %v", id, tc.ages[i], err == nil, want)
				}
			}
			// The read models are what the remaining files give.
			lb, _ := reference(t, paths...)
			_, want := lb.View().Page(projection.ByName, false, 0, -1)
			got := waitJSON(t, ts.http.URL+"/api/leaderboard?sort=name&limit=500", func(v leaderboardResp) bool {
				return v.CaughtUp && v.Matches == int64(len(kept))
			})
			if fmt.Sprint(got.Players) != fmt.Sprint(want) {
				t.Errorf("leaderboard after retention:\n got %+v\nwant %+v", got.Players, want)
			}
			for i, id := range ids {
				code, _ := get(t, ts.http.URL+"/api/matches/"+id+"/summary")
				if want := map[bool]int{true: 200, false: 404}[slices.Contains(tc.kept, i)]; code != want {
					t.Errorf("summary of %s: %d, want %d", id, code, want)
				}
			}
			_, metrics := mustGet(t, ts.http.URL+"/metrics")
			if want := fmt.Sprintf("skirmish_replays_removed_total %d\n", len(ids)-len(kept)); !strings.Contains(string(metrics), want) {
				t.Errorf("metrics lack %q", want)
			}
		})
	}
}

// TestRetentionKeepsRunningMatch: the replay of a running match is never
// removed, even when it is the oldest file and over the count; the others
// go around it.
func TestRetentionKeepsRunningMatch(t *testing.T) {
	t.Parallel()
	dir, elsewhere := t.TempDir(), t.TempDir()
	// Chunks of 30000 ticks at 10 Hz: the running match's file is not
	// written again during the test, so only its being running keeps it.
	ts := startServer(t, server.Options{ReplayDir: dir, TickRate: 10, ChunkTicks: 30000, KeyframeTicks: 30000,
		ReplayKeep: server.Retention{MaxCount: 1, Every: 50 * time.Millisecond}})
	s := dial(t, ts, "stays", "running")
	untilTick(t, s, s.Welcome().Tick+2)
	var matches []struct{ Replay string }
	getJSON(t, ts.http.URL+"/api/matches", &matches)
	running := filepath.Join(dir, matches[0].Replay+replay.Extension)
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(running, old, old); err != nil {
		t.Fatal(err)
	}
	ids := aged(t, elsewhere, time.Hour, 2*time.Hour, 3*time.Hour)
	for _, id := range ids {
		b, err := os.ReadFile(filepath.Join(elsewhere, id+replay.Extension))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, id+replay.Extension)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-time.Hour)
		os.Chtimes(p, at, at)
	}
	waitFor(t, "the other replays to go", func() bool {
		for _, id := range ids {
			if _, err := os.Stat(filepath.Join(dir, id+replay.Extension)); err == nil {
				return false
			}
		}
		return true
	})
	if _, err := os.Stat(running); err != nil {
		t.Fatalf("the running match's replay was removed: %v", err)
	}
	untilTick(t, s, s.World().Tick+2) // and the match plays on
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
