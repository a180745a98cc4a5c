package keys

import (
	"slices"
	"testing"
)

func TestNames(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, k := range All() {
		n := k.String()
		if n == "" || seen[n] || k.Label() == "" {
			t.Errorf("key %d: name %q, label %q (duplicate: %v)", k, n, k.Label(), seen[n])
		}
		seen[n] = true
		if p, ok := Parse(n); !ok || p != k {
			t.Errorf("Parse(%q) = %v, %v; want %d", n, p, ok, k)
		}
	}
	for _, tc := range []struct {
		name  string
		label string
	}{{"w", "W"}, {"W", "W"}, {"Space", "Space"}, {"up", "↑"}, {"f12", "F12"}, {",", ","}, {"kp5", "Keypad 5"}} {
		k, ok := Parse(tc.name)
		if !ok || k.Label() != tc.label {
			t.Errorf("Parse(%q) = %v (%q), want the key labelled %q", tc.name, k, k.Label(), tc.label)
		}
	}
	if _, ok := Parse("hyper"); ok {
		t.Error("Parse accepted an unknown key")
	}
	for c, want := range map[rune]string{'a': "a", 'Z': "z", '7': "7", '!': ""} {
		if got := Letter(c).String(); got != want {
			t.Errorf("Letter(%q) = %q, want %q", c, got, want)
		}
	}
}

func TestSet(t *testing.T) {
	t.Parallel()
	var s Set
	last := Count - 1
	s = s.With(1, true).With(last, true).With(None, true)
	if !s.Has(1) || !s.Has(last) || s.Has(2) || s.Has(None) {
		t.Errorf("set %v", s)
	}
	if got := s.Keys(nil); !slices.Equal(got, []Key{1, last}) {
		t.Errorf("Keys = %v", got)
	}
	prev := Set{}.With(1, true)
	if got := s.Minus(prev).Keys(nil); !slices.Equal(got, []Key{last}) {
		t.Errorf("pressed since = %v, want %v", got, last)
	}
	if s = s.With(1, false).With(last, false); !s.Empty() {
		t.Errorf("after releasing: %v", s)
	}
}

func TestScript(t *testing.T) {
	t.Parallel()
	w, _ := Parse("w")
	space, _ := Parse("space")
	minus, _ := Parse("-")
	for _, tc := range []struct {
		in   string
		want Script
		err  bool
	}{
		{"", nil, false},
		{"0:w+,30:space,60:w-", Script{{0, w, true, ""}, {30, space, true, ""}, {31, space, false, ""}, {60, w, false, ""}}, false},
		{"5:text=ws://a:1/ws, 2:-", Script{{2, minus, true, ""}, {3, minus, false, ""}, {5, 0, false, "ws://a:1/ws"}}, false},
		{"3:--", Script{{3, minus, false, ""}}, false},
		{"w+", nil, true},
		{"-1:w", nil, true},
		{"1:hyper", nil, true},
		{"1:text=", nil, true},
	} {
		got, err := ParseScript(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseScript(%q) error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if !tc.err && !slices.Equal(got, tc.want) {
			t.Errorf("ParseScript(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
	sc, _ := ParseScript("0:w+,1:text=ab,1:text=c,2:w-")
	var held Set
	var typed []string
	for f := 0; f <= 2; f++ {
		var text string
		held, text = sc.Apply(f, held)
		typed = append(typed, text)
		if held.Has(w) != (f < 2) {
			t.Errorf("frame %d: w held %v", f, held.Has(w))
		}
	}
	if !slices.Equal(typed, []string{"", "abc", ""}) {
		t.Errorf("typed %q", typed)
	}
}

func FuzzParseScript(f *testing.F) {
	for _, s := range []string{"0:w+,30:space,60:w-", "5:text=ws://a:1/ws", "3:--", "x", "1:,", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ParseScript(s)
		if err != nil {
			return
		}
		for i, st := range sc {
			if st.Frame < 0 || (st.Text == "" && (st.Key == None || st.Key >= Count)) || i > 0 && sc[i-1].Frame > st.Frame {
				t.Fatalf("ParseScript(%q) step %d: %+v", s, i, st)
			}
		}
	})
}
