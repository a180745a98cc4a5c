package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/replay"
	"github.com/skirmishgg/skirmish/sim"
)

// golden is a small replay from the replay package's testdata.
var golden = filepath.Join("..", "..", "replay", "testdata", "arena-4p-30s.skr")

func runCLI(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return o.String(), e.String(), code
}

// copyWith writes a copy of golden, changed by fn, to a temporary file.
func copyWith(t *testing.T, fn func([]byte) []byte) string {
	t.Helper()
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.skr")
	if err := os.WriteFile(path, fn(b), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestCLI(t *testing.T) {
	t.Parallel()
	r, err := replay.Open(golden)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	in := r.Info()
	truncated := copyWith(t, func(b []byte) []byte { return b[:len(b)-int(in.FooterSize)-30] })
	flipped := copyWith(t, func(b []byte) []byte { b[len(b)/2] ^= 4; return b })
	garbage := copyWith(t, func([]byte) []byte { return []byte("hello, I am not a replay\n") })
	// A crashed match's file whose only chunk is complete but corrupt.
	c0, err := r.Chunk(0)
	if err != nil {
		t.Fatal(err)
	}
	onlyCorrupt := copyWith(t, func(b []byte) []byte {
		b = b[:c0.Offset+int64(len(c0.Raw))]
		b[c0.Offset+int64(len(c0.Raw))/2] ^= 4
		return b
	})
	bomb := filepath.Join("..", "..", "replay", "testdata", "bomb.skr")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string // a regexp the output must match
		wantErr  string // a regexp stderr must match
	}{
		{"no command", nil, 2, "", "usage:"},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"help", []string{"help"}, 0, "", "skirmish-replay gen"},
		{"info", []string{"info", golden}, 0, `(?s)match +golden-arena.*map +arena \(Arena\).*ticks +0\.\.1800 \(1800 ticks, 30s\).*players +4.*footer +yes.*bot04`, "^$"},
		{"info json", []string{"info", "-json", golden}, 0, `"match_id": "golden-arena"`, "^$"},
		{"info no file", []string{"info"}, 2, "", "want one file"},
		{"info missing", []string{"info", "/nonexistent/x.skr"}, 1, "", "no such file"},
		{"info garbage", []string{"info", garbage}, 1, "", `bad magic .*not a Skirmish replay`},
		{"info truncated", []string{"info", truncated}, 0, `(?s)footer +none.*lost +`, ""},
		{"verify", []string{"verify", golden}, 0, `ok: 1800 ticks .* all hashes match`, "^$"},
		{"verify truncated", []string{"verify", truncated}, 0, `(?s)no footer.*verifying the \d+ recovered chunks.*ok:`, ""},
		{"verify flipped", []string{"verify", flipped}, 1, "", `FAILED: replay: chunk \d+ at byte \d+: corrupt: CRC`},
		{"verify garbage", []string{"verify", garbage}, 1, "", "not a Skirmish replay"},
		{"verify only chunk corrupt", []string{"verify", onlyCorrupt}, 1, `verifying the 0 recovered chunks`, `FAILED: replay: chunk 0 at byte \d+: corrupt: CRC`},
		{"verify bomb", []string{"verify", bomb}, 1, "", `FAILED: replay: chunk 0 at byte \d+: corrupt: .*more than 65536 events in the chunk \(MaxChunkEvents\)`},
		{"info directory", []string{"info", t.TempDir()}, 1, "", `not a regular file \(a directory\)`},
		{"dump", []string{"dump", "-to", "2", golden}, 0, `^\{"tick":1,"player":1,"seq":0,"action":"join","name":"bot01"\}\n\{"tick":2,"player":2,.*"join","name":"bot02"\}\n`, "^$"},
		{"seek", []string{"seek", golden, "0", "900", "1800"}, 0, `^[0-9a-f]{16}\n[0-9a-f]{16}\n[0-9a-f]{16}\n$`, "^$"},
		{"seek out of range", []string{"seek", golden, "1801"}, 1, "", `tick 1801 is outside the recording, 0\.\.1800`},
		{"seek bad tick", []string{"seek", golden, "soon"}, 2, "", `tick "soon" is not a number`},
		{"stats", []string{"stats", golden}, 0, `(?s)name +matches +kills +deaths +shots +hits.*bot0`, "^$"},
		{"stats two files", []string{"stats", "-json", golden, golden}, 0, `"matches": 2`, "^$"},
		{"stats garbage", []string{"stats", golden, garbage}, 1, "", "not a Skirmish replay"},
		{"gen no output", []string{"gen", "-players", "2"}, 2, "", "-o FILE is required"},
		{"gen bad map", []string{"gen", "-map", "moon", "-o", filepath.Join(t.TempDir(), "x.skr")}, 2, "", `unknown map "moon".*maps: arena`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := runCLI(tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			if !regexp.MustCompile(tt.wantOut).MatchString(out) {
				t.Errorf("stdout does not match %q:\n%s", tt.wantOut, out)
			}
			if tt.wantErr != "" && !regexp.MustCompile(tt.wantErr).MatchString(errOut) {
				t.Errorf("stderr does not match %q:\n%s", tt.wantErr, errOut)
			}
		})
	}
}

func TestSeekMatchesVerify(t *testing.T) {
	t.Parallel()
	// The last seek hash is the final world's, which the golden file records.
	b, err := os.ReadFile(filepath.Join("..", "..", "replay", "testdata", "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g map[string]struct {
		Final struct{ Hash string }
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	out, _, code := runCLI("seek", golden, "1800")
	if want := g["arena-4p-30s.skr"].Final.Hash; code != 0 || strings.TrimSpace(out) != want {
		t.Errorf("seek 1800: %q (exit %d), want %s", out, code, want)
	}
}

func TestGenThenRead(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gen.skr")
	out, errOut, code := runCLI("gen", "-players", "6", "-minutes", "0.5", "-rate", "3", "-seed", "4", "-chasers", "2", "-start", "2025-03-04T05:06:07Z", "-o", path)
	if code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "wrote "+path+": 6 players, 30s") {
		t.Errorf("gen said %q", out)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The same options give the same bytes, and gen replaces the file.
	if _, errOut, code := runCLI("gen", "-players", "6", "-minutes", "0.5", "-rate", "3", "-seed", "4", "-chasers", "2", "-start", "2025-03-04T05:06:07Z", "-o", path); code != 0 {
		t.Fatalf("gen again: %s", errOut)
	}
	second, _ := os.ReadFile(path)
	if !bytes.Equal(first, second) {
		t.Error("gen with the same options wrote different bytes")
	}
	out, _, code = runCLI("info", "-json", path)
	var in struct {
		Ticks   uint32 `json:"ticks"`
		Players []struct {
			Name string `json:"name"`
		} `json:"players"`
		Start string `json:"start"`
	}
	if err := json.Unmarshal([]byte(out), &in); err != nil || code != 0 {
		t.Fatalf("info -json: %v (exit %d): %s", err, code, out)
	}
	if in.Ticks != 1800 || len(in.Players) != 6 || in.Players[5].Name != "bot06" || in.Start != "2025-03-04T05:06:07Z" {
		t.Errorf("info -json: %+v", in)
	}
	out, _, code = runCLI("stats", "-json", path)
	var st struct {
		Players []struct {
			Name          string `json:"name"`
			Kills, Deaths int
		} `json:"players"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil || code != 0 || len(st.Players) != 6 {
		t.Fatalf("stats -json: %v (exit %d): %s", err, code, out)
	}
	if _, errOut, code := runCLI("verify", path); code != 0 {
		t.Errorf("verify: exit %d: %s", code, errOut)
	}
}

// TestNamedPipe: every command given a named pipe says at once that it is
// not a regular file, instead of waiting for a writer forever.
func TestNamedPipe(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "pipe.skr")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	t.Cleanup(func() { // release a command blocked on it, if the test failed so
		for range 10 {
			if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				f.Close()
			}
		}
	})
	for _, args := range [][]string{{"info", fifo}, {"verify", fifo}, {"dump", fifo}, {"seek", fifo, "1"}, {"stats", fifo}} {
		type result struct {
			errOut string
			code   int
		}
		done := make(chan result, 1)
		go func() {
			_, errOut, code := runCLI(args...)
			done <- result{errOut, code}
		}()
		select {
		case r := <-done:
			if r.code != 1 || !strings.Contains(r.errOut, fifo) || !strings.Contains(r.errOut, "not a regular file (a named pipe)") {
				t.Errorf("%s: exit %d: %s", args[0], r.code, r.errOut)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s of a named pipe: still blocked after 10 s", args[0])
		}
	}
}

// writeFork writes, at path, a recording forked from src at tick that runs
// ticks more ticks without a command, with an origin naming id.
func writeFork(t *testing.T, src *replay.Reader, id string, tick uint32, ticks int, path string) {
	t.Helper()
	w, err := src.Seek(tick)
	if err != nil {
		t.Fatal(err)
	}
	h := src.Header()
	wr, err := replay.Create(path, replay.Header{MatchID: "fork", Map: h.Map, MapSource: h.MapSource, TickRate: h.TickRate,
		Origin: &replay.Origin{Replay: id, Tick: tick, Hash: w.Hash()}}, w, replay.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for range ticks {
		sim.Step(w, nil)
		if err := wr.Append(&protocol.Frame{Tick: w.Tick}, w); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestForkLineage shows a fork's origin and checks its lineage: against
// its source found next to it, against one given with -source (the format
// version 1 copy of the same match is as good a source), and against
// sources that cannot be it.
func TestForkLineage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "golden-src.skr")
	if err := os.WriteFile(src, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := replay.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fork := filepath.Join(dir, "fork.skr")
	writeFork(t, r, "golden-src", 900, 120, fork)
	w900, _ := r.Seek(900)
	hash := regexp.QuoteMeta(fmt.Sprintf("%016x", w900.Hash()))

	// Another match on the same map, and a match on another map.
	other := filepath.Join(t.TempDir(), "other.skr")
	if _, _, code := runCLI("gen", "-players", "4", "-minutes", "0.5", "-seed", "9", "-o", other); code != 0 {
		t.Fatal("gen failed")
	}
	duel := filepath.Join("..", "..", "replay", "testdata", "duel-2p-20s-30hz.skr")
	v1 := filepath.Join("..", "..", "replay", "testdata", "v1-arena-4p-30s.skr")
	alone := filepath.Join(t.TempDir(), "fork.skr") // the fork without its source beside it
	if err := os.WriteFile(alone, mustRead(t, fork), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, _, _ := runCLI("info", "-json", golden); strings.Contains(out, "origin") {
		t.Errorf("info -json of a match that is no fork shows an origin:\n%s", out)
	}
	for _, tt := range []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{"info", []string{"info", fork}, 0, `(?s)forked from +golden-src at tick 900 \(world hash ` + hash + `\).*ticks +900\.\.1020`, "^$"},
		{"info json", []string{"info", "-json", fork}, 0, `"origin": \{\s+"replay": "golden-src",\s+"tick": 900,\s+"hash": "` + hash + `"`, "^$"},
		{"verify with the source beside it", []string{"verify", fork}, 0, `(?s)ok: 120 ticks.*forked from .*golden-src\.skr at tick 900: the source's world there hashes to ` + hash, "^$"},
		{"verify without the source", []string{"verify", alone}, 0, `(?s)ok: 120 ticks.*forked from golden-src at tick 900: .* the source is not here`, "^$"},
		{"verify -source version 1", []string{"verify", "-source", v1, alone}, 0, `the source's world there hashes to ` + hash, "^$"},
		{"verify -source another match", []string{"verify", "-source", other, alone}, 1, "", `FAILED: against .*other\.skr: replay: the source's world at tick 900 hashes to [0-9a-f]{16}; the fork's origin says ` + hash},
		{"verify -source another map", []string{"verify", "-source", duel, alone}, 1, "", `FAILED: against .*: replay: the source's map duel is not the fork's map arena`},
		{"verify -source not a fork", []string{"verify", "-source", golden, golden}, 2, "", `is not a fork`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runCLI(tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out, errOut)
			}
			if !regexp.MustCompile(tt.wantOut).MatchString(out) {
				t.Errorf("stdout does not match %q:\n%s", tt.wantOut, out)
			}
			if tt.wantErr != "" && !regexp.MustCompile(tt.wantErr).MatchString(errOut) {
				t.Errorf("stderr does not match %q:\n%s", tt.wantErr, errOut)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
