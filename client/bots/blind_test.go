package bots

import (
	"testing"

	"github.com/skirmishgg/skirmish/assets"
	"github.com/skirmishgg/skirmish/protocol"
	"github.com/skirmishgg/skirmish/sim"
)

// TestBlindBrain plays a blind brain against a stand-in for the server's
// rules (alive or dead, a fire cooldown, a respawn delay, deaths the brain
// is not told of) for 100 seconds at 60 Hz and 20 commands a second: it keeps its rate, never fires
// before its last shot's cooldown is over or while a shot is unanswered,
// learns of each death from one refused shot, and spawns again.
func TestBlindBrain(t *testing.T) {
	t.Parallel()
	src, err := assets.MapSource("arena")
	if err != nil {
		t.Fatal(err)
	}
	m, err := sim.ParseMap("arena", src)
	if err != nil {
		t.Fatal(err)
	}
	const rate, hz, seconds = 20, 60, 100 // a high rate: shots come as soon as the cooldown allows
	b := newBlindBrain(42, rate, hz, m.Spawns())
	cooldown := uint32(sim.FireCooldownMs * hz / 1000)
	respawn := uint32(sim.RespawnDelayMs * hz / 1000)

	type sentCmd struct {
		seq uint32
		in  sim.Input
	}
	var (
		seq                  uint32
		waiting              []sentCmd // answered at the next tick, as the server would
		alive                bool
		diedAt, lastFire     uint32
		deaths, deadRejects  int
		spawns, fires, total int
		fireWaiting          bool
	)
	isSpawn := map[sim.Point]bool{}
	for _, p := range m.Spawns() {
		isSpawn[p] = true
	}
	for tick := uint32(1); tick <= seconds*hz; tick++ {
		// The server's tick: the commands sent after the last frame.
		for _, c := range waiting {
			var reject sim.Reason
			switch c.in.Action {
			case sim.SpawnAt:
				switch {
				case alive:
					reject = sim.ReasonAlive
				case tick-diedAt < respawn && deaths > 0:
					reject = sim.ReasonRespawnDelay
				case !isSpawn[sim.Point{X: c.in.X, Y: c.in.Y}]:
					t.Fatalf("tick %d: spawn at (%d,%d), not a spawn point", tick, c.in.X, c.in.Y)
				default:
					alive = true
					spawns++
				}
			case sim.Fire:
				fireWaiting = false
				switch {
				case !alive:
					reject = sim.ReasonDead
					deadRejects++
				case lastFire != 0 && tick-lastFire < cooldown:
					t.Fatalf("tick %d: a shot %d ticks after the last, cooldown %d", tick, tick-lastFire, cooldown)
				default:
					lastFire = tick
					fires++
				}
			}
			if reject != 0 {
				b.rejected(c.seq, protocol.Reason(reject))
			} else {
				b.event(tick, c.in)
			}
		}
		waiting = waiting[:0]
		if alive && tick%400 == 0 { // shot by someone: the brain is not told
			alive, diedAt = false, tick
			deaths++
		}
		for _, in := range b.think(tick, nil) {
			seq++
			total++
			b.sent(seq, in)
			if in.Action == sim.Fire {
				if fireWaiting {
					t.Fatalf("tick %d: a shot while the last is unanswered", tick)
				}
				fireWaiting = true
			}
			waiting = append(waiting, sentCmd{seq, in})
		}
	}
	if perSecond := float64(total) / seconds; perSecond < 0.8*rate || perSecond > 1.2*rate {
		t.Errorf("%.2f commands a second, want about %d", perSecond, rate)
	}
	if deaths < 10 || spawns < deaths {
		t.Errorf("%d deaths, %d spawns: want a spawn after each death", deaths, spawns)
	}
	if deadRejects > deaths {
		t.Errorf("%d shots refused as dead for %d deaths: want at most one each", deadRejects, deaths)
	}
	if fires == 0 {
		t.Error("never fired")
	}
}
