package main

import "testing"

func TestParseBench(t *testing.T) {
	out := `goos: linux
pkg: github.com/skirmishgg/skirmish/sim
BenchmarkStep-2   	   10000	      8047 ns/op	        32.00 players	       0 B/op	       0 allocs/op
BenchmarkRestore-2	    8444	     48230 ns/op	  38.48 MB/s	    5568 B/op	      67 allocs/op
PASS
pkg: github.com/skirmishgg/skirmish/replay
BenchmarkOpen-2           	     937	    256552 ns/op	  157499 B/op	      80 allocs/op
ok  	github.com/skirmishgg/skirmish/replay	24.476s
`
	rows := parseBench(out)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3: %+v", len(rows), rows)
	}
	r := rows[1]
	if r.pkg != "sim" || r.name != "Restore-2" || r.nsPerOp != "48230" || r.bPerOp != "5568" || r.allocsOp != "67" ||
		len(r.other) != 1 || r.other[0] != "38.48 MB/s" {
		t.Errorf("row %+v", r)
	}
	if rows[2].pkg != "replay" || rows[2].name != "Open-2" {
		t.Errorf("row %+v", rows[2])
	}
}
