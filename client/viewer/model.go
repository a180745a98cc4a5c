package viewer

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/skirmishgg/skirmish/client/scene"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// Options configure a Model. The zero value plays from the start at 1×,
// in the overview, and a live match 3 s behind.
type Options struct {
	// Name is what is watched (a file, a URL), for the title.
	Name string
	// Start is the tick to start at, if Seek is set (clamped to the
	// recording); otherwise a replay starts at its first tick and a live
	// match at its present less Delay.
	Start uint32
	Seek  bool
	// Camera and Target are the camera to start with and the player it
	// follows (0: the first).
	Camera CameraMode
	Target sim.PlayerID
	// Speed is the speed to start at, snapped to a step of Speeds (0: 1×).
	Speed float64
	// Paused starts paused.
	Paused bool
	// Delay is how far behind a live match's present it is shown.
	// Default 3 s; at least a chunk (a second) is needed for smooth
	// pictures.
	Delay time.Duration
	// OnError, if set, is told of each error met while playing (a chunk
	// that cannot be read), once; the screen shows it too.
	OnError func(error)
	// NoIndex skips finding the kills (the timeline's markers and the kill
	// feed), for benchmarks.
	NoIndex bool
}

// DefaultDelay is the default delay behind a live match.
const DefaultDelay = 3 * time.Second

// Model is one recording being watched: the playhead and how it moves, the
// camera, the player list, and for a live match how far behind the match
// it plays. Call Update once per frame and View to draw. It is not safe
// for concurrent use.
type Model struct {
	o     Options
	r     *replay.Reader
	live  *Live
	index *KillIndex
	pb    *Playback // nil until a live match's first chunk
	info  replay.Info

	playing   bool
	reverse   bool
	speed     int  // index in Speeds
	following bool // live: playing Delay behind the present
	cams      Cameras
	help      bool

	lay        Layout
	dragging   bool // the timeline
	wasPlaying bool
	grab       bool // the mouse went down on the picture
	panning    bool
	grabX      float64
	grabY      float64
	mx, my     float64
	listFirst  int // the first row of the player list shown

	now      time.Time // the last Update's
	prevNow  time.Time // the Update's before
	err      error     // the last playback error, shown until the playhead moves again
	reported map[string]bool
	takeOver *TakeOver // asked for with T, until TakeOver takes it
	note     string    // why the last take-over failed, until the playhead moves

	frame   Frame
	columns columnCache
}

type columnCache struct {
	n   int
	bar Bar
	out []MarkerColumn
}

// NewModel returns a Model playing r, which the Model then owns (Close
// closes it).
func NewModel(r *replay.Reader, o Options) (*Model, error) {
	m := newModel(o)
	m.r, m.info = r, r.Info()
	start := m.info.FirstTick
	if o.Seek {
		start = o.Start // NewPlayback clamps it
	}
	pb, err := NewPlayback(r, start)
	if err != nil {
		return nil, err
	}
	m.pb = pb
	m.startIndex()
	m.initCamera()
	return m, nil
}

// NewLiveModel returns a Model following l, which the Model then owns.
func NewLiveModel(l *Live, o Options) *Model {
	m := newModel(o)
	m.live = l
	m.r = l.Reader()
	m.info = m.r.Info()
	m.following = !o.Seek && !o.Paused
	m.startIndex()
	return m
}

func newModel(o Options) *Model {
	if o.Delay <= 0 {
		o.Delay = DefaultDelay
	}
	m := &Model{o: o, speed: SpeedIndex(o.Speed), playing: !o.Paused, reported: map[string]bool{}}
	m.cams.Mode, m.cams.Target = o.Camera, o.Target
	return m
}

func (m *Model) startIndex() {
	if !m.o.NoIndex {
		m.index = NewKillIndex(m.r)
	}
}

// initCamera picks the player to follow once there is a world: the one
// asked for if it is there, else the first.
func (m *Model) initCamera() {
	w := m.pb.World()
	if m.cams.Target != 0 && w.Player(m.cams.Target) != nil {
		return
	}
	if len(w.Players) > 0 {
		m.cams.Target = w.Players[0].ID
	}
}

// Close stops the model's goroutines and closes its source.
func (m *Model) Close() error {
	if m.index != nil {
		m.index.Close()
	}
	if m.live != nil {
		return m.live.Close()
	}
	return m.r.Close()
}

// Playback returns the playback, or nil before a live match's first
// chunk.
func (m *Model) Playback() *Playback { return m.pb }

// World returns the world at the tick shown, or nil before a live match's
// first chunk. It belongs to the Model.
func (m *Model) World() *sim.World {
	if m.pb == nil {
		return nil
	}
	return m.pb.World()
}

// Err returns the last error met while playing, until the playhead next
// moves.
func (m *Model) Err() error { return m.err }

// Update advances the model by one frame of input.
func (m *Model) Update(in Input) {
	m.prevNow, m.now = m.now, in.Now
	m.refreshLive(in.Now)
	players := 0
	if m.pb != nil {
		players = len(m.pb.World().Players)
	}
	m.lay = NewLayout(in.W, in.H, players)
	m.cams.Advance(in.DT)
	if in.Actions.Has(ActHelp) {
		m.help = !m.help
	}
	if m.pb == nil {
		return
	}
	m.keys(in)
	m.mouse(in)
	m.advance(in)
}

// refreshLive takes in what a live match sent since the last frame.
func (m *Model) refreshLive(now time.Time) {
	if m.live == nil {
		return
	}
	r := m.live.Reader()
	if r == m.r && m.pb != nil {
		return
	}
	m.r, m.info = r, r.Info()
	if m.index != nil {
		m.index.Grow(r)
	}
	if m.pb != nil {
		if err := m.pb.Grow(r); err != nil {
			m.fail(err)
		}
		return
	}
	if m.info.Chunks == 0 {
		return // the match's first second has not arrived
	}
	var start uint32
	if m.o.Seek {
		start = m.o.Start
	} else {
		target := m.liveTarget(now)
		start = uint32(max(float64(m.info.FirstTick), math.Min(target, float64(m.info.LastTick))))
	}
	pb, err := NewPlayback(r, start)
	if err != nil {
		m.fail(err)
		return
	}
	m.pb = pb
	m.initCamera()
}

// liveTarget is where a live match is shown at now: Delay behind its
// estimated present.
func (m *Model) liveTarget(now time.Time) float64 {
	st := m.live.Status()
	rate := float64(m.info.TickRate)
	return LiveEdge(st.Last, st.At, now, rate) - m.o.Delay.Seconds()*rate
}

// keys does what the actions of the frame ask.
func (m *Model) keys(in Input) {
	a := in.Actions
	pos := m.pb.Pos()
	first, last := m.pb.Range()
	rate := float64(m.pb.TickRate())
	switch {
	case a.Has(ActPlayPause):
		m.following = false
		m.playing = !m.playing
		if m.playing && !m.reverse && pos >= float64(last) && !m.liveRunning() {
			m.seek(float64(first)) // play again from the start
		}
		if m.playing && m.reverse && pos <= float64(first) {
			m.reverse = false
		}
	case a.Has(ActReverse):
		m.following = false
		m.reverse = !m.reverse
		m.playing = true
	case a.Has(ActSlower):
		m.speed = max(0, m.speed-1)
		m.following = false
	case a.Has(ActFaster):
		m.speed = min(len(Speeds)-1, m.speed+1)
		m.following = false
	case a.Has(ActStepBack), a.Has(ActStepForward):
		m.playing, m.following = false, false
		f := math.Floor(pos)
		if a.Has(ActStepForward) {
			m.seek(f + 1)
		} else if f == pos {
			m.seek(f - 1)
		} else {
			m.seek(f)
		}
	case a.Has(ActJumpBack):
		m.following = false
		m.seek(pos - 10*rate)
	case a.Has(ActJumpForward):
		m.following = false
		m.seek(pos + 10*rate)
	case a.Has(ActStart):
		m.following = false
		m.seek(float64(first))
	case a.Has(ActEnd), a.Has(ActLive):
		if m.live != nil {
			m.goLive(in.Now)
		} else if a.Has(ActEnd) {
			m.seek(float64(last))
		}
	case a.Has(ActNextPlayer), a.Has(ActPrevPlayer):
		m.cycle(a.Has(ActNextPlayer))
	case a.Has(ActOverview):
		m.cams.Set(CameraOverview, m.cams.Target)
	case a.Has(ActFollow):
		m.cams.Set(CameraFollow, m.target())
	case a.Has(ActPOV):
		m.cams.Set(CameraPOV, m.target())
	case a.Has(ActFree):
		m.cams.Set(CameraFree, m.cams.Target)
	case a.Has(ActTakeOver):
		m.askTakeOver()
	}
	if in.Player > 0 {
		ps := m.pb.World().Players
		if i := in.Player - 1; i < len(ps) {
			m.followPlayer(ps[i].ID)
		}
	}
}

// liveRunning reports whether this is a live match that has not ended.
func (m *Model) liveRunning() bool { return m.live != nil && !m.live.Status().Done }

// goLive goes back to playing Delay behind a live match's present.
func (m *Model) goLive(now time.Time) {
	m.following, m.playing, m.reverse, m.speed = true, true, false, normalSpeed
	m.seek(m.liveTarget(now))
}

// target is the player the camera follows, or the first if it follows
// none that is there.
func (m *Model) target() sim.PlayerID {
	w := m.pb.World()
	if w.Player(m.cams.Target) != nil || len(w.Players) == 0 {
		return m.cams.Target
	}
	return w.Players[0].ID
}

// followPlayer follows id: in pov if that is the mode, else in follow.
func (m *Model) followPlayer(id sim.PlayerID) {
	mode := m.cams.Mode
	if mode != CameraPOV {
		mode = CameraFollow
	}
	m.cams.Set(mode, id)
}

// cycle follows the next (or previous) player by id.
func (m *Model) cycle(next bool) {
	ps := m.pb.World().Players
	if len(ps) == 0 {
		return
	}
	cur := m.cams.Target
	i := sort.Search(len(ps), func(i int) bool { return ps[i].ID >= cur })
	switch {
	case m.cams.Mode != CameraFollow && m.cams.Mode != CameraPOV && i < len(ps) && ps[i].ID == cur:
		// From the overview or the free camera: the player last followed.
	case next && i < len(ps) && ps[i].ID == cur:
		i = (i + 1) % len(ps)
	case next:
		i %= len(ps)
	default:
		i = (i - 1 + len(ps)) % len(ps)
	}
	m.followPlayer(ps[i].ID)
}

// mouse handles the timeline, the player list and the free camera.
func (m *Model) mouse(in Input) {
	x, y := in.MouseX, in.MouseY
	dx, dy := x-m.mx, y-m.my
	m.mx, m.my = x, y
	first, last := m.pb.Range()
	bar := m.lay.BarOf(first, last)
	switch {
	case in.MousePressed && m.lay.Hit.Contains(x, y):
		m.dragging, m.wasPlaying = true, m.playing
		m.playing, m.following = false, false
		m.seek(float64(bar.TickAt(x)))
	case m.dragging && in.MouseDown:
		if t := float64(bar.TickAt(x)); t != m.pb.Pos() {
			m.seek(t)
		}
	case m.dragging:
		m.dragging = false
		m.playing = m.wasPlaying
	case in.MousePressed && m.lay.RowAt(x, y) >= 0:
		ps := m.pb.World().Players
		if i := m.listFirst + m.lay.RowAt(x, y); i < len(ps) {
			m.followPlayer(ps[i].ID)
		}
	case in.MousePressed && !m.lay.Timeline.Contains(x, y) && !m.lay.List.Contains(x, y):
		m.grab, m.panning, m.grabX, m.grabY = true, false, x, y
	case m.grab && in.MouseDown:
		if !m.panning && math.Hypot(x-m.grabX, y-m.grabY) > 3 {
			// A drag, not a click: the free camera, from the picture as
			// it is.
			m.panning = true
			if m.cams.Mode != CameraFree {
				m.cams.Set(CameraFree, m.cams.Target)
				if m.cams.last.Angle == 0 {
					m.cams.cut() // no glide: the picture stays under the mouse
				}
			}
			dx, dy = x-m.grabX, y-m.grabY
		}
		if m.panning {
			m.cams.Pan(m.pb.World().Map, dx, dy)
		}
	case m.grab:
		m.grab, m.panning = false, false
	}
	if in.Wheel != 0 && !m.lay.Timeline.Contains(x, y) && !m.lay.List.Contains(x, y) {
		m.cams.ZoomAt(m.pb.World().Map, &m.lay, x, y, math.Pow(1.15, in.Wheel))
	}
}

// advance moves the playhead on by a frame of play.
func (m *Model) advance(in Input) {
	if m.dragging {
		return
	}
	first, last := m.pb.Range()
	rate := float64(m.pb.TickRate())
	pos := m.pb.Pos()
	if m.following {
		st := m.live.Status()
		if st.Done {
			// The match is over: no present to stay behind; play on to
			// its end.
			m.following = false
		} else {
			// A live match goes at the wall clock's pace, whatever the
			// frame rate: the time since the last frame, not DT.
			dt := in.DT
			if !m.prevNow.IsZero() {
				dt = max(0, min(0.25, in.Now.Sub(m.prevNow).Seconds()))
			}
			m.setPos(LiveStep(pos, LiveEdge(st.Last, st.At, in.Now, rate), m.o.Delay.Seconds(), rate, dt, last))
			return
		}
	}
	if !m.playing {
		return
	}
	step := Speeds[m.speed] * rate * in.DT
	if m.reverse {
		pos -= step
		if pos <= float64(first) {
			pos, m.playing = float64(first), false
		}
	} else {
		pos += step
		if m.liveRunning() {
			if m.speed >= normalSpeed && pos >= m.liveTarget(in.Now) {
				m.following, m.speed = true, normalSpeed // caught up
			}
			pos = math.Min(pos, float64(last)) // and wait for more
		} else if pos >= float64(last) {
			pos, m.playing = float64(last), false
		}
	}
	m.setPos(pos)
}

// seek moves the playhead to pos (ticks), clamped to the recording.
func (m *Model) seek(pos float64) { m.setPos(pos) }

func (m *Model) setPos(pos float64) {
	if err := m.pb.SetPos(pos); err != nil {
		m.fail(err)
		return
	}
	m.err, m.note = nil, ""
}

// fail shows err, stops playing, and reports it once.
func (m *Model) fail(err error) {
	m.err = err
	m.playing, m.following = false, false
	if !m.reported[err.Error()] {
		m.reported[err.Error()] = true
		if m.o.OnError != nil {
			m.o.OnError(err)
		}
	}
}

// Frame is what the screen shows: the picture and every panel, in world
// units and screen pixels. Its slices are reused by the next View.
type Frame struct {
	Screen Screen
	Layout Layout
	// Title names the match; Source what is watched (a file, a URL).
	Title, Source string

	// The picture.
	Map     *sim.Map // nil while a live match's first second is awaited
	Camera  scene.Camera
	Mode    CameraMode
	Focus   sim.PlayerID // the player followed (follow, pov)
	Bodies  []scene.Body // the followed player has Me set
	Shots   []scene.Shot
	Effects []scene.EffectView
	Kills   []scene.Kill // the kill feed, oldest first

	// The player list: the rows shown, from row ListFirst of Players
	// players.
	Rows      []PlayerRow
	ListFirst int
	Players   int

	// The timeline.
	Tick        uint32  // the tick shown (the playhead, rounded down)
	Pos         float64 // the playhead, ticks
	First, Last uint32
	TickRate    int32
	Bar         Bar
	Columns     []MarkerColumn
	Indexed     uint32 // the kill markers are known up to this tick
	Playing     bool
	Reverse     bool
	Speed       float64
	Dragging    bool

	// A live match.
	Live       bool
	Following  bool    // playing Delay behind the present
	Behind     float64 // seconds behind the estimated present
	Waiting    bool    // the playhead is at the newest tick and waits for more
	LiveDone   bool    // the match has ended
	LiveStatus string  // the connection, when something is wrong with it

	Recovered string // a file without a footer: what that means
	Err       string // an error met while playing
	Note      string // why the last take-over (T) failed
	Help      bool

	// ScreenList.
	Entries  []Entry
	Selected int
	Dir      string
	ListErr  string
	// ScreenError.
	Fatal string
}

// Screen is what is on screen.
type Screen uint8

// Screens.
const (
	ScreenWatch Screen = iota // a recording
	ScreenList                // the replays to choose from
	ScreenError               // a recording that could not be opened
)

// PlayerRow is a line of the player list: a player's state at the tick
// shown.
type PlayerRow struct {
	ID            sim.PlayerID
	Name          string
	Kills, Deaths int32
	Health        int32
	Alive         bool
	Focus         bool // the camera follows this player
	Key           int  // the number key that follows it (1 to 10), or 0
}

// View returns what to draw now. The Frame is reused by the next call.
func (m *Model) View() *Frame {
	f := &m.frame
	f.Screen, f.Layout, f.Source = ScreenWatch, m.lay, m.o.Name
	f.Title = m.title()
	f.Bodies, f.Shots, f.Effects, f.Kills, f.Rows, f.Columns =
		f.Bodies[:0], f.Shots[:0], f.Effects[:0], f.Kills[:0], f.Rows[:0], f.Columns[:0]
	f.Help, f.Live = m.help, m.live != nil
	f.Err, f.Note = "", m.note
	if m.err != nil {
		f.Err = m.err.Error()
	}
	f.Recovered = ""
	if m.info.Recovered && m.live == nil {
		f.Recovered = "recovered: the match did not end cleanly; it plays to its last sealed chunk"
		if m.info.Lost > 0 {
			f.Recovered += fmt.Sprintf(" (%d bytes after it were lost)", m.info.Lost)
		}
	}
	m.liveView(f)
	if m.pb == nil {
		f.Map = nil
		return f
	}
	w := m.pb.World()
	f.Map = w.Map
	f.First, f.Last = m.pb.Range()
	f.Pos, f.Tick, f.TickRate = m.pb.Pos(), w.Tick, m.pb.TickRate()
	f.Playing, f.Reverse, f.Speed, f.Dragging = m.playing || m.following, m.reverse, Speeds[m.speed], m.dragging
	if m.following {
		f.Speed = 1
	}
	f.Mode, f.Focus = m.cams.Mode, 0
	if m.cams.Mode == CameraFollow || m.cams.Mode == CameraPOV {
		f.Focus = m.cams.Target
	}

	f.Bodies = m.pb.Bodies(f.Bodies)
	for i := range f.Bodies {
		f.Bodies[i].Me = f.Bodies[i].ID == f.Focus
	}
	f.Shots = m.pb.Shots(f.Shots)
	f.Effects = m.pb.Effects(f.Bodies, f.Effects)
	f.Camera = m.cams.Camera(w.Map, &m.lay, f.Bodies)

	// The kill feed and the markers.
	f.Bar = m.lay.BarOf(f.First, f.Last)
	if m.index != nil {
		kills := m.index.Kills()
		f.Indexed, _ = m.index.Done()
		now := uint32(f.Pos)
		hi := sort.Search(len(kills), func(i int) bool { return kills[i].Tick > now })
		lo := hi
		for lo > 0 && hi-lo < scene.FeedLen && float64(now-kills[lo-1].Tick) <= scene.FeedSeconds*float64(f.TickRate) {
			lo--
		}
		f.Kills = append(f.Kills, kills[lo:hi]...)
		c := &m.columns
		if c.n != len(kills) || c.bar != f.Bar {
			c.n, c.bar, c.out = len(kills), f.Bar, f.Bar.Columns(kills, c.out[:0])
		}
		f.Columns = append(f.Columns, c.out...)
	}

	// The player list, scrolled to show the player followed.
	f.Players = len(w.Players)
	rows := m.lay.ListRows
	if i := indexOf(w, m.cams.Target); i >= 0 && rows > 0 {
		if i < m.listFirst {
			m.listFirst = i
		} else if i >= m.listFirst+rows {
			m.listFirst = i - rows + 1
		}
	}
	m.listFirst = max(0, min(m.listFirst, len(w.Players)-rows))
	f.ListFirst = m.listFirst
	for i := m.listFirst; i < min(len(w.Players), m.listFirst+rows); i++ {
		p := &w.Players[i]
		r := PlayerRow{ID: p.ID, Name: p.Name, Kills: p.Kills, Deaths: p.Deaths, Health: p.Health, Alive: p.Alive, Focus: p.ID == f.Focus}
		if i < 10 {
			r.Key = i + 1
		}
		f.Rows = append(f.Rows, r)
	}
	return f
}

func indexOf(w *sim.World, id sim.PlayerID) int {
	i := sort.Search(len(w.Players), func(i int) bool { return w.Players[i].ID >= id })
	if i < len(w.Players) && w.Players[i].ID == id {
		return i
	}
	return -1
}

func (m *Model) title() string {
	t := m.info.MatchID
	if m.r != nil {
		if n := m.r.Map().Name; n != "" {
			t += " · " + n
		}
	}
	if !m.info.Start.IsZero() {
		t += " · " + m.info.Start.Local().Format("2006-01-02 15:04")
	}
	return t
}

// liveView fills the live fields of f.
func (m *Model) liveView(f *Frame) {
	f.Following, f.Behind, f.Waiting, f.LiveDone, f.LiveStatus = false, 0, false, false, ""
	if m.live == nil {
		return
	}
	st := m.live.Status()
	f.Following, f.LiveDone = m.following, st.Done
	if st.Err != nil && !st.Done {
		f.LiveStatus = st.Err.Error()
		if !st.Connected {
			f.LiveStatus = "reconnecting: " + f.LiveStatus
		}
	}
	if m.pb == nil {
		f.Waiting = true
		return
	}
	_, last := m.pb.Range()
	rate := float64(m.pb.TickRate())
	f.Behind = (LiveEdge(st.Last, st.At, m.now, rate) - m.pb.Pos()) / rate
	if st.Done {
		f.Behind = (float64(last) - m.pb.Pos()) / rate
	}
	f.Waiting = !st.Done && m.pb.Pos() >= float64(last) && (m.playing || m.following)
}
