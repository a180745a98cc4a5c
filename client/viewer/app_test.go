package viewer

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
)

func TestListReplays(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	golden, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	newer := synthBytes(t, 2, 2*time.Second, 1, replay.Options{}) // started 2025-06-01, after the golden's
	writeFile(t, dir, "a-golden.skr", golden)
	writeFile(t, dir, "b-newer.skr", newer)
	writeFile(t, dir, "c-broken.skr", []byte("SKIRMREPnot really"))
	writeFile(t, dir, "notes.txt", []byte("not a replay"))
	os.Mkdir(filepath.Join(dir, "d.skr"), 0o755)
	// Names that are not regular files are not listed, and a named pipe
	// does not block the listing.
	for name, target := range map[string]string{"passwd.skr": "/etc/passwd", "twin.skr": "a-golden.skr"} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	fifo := filepath.Join(dir, "fifo.skr")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // release a listing blocked on the pipe, if the test failed so
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	type listing struct {
		es  []Entry
		err error
	}
	done := make(chan listing, 1)
	go func() {
		es, err := ListReplays(dir)
		done <- listing{es, err}
	}()
	var l listing
	select {
	case l = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ListReplays still blocked after 10 s")
	}
	es, err := l.es, l.err
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name)
	}
	// Newest first; the broken file by its modification time (now).
	if got := strings.Join(names, " "); got != "c-broken.skr b-newer.skr a-golden.skr" {
		t.Errorf("listed %q", got)
	}
	if es[0].Err == nil || es[1].Err != nil || es[2].Info.MatchID != "golden-arena" || es[2].Info.Ticks != 1800 {
		t.Errorf("entries: %+v", es)
	}
	if es, err := ListReplays(filepath.Join(dir, "none")); err != nil || len(es) != 0 {
		t.Errorf("a directory that does not exist: %v, %v", es, err)
	}
}

func TestDownload(t *testing.T) {
	t.Parallel()
	golden, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/replays/good":
			w.Write(golden)
		case "/api/replays/running":
			http.Error(w, "match still running; use /api/matches/x/live", http.StatusConflict)
		case "/api/replays/junk":
			w.Write([]byte("<html>hello</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer hs.Close()
	r, err := Download(context.Background(), nil, hs.URL+"/api/replays/good", 0)
	if err != nil {
		t.Fatal(err)
	}
	if in := r.Info(); in.MatchID != "golden-arena" || in.LastTick != 1800 {
		t.Errorf("downloaded %+v", in)
	}
	for _, tc := range []struct {
		path string
		max  int64
		want string
	}{
		{"/api/replays/running", 0, "409 Conflict: match still running"},
		{"/api/replays/none", 0, "404 Not Found"},
		{"/api/replays/junk", 0, "not a Skirmish replay"},
		{"/api/replays/good", 1000, "more than the 1000 bytes"},
	} {
		_, err := Download(context.Background(), nil, hs.URL+tc.path, tc.max)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
}

// TestApp goes through the chooser: move, open a replay, back, open a
// broken one (its error on screen), back, quit.
func TestApp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	golden, err := os.ReadFile(goldenPath)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "good.skr", golden)
	writeFile(t, dir, "bad.skr", []byte("garbage that is long enough to have a magic"))
	es, err := ListReplays(dir)
	if err != nil {
		t.Fatal(err)
	}
	var reported []error
	a := NewApp(AppOptions{Dir: dir, Entries: es, Options: Options{NoIndex: true, OnError: func(err error) { reported = append(reported, err) }}})
	defer a.Close()
	step := func(in Input) *Frame {
		in.W, in.H, in.DT, in.Now = 1280, 720, 1.0/60, time.Now()
		a.Update(in)
		return a.View()
	}
	press := func(act Action) *Frame { return step(Input{Actions: Actions(0).With(act)}) }
	f := step(Input{})
	if f.Screen != ScreenList || len(f.Entries) != 2 || f.Selected != 0 {
		t.Fatalf("start: %+v", f)
	}
	good := 0
	if f.Entries[0].Name != "good.skr" {
		good = 1
	}
	// Open the good one with the keys.
	for range good {
		press(ActDown)
	}
	f = press(ActOpen)
	if f.Screen != ScreenWatch || a.Model() == nil || f.Map == nil {
		t.Fatalf("after Enter: screen %v", f.Screen)
	}
	f = press(ActBack)
	if f.Screen != ScreenList || a.Model() != nil || a.Quit() {
		t.Fatalf("after Esc: screen %v, quit %v", f.Screen, a.Quit())
	}
	// The broken one, with the mouse: a click selects, a second opens.
	top, row, _, x0, _ := ListRows(&f.Layout)
	click := Input{MouseX: x0 + 50, MouseY: top + (float64(1-good)+0.5)*row, MousePressed: true, MouseDown: true}
	f = step(click)
	if f.Selected != 1-good || f.Screen != ScreenList {
		t.Fatalf("one click: selected %d, screen %v", f.Selected, f.Screen)
	}
	f = step(click)
	if f.Screen != ScreenError || !strings.Contains(f.Fatal, "damaged") || !errors.Is(es[1-good].Err, replay.ErrCorrupt) {
		t.Fatalf("opening the broken replay: screen %v, %q", f.Screen, f.Fatal)
	}
	f = press(ActBack)
	if f.Screen != ScreenList {
		t.Fatalf("Esc from the error: screen %v", f.Screen)
	}
	press(ActBack)
	if !a.Quit() {
		t.Error("Esc in the list did not quit")
	}

	// Without a list, Esc quits from a replay or an error.
	b := NewApp(AppOptions{Err: errors.New("boom"), Name: "x.skr"})
	if f := b.View(); f.Screen != ScreenError || f.Fatal != "boom" {
		t.Errorf("error app: %+v", f)
	}
	b.Update(Input{W: 640, H: 360, Actions: Actions(0).With(ActBack)})
	if !b.Quit() {
		t.Error("Esc on the error screen did not quit")
	}
}

func TestParseScript(t *testing.T) {
	t.Parallel()
	s, err := ParseScript("0:p, 60:r,90:space,100:3,120:0,130:shift+tab")
	if err != nil {
		t.Fatal(err)
	}
	var in Input
	s.Apply(60, &in)
	if !in.Actions.Has(ActReverse) || in.Actions.Has(ActPOV) {
		t.Errorf("frame 60: %+v", in)
	}
	in = Input{}
	s.Apply(120, &in)
	if in.Player != 10 {
		t.Errorf("frame 120: key 0 is player %d, want 10", in.Player)
	}
	for _, bad := range []string{"x:p", "5", "5:zz", "-1:p"} {
		if _, err := ParseScript(bad); err == nil {
			t.Errorf("ParseScript(%q) accepted", bad)
		}
	}
}
