package keys

// Set is a set of keys: those held down at one moment. The zero Set is
// empty.
type Set [2]uint64

// Has reports whether k is in the set.
func (s Set) Has(k Key) bool { return k != None && s[k/64]&(1<<(k%64)) != 0 }

// With returns the set with k in it (down) or not.
func (s Set) With(k Key, down bool) Set {
	if k == None {
		return s
	}
	if down {
		s[k/64] |= 1 << (k % 64)
	} else {
		s[k/64] &^= 1 << (k % 64)
	}
	return s
}

// Union returns the keys in s or o.
func (s Set) Union(o Set) Set { return Set{s[0] | o[0], s[1] | o[1]} }

// Minus returns the keys in s and not in o: with o the keys held a frame
// before, those pressed since.
func (s Set) Minus(o Set) Set { return Set{s[0] &^ o[0], s[1] &^ o[1]} }

// Empty reports whether the set has no key.
func (s Set) Empty() bool { return s[0] == 0 && s[1] == 0 }

// Keys appends the keys of the set to dst, in order.
func (s Set) Keys(dst []Key) []Key {
	for k := Key(1); k < Count; k++ {
		if s.Has(k) {
			dst = append(dst, k)
		}
	}
	return dst
}
