package datadir

import (
	"path/filepath"
	"testing"
)

// TestReplays: the replay directory follows XDG_DATA_HOME, falls back to
// ~/.local/share, and without either says why there is none.
func TestReplays(t *testing.T) {
	for _, tc := range []struct {
		name, xdg, home string
		want            string // empty: an error
	}{
		{"xdg", "/data", "/home/ada", filepath.FromSlash("/data/skirmish/replays")},
		{"home", "", "/home/ada", filepath.FromSlash("/home/ada/.local/share/skirmish/replays")},
		{"neither", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", tc.xdg)
			t.Setenv("HOME", tc.home)
			got, err := Replays()
			switch {
			case tc.want == "" && err == nil:
				t.Errorf("Replays() = %q, want an error", got)
			case tc.want != "" && (err != nil || got != tc.want):
				t.Errorf("Replays() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
