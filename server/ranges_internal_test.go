package server

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzCoalesceRanges reads arbitrary Range headers: a merged header is
// sorted, without overlaps or small gaps, within the file, at most
// maxRanges parts that together cost less than the file, and merging it
// again changes nothing.
func FuzzCoalesceRanges(f *testing.F) {
	for _, s := range []string{"bytes=0-0,1-1,2-2,3-3", "bytes=10-30,20-40,0-5", "bytes=-16", "bytes=100-", "bytes=5-1",
		"bytes=0-9,900-999", "bytes=,,0-1", "bytes=x-y", "items=0-1", "bytes=99999999999999999999-1", "bytes=0-1,-0"} {
		f.Add(s, int64(987))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size <= 0 || size > 1<<40 {
			return
		}
		got, ok := coalesceRanges(h, size)
		if !ok {
			if got != "" {
				t.Fatalf("whole file, yet a header %q", got)
			}
			return
		}
		if got == h {
			return // left for http.ServeContent to answer
		}
		spec, found := strings.CutPrefix(got, "bytes=")
		if !found {
			t.Fatalf("%q: not a byte range", got)
		}
		parts := strings.Split(spec, ",")
		if len(parts) > maxRanges {
			t.Fatalf("%q: %d parts", got, len(parts))
		}
		prevEnd, cost := int64(-rangeGap-2), int64(0)
		for _, p := range parts {
			a, b, _ := strings.Cut(p, "-")
			start, err1 := strconv.ParseInt(a, 10, 64)
			end, err2 := strconv.ParseInt(b, 10, 64)
			switch {
			case err1 != nil || err2 != nil:
				t.Fatalf("%q: part %q", got, p)
			case start < 0 || end < start || end >= size:
				t.Fatalf("%q: part %q outside a file of %d", got, p, size)
			case start <= prevEnd+rangeGap:
				t.Fatalf("%q: part %q overlaps or nearly touches the one before", got, p)
			}
			prevEnd = end
			cost += end - start + 1
		}
		if len(parts) > 1 && cost+int64(len(parts))*partCost >= size {
			t.Fatalf("%q: parts cost %d for a file of %d", got, cost+int64(len(parts))*partCost, size)
		}
		if again, ok := coalesceRanges(got, size); !ok || again != got {
			t.Fatalf("merged again: %q, %v; want %q", again, ok, got)
		}
	})
}
