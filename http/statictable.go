package http

// staticTable holds a method's patterns without wildcards by their path:
// a static route is found with one probe, not a walk. It is an
// open-addressed table with a cheap hash (the path's length and its
// first and last eight bytes), because most lookups are misses - every
// request for a route with wildcards asks it first - and a miss should
// cost a few loads, not a hash of the whole path as a Go map's does.
// Built at registration; read-only while serving.
type staticTable struct {
	slots []staticSlot // len is a power of two, at most half full
	n     int
}

type staticSlot struct {
	hash uint32
	path string
	rte  *route
}

// staticHash mixes the length and the first and last eight bytes of path
// (routes differ mostly at their ends: /user/keys, /user/repos).
func staticHash(path string) uint32 {
	var a, b uint64
	if len(path) >= 8 {
		a, b = le64(path), le64(path[len(path)-8:])
	} else {
		for i := 0; i < len(path); i++ {
			a = a<<8 | uint64(path[i])
		}
	}
	h := (a^uint64(len(path)))*0x9e3779b97f4a7c15 ^ b*0xc2b2ae3d27d4eb4f
	return uint32(h>>32) ^ uint32(h)
}

// le64 reads s's first eight bytes (the compiler makes it one load).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// find returns the route whose path is path, or nil.
func (t *staticTable) find(path string) *route {
	if t.n == 0 {
		return nil
	}
	h := staticHash(path)
	mask := uint32(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.rte == nil {
			return nil
		}
		if s.hash == h && s.path == path {
			return s.rte
		}
	}
}

// add puts rte under path (not there yet: conflicting patterns are refused
// before they reach the tree).
func (t *staticTable) add(path string, rte *route) {
	if 2*(t.n+1) > len(t.slots) {
		old := t.slots
		t.slots = make([]staticSlot, max(8, 2*len(old)))
		t.n = 0
		for _, s := range old {
			if s.rte != nil {
				t.add(s.path, s.rte)
			}
		}
	}
	h := staticHash(path)
	mask := uint32(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].rte != nil {
		i = (i + 1) & mask
	}
	t.slots[i] = staticSlot{hash: h, path: path, rte: rte}
	t.n++
}
