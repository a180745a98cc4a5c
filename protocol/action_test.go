package protocol_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/protocol/mpack"
	"github.com/skirmishgg/skirmish/sim"
)

// TestVocabularyCoversSim: every action the simulation knows has its
// arguments here, and nothing else does: an action added to sim without a
// line in the vocabulary (or the other way round) fails here.
func TestVocabularyCoversSim(t *testing.T) {
	t.Parallel()
	a := sim.Action(1)
	for ; a.String() != "unknown"; a++ {
		if !protocol.KnownAction(a) {
			t.Errorf("sim action %d (%s) is not in the protocol's vocabulary", a, a)
		}
	}
	for b := a; b < a+3; b++ {
		if protocol.KnownAction(b) {
			t.Errorf("action %d is in the vocabulary but not in sim", b)
		}
	}
	if protocol.KnownAction(0) {
		t.Error("action 0 is in the vocabulary")
	}
}

// roundTrip encodes in's action, decodes it back, and returns the result
// and the decoding error.
func roundTrip(in sim.Input) (sim.Input, error) {
	b := mpack.Append(nil, func(a *mpack.Appender) { protocol.AppendAction(a, &in) })
	r := mpack.GetReader(b)
	defer mpack.PutReader(r)
	var out sim.Input
	out.Action = protocol.ReadAction(r)
	if r.Err() == nil {
		if n := len(protocol.ActionArgs(out.Action)); n != len(protocol.ActionArgs(in.Action)) {
			return out, errors.New("argument count changed")
		}
		protocol.ReadArgs(r, &out)
	}
	return out, r.End("action")
}

// TestActionCodec: each action round-trips with its arguments at their
// limits; arguments past their limits are refused by CheckAction, and by
// the decoder when they come in anyway, naming the argument.
func TestActionCodec(t *testing.T) {
	t.Parallel()
	for a := sim.Action(0); protocol.KnownAction(a) || a == 0; a++ {
		if n := len(protocol.ActionArgs(a)); n > protocol.MaxActionArgs {
			t.Errorf("%v has %d arguments, above MaxActionArgs %d", a, n, protocol.MaxActionArgs)
		}
	}
	long := strings.Repeat("x", sim.MaxNameLen)
	for _, in := range []sim.Input{
		{Action: sim.Join, Name: "a"},
		{Action: sim.Join, Name: long},
		{Action: sim.Leave},
		{Action: sim.SpawnAt, X: 0, Y: sim.MaxMapSize - 1},
		{Action: sim.MoveStart, Value: math.MinInt32},
		{Action: sim.StrafeStart, Value: math.MaxInt32},
		{Action: sim.RotateStart, Value: -1},
		{Action: sim.MoveStop}, {Action: sim.StrafeStop}, {Action: sim.RotateStop}, {Action: sim.Fire},
	} {
		if err := protocol.CheckAction(&in); err != nil {
			t.Errorf("CheckAction(%+v): %v", in, err)
		}
		out, err := roundTrip(in)
		if err != nil || out != in {
			t.Errorf("%+v came back as %+v, %v", in, out, err)
		}
	}
	for _, tc := range []struct {
		in   sim.Input
		what string
	}{
		{sim.Input{Action: sim.Join, Name: long + "x"}, "name"},
		{sim.Input{Action: sim.SpawnAt, X: -1}, "x"},
		{sim.Input{Action: sim.SpawnAt, Y: sim.MaxMapSize}, "y"},
	} {
		err := protocol.CheckAction(&tc.in)
		if !errors.Is(err, protocol.ErrInvalidAction) || !strings.Contains(err.Error(), tc.what) {
			t.Errorf("CheckAction(%+v): %v, want ErrInvalidAction naming %s", tc.in, err, tc.what)
		}
		if _, err := roundTrip(tc.in); err == nil || !strings.Contains(err.Error(), tc.what) {
			t.Errorf("decoding %+v: %v, want an error naming %s", tc.in, err, tc.what)
		}
	}
	for _, a := range []sim.Action{0, 200} {
		if err := protocol.CheckAction(&sim.Input{Action: a}); !errors.Is(err, protocol.ErrInvalidAction) {
			t.Errorf("CheckAction of action %d: %v, want ErrInvalidAction", a, err)
		}
		if _, err := roundTrip(sim.Input{Action: a}); err == nil || !strings.Contains(err.Error(), "action") {
			t.Errorf("decoding action %d: %v, want an error naming the action", a, err)
		}
	}
}

// TestArgs: each argument has its name (the field name in PROTOCOL.md, in
// decoding errors and in skirmish-replay dump's JSON) and reads its field.
func TestArgs(t *testing.T) {
	t.Parallel()
	in := sim.Input{Action: sim.SpawnAt, X: 4, Y: 9, Value: -7, Name: "ada"}
	for _, tc := range []struct {
		arg  protocol.Arg
		name string
		v    int64
	}{{protocol.ArgX, "x", 4}, {protocol.ArgY, "y", 9}, {protocol.ArgValue, "value", -7}, {protocol.ArgName, "name", 0}} {
		if tc.arg.String() != tc.name || tc.arg.Int(&in) != tc.v {
			t.Errorf("arg %d: %q reads %d, want %q reading %d", tc.arg, tc.arg, tc.arg.Int(&in), tc.name, tc.v)
		}
	}
	if got := protocol.ActionArgs(sim.SpawnAt); len(got) != 2 || got[0] != protocol.ArgX || got[1] != protocol.ArgY {
		t.Errorf("spawn's arguments: %v", got)
	}
}
