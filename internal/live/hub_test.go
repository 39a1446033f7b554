package live

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"lifecircle/internal/changewake"
)

// memLog is a Source in memory.
type memLog struct {
	mu  sync.Mutex
	evs []Event
}

func (m *memLog) Name() string { return "mem" }

func (m *memLog) Read(_ context.Context, after, limit int) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Event
	for _, e := range m.evs {
		if e.Seq > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

func (m *memLog) Latest(context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.evs) == 0 {
		return 0, nil
	}
	return m.evs[len(m.evs)-1].Seq, nil
}

func (m *memLog) append(seq int) {
	m.mu.Lock()
	m.evs = append(m.evs, Event{Seq: seq, Entity: "Facility", ID: seq})
	m.mu.Unlock()
}

func newTestHub(t *testing.T, log *memLog, opts Options) (*Hub, *changewake.Wake) {
	w := changewake.New()
	h := NewHub(w, opts)
	h.Add(log)
	h.Start()
	t.Cleanup(h.Close)
	return h, w
}

func recv(t *testing.T, s *Subscription) Event {
	t.Helper()
	select {
	case e, ok := <-s.Events():
		if !ok {
			t.Fatalf("subscription ended: %v", s.Err())
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return Event{}
}

// A subscription with a position replays the log after it, then joins the
// live fan-out with nothing lost or repeated.
func TestReplayThenLive(t *testing.T) {
	log := &memLog{}
	for i := 1; i <= 5; i++ {
		log.append(i)
	}
	h, w := newTestHub(t, log, Options{Page: 2})
	for h.Head("mem") != 5 {
		time.Sleep(5 * time.Millisecond)
	}
	after := 2
	s, err := h.Subscribe(context.Background(), Request{Source: "mem", After: &after})
	if err != nil {
		t.Fatal(err)
	}
	for want := 3; want <= 5; want++ {
		if e := recv(t, s); e.Seq != want {
			t.Fatalf("got %d, want %d", e.Seq, want)
		}
	}
	log.append(6)
	w.Bump()
	if e := recv(t, s); e.Seq != 6 {
		t.Fatalf("live: got %d, want 6", e.Seq)
	}
}

// A subscriber that does not read is dropped with ErrSlow once its buffer
// is full; the others go on.
func TestSlowSubscriberIsDropped(t *testing.T) {
	log := &memLog{}
	h, w := newTestHub(t, log, Options{Buffer: 3})
	time.Sleep(50 * time.Millisecond)
	slow, _ := h.Subscribe(context.Background(), Request{Source: "mem"})
	fast, _ := h.Subscribe(context.Background(), Request{Source: "mem"})
	for h.Subscribers("mem") != 2 {
		time.Sleep(5 * time.Millisecond)
	}
	got := make(chan int, 100)
	go func() {
		for e := range fast.Events() {
			got <- e.Seq
		}
	}()
	for i := 1; i <= 10; i++ {
		log.append(i)
		w.Bump()
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case <-slow.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the slow subscriber was not dropped")
	}
	if !errors.Is(slow.Err(), ErrSlow) {
		t.Fatalf("err %v", slow.Err())
	}
	if d := DropFor(slow.Err()); d.Code != CloseSlow || d.ErrCode != "SLOW_CONSUMER" {
		t.Fatalf("drop %+v", d)
	}
	for want := 1; want <= 10; want++ {
		select {
		case seq := <-got:
			if seq != want {
				t.Fatalf("fast subscriber got %d, want %d", seq, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("fast subscriber: no event %d", want)
		}
	}
}

// A hole in the sequence holds the entries after it back until it fills
// (a transaction committing late), so they arrive in order.
func TestHoleHoldsLaterEntriesBack(t *testing.T) {
	log := &memLog{}
	h, w := newTestHub(t, log, Options{GapGrace: 2 * time.Second})
	time.Sleep(50 * time.Millisecond)
	s, _ := h.Subscribe(context.Background(), Request{Source: "mem"})
	for h.Subscribers("mem") != 1 {
		time.Sleep(5 * time.Millisecond)
	}
	log.append(2) // 1 is not committed yet
	w.Bump()
	time.Sleep(200 * time.Millisecond)
	log.mu.Lock()
	log.evs = append([]Event{{Seq: 1, Entity: "Facility", ID: 1}}, log.evs...)
	log.mu.Unlock()
	w.Bump()
	if e := recv(t, s); e.Seq != 1 {
		t.Fatalf("got %d first, want 1", e.Seq)
	}
	if e := recv(t, s); e.Seq != 2 {
		t.Fatalf("got %d, want 2", e.Seq)
	}
}

// orderedLog is a memLog whose positions commit in order (InOrder).
type orderedLog struct{ memLog }

func (*orderedLog) InOrder() bool { return true }

// In a log that commits in order, a hole is a rollback or where the IDs
// start: the entries after it are delivered at once, not after GapGrace;
// and a subscription without a position starts after the last entry the
// log has when Subscribe is called, even one its follower has not read.
func TestInOrderLog(t *testing.T) {
	log := &orderedLog{}
	w := changewake.New()
	h := NewHub(w, Options{GapGrace: time.Hour, Poll: time.Hour})
	h.Add(log)
	h.Start()
	t.Cleanup(h.Close)
	first, _ := h.Subscribe(context.Background(), Request{Source: "mem"})
	for h.Subscribers("mem") != 1 {
		time.Sleep(5 * time.Millisecond)
	}
	log.append(1 << 32) // where this table's IDs start
	w.Bump()
	if e := recv(t, first); e.Seq != 1<<32 {
		t.Fatalf("got %d, want %d", e.Seq, 1<<32)
	}
	log.append(1<<32 + 5) // after rolled-back IDs; the follower is not woken
	later, _ := h.Subscribe(context.Background(), Request{Source: "mem"})
	log.append(1<<32 + 6)
	w.Bump()
	if e := recv(t, first); e.Seq != 1<<32+5 {
		t.Fatalf("got %d, want %d", e.Seq, 1<<32+5)
	}
	if e := recv(t, later); e.Seq != 1<<32+6 {
		t.Fatalf("the later subscription got %d first, want %d (it came after %d)", e.Seq, 1<<32+6, 1<<32+5)
	}
}

// A subscription with a key is offered only the entries that carry it
// (and those about its ID, for KeyID); one without a key is offered all.
// The fan-out's work (Offers) counts only the subscriptions of an entry's
// keys: without the index it would be every entry times every
// subscription.
func TestKeyedFanOut(t *testing.T) {
	log := &memLog{}
	h, w := newTestHub(t, log, Options{})
	for h.Head("mem") != 0 {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	sub := func(r Request) *Subscription {
		r.Source = "mem"
		s, err := h.Subscribe(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	team := func(n int) Key { return Key{Name: "team", Value: n} }
	all := sub(Request{})
	team1, team2 := sub(Request{Key: team(1)}), sub(Request{Key: team(2)})
	var others []*Subscription
	for n := 3; n < 20; n++ {
		others = append(others, sub(Request{Key: team(n)}))
	}
	record5 := sub(Request{Key: Key{Name: KeyID, Value: 5}})
	for h.Subscribers("mem") != 21 {
		time.Sleep(5 * time.Millisecond)
	}
	before := h.Offers("mem")
	log.mu.Lock()
	log.evs = append(log.evs,
		Event{Seq: 1, Entity: "Request", ID: 5, Keys: []Key{team(1)}},
		Event{Seq: 2, Entity: "Request", ID: 6, Keys: []Key{team(2), team(2)}}, // a repeated key counts once
		Event{Seq: 3, Entity: "Request", ID: 7, Keys: []Key{team(1), team(2)}},
	)
	log.mu.Unlock()
	w.Bump()
	for _, want := range []int{1, 2, 3} {
		if e := recv(t, all); e.Seq != want {
			t.Fatalf("the subscription without a key got %d, want %d", e.Seq, want)
		}
	}
	for _, want := range []int{1, 3} {
		if e := recv(t, team1); e.Seq != want {
			t.Fatalf("team 1 got %d, want %d", e.Seq, want)
		}
	}
	for _, want := range []int{2, 3} {
		if e := recv(t, team2); e.Seq != want {
			t.Fatalf("team 2 got %d, want %d", e.Seq, want)
		}
	}
	if e := recv(t, record5); e.Seq != 1 {
		t.Fatalf("record 5 got %d, want 1", e.Seq)
	}
	for h.Head("mem") != 3 {
		time.Sleep(5 * time.Millisecond)
	}
	// 1: all, team 1, record 5; 2: all, team 2; 3: all, team 1, team 2.
	if got := h.Offers("mem") - before; got != 8 {
		t.Errorf("3 entries were offered %d times, want 8 (21 subscriptions each without the index: 63)", got)
	}
	for _, s := range append(others, record5) {
		select {
		case e := <-s.Events():
			t.Errorf("a subscription of another key got %+v", e)
		default:
		}
	}
	// A replay from a position filters by key too.
	after := 0
	replay := sub(Request{Key: team(2), After: &after})
	for _, want := range []int{2, 3} {
		if e := recv(t, replay); e.Seq != want {
			t.Fatalf("replay for team 2 got %d, want %d", e.Seq, want)
		}
	}
}
