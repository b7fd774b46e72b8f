package reactor

// channelTable finds a Channel by fd. Fds are small and dense, so it is an
// array indexed by fd - but in fixed pages of channelPage entries rather
// than one slice: a growing slice would be copied at every doubling and
// leave its old arrays behind as garbage, which at tens of thousands of
// connections is a measurable share of a loop's memory. A lookup is two
// indexed loads.
type channelTable struct {
	pages [][]*Channel
}

const channelPage = 1024

func (t *channelTable) get(fd int) *Channel {
	if fd < 0 {
		return nil
	}
	p := fd / channelPage
	if p >= len(t.pages) || t.pages[p] == nil {
		return nil
	}
	return t.pages[p][fd%channelPage]
}

func (t *channelTable) set(fd int, c *Channel) {
	p := fd / channelPage
	for p >= len(t.pages) {
		t.pages = append(t.pages, nil)
	}
	if t.pages[p] == nil {
		if c == nil {
			return
		}
		t.pages[p] = make([]*Channel, channelPage)
	}
	t.pages[p][fd%channelPage] = c
}
