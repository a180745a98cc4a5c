package scene

import "github.com/skirmishgg/skirmish/sim"

// Kill is a line of the kill feed.
type Kill struct {
	Tick     uint32 // when the victim died
	Killer   string // empty when the killer is unknown (left the match)
	Victim   string
	KillerID sim.PlayerID
	VictimID sim.PlayerID
}

// Feed is the kill feed: the latest kills, found by comparing consecutive
// confirmed worlds. The simulation keeps no record of who killed whom, only
// counters, so a death is paired with a player whose kill count rose in the
// same tick, preferring the one whose projectile was nearest the victim.
// The zero value is ready to use.
type Feed struct {
	kills []Kill
}

// FeedLen is the most kills the feed holds.
const FeedLen = 6

// FeedSeconds is how long a kill stays in the feed.
const FeedSeconds = 6

// Observe adds the kills of the tick that turned prev into cur, and
// returns them: a slice of the feed, valid until the next call.
func (f *Feed) Observe(prev, cur *sim.World) []Kill {
	before := len(f.kills)
	f.kills = Kills(prev, cur, f.kills)
	added := len(f.kills) - before
	if n := len(f.kills); n > FeedLen {
		f.kills = append(f.kills[:0], f.kills[n-FeedLen:]...)
	}
	return f.kills[len(f.kills)-min(added, len(f.kills)):]
}

// Kills appends to dst the kills of the tick that turned prev into cur
// (none unless cur is the tick after prev): each player whose death count
// rose, paired with a player whose kill count rose in the same tick,
// preferring the one whose projectile was nearest the victim.
func Kills(prev, cur *sim.World, dst []Kill) []Kill {
	if prev == nil || cur.Tick != prev.Tick+1 {
		return dst
	}
	type credit struct {
		id sim.PlayerID
		n  int32
	}
	var credits []credit
	var victims []*sim.Player
	for i := range cur.Players {
		q := &cur.Players[i]
		p := prev.Player(q.ID)
		if p == nil {
			continue
		}
		if q.Kills > p.Kills {
			credits = append(credits, credit{q.ID, q.Kills - p.Kills})
		}
		if q.Deaths > p.Deaths {
			victims = append(victims, q)
		}
	}
	for _, v := range victims {
		best, bestD := -1, int64(-1)
		for i, c := range credits {
			if c.n == 0 {
				continue
			}
			d := nearestShot(prev, c.id, v)
			if best < 0 || d < bestD {
				best, bestD = i, d
			}
		}
		k := Kill{Tick: cur.Tick, Victim: v.Name, VictimID: v.ID}
		if best >= 0 {
			credits[best].n--
			k.KillerID = credits[best].id
			k.Killer = cur.Player(k.KillerID).Name
		}
		dst = append(dst, k)
	}
	return dst
}

// nearestShot returns the squared distance from v to the nearest projectile
// of owner in w, or the largest distance if there is none.
func nearestShot(w *sim.World, owner sim.PlayerID, v *sim.Player) int64 {
	best := int64(1) << 62
	for i := range w.Projectiles {
		p := &w.Projectiles[i]
		if p.Owner != owner {
			continue
		}
		dx, dy := int64(p.X-v.X), int64(p.Y-v.Y)
		best = min(best, dx*dx+dy*dy)
	}
	return best
}

// Recent appends to dst the kills up to tick now and no older than
// FeedSeconds, oldest first.
func (f *Feed) Recent(now float64, tickRate int32, dst []Kill) []Kill {
	for _, k := range f.kills {
		age := now - float64(k.Tick)
		if age >= 0 && age <= FeedSeconds*float64(tickRate) {
			dst = append(dst, k)
		}
	}
	return dst
}

// Reset empties the feed.
func (f *Feed) Reset() { f.kills = f.kills[:0] }
