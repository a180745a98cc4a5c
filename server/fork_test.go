package server_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/client/session"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/server"
	"github.com/skirmishgg/skirmish/sim"
)

// goldenArena is a replay of 4 players (bot01 to bot04), 30 s at 60 Hz.
var goldenArena = filepath.Join("..", "replay", "testdata", "arena-4p-30s.skr")

// addReplay copies the file at from into the server's replay directory as
// replay id, changed by fn if not nil.
func addReplay(t *testing.T, ts *testServer, id, from string, fn func([]byte) []byte) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if fn != nil {
		b = fn(b)
	}
	if err := os.WriteFile(filepath.Join(ts.dir, id+replay.Extension), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// post sends a POST with the bearer token (none if empty) and the body, and
// returns the status and the answer.
func post(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// forkOK forks and decodes the answer, failing on anything but 201.
func forkOK(t *testing.T, url, token, body string) server.Forked {
	t.Helper()
	code, answer := post(t, url, token, body)
	if code != http.StatusCreated {
		t.Fatalf("POST %s: %d %s", url, code, answer)
	}
	var f server.Forked
	if err := json.Unmarshal([]byte(answer), &f); err != nil {
		t.Fatalf("POST %s: %v in %s", url, err, answer)
	}
	return f
}

// seek returns the world of the replay at path at tick.
func seek(t *testing.T, path string, tick uint32) *sim.World {
	t.Helper()
	r, err := replay.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := r.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func playerNamed(w *sim.World, name string) *sim.Player {
	for i := range w.Players {
		if w.Players[i].Name == name {
			return &w.Players[i]
		}
	}
	return nil
}

// dialAsync dials in the background: a forked match answers a hello that
// takes one of its players only when it starts.
func dialAsync(ts *testServer, name, match string) <-chan dialed {
	ch := make(chan dialed, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		s, err := session.Dial(ctx, session.Options{URL: ts.url, Name: name, Match: match})
		ch <- dialed{s, err}
	}()
	return ch
}

type dialed struct {
	s   *session.Session
	err error
}

func (d dialed) get(t *testing.T) *session.Session {
	t.Helper()
	if d.err != nil {
		t.Fatal(d.err)
	}
	t.Cleanup(func() { d.s.CloseNow() })
	return d.s
}

type matchInfo struct {
	Tick       uint32             `json:"tick"`
	Waiting    bool               `json:"waiting"`
	WaitingFor []string           `json:"waiting_for"`
	Fork       *server.ForkOrigin `json:"fork"`
	Replay     string             `json:"replay"`
	Roster     []struct {
		ID        sim.PlayerID `json:"id"`
		Name      string       `json:"name"`
		Connected bool         `json:"connected"`
		Bot       bool         `json:"bot"`
		Open      bool         `json:"open"`
	} `json:"roster"`
}

// waitMatch polls GET /api/matches/ID until cond holds, within 20 s.
func waitMatch(t *testing.T, ts *testServer, id, what string, cond func(*matchInfo) bool) *matchInfo {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var m matchInfo
		getJSON(t, ts.http.URL+"/api/matches/"+id, &m)
		if cond(&m) {
			return &m
		}
		if time.Now().After(deadline) {
			t.Fatalf("match %s: never %s: %+v", id, what, m)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestForkReplay forks a replay at tick 900 for two of its four players:
// the match waits for both, welcomes them with the world replay.Seek gives
// at 900, then runs with bots in the other two places; an unknown name and
// a name already taken join as new players; the fork's replay records its
// origin, verifies, and its lineage checks out against the source.
func TestForkReplay(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{AdminToken: "tok", ForkGrace: 20 * time.Second})
	addReplay(t, ts, "golden-arena", goldenArena, nil)
	const tick = 900
	want := seek(t, goldenArena, tick)

	f := forkOK(t, ts.http.URL+"/api/replays/golden-arena/fork?tick=900&match=fk", "tok", `{"claim": ["bot01", "bot02"]}`)
	if f.Match != "fk" || f.Tick != tick || f.Origin.Replay != "golden-arena" || f.Origin.Hash != fmt.Sprintf("%016x", want.Hash()) {
		t.Errorf("fork %+v, want match fk from golden-arena at %d with hash %016x", f, tick, want.Hash())
	}
	if len(f.Players) != 4 || !f.Players[0].Waited || !f.Players[1].Waited || f.Players[2].Waited {
		t.Errorf("players %+v, want 4, the first two waited for", f.Players)
	}

	// The match holds its world until both have come.
	a := dialAsync(ts, "bot01", "fk")
	m := waitMatch(t, ts, "fk", "waiting for bot02 alone", func(m *matchInfo) bool {
		return m.Waiting && slices.Equal(m.WaitingFor, []string{"bot02"})
	})
	if m.Tick != tick || m.Fork == nil || m.Fork.Tick != tick {
		t.Errorf("while waiting: tick %d, fork %+v", m.Tick, m.Fork)
	}
	select {
	case d := <-a:
		t.Fatalf("bot01 was welcomed before the match started: %v", d.err)
	case <-time.After(200 * time.Millisecond):
	}
	b := dialAsync(ts, "bot02", "fk")
	sa, sb := (<-a).get(t), (<-b).get(t)
	for _, s := range []*session.Session{sa, sb} {
		name := s.World().Player(s.Player()).Name
		if s.Welcome().Tick != tick || s.World().Hash() != want.Hash() {
			t.Errorf("%s welcomed at tick %d with hash %016x; replay.Seek(%d) hashes to %016x", name, s.Welcome().Tick, s.World().Hash(), tick, want.Hash())
		}
		if p := playerNamed(want, name); p == nil || p.ID != s.Player() {
			t.Errorf("%s is player %d, the replay's %s is %+v", name, s.Player(), name, p)
		}
	}

	// It runs: bots play bot03 and bot04, from where they stand. Its clock
	// started at the fork's tick, so that a client tells the present tick
	// from it (what prediction needs), and takes commands.
	untilTick(t, sa, tick+120)
	if est, at := int64(sa.Clock().Now())*60/1000, int64(sa.World().Tick); est < at-30 || est > at+30 {
		t.Errorf("the client's estimate of the match clock says tick %d, its world is at %d", est, at)
	}
	play(t, sa, []sim.Input{{Action: sim.RotateStart, Value: 3000}})
	m = waitMatch(t, ts, "fk", "running with bots", func(m *matchInfo) bool { return !m.Waiting && m.Tick > tick })
	for _, p := range m.Roster {
		human := p.Name == "bot01" || p.Name == "bot02"
		if p.Connected != human || p.Bot == human || p.Open {
			t.Errorf("roster %+v: want bot01 and bot02 connected, bots for the others", p)
		}
	}
	// An unknown name joins as a new player; a name whose player has a
	// client joins as a new one too.
	sc := dial(t, ts, "carol", "fk")
	sd := dial(t, ts, "bot01", "fk")
	if sc.Player() != 5 || sd.Player() != 6 {
		t.Errorf("carol is player %d, the second bot01 %d: want new players 5 and 6", sc.Player(), sd.Player())
	}
	untilTick(t, sd, sd.Welcome().Tick+1)
	if p := sd.World().Player(sd.Player()); p == nil || p.Name != "bot01#2" {
		t.Errorf("the second bot01 plays %+v, want a new player bot01#2", p)
	}
	untilTick(t, sa, sd.Welcome().Tick+60)
	for _, s := range []*session.Session{sa, sb, sc, sd} {
		if s.Desyncs() != 0 {
			t.Errorf("player %d: %d desyncs", s.Player(), s.Desyncs())
		}
	}

	// The fork's replay.
	code, body := post(t, ts.http.URL+"/api/admin/matches/fk/end", "tok", "")
	if code != http.StatusOK {
		t.Fatalf("end: %d %s", code, body)
	}
	r, err := replay.Open(filepath.Join(ts.dir, f.Replay+replay.Extension))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in := r.Info()
	if o := in.Origin; o == nil || *o != (replay.Origin{Replay: "golden-arena", Tick: tick, Hash: want.Hash()}) || in.FirstTick != tick {
		t.Errorf("the fork's replay: origin %+v, first tick %d", in.Origin, in.FirstTick)
	}
	first, err := r.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	if first.Hash() != want.Hash() {
		t.Errorf("the fork's first world hashes to %016x, replay.Seek of the source to %016x", first.Hash(), want.Hash())
	}
	if err := r.Verify(nil); err != nil {
		t.Errorf("the fork's replay: %v", err)
	}
	src, err := replay.Open(goldenArena)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := r.VerifyOrigin(src); err != nil {
		t.Errorf("lineage: %v", err)
	}
}

// TestForkBotTakenOver: once a fork runs, a hello with the name of a
// player a bot plays takes it over, and its player stops moving (the keys
// of the one who takes it over are not held).
func TestForkBotTakenOver(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{OpenForks: true, ForkGrace: 100 * time.Millisecond})
	addReplay(t, ts, "golden-arena", goldenArena, nil)
	forkOK(t, ts.http.URL+"/api/replays/golden-arena/fork?tick=1200&match=taken", "", `{"claim": ["bot01"]}`)
	// Nobody comes for bot01: after the grace period bots play all four.
	m := waitMatch(t, ts, "taken", "started without anyone", func(m *matchInfo) bool { return !m.Waiting && m.Tick > 1200 })
	for _, p := range m.Roster {
		if !p.Bot || p.Connected {
			t.Errorf("roster %+v: want a bot", p)
		}
	}
	// A bot's player that moves: a new player watches until one does.
	watcher := dial(t, ts, "zed", "taken")
	var name string
	until(t, watcher, "a bot's player moving", func(protocol.Message) bool {
		for _, p := range watcher.World().Players {
			if p.ID <= 4 && p.Alive && (p.Move != 0 || p.Strafe != 0 || p.Rotate != 0) {
				name = p.Name
				return true
			}
		}
		return false
	})
	s := dial(t, ts, name, "taken")
	if p := s.World().Player(s.Player()); p == nil || p.Name != name {
		t.Fatalf("took %+v, want %s", p, name)
	}
	untilTick(t, s, s.Welcome().Tick+2)
	if p := s.World().Player(s.Player()); p.Move != 0 || p.Strafe != 0 || p.Rotate != 0 {
		t.Errorf("%s taken over still moves: %+v", name, p)
	}
	waitMatch(t, ts, "taken", name+" connected", func(m *matchInfo) bool {
		for _, p := range m.Roster {
			if p.Name == name {
				return p.Connected && !p.Bot
			}
		}
		return false
	})
	if s.Desyncs() != 0 || watcher.Desyncs() != 0 {
		t.Errorf("desyncs: %d, %d", s.Desyncs(), watcher.Desyncs())
	}
}

// TestForkRemove: with ForkRemove, the players nobody took leave when the
// fork starts.
func TestForkRemove(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{AdminToken: "tok", ForkRemove: true, ForkGrace: 20 * time.Second})
	addReplay(t, ts, "golden-arena", goldenArena, nil)
	forkOK(t, ts.http.URL+"/api/replays/golden-arena/fork?tick=600&match=few", "tok", `{"claim": ["bot02"]}`)
	s := dial(t, ts, "bot02", "few")
	if len(s.World().Players) != 4 {
		t.Fatalf("welcomed with %d players, want the 4 of the forked world", len(s.World().Players))
	}
	untilTick(t, s, 602)
	if n := len(s.World().Players); n != 1 || s.World().Players[0].Name != "bot02" {
		t.Errorf("after the start: %+v, want bot02 alone", s.World().Players)
	}
}

// TestForkLive forks a running match at a tick of its present: once the
// second that holds it is on disk, the fork starts from the world every
// client of the source had at that tick.
func TestForkLive(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{AdminToken: "tok", ForkGrace: 20 * time.Second})
	s := dial(t, ts, "alice", "src")
	untilTick(t, s, s.Welcome().Tick+1)
	play(t, s, []sim.Input{{Action: sim.SpawnAt}, {Action: sim.MoveStart, Value: sim.MaxMoveSpeed / 2}, {Action: sim.RotateStart, Value: 4000}})
	worlds := map[uint32]uint64{}
	until(t, s, "tick 90", func(protocol.Message) bool {
		worlds[s.World().Tick] = s.World().Hash()
		return s.World().Tick >= 90
	})
	var src matchInfo
	getJSON(t, ts.http.URL+"/api/matches/src", &src)

	// Tick 90 is in the second chunk, which is being written: the fork
	// waits for it.
	f := forkOK(t, ts.http.URL+"/api/matches/src/fork?tick=90&match=copy", "tok", `{"claim": ["alice"]}`)
	if f.Origin.Replay != src.Replay || f.Tick != 90 || f.Origin.Hash != fmt.Sprintf("%016x", worlds[90]) {
		t.Errorf("fork %+v; want from %s at 90 with hash %016x", f.Origin, src.Replay, worlds[90])
	}
	c := dial(t, ts, "alice", "copy")
	if c.Welcome().Tick != 90 || c.World().Hash() != worlds[90] {
		t.Errorf("welcomed at %d with %016x, want 90 with %016x", c.Welcome().Tick, c.World().Hash(), worlds[90])
	}
	// Without a tick: the last keyframe on disk, tick 0 this early.
	if g := forkOK(t, ts.http.URL+"/api/matches/src/fork", "tok", ""); g.Tick != 0 {
		t.Errorf("fork without a tick at %d, want the keyframe at 0", g.Tick)
	}
	code, body := post(t, ts.http.URL+"/api/matches/src/fork?tick=999999", "tok", "")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "ahead of the match") {
		t.Errorf("a tick ahead of the match: %d %s", code, body)
	}
}

// setSimVersion rewrites a replay's header to claim another simulation
// version (element 0 of the header body, a positive fixint), with its CRC.
func setSimVersion(v byte) func([]byte) []byte {
	return func(b []byte) []byte {
		if b[18] != 0x98 || b[19] > 0x7f || v > 0x7f {
			panic("not a version 2 header with a small simulation version")
		}
		b[19] = v
		n := binary.LittleEndian.Uint32(b[10:14])
		tab := crc32.MakeTable(crc32.Castagnoli)
		c := crc32.Update(0, tab, b[:14])
		binary.LittleEndian.PutUint32(b[14:18], crc32.Update(c, tab, b[18:18+n]))
		return b
	}
}

// TestForkErrors: a fork that cannot be made is refused with a status and
// a reason; nothing is created.
func TestForkErrors(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{AdminToken: "tok"})
	addReplay(t, ts, "golden-arena", goldenArena, nil)
	addReplay(t, ts, "old-sim", goldenArena, setSimVersion(99))
	addReplay(t, ts, "future-format", goldenArena, func(b []byte) []byte { b[8] = 9; return b })
	r, err := replay.Open(goldenArena)
	if err != nil {
		t.Fatal(err)
	}
	c20, err := r.Chunk(20)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	addReplay(t, ts, "corrupt", goldenArena, func(b []byte) []byte { b[c20.Offset+30] ^= 0x10; return b })
	addReplay(t, ts, "garbage", goldenArena, func([]byte) []byte { return []byte("not a replay at all, just some bytes") })
	odd := startServer(t, server.Options{AdminToken: "tok", Maps: func(name string) ([]byte, error) {
		return []byte("########\n#S....S#\n#......#\n#S....S#\n########\n"), nil
	}})
	addReplay(t, odd, "golden-arena", goldenArena, nil)
	closed := startServer(t, server.Options{})
	addReplay(t, closed, "golden-arena", goldenArena, nil)
	forkOK(t, ts.http.URL+"/api/replays/golden-arena/fork?tick=10&match=taken", "tok", "")

	base := ts.http.URL + "/api/replays/"
	for _, c := range []struct {
		name, url, token, body string
		code                   int
		reason                 string
	}{
		{"no token", base + "golden-arena/fork?tick=10", "", "", http.StatusUnauthorized, "admin token required"},
		{"wrong token", base + "golden-arena/fork?tick=10", "nope", "", http.StatusUnauthorized, "admin token required"},
		{"admin API off", closed.http.URL + "/api/replays/golden-arena/fork?tick=10", "", "", http.StatusForbidden, "admin API disabled"},
		{"no tick", base + "golden-arena/fork", "tok", "", http.StatusBadRequest, "tick: required"},
		{"bad tick", base + "golden-arena/fork?tick=soon", "tok", "", http.StatusBadRequest, "tick: want a tick"},
		{"tick past the end", base + "golden-arena/fork?tick=1801", "tok", "", http.StatusUnprocessableEntity, "tick 1801 is outside the recording, 0..1800"},
		{"no such replay", base + "nothing-here/fork?tick=10", "tok", "", http.StatusNotFound, "no such replay"},
		{"bad replay id", base + "Bad.ID/fork?tick=10", "tok", "", http.StatusBadRequest, "invalid replay id"},
		{"corrupt chunk", base + "corrupt/fork?tick=1230", "tok", "", http.StatusUnprocessableEntity, "the source replay cannot be read: replay: chunk 20 at byte"},
		{"not a replay", base + "garbage/fork?tick=10", "tok", "", http.StatusUnprocessableEntity, "the source replay cannot be read: replay: header"},
		{"other simulation", base + "old-sim/fork?tick=10", "tok", "", http.StatusUnprocessableEntity, fmt.Sprintf("recorded by simulation version 99, this server simulates version %d", sim.Version)},
		{"other format", base + "future-format/fork?tick=10", "tok", "", http.StatusUnprocessableEntity, "format version 9"},
		{"other map", odd.http.URL + "/api/replays/golden-arena/fork?tick=10", "tok", "", http.StatusUnprocessableEntity, "the replay's map arena is not this server's"},
		{"unknown player", base + "golden-arena/fork?tick=10", "tok", `{"claim": ["nobody"]}`, http.StatusBadRequest, `no player "nobody" at tick 10`},
		{"bad body", base + "golden-arena/fork?tick=10", "tok", `{"players": 3}`, http.StatusBadRequest, "body: want JSON"},
		{"bad match id", base + "golden-arena/fork?tick=10&match=NO", "tok", "", http.StatusBadRequest, "match: want"},
		{"match id taken", base + "golden-arena/fork?tick=10&match=taken", "tok", "", http.StatusConflict, "a match of that id is running: taken"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, body := post(t, c.url, c.token, c.body)
			if code != c.code || !strings.Contains(body, c.reason) {
				t.Errorf("%d %q, want %d and a reason with %q", code, body, c.code, c.reason)
			}
		})
	}
	var list []struct{ ID string }
	getJSON(t, ts.http.URL+"/api/matches", &list)
	if len(list) != 1 || list[0].ID != "taken" {
		t.Errorf("matches %+v: want the one fork that was made", list)
	}
	// A running match's replay is forked through the match.
	var m matchInfo
	getJSON(t, ts.http.URL+"/api/matches/taken", &m)
	code, body := post(t, base+m.Replay+"/fork?tick=10", "tok", "")
	if code != http.StatusConflict || !strings.Contains(body, "still running: fork it with POST /api/matches/taken/fork") {
		t.Errorf("fork of a running match's replay: %d %s", code, body)
	}
}

// TestForkEndedWaiting: a fork ended while it waits for its players (an
// admin, a shutdown) leaves no replay: it never simulated a tick.
func TestForkEndedWaiting(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Options{AdminToken: "tok", ForkGrace: time.Minute})
	addReplay(t, ts, "golden-arena", goldenArena, nil)
	f := forkOK(t, ts.http.URL+"/api/replays/golden-arena/fork?tick=300&match=never", "tok", "")
	if _, err := os.Stat(filepath.Join(ts.dir, f.Replay+replay.Extension)); err != nil {
		t.Fatalf("the fork's replay while it waits: %v", err)
	}
	if code, body := post(t, ts.http.URL+"/api/admin/matches/never/end", "tok", ""); code != http.StatusOK {
		t.Fatalf("end: %d %s", code, body)
	}
	if _, err := os.Stat(filepath.Join(ts.dir, f.Replay+replay.Extension)); !os.IsNotExist(err) {
		t.Errorf("the replay of a fork that never started: %v, want it gone", err)
	}
}
