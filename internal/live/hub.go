// Package live delivers GraphQL subscriptions: a Hub follows event logs
// (the change log of public records, and any other Source plugged in) with
// one follower per source and per process, and fans each event out to the
// subscriptions of this process over bounded buffers.
//
// The log is the truth: a follower wakes on a changewake.Wake (a write
// through this process, PostgreSQL NOTIFY from other processes, a bounded
// poll) and reads the entries after the last one it delivered. A
// subscription that gives a position (a cursor) first replays the entries
// after it from the log, then joins the live fan-out at the exact entry
// where the replay ended, so nothing is lost or repeated across a restart
// or a reconnection.
//
// A subscriber that does not keep up is dropped (ErrSlow) rather than
// buffered without bound; the transports turn that into a close code.
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"lifecircle/internal/changewake"
)

// Event is one entry of a source's log.
type Event struct {
	// Seq is the entry's position, increasing within its source (the log's
	// ID); a subscriber resumes after it.
	Seq int
	// Entity is the record's type (e.g. "Facility") and ID its ID.
	Entity string
	ID     int
	// Op is what happened: "create", "update" or "delete" for the change
	// log; a source may use its own words.
	Op string
	At time.Time
	// Data is whatever else the source wants its resolvers to see (nil for
	// the change log). Never personal data that a resolver would not load
	// again through the privacy rules.
	Data any
	// Keys are the entry's values by which subscriptions are indexed
	// besides its ID (Request.Key): e.g. the community a request event is
	// about. Distinct names; never KeyID (the ID is always a key).
	Keys []Key
}

// Key is a value of an entry that subscriptions can be indexed by: a
// subscription with Request.Key set is offered only the entries that carry
// that key, so an entry costs nothing to the subscriptions of other keys
// (5,000 residents each following their own request, the volunteers of
// other communities).
type Key struct {
	Name  string
	Value int
}

// KeyID names an entry's ID (Event.ID) as a Key.
const KeyID = "id"

// Has reports whether e carries k.
func (e *Event) Has(k Key) bool {
	if k.Name == KeyID {
		return e.ID == k.Value
	}
	for _, x := range e.Keys {
		if x == k {
			return true
		}
	}
	return false
}

// Source is a log the hub follows.
type Source interface {
	// Name identifies the source in Subscribe (e.g. "changes").
	Name() string
	// Read returns up to limit entries after the position after, oldest
	// first. It reads with privacy bypassed (the hub is no viewer): the
	// resolvers load each record again for their subscriber.
	Read(ctx context.Context, after, limit int) ([]Event, error)
	// Latest is the position of the last entry (0: none).
	Latest(ctx context.Context) (int, error)
}

// InOrder is implemented by a source whose positions become visible in
// increasing order (its appenders are serialised, as the private logs'
// are by their EventLock): a subscription to it without a position
// starts after the log's last entry as the database has it when the
// subscription starts, the same "now" on every server, rather than after
// the last entry this process's follower has seen (which may lag behind a
// write committed moments before through another server). A log with
// holes (the change log) cannot do this: an entry committed later with a
// smaller position would be skipped.
type InOrder interface {
	InOrder() bool
}

// Errors a subscription ends with.
var (
	// ErrSlow: the subscriber's buffer was full (it read too slowly).
	ErrSlow = errors.New("live: subscriber too slow: its buffer of events was full")
	// ErrClosed: the hub stopped (the server shuts down).
	ErrClosed = errors.New("live: server shutting down")
	// ErrUnknownSource: no source of that name was added.
	ErrUnknownSource = errors.New("live: unknown event source")
)

// Options tune a Hub.
type Options struct {
	// Buffer is each subscription's buffer of undelivered events
	// (default 256): a subscriber further behind is dropped with ErrSlow.
	Buffer int
	// Poll is how often a follower reads its log when nothing woke it
	// (default 2 s): the safety net under the wake.
	Poll time.Duration
	// GapGrace is how long a follower waits for a hole in the log's
	// sequence to fill (a transaction that took its ID but has not yet
	// committed) before it gives the hole up as a rollback (default 3 s).
	// Until then, the entries after the hole wait, so they are delivered
	// in the order of their positions and a cursor never skips one.
	GapGrace time.Duration
	// Charge, when set, takes the cost of one delivered event from the
	// subscriber's budget (ctx is the subscriber's); an error (a *Drop)
	// ends the connection.
	Charge func(ctx context.Context) error
	// Page is how many entries a follower or a replay reads at a time
	// (default 200).
	Page int
}

// Hub fans the entries of its sources out to subscriptions.
type Hub struct {
	opts    Options
	wake    *changewake.Wake
	sources map[string]*follower
	ctx     context.Context
	cancel  context.CancelFunc
	started bool
	mu      sync.Mutex
}

// NewHub returns a hub woken by wake (nil: only the poll wakes it).
func NewHub(wake *changewake.Wake, opts Options) *Hub {
	if opts.Buffer <= 0 {
		opts.Buffer = 256
	}
	if opts.Poll <= 0 {
		opts.Poll = 2 * time.Second
	}
	if opts.GapGrace <= 0 {
		opts.GapGrace = 3 * time.Second
	}
	if opts.Page <= 0 {
		opts.Page = 200
	}
	ctx, cancel := context.WithCancel(changewake.Background(context.Background()))
	return &Hub{opts: opts, wake: wake, sources: map[string]*follower{}, ctx: ctx, cancel: cancel}
}

// Add plugs a source in. Before Start, a second source of the same name
// replaces the first; after Start, a source of a name already followed is
// ignored, and a new one is followed at once.
func (h *Hub) Add(src Source) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.sources[src.Name()]; ok && h.started {
		return
	}
	f := &follower{hub: h, src: src, inbox: map[*Subscription]sink{}, anyKey: map[*Subscription]struct{}{},
		byKey: map[Key]map[*Subscription]struct{}{}, ready: make(chan struct{})}
	h.sources[src.Name()] = f
	if h.started {
		go f.run(h.ctx)
	}
}

// Has reports whether a source of that name was added.
func (h *Hub) Has(name string) bool { return h.follower(name) != nil }

// Start starts each source's follower: it reads the source's last
// position (retrying until it can), and a subscription without a position
// receives what comes after that.
func (h *Hub) Start() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started {
		return
	}
	for _, f := range h.sources {
		go f.run(h.ctx)
	}
	h.started = true
}

// SetCharge sets Options.Charge.
func (h *Hub) SetCharge(charge func(ctx context.Context) error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.opts.Charge = charge
}

// Close stops the followers and ends every subscription with ErrClosed.
func (h *Hub) Close() {
	h.cancel()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.sources {
		f.mu.Lock()
		for s := range f.inbox {
			s.end(ErrClosed)
		}
		f.inbox = map[*Subscription]sink{}
		f.anyKey, f.byKey = map[*Subscription]struct{}{}, map[Key]map[*Subscription]struct{}{}
		f.mu.Unlock()
	}
}

// Head is the position of the last entry of source delivered live.
func (h *Hub) Head(source string) int {
	f := h.follower(source)
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.head
}

func (h *Hub) follower(name string) *follower {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sources[name]
}

// Request asks for a subscription.
type Request struct {
	// Source names the log (e.g. ChangesSource).
	Source string
	// After, when set, is the position to resume after: the entries after
	// it are replayed from the log first. Nil: from now on.
	After *int
	// Match selects the entries this subscriber is sent (nil: all). It runs
	// in the follower for every entry, so it must be cheap and must not
	// block: decide what needs the database at delivery instead.
	Match func(Event) bool
	// Key, when its Name is set, keeps only the entries that carry it
	// (Event.Has; Key{KeyID, id} for the entries about one record),
	// before Match: the follower indexes subscriptions by their key, so an
	// entry is offered only to the subscriptions of its keys and to those
	// without one.
	Key Key
	// Fresh has Stream re-check the connection's credential before every
	// delivery, not trusting a recent verdict (see Fresh): for events that
	// carry personal data, so a revoked token or a deactivated person
	// receives none after the change commits.
	Fresh bool
}

// Subscription is one subscriber's stream of events.
type Subscription struct {
	ch   chan Event
	done chan struct{}
	once sync.Once
	err  error
	f    *follower
	last int // position of the last entry sent on ch (the pump's own)
}

// Events is the subscriber's stream; it is closed when the subscription
// ends (see Err).
func (s *Subscription) Events() <-chan Event { return s.ch }

// Done is closed when the subscription ended on the hub's side (slow,
// closed); Err then says why.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Err is why the subscription ended: ErrSlow, ErrClosed, a read error, or
// nil when the subscriber's context ended.
func (s *Subscription) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

func (s *Subscription) end(err error) {
	s.once.Do(func() {
		s.err = err
		close(s.done)
	})
}

// Subscribe starts a subscription that lasts until ctx ends or the hub
// drops it. Events arrive on Events(), in the order of their positions,
// each once; a replay from the log comes first when r.After is set.
func (h *Hub) Subscribe(ctx context.Context, r Request) (*Subscription, error) {
	f := h.follower(r.Source)
	if f == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownSource, r.Source)
	}
	if h.ctx.Err() != nil {
		return nil, ErrClosed
	}
	if o, ok := f.src.(InOrder); ok && o.InOrder() && r.After == nil {
		// "Now" as the database has it when Subscribe is called, not as
		// this follower has seen it: the subscription resumes after it.
		latest, err := f.src.Latest(ctx)
		if err != nil {
			return nil, fmt.Errorf("live: last position of the log %q: %w", r.Source, err)
		}
		r.After = &latest
	}
	key := r.Key
	match := r.Match
	if match == nil {
		match = func(Event) bool { return true }
	}
	if key.Name != "" {
		refine := match
		match = func(e Event) bool { return e.Has(key) && refine(e) }
	}
	// in is what the follower fills: bounded; out is what the subscriber
	// reads, fed by the pump (replay, then in).
	// Pointers: the buffer is allocated whole with the subscription, and
	// the follower shares one entry between its subscribers.
	in := make(chan *Event, h.opts.Buffer)
	s := &Subscription{ch: make(chan Event), done: make(chan struct{}), f: f}
	go s.pump(ctx, h, r, sink{in: in, match: match, key: key})
	return s, nil
}

// pump replays from the log, joins the live fan-out, and forwards.
func (s *Subscription) pump(ctx context.Context, h *Hub, r Request, k sink) {
	f, match, in := s.f, k.match, k.in
	defer close(s.ch)
	send := func(e Event) bool {
		select {
		case s.ch <- e:
			s.last = e.Seq
			return true
		case <-ctx.Done():
			return false
		case <-s.done:
			return false
		}
	}
	select {
	case <-f.ready:
	case <-ctx.Done():
		return
	case <-s.done:
		return
	}
	pos := -1 // -1: from now on
	if r.After != nil {
		pos = *r.After
	}
	// Replay until the position reaches the follower's head, then join
	// under the follower's lock, so the first live entry is the one right
	// after the last replayed.
	for {
		f.mu.Lock()
		if pos < 0 || pos >= f.head {
			if pos < 0 {
				pos = f.head
			}
			s.last = pos
			f.join(s, k)
			f.mu.Unlock()
			break
		}
		head := f.head
		f.mu.Unlock()
		evs, err := f.src.Read(ctx, pos, h.opts.Page)
		if err != nil {
			if ctx.Err() == nil {
				s.end(fmt.Errorf("live: replay: %w", err))
			}
			return
		}
		if len(evs) == 0 {
			pos = head
			continue
		}
		for _, e := range evs {
			if e.Seq > head {
				pos = head // the follower delivers the rest live
				break
			}
			pos = e.Seq
			if match(e) && !send(e) {
				return
			}
		}
	}
	defer func() {
		f.mu.Lock()
		f.leave(s)
		f.mu.Unlock()
	}()
	for {
		select {
		case ep := <-in:
			e := *ep
			if e.Seq <= s.last {
				continue // a cursor ahead of this process's follower
			}
			if !send(e) {
				return
			}
		case <-ctx.Done():
			return
		case <-s.done:
			return
		}
	}
}

type sink struct {
	in    chan *Event
	match func(Event) bool
	key   Key // Request.Key; Name "": none
}

// follower reads one source and fans out.
type follower struct {
	hub   *Hub
	src   Source
	mu    sync.Mutex
	head  int
	ready chan struct{} // closed once head is known
	inbox map[*Subscription]sink
	// The subscriptions of inbox by their key: those with one (byKey),
	// the others (anyKey).
	anyKey map[*Subscription]struct{}
	byKey  map[Key]map[*Subscription]struct{}
	// offers counts the (entry, subscription) pairs the fan-out
	// considered (see Hub.Offers).
	offers int64
	// hole is the first missing position after head, and since when it
	// has been missing.
	holeSince time.Time
}

func (f *follower) run(ctx context.Context) {
	for {
		head, err := f.src.Latest(ctx)
		if err == nil {
			f.mu.Lock()
			f.head = head
			f.mu.Unlock()
			close(f.ready)
			break
		}
		if ctx.Err() != nil {
			return
		}
		slog.Warn("live: last position of the log", "source", f.src.Name(), "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(f.hub.opts.Poll):
		}
	}
	t := time.NewTicker(f.hub.opts.Poll)
	defer t.Stop()
	var woken <-chan struct{}
	var wakeDone <-chan struct{}
	for {
		if f.hub.wake != nil {
			woken = f.hub.wake.Changed()
			wakeDone = f.hub.wake.Done()
		}
		wait := f.read(ctx)
		var retry <-chan time.Time
		if wait > 0 {
			retry = time.After(wait)
		}
		select {
		case <-ctx.Done():
			return
		case <-wakeDone:
			return
		case <-woken:
		case <-t.C:
		case <-retry:
		}
	}
}

// read delivers the entries after head; it returns how soon to look again
// when it stopped at a hole (0: when woken).
func (f *follower) read(ctx context.Context) time.Duration {
	for {
		f.mu.Lock()
		head := f.head
		f.mu.Unlock()
		evs, err := f.src.Read(ctx, head, f.hub.opts.Page)
		if err != nil {
			if ctx.Err() == nil {
				slog.Warn("live: read the log", "source", f.src.Name(), "err", err)
			}
			return f.hub.opts.Poll
		}
		if len(evs) == 0 {
			f.holeSince = time.Time{}
			return 0
		}
		n := 0
		var wait time.Duration
		expect := head + 1
		// In a log whose positions commit in order, a hole is a rollback
		// (or where the log's IDs start), never an entry still to come.
		o, inOrder := f.src.(InOrder)
		inOrder = inOrder && o.InOrder()
		for _, e := range evs {
			if e.Seq != expect && !inOrder {
				// A hole: an entry not committed yet, or rolled back.
				if f.holeSince.IsZero() {
					f.holeSince = time.Now()
				}
				if left := f.hub.opts.GapGrace - time.Since(f.holeSince); left > 0 {
					wait = min(left, 100*time.Millisecond)
					break
				}
			}
			f.holeSince = time.Time{}
			n++
			expect = e.Seq + 1
		}
		f.deliver(evs[:n])
		if wait > 0 {
			return wait
		}
		if len(evs) < f.hub.opts.Page {
			return 0
		}
	}
}

// deliver advances head over evs and hands each to the matching
// subscriptions; a full buffer drops its subscription.
func (f *follower) deliver(evs []Event) {
	if len(evs) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var slow []*Subscription
	offer := func(e *Event, subs map[*Subscription]struct{}) {
		f.offers += int64(len(subs))
		for s := range subs {
			k := f.inbox[s]
			if !k.match(*e) {
				continue
			}
			select {
			case k.in <- e:
			default:
				slow = append(slow, s)
			}
		}
	}
	for i := range evs {
		e := &evs[i]
		offer(e, f.anyKey)
		offer(e, f.byKey[Key{Name: KeyID, Value: e.ID}])
		for j, k := range e.Keys {
			if k.Name != KeyID && !slices.Contains(e.Keys[:j], k) {
				offer(e, f.byKey[k])
			}
		}
		for _, s := range slow {
			f.leave(s)
			s.end(ErrSlow)
		}
		slow = slow[:0]
		f.head = e.Seq
	}
}

// join adds s to the fan-out; f.mu is held.
func (f *follower) join(s *Subscription, k sink) {
	f.inbox[s] = k
	if k.key.Name == "" {
		f.anyKey[s] = struct{}{}
		return
	}
	subs := f.byKey[k.key]
	if subs == nil {
		subs = map[*Subscription]struct{}{}
		f.byKey[k.key] = subs
	}
	subs[s] = struct{}{}
}

// leave removes s from the fan-out; f.mu is held.
func (f *follower) leave(s *Subscription) {
	k, ok := f.inbox[s]
	if !ok {
		return
	}
	delete(f.inbox, s)
	if k.key.Name == "" {
		delete(f.anyKey, s)
		return
	}
	if subs := f.byKey[k.key]; subs != nil {
		delete(subs, s)
		if len(subs) == 0 {
			delete(f.byKey, k.key)
		}
	}
}

// Subscribers is how many subscriptions of source are live now.
func (h *Hub) Subscribers(source string) int {
	f := h.follower(source)
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.inbox)
}

// Offers is how many times the follower of source has offered a live
// entry to a subscription (the entry and the subscription's Match
// considered together), since it started: the fan-out's work. An entry
// offered to the subscriptions of its keys only adds that many.
func (h *Hub) Offers(source string) int64 {
	f := h.follower(source)
	if f == nil {
		return 0
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.offers
}
