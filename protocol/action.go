package protocol

import (
	"fmt"
	"math"

	"github.com/skirmishgg/skirmish/protocol/mpack"
	"github.com/skirmishgg/skirmish/sim"
)

// The action vocabulary of the binary formats: which arguments follow each
// sim.Action, their encoding and their ranges. Commands and frame events
// (messages.go) and the events of replay chunks (package replay) all encode
// an action as its code followed by its arguments, with the functions
// below. Adding an action is a line in actionArgs, its rules in sim, and its
// rows in docs/PROTOCOL.md and docs/REPLAY-FORMAT.md.

// Arg is one argument of an action: a field of sim.Input.
type Arg uint8

// Arguments.
const (
	ArgName  Arg = iota + 1 // Input.Name: a str of at most sim.MaxNameLen bytes
	ArgX                    // Input.X: a tile column, 0 to sim.MaxMapSize-1
	ArgY                    // Input.Y: a tile row, 0 to sim.MaxMapSize-1
	ArgValue                // Input.Value: a speed or a rate, any int32 (sim.Validate bounds it)
)

// actionArgs lists the arguments of each action, indexed by its code; the
// actions without arguments have none.
var actionArgs = [...][]Arg{
	sim.Join:        {ArgName},
	sim.Leave:       nil,
	sim.SpawnAt:     {ArgX, ArgY},
	sim.MoveStart:   {ArgValue},
	sim.MoveStop:    nil,
	sim.StrafeStart: {ArgValue},
	sim.StrafeStop:  nil,
	sim.RotateStart: {ArgValue},
	sim.RotateStop:  nil,
	sim.Fire:        nil,
}

// MaxActionArgs is the most arguments an action has (TestActionCodec
// checks it): decoders bound the values of many events with it.
const MaxActionArgs = 2

// lastAction is the highest action code.
const lastAction = len(actionArgs) - 1

var argNames = [...]string{ArgName: "name", ArgX: "x", ArgY: "y", ArgValue: "value"}

// String returns the argument's name, as decoding errors and
// skirmish-replay dump's JSON spell it.
func (g Arg) String() string {
	if g == 0 || int(g) >= len(argNames) {
		return fmt.Sprintf("arg(%d)", uint8(g))
	}
	return argNames[g]
}

// bounds returns the range of an integer argument, for CheckAction: the
// range ReadArgs checks (it spells the ranges out, which keeps decoding
// fast; TestActionCodec checks that both refuse the same values).
func (g Arg) bounds() (lo, hi int64) {
	if g == ArgValue {
		return math.MinInt32, math.MaxInt32
	}
	return 0, sim.MaxMapSize - 1
}

// Int returns the value of integer argument g in in (0 for ArgName).
func (g Arg) Int(in *sim.Input) int64 {
	switch g {
	case ArgX:
		return int64(in.X)
	case ArgY:
		return int64(in.Y)
	case ArgValue:
		return int64(in.Value)
	}
	return 0
}

// KnownAction reports whether a is an action of the vocabulary.
func KnownAction(a sim.Action) bool { return a >= 1 && int(a) <= lastAction }

// ActionArgs returns the arguments that follow action a, in order: none for
// an action without arguments or an unknown one. The caller must not
// change the slice.
func ActionArgs(a sim.Action) []Arg {
	if !KnownAction(a) {
		return nil
	}
	return actionArgs[a]
}

// AppendAction appends in's action code and its arguments.
func AppendAction(e *mpack.Appender, in *sim.Input) {
	e.Uint(uint64(in.Action))
	for _, g := range ActionArgs(in.Action) {
		switch g {
		case ArgName:
			e.Str(in.Name)
		case ArgX:
			e.Int(int64(in.X))
		case ArgY:
			e.Int(int64(in.Y))
		case ArgValue:
			e.Int(int64(in.Value))
		}
	}
}

// ReadAction reads an action code, which must be a known action.
func ReadAction(r *mpack.Reader) sim.Action {
	return sim.Action(r.Int("action", 1, int64(lastAction)))
}

// ReadArgs reads the arguments of in.Action into in, each checked against
// its range. The caller has checked that they are there (the length of the
// enclosing array).
func ReadArgs(r *mpack.Reader, in *sim.Input) {
	for _, g := range ActionArgs(in.Action) {
		switch g {
		case ArgName:
			in.Name = r.Str("name", sim.MaxNameLen)
		case ArgX:
			in.X = int32(r.Int("x", 0, sim.MaxMapSize-1))
		case ArgY:
			in.Y = int32(r.Int("y", 0, sim.MaxMapSize-1))
		case ArgValue:
			in.Value = int32(r.Int("value", math.MinInt32, math.MaxInt32))
		}
	}
}

// CheckAction reports whether in's action and arguments can be encoded, as
// the decoders check them when they arrive: for encoders whose inputs come
// from code rather than from a decoder (replay.Writer). The error wraps
// ErrInvalidAction. Player is not checked.
func CheckAction(in *sim.Input) error {
	if !KnownAction(in.Action) {
		return fmt.Errorf("%w: code %d", ErrInvalidAction, in.Action)
	}
	for _, g := range actionArgs[in.Action] {
		if g == ArgName {
			if len(in.Name) > sim.MaxNameLen {
				return fmt.Errorf("%w: %s: name of %d bytes, at most %d", ErrInvalidAction, in.Action, len(in.Name), sim.MaxNameLen)
			}
			continue
		}
		if lo, hi := g.bounds(); g.Int(in) < lo || g.Int(in) > hi {
			return fmt.Errorf("%w: %s: %s %d outside %d..%d", ErrInvalidAction, in.Action, g, g.Int(in), lo, hi)
		}
	}
	return nil
}
