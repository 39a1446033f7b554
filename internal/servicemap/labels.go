package servicemap

import (
	"slices"
	"strconv"
	"strings"
)

// labelTable interns the services and tags of the indexed facilities, so a
// point carries them in four bytes: the index of its set of labels. A label
// is a service or a tag value with its kind; a set is the sorted IDs of a
// facility's labels. Facilities share few distinct sets (a chain's shops,
// the generated kinds of a city), so the table stays small; sets and labels
// no facility uses any more are kept until the next full load.
type labelTable struct {
	ids    map[string]uint32 // kind byte + value → label ID
	sets   [][]uint32        // set index → sorted label IDs; sets[0] is empty
	setIdx map[string]uint32 // sets by their key
}

const (
	kindService = 's'
	kindTag     = 't'
)

func newLabelTable() *labelTable {
	return &labelTable{ids: map[string]uint32{}, sets: [][]uint32{nil}, setIdx: map[string]uint32{"": 0}}
}

func labelKey(kind byte, v string) string { return string(kind) + v }

// set returns the index of the set of services and tags, adding it.
func (t *labelTable) set(services, tags []string) uint32 {
	if len(services) == 0 && len(tags) == 0 {
		return 0
	}
	ids := make([]uint32, 0, len(services)+len(tags))
	add := func(kind byte, vs []string) {
		for _, v := range vs {
			k := labelKey(kind, v)
			id, ok := t.ids[k]
			if !ok {
				id = uint32(len(t.ids))
				t.ids[k] = id
			}
			ids = append(ids, id)
		}
	}
	add(kindService, services)
	add(kindTag, tags)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	var b strings.Builder
	for _, id := range ids {
		b.WriteString(strconv.FormatUint(uint64(id), 36))
		b.WriteByte(',')
	}
	key := b.String()
	if i, ok := t.setIdx[key]; ok {
		return i
	}
	i := uint32(len(t.sets))
	t.sets = append(t.sets, ids)
	t.setIdx[key] = i
	return i
}

// labelMatch answers, for one query, whether a set holds any of the wanted
// labels: each set is looked at once, however many points share it.
type labelMatch struct {
	t      *labelTable
	want   []uint32 // sorted label IDs; a value no facility has is left out
	memo   []int8   // per set: 0 not yet known, 1 yes, -1 no
	active bool
}

// matcher returns the any-of test for services and tags (either matching
// suffices); with neither, every set matches. Callers hold the index's lock.
func (t *labelTable) matcher(services, tags []string) *labelMatch {
	m := &labelMatch{t: t, active: len(services) > 0 || len(tags) > 0}
	if !m.active {
		return m
	}
	look := func(kind byte, vs []string) {
		for _, v := range vs {
			if id, ok := t.ids[labelKey(kind, v)]; ok {
				m.want = append(m.want, id)
			}
		}
	}
	look(kindService, services)
	look(kindTag, tags)
	slices.Sort(m.want)
	m.memo = make([]int8, len(t.sets))
	return m
}

func (m *labelMatch) has(set uint32) bool {
	if !m.active {
		return true
	}
	if len(m.want) == 0 || set == 0 {
		return false
	}
	switch m.memo[set] {
	case 1:
		return true
	case -1:
		return false
	}
	ok := false
	for _, id := range m.t.sets[set] {
		if _, found := slices.BinarySearch(m.want, id); found {
			ok = true
			break
		}
	}
	m.memo[set] = -1
	if ok {
		m.memo[set] = 1
	}
	return ok
}
