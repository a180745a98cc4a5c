package viewer

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/replay/projection"
	"github.com/skirmishgg/skirmish/sim"
)

// driver runs a Model frame by frame at 60 frames a second on a
// 1280×720 screen.
type driver struct {
	t   *testing.T
	m   *Model
	now time.Time
}

func newDriver(t *testing.T, r *replay.Reader, o Options) *driver {
	t.Helper()
	m, err := NewModel(r, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	d := &driver{t: t, m: m, now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	d.frame(Input{}) // lay out
	return d
}

func (d *driver) frame(in Input) *Frame {
	in.W, in.H, in.DT = 1280, 720, 1.0/60
	d.now = d.now.Add(time.Second / 60)
	in.Now = d.now
	d.m.Update(in)
	return d.m.View()
}

func (d *driver) press(a Action) *Frame { return d.frame(Input{Actions: Actions(0).With(a)}) }

func (d *driver) frames(n int) *Frame {
	var f *Frame
	for range n {
		f = d.frame(Input{})
	}
	return f
}

func TestModelKeys(t *testing.T) {
	t.Parallel()
	r := openGolden(t)
	want := hashes(t, r)
	d := newDriver(t, r, Options{Start: 600, Seek: true, NoIndex: true})
	tick := func() uint32 { return d.m.World().Tick }
	pos := func() float64 { return d.m.Playback().Pos() }

	// Playing at 1× at 60 Hz: a tick a frame.
	p0 := pos()
	d.frames(60)
	if got := pos() - p0; math.Abs(got-60) > 1e-9 {
		t.Errorf("a second at 1×: %.3f ticks, want 60", got)
	}
	// Space pauses.
	f := d.press(ActPlayPause)
	if f.Playing {
		t.Error("still playing after Space")
	}
	p0 = pos()
	d.frames(30)
	if pos() != p0 {
		t.Error("moved while paused")
	}
	// , and . step a tick.
	d.press(ActStepForward)
	d.press(ActStepForward)
	d.press(ActStepBack)
	if got := pos(); got != math.Floor(p0)+1 {
		t.Errorf("after . . , from %.2f: %.2f", p0, got)
	}
	// ] twice: 4×, which plays 4 ticks a frame; [ steps down.
	d.press(ActFaster)
	f = d.press(ActFaster)
	if f.Speed != 4 {
		t.Errorf("speed %v after ] ], want 4", f.Speed)
	}
	d.press(ActPlayPause)
	p0 = pos()
	d.frames(10)
	if got := pos() - p0; math.Abs(got-40) > 1e-9 {
		t.Errorf("10 frames at 4×: %.2f ticks", got)
	}
	for range 10 {
		d.press(ActSlower)
	}
	if f := d.frames(1); f.Speed != 0.25 {
		t.Errorf("speed %v at the bottom, want 0.25", f.Speed)
	}
	for range 10 {
		d.press(ActFaster)
	}
	if f := d.frames(1); f.Speed != 16 {
		t.Errorf("speed %v at the top, want 16", f.Speed)
	}
	for range 4 {
		d.press(ActSlower)
	}
	// R: backward at 1×.
	d.press(ActReverse)
	p0 = pos()
	f = d.frames(60)
	if got := p0 - pos(); math.Abs(got-60) > 1e-9 || !f.Reverse || !f.Playing {
		t.Errorf("a second reversed: %.2f ticks back (reverse %v, playing %v)", got, f.Reverse, f.Playing)
	}
	if h := d.m.World().Hash(); h != want[tick()] {
		t.Errorf("reversed to tick %d: hash %016x, want %016x", tick(), h, want[tick()])
	}
	// ← and →: 10 s.
	p0 = pos()
	d.press(ActPlayPause)
	d.press(ActJumpBack)
	if got := p0 - pos(); math.Abs(got-600) > 1 {
		t.Errorf("← went back %.1f ticks, want 600", got)
	}
	d.press(ActJumpForward)
	d.press(ActJumpForward)
	if got := pos() - p0; math.Abs(got-600) > 1 {
		t.Errorf("← → → went %.1f ticks, want 600", got)
	}
	// Home and End; playing on from the end starts again.
	d.press(ActStart)
	if pos() != 0 {
		t.Errorf("Home: at %.1f", pos())
	}
	d.press(ActEnd)
	if tick() != 1800 {
		t.Errorf("End: at tick %d", tick())
	}
	d.press(ActReverse) // forward again, and playing
	d.frames(1)
	if f := d.m.View(); f.Playing || tick() != 1800 {
		t.Errorf("playing on at the end: playing %v, tick %d", f.Playing, tick())
	}
	d.press(ActPlayPause)
	if tick() > 2 {
		t.Errorf("Space at the end: at tick %d, want the start again", tick())
	}
	if h := d.m.World().Hash(); h != want[tick()] {
		t.Errorf("tick %d: hash %016x, want %016x", tick(), h, want[tick()])
	}
}

func TestModelTimelineMouse(t *testing.T) {
	t.Parallel()
	r := openGolden(t)
	want := hashes(t, r)
	d := newDriver(t, r, Options{Start: 0, Seek: true, NoIndex: true})
	f := d.frames(1)
	bar := f.Bar
	y := f.Layout.Bar.Y + f.Layout.Bar.H/2
	// Click: go there.
	x := f.Layout.Bar.X + f.Layout.Bar.W*0.75
	f = d.frame(Input{MouseX: x, MouseY: y, MouseDown: true, MousePressed: true})
	if tick := d.m.World().Tick; tick != bar.TickAt(x) || d.m.World().Hash() != want[tick] {
		t.Errorf("clicked at %.0f: tick %d, want %d", x, tick, bar.TickAt(x))
	}
	if !f.Dragging || f.Playing {
		t.Error("a press on the bar should hold the playhead")
	}
	// Drag: follow the mouse, anywhere.
	for _, fx := range []float64{0.1, 0.9, -1, 2, 0.5} {
		x := f.Layout.Bar.X + f.Layout.Bar.W*fx
		d.frame(Input{MouseX: x, MouseY: y + 100, MouseDown: true})
		if tick := d.m.World().Tick; tick != bar.TickAt(x) || d.m.World().Hash() != want[tick] {
			t.Errorf("dragged to %.0f: tick %d, want %d", x, tick, bar.TickAt(x))
		}
	}
	// Release: play on.
	f = d.frame(Input{MouseX: x, MouseY: y})
	if f.Dragging || !f.Playing {
		t.Errorf("after release: dragging %v, playing %v", f.Dragging, f.Playing)
	}
}

func TestModelCameras(t *testing.T) {
	t.Parallel()
	r := openGolden(t)
	d := newDriver(t, r, Options{Start: 900, Seek: true, Paused: true, Camera: CameraFollow, Target: 3, NoIndex: true})
	f := d.frames(1)
	if f.Mode != CameraFollow || f.Focus != 3 {
		t.Fatalf("started with %v %d, want follow 3", f.Mode, f.Focus)
	}
	for _, b := range f.Bodies {
		if b.Me != (b.ID == 3) {
			t.Errorf("body %d marked %v", b.ID, b.Me)
		}
	}
	// Tab cycles by id, Shift+Tab back; number keys pick a row.
	for _, want := range []sim.PlayerID{4, 1, 2} {
		if f := d.press(ActNextPlayer); f.Focus != want {
			t.Errorf("Tab: following %d, want %d", f.Focus, want)
		}
	}
	if f := d.press(ActPrevPlayer); f.Focus != 1 {
		t.Errorf("Shift+Tab: following %d, want 1", f.Focus)
	}
	if f := d.frame(Input{Player: 4}); f.Focus != 4 {
		t.Errorf("key 4: following %d", f.Focus)
	}
	if f := d.frame(Input{Player: 9}); f.Focus != 4 {
		t.Errorf("key 9 of 4 players: following %d, want 4 still", f.Focus)
	}
	if f := d.press(ActPOV); f.Mode != CameraPOV || f.Focus != 4 {
		t.Errorf("P: %v %d", f.Mode, f.Focus)
	}
	if f := d.press(ActNextPlayer); f.Mode != CameraPOV || f.Focus != 1 {
		t.Errorf("Tab in pov: %v %d, want pov of 1", f.Mode, f.Focus)
	}
	if f := d.press(ActOverview); f.Mode != CameraOverview || f.Focus != 0 {
		t.Errorf("O: %v %d", f.Mode, f.Focus)
	}
	if f := d.press(ActNextPlayer); f.Mode != CameraFollow || f.Focus != 1 {
		t.Errorf("Tab from the overview: %v %d, want follow of the last followed, 1", f.Mode, f.Focus)
	}
	// A click on a row of the list follows its player.
	f = d.frames(1)
	l := f.Layout
	row := 1
	f = d.frame(Input{MouseX: l.List.X + l.List.W/2, MouseY: l.List.Y + l.ListHead + (float64(row)+0.5)*l.ListRow, MousePressed: true, MouseDown: true})
	d.frame(Input{})
	if f = d.frames(1); f.Focus != f.Rows[row].ID || !f.Rows[row].Focus {
		t.Errorf("clicked row %d: following %d", row, f.Focus)
	}
	// A drag on the picture makes the camera free, and moves it; a click
	// does not.
	d.press(ActOverview)
	d.frames(30)
	d.frame(Input{MouseX: 500, MouseY: 300, MousePressed: true, MouseDown: true})
	if f := d.frame(Input{MouseX: 501, MouseY: 300, MouseDown: true}); f.Mode != CameraOverview {
		t.Error("a click without a drag left the overview")
	}
	d.frame(Input{MouseX: 501, MouseY: 300})
	d.frame(Input{MouseX: 500, MouseY: 300, MousePressed: true, MouseDown: true})
	wx, wy := d.m.View().Camera.ToWorld(500, 300)
	for i := 1; i <= 10; i++ {
		f = d.frame(Input{MouseX: 500 + 5*float64(i), MouseY: 300 + 3*float64(i), MouseDown: true})
	}
	if f.Mode != CameraFree {
		t.Fatalf("mode %v after a drag, want free", f.Mode)
	}
	if sx, sy := f.Camera.ToScreen(wx, wy); math.Abs(sx-550) > 1e-6 || math.Abs(sy-330) > 1e-6 {
		t.Errorf("the point grabbed is at %.2f,%.2f, want under the mouse at 550,330", sx, sy)
	}
	d.frame(Input{MouseX: 550, MouseY: 330})
	// The wheel zooms about the mouse.
	before := d.m.View().Camera
	wx, wy = before.ToWorld(700, 200)
	f = d.frame(Input{MouseX: 700, MouseY: 200, Wheel: 2})
	if k := f.Camera.Scale / before.Scale; math.Abs(k-1.15*1.15) > 1e-9 {
		t.Errorf("two notches of the wheel zoomed %.4f×", k)
	}
	if sx, sy := f.Camera.ToScreen(wx, wy); math.Abs(sx-700) > 1e-6 || math.Abs(sy-200) > 1e-6 {
		t.Errorf("the point under the mouse moved to %.2f,%.2f", sx, sy)
	}
}

// TestModelIndex: the kill index finds the recording's kills (as many as
// the read models count), the timeline shows them, and the kill feed shows
// the latest at the playhead.
func TestModelIndex(t *testing.T) {
	t.Parallel()
	r := openGolden(t)
	sums := projection.NewSummaries()
	if err := projection.PlayFile(goldenPath, nil, sums); err != nil {
		t.Fatal(err)
	}
	sum, ok := sums.View().Get(projection.ReplayID(goldenPath))
	if !ok {
		t.Fatal("no summary of the golden replay")
	}
	total := 0
	for _, p := range sum.Players {
		total += int(p.Kills)
	}
	d := newDriver(t, r, Options{Start: 0, Seek: true, Paused: true})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if done, err := d.m.index.Done(); err != nil {
			t.Fatal(err)
		} else if done == 1800 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the index never finished")
		}
		time.Sleep(5 * time.Millisecond)
	}
	kills := d.m.index.Kills()
	if len(kills) != total {
		t.Fatalf("index: %d kills, the stats count %d", len(kills), total)
	}
	f := d.frames(1)
	n := 0
	for _, c := range f.Columns {
		n += c.Kills
	}
	if n != total {
		t.Errorf("the timeline shows %d kills, want %d", n, total)
	}
	// At a kill's tick the feed ends with it; a tick before, it is not
	// there yet.
	k := kills[len(kills)/2]
	d.m.seek(float64(k.Tick))
	f = d.frames(1)
	if len(f.Kills) == 0 || f.Kills[len(f.Kills)-1] != k {
		t.Errorf("at tick %d the feed is %+v, want it to end with %+v", k.Tick, f.Kills, k)
	}
	d.m.seek(float64(k.Tick - 1))
	for _, fk := range d.frames(1).Kills {
		if fk.Tick >= k.Tick {
			t.Errorf("at tick %d the feed shows a kill of tick %d", k.Tick-1, fk.Tick)
		}
	}
}

// TestModelBadChunk: a chunk damaged in the middle of a complete file
// stops the playback there with a message, reported once, and the rest of
// the file still plays.
func TestModelBadChunk(t *testing.T) {
	t.Parallel()
	b := synthBytes(t, 4, 20*time.Second, 5, replay.Options{KeyframeTicks: 300})
	good := readerOf(t, b)
	want := hashes(t, good)
	c, err := good.Chunk(8) // ticks 481..540
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(b)
	bad[c.Offset+int64(len(c.Raw))-3] ^= 0xff // a payload byte: the CRC fails
	var reports []error
	d := newDriver(t, readerOf(t, bad), Options{Start: 420, Seek: true, Speed: 2, NoIndex: true, OnError: func(err error) { reports = append(reports, err) }})
	var f *Frame
	for range 60 {
		f = d.frames(1)
	}
	if !errors.Is(d.m.Err(), replay.ErrCorrupt) || f.Err == "" || f.Playing {
		t.Fatalf("playing into a damaged chunk: err %v, shown %q, playing %v", d.m.Err(), f.Err, f.Playing)
	}
	if tick := d.m.World().Tick; tick > c.First || d.m.World().Hash() != want[tick] {
		t.Errorf("stopped at tick %d (the damaged chunk starts at %d)", tick, c.First)
	}
	d.press(ActPlayPause)
	d.frames(10)
	if len(reports) != 1 {
		t.Errorf("%d reports of the same error, want 1", len(reports))
	}
	// Past it: plays again.
	d.m.seek(700)
	f = d.frames(30)
	if f.Err != "" || d.m.World().Hash() != want[d.m.World().Tick] {
		t.Errorf("after the damaged chunk: %q, tick %d", f.Err, d.m.World().Tick)
	}
}

// TestModelNoFooter: a file cut off mid-write (a crashed match) plays to
// its last complete chunk, and says so.
func TestModelNoFooter(t *testing.T) {
	t.Parallel()
	b := synthBytes(t, 4, 10*time.Second, 6, replay.Options{})
	full := readerOf(t, b)
	want := hashes(t, full)
	c, err := full.Chunk(5)
	if err != nil {
		t.Fatal(err)
	}
	cut := b[:c.Offset+int64(len(c.Raw))-10] // chunk 5 torn
	d := newDriver(t, readerOf(t, cut), Options{Start: 0, Seek: true, Speed: 16, NoIndex: true})
	f := d.frames(120)
	if f.Last != c.First-1 {
		t.Errorf("recording ends at %d, want %d (the end of the last whole chunk)", f.Last, c.First-1)
	}
	if tick := d.m.World().Tick; tick != f.Last || d.m.World().Hash() != want[tick] || f.Playing {
		t.Errorf("played to tick %d (playing %v)", tick, f.Playing)
	}
	if f.Recovered == "" || f.Err != "" {
		t.Errorf("recovered %q, err %q", f.Recovered, f.Err)
	}
}

// TestModelEmpty: a file with a header and no chunk is refused.
func TestModelEmpty(t *testing.T) {
	t.Parallel()
	b := synthBytes(t, 2, 3*time.Second, 7, replay.Options{})
	c, err := readerOf(t, b).Chunk(0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewModel(readerOf(t, b[:c.Offset]), Options{}); err == nil {
		t.Error("a header without a chunk opened")
	}
}
