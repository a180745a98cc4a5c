package protocol

import (
	"strings"
	"testing"
)

func TestRedirect(t *testing.T) {
	for _, tc := range []struct {
		reason string
		want   Redirect
		bad    bool
	}{
		{reason: "ws://10.0.0.2:7777/ws friday", want: Redirect{URL: "ws://10.0.0.2:7777/ws", Match: "friday"}},
		{reason: "wss://game2.example.net/ws", want: Redirect{URL: "wss://game2.example.net/ws"}},
		{reason: "http://x/ws m1", bad: true},
		{reason: "ws:///ws m1", bad: true},
		{reason: "ws://x/ws Bad_Id", bad: true},
		{reason: "ws://x/ws m1 extra", bad: true},
		{reason: "", bad: true},
		{reason: "ws://" + strings.Repeat("a", MaxRedirectURLLen) + "/ws", bad: true},
	} {
		got, err := ParseRedirect(tc.reason)
		if tc.bad {
			if err == nil {
				t.Errorf("%q: parsed as %+v, want an error", tc.reason, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%q: %+v, %v; want %+v", tc.reason, got, err, tc.want)
		}
		if got.Reason() != tc.reason {
			t.Errorf("%+v: reason %q, want %q", got, got.Reason(), tc.reason)
		}
	}
	// The longest redirect fits in a close reason (123 bytes).
	long := Redirect{URL: "wss://" + strings.Repeat("h", MaxRedirectURLLen-9) + "/ws", Match: strings.Repeat("m", MaxMatchIDLen)}
	if err := CheckRedirectURL(long.URL); err != nil || len(long.Reason()) > 123 {
		t.Errorf("longest redirect: %v, %d bytes", err, len(long.Reason()))
	}
}

// FuzzParseRedirect: whatever a reason holds, parsing it either fails or
// gives a redirect whose reason parses back to itself.
func FuzzParseRedirect(f *testing.F) {
	f.Add("ws://10.0.0.2:7777/ws friday")
	f.Add("wss://h/ws")
	f.Add("ws://h/ws  x")
	f.Fuzz(func(t *testing.T, reason string) {
		r, err := ParseRedirect(reason)
		if err != nil {
			return
		}
		again, err := ParseRedirect(r.Reason())
		if err != nil || again != r {
			t.Fatalf("%q → %+v → %q → %+v, %v", reason, r, r.Reason(), again, err)
		}
	})
}
