package bots

import (
	"testing"
	"time"

	"github.com/skirmishgg/skirmish/sim"
)

func TestParseStat(t *testing.T) {
	t.Parallel()
	// A command name with spaces and parentheses; utime 150, stime 50 ticks.
	line := "4242 (sk (test) d) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 9 0 12345 0 0"
	got, err := parseStat(line)
	if err != nil || got != 2*time.Second {
		t.Errorf("parseStat = %v, %v; want 2s", got, err)
	}
	if _, err := parseStat("4242 (x) S 1"); err == nil {
		t.Errorf("parseStat of a short line: no error")
	}
	// user nice system idle iowait irq softirq steal: 100+0+50+10+5+5 busy.
	m, err := parseMachineStat("cpu  100 0 50 9000 30 10 5 5 0 0\ncpu0 1 2 3\n")
	if err != nil || m != 1700*time.Millisecond {
		t.Errorf("parseMachineStat = %v, %v; want 1.7s", m, err)
	}
}

func TestNiceStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want float64 }{{0.3, 0.5}, {1, 1}, {1.2, 2}, {3, 5}, {7, 10}, {0.07, 0.1}, {0, 1}} {
		if got := niceStep(tc.in); got != tc.want {
			t.Errorf("niceStep(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestScriptRepeats(t *testing.T) {
	t.Parallel()
	s := &script{length: time.Second, cmds: []scriptCmd{
		{at: 0, in: sim.Input{Action: sim.Fire}},
		{at: 500 * time.Millisecond, in: sim.Input{Action: sim.MoveStop}},
	}}
	c := &scriptCursor{s: s}
	var got []sim.Action
	for _, at := range []time.Duration{0, 400 * time.Millisecond, 600 * time.Millisecond, 1100 * time.Millisecond, 2600 * time.Millisecond} {
		for _, in := range c.due(at, nil) {
			got = append(got, in.Action)
		}
	}
	want := []sim.Action{sim.Fire, sim.MoveStop, sim.Fire, sim.MoveStop, sim.Fire, sim.MoveStop}
	if len(got) != len(want) {
		t.Fatalf("due gave %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("due gave %v, want %v", got, want)
		}
	}
}

func TestPendingTable(t *testing.T) {
	t.Parallel()
	r := &run{}
	b := &bot{r: r}
	b.addPending(1, time.Millisecond, true)
	b.addPending(2, 2*time.Millisecond, false)
	if p, ok := b.answer(1); !ok || p.sent != time.Millisecond || !p.measured {
		t.Errorf("answer(1) = %+v, %v", p, ok)
	}
	if _, ok := b.answer(1); ok {
		t.Errorf("answer(1) twice")
	}
	// A command never answered is pushed out by the one that reuses its slot.
	b.addPending(1+pendingSlots, 3*time.Millisecond, true)
	b.addPending(1+2*pendingSlots, 4*time.Millisecond, true)
	if b.npending != 2 {
		t.Errorf("%d pending, want 2", b.npending)
	}
	if _, ok := b.answer(1 + pendingSlots); ok {
		t.Errorf("a pushed-out command was still pending")
	}
	if r.commands.Load() != 3 {
		t.Errorf("%d measured commands, want 3", r.commands.Load())
	}
}
