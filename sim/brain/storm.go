package brain

import "github.com/skirmishgg/skirmish/sim"

// newStorm returns a brain that plays like newRandom and also fires on every
// tick the weapon allows: as many shots in flight as the rules permit, to
// measure how a client draws a crowded match.
func newStorm(seed uint64, rate float64) Brain { return stormBrain{newRandom(seed, rate)} }

type stormBrain struct{ random Brain }

func (s stormBrain) Think(w *sim.World, me sim.PlayerID, dst []sim.Input) []sim.Input {
	n := len(dst)
	dst = s.random.Think(w, me, dst)
	for _, in := range dst[n:] {
		if in.Action == sim.Fire || in.Action == sim.SpawnAt {
			return dst // fired already, or not alive yet
		}
	}
	// The random brain's other commands (motion) do not change whether the
	// weapon may fire, so w still judges the shot.
	if fire := (sim.Input{Player: me, Action: sim.Fire}); sim.Validate(w, fire) == nil {
		dst = append(dst, fire)
	}
	return dst
}
