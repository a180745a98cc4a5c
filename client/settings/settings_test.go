package settings

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/sim"
)

// configDir points os.UserConfigDir at a temporary directory for the test,
// so that no test ever touches the user's real settings.
func configDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir) // where UserConfigDir looks on other systems
	return dir
}

func TestPath(t *testing.T) {
	dir := configDir(t)
	p, err := Path()
	if err != nil || p != filepath.Join(dir, "skirmish", "settings.json") {
		t.Errorf("Path() = %q, %v; want it under %s", p, err, dir)
	}
}

// TestRoundTrip: what Save writes, Load reads back, and a first run (no
// file) gives the defaults without writing anything.
func TestRoundTrip(t *testing.T) {
	configDir(t)
	path, _ := Path()
	s, note, err := Load(path)
	if err != nil || note != "" {
		t.Fatalf("first run: %q, %v", note, err)
	}
	if d := Defaults(); s.Name != d.Name || s.Window != d.Window || s.Audio != d.Audio || !s.Vsync {
		t.Errorf("first run: %+v, want the defaults %+v", s, d)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a first run wrote %s", path)
	}

	s.Name = "ada"
	s.Keys = map[string][]string{"forward": {"i", "up"}, "fire": {"f"}}
	s.Audio = Audio{Master: 35, Effects: 60, Mute: true}
	s.Window = Window{Width: 1600, Height: 900, Fullscreen: true}
	s.Vsync, s.NetStats = false, true
	s.AddServer("127.0.0.1:7777")
	s.AddServer("ws://example.org:7000/ws")
	s.AddServer("127.0.0.1:7777")
	s.Practice = Practice{Map: "maze", Bots: 7, Brain: "random"}
	if err := Save(path, &s); err != nil {
		t.Fatal(err)
	}
	got, note, err := Load(path)
	if err != nil || note != "" {
		t.Fatalf("load: %q, %v", note, err)
	}
	if got.Name != "ada" || got.Audio != s.Audio || got.Window != s.Window || got.Vsync || !got.NetStats ||
		got.Practice != s.Practice || len(got.Servers) != 2 || got.Servers[1].Address != "ws://example.org:7000/ws" ||
		strings.Join(got.Keys["forward"], " ") != "i up" || got.Version != Version {
		t.Errorf("loaded %+v, want %+v", got, s)
	}
	got.RemoveServer("127.0.0.1:7777")
	if len(got.Servers) != 1 || len(s.Servers) != 2 {
		t.Errorf("after removing one: %v (the saved copy %v)", got.Servers, s.Servers)
	}
}

// TestCorrupt: a file that is not settings is kept under another name,
// replaced by the defaults, and Load says so; the next Load is quiet.
func TestCorrupt(t *testing.T) {
	for name, content := range map[string]string{
		"garbage":    "\x00\x01 this is not json",
		"truncated":  `{"version": 1, "name": "ad`,
		"no version": `{"name": "ada"}`,
		"zero":       `{"version": 0}`,
		"wrong type": `{"version": 1, "audio": {"master": "loud"}}`,
		"newer":      `{"version": 99, "name": "ada"}`,
	} {
		t.Run(name, func(t *testing.T) {
			configDir(t)
			path, _ := Path()
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			s, note, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if s.Name != Defaults().Name || s.Audio != Defaults().Audio {
				t.Errorf("settings %+v, want the defaults", s)
			}
			backups, _ := filepath.Glob(path + ".bad-*")
			if len(backups) != 1 || !strings.Contains(note, backups[0]) || !strings.Contains(note, "defaults") {
				t.Fatalf("note %q, backups %v: want the note to name the one backup", note, backups)
			}
			if b, _ := os.ReadFile(backups[0]); string(b) != content {
				t.Errorf("the backup holds %q, want the old file", b)
			}
			if name == "newer" && !strings.Contains(note, "newer") {
				t.Errorf("note %q does not say the file is newer", note)
			}
			if _, note, err := Load(path); note != "" || err != nil {
				t.Errorf("the next load: %q, %v; want a quiet one", note, err)
			}
		})
	}
}

// TestNormalize: values out of range come back within it, with a note.
func TestNormalize(t *testing.T) {
	configDir(t)
	path, _ := Path()
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte(`{"version":1,"name":" bad ","audio":{"master":150,"effects":-3},
		"window":{"width":100,"height":50},"practice":{"bots":99},"servers":[{"address":" a:1 "},{"address":"a:1"},{"address":""}]}`), 0o644)
	s, note, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Audio.Master != 100 || s.Audio.Effects != 0 || s.Window.Width != 1280 || s.Practice.Bots != sim.MaxPlayers-1 ||
		s.Name != Defaults().Name || len(s.Servers) != 1 || s.Servers[0].Address != "a:1" {
		t.Errorf("normalized %+v", s)
	}
	for _, want := range []string{"master volume 150", "effects volume -3", "window size 100×50", "practice bots 99", `name " bad "`} {
		if !strings.Contains(note, want) {
			t.Errorf("note %q does not mention %q", note, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`{"version":1,"keys":{"forward":["w"]},"servers":[{"address":"a:1"}]}`))
	f.Add([]byte(`{"version":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrNewer) {
				t.Fatalf("Decode error %v is neither ErrCorrupt nor ErrNewer", err)
			}
			return
		}
		s.Normalize()
		if notes := s.Normalize(); len(notes) != 0 {
			t.Fatalf("a second Normalize changed %v", notes)
		}
		if s.Version != Version || s.Audio.Master < 0 || s.Audio.Master > 100 || s.Window.Width < MinWidth {
			t.Fatalf("decoded %+v", s)
		}
	})
}
