package servicemap

import "testing"

// A facility's services and tags are interned as one set; a query matches a
// set holding any wanted service or any wanted tag, never a service value
// asked for as a tag.
func TestLabelTable(t *testing.T) {
	tb := newLabelTable()
	empty := tb.set(nil, nil)
	canteen := tb.set([]string{"老年助餐", "上门送餐"}, []string{"老年食堂"})
	again := tb.set([]string{"上门送餐", "老年助餐", "老年助餐"}, []string{"老年食堂"})
	room := tb.set([]string{"绘画"}, []string{"一老一幼"})
	if empty != 0 || canteen != again || canteen == room {
		t.Fatalf("sets: empty %d, canteen %d and %d, room %d", empty, canteen, again, room)
	}
	cases := []struct {
		services, tags []string
		want           map[uint32]bool
	}{
		{nil, nil, map[uint32]bool{empty: true, canteen: true, room: true}},
		{[]string{"老年助餐"}, nil, map[uint32]bool{canteen: true}},
		{nil, []string{"一老一幼"}, map[uint32]bool{room: true}},
		{[]string{"老年助餐"}, []string{"一老一幼"}, map[uint32]bool{canteen: true, room: true}},
		{[]string{"一老一幼"}, []string{"老年助餐"}, map[uint32]bool{}},
		{[]string{"没有"}, nil, map[uint32]bool{}},
	}
	for _, c := range cases {
		m := tb.matcher(c.services, c.tags)
		for _, set := range []uint32{empty, canteen, room} {
			for range 2 { // the second time from the memo
				if got := m.has(set); got != c.want[set] {
					t.Errorf("services %v tags %v: set %d matches %v, want %v", c.services, c.tags, set, got, c.want[set])
				}
			}
		}
	}
}
