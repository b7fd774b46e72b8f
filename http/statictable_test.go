package http

import (
	"fmt"
	"testing"
)

// TestStaticTable: every path added is found, through the table's growth
// and colliding probes, and paths not added (prefixes, extensions, other
// lengths) are not.
func TestStaticTable(t *testing.T) {
	var tab staticTable
	if tab.find("/") != nil {
		t.Fatal("empty table found /")
	}
	routes := map[string]*route{}
	for i := range 1000 {
		p := fmt.Sprintf("/r%d/x", i)
		if i%3 == 0 {
			p = fmt.Sprintf("/%d", i) // short: under eight bytes
		}
		rte := &route{}
		routes[p] = rte
		tab.add(p, rte)
		if tab.find(p) != rte {
			t.Fatalf("%s not found right after adding it", p)
		}
	}
	for p, rte := range routes {
		if got := tab.find(p); got != rte {
			t.Fatalf("find(%q) = %p, want %p", p, got, rte)
		}
		for _, miss := range []string{p + "/", p[:len(p)-1], p + "x", "/q" + p[2:]} {
			if routes[miss] == nil && tab.find(miss) != nil {
				t.Fatalf("find(%q) found a route", miss)
			}
		}
	}
	if 2*tab.n > len(tab.slots) {
		t.Fatalf("%d routes in %d slots: more than half full", tab.n, len(tab.slots))
	}
}
