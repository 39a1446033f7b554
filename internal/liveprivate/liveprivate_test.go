package liveprivate_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/organization"
	"lifecircle/ent/region"
	"lifecircle/ent/requestevent"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/auth/token"
	"lifecircle/internal/changewake"
	"lifecircle/internal/live"
	"lifecircle/internal/liveprivate"
	"lifecircle/internal/store"
	"lifecircle/internal/testenv"
	"lifecircle/internal/workflow"
)

// world is a community with a resident, two volunteers (one in a team),
// staff, and the team.
type world struct {
	st                        *store.Store
	hub                       *live.Hub
	community                 int
	resident, member, outside auth.Viewer
	staff                     auth.Viewer
	team, committee           int
}

// newHub is a hub following st's private logs, as the server's does.
func newHub(t *testing.T, st *store.Store) *live.Hub {
	hub := live.NewHub(st.Changes, live.Options{Poll: 50 * time.Millisecond})
	for _, src := range liveprivate.Sources(st.Client) {
		hub.Add(src)
	}
	hub.Start()
	t.Cleanup(hub.Close)
	return hub
}

func setup(t *testing.T, b testenv.Backend) *world {
	t.Helper()
	return setupOn(t, b.Open(t, testenv.Options{}))
}

func setupOn(t *testing.T, st *store.Store) *world {
	t.Helper()
	ctx := rule.SystemContext(context.Background())
	c := st.Client
	com, err := c.Region.Query().Where(region.LevelEQ(region.LevelCommunity)).First(ctx)
	if err != nil {
		t.Fatal(err)
	}
	person := func(name string, roles ...string) *ent.Person {
		p, err := c.Person.Create().SetName(name).SetCommunityID(com.ID).SetRoles(roles).SetPhone("+86 100 0000 0001").Save(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	res, mem, out := person("求助的居民", "resident"), person("队员", "volunteer"), person("队外志愿者", "volunteer")
	team, err := c.Organization.Create().SetKind(organization.KindVolunteerTeam).SetName("测试助老志愿服务队").SetRegionID(com.ID).AddMembers(mem).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := c.Organization.Create().SetKind(organization.KindResidentsCommittee).SetName("测试居委会").SetRegionID(com.ID).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tokenOf := func(role auth.Role, id int) auth.Viewer {
		_, tok, err := token.Create(context.Background(), c, "test", role, id, 0)
		if err != nil {
			t.Fatal(err)
		}
		v := auth.Viewer{Role: role, TokenID: tok.ID, CommunityID: com.ID}
		if role != auth.RoleStaff {
			v.PersonID = id
		}
		return v
	}
	hub := newHub(t, st)
	t.Cleanup(st.Changes.Close)
	return &world{st: st, hub: hub, community: com.ID, team: team.ID, committee: rc.ID,
		resident: tokenOf(auth.RoleResident, res.ID), member: tokenOf(auth.RoleVolunteer, mem.ID),
		outside: tokenOf(auth.RoleVolunteer, out.ID), staff: tokenOf(auth.RoleStaff, com.ID)}
}

// as runs f in a transaction for viewer v, as a mutation does.
func (w *world) as(t *testing.T, v auth.Viewer, f func(ctx context.Context, c *ent.Client) error) {
	t.Helper()
	ctx := auth.NewContext(context.Background(), v)
	tx, err := w.st.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := f(ent.NewTxContext(ctx, tx), tx.Client()); err != nil {
		_ = tx.Rollback()
		t.Error(err) // not Fatal: called from goroutines too
		return
	}
	if err := tx.Commit(); err != nil {
		t.Error(err)
	}
}

func (w *world) submit(t *testing.T, title string) int {
	var id int
	w.as(t, w.resident, func(ctx context.Context, c *ent.Client) error {
		r, err := workflow.Submit(ctx, c, workflow.SubmitInput{Kind: servicerequest.KindServiceNeed, Title: title, Address: "某小区 3 号楼 2 单元"})
		if err == nil {
			id = r.ID
		}
		return err
	})
	return id
}

func (w *world) step(t *testing.T, v auth.Viewer, id int, a requestevent.Action, args workflow.Args) {
	w.as(t, v, func(ctx context.Context, c *ent.Client) error {
		_, err := workflow.Transition(ctx, c, id, a, args)
		return err
	})
}

// dispatchToCommittee has the resident submit a request and the staff
// dispatch it to the community's committee; both volunteers' streams,
// member's and outsider's, receive it. It returns the request's ID.
func (w *world) dispatchToCommittee(t *testing.T, title string, member, outsider <-chan *liveprivate.RequestUpdate) int {
	t.Helper()
	id := w.submit(t, title)
	w.step(t, w.staff, id, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.committee})
	if u := next(t, member); u.Request.ID != id {
		t.Errorf("member received %d, want %d", u.Request.ID, id)
	}
	if u := next(t, outsider); u.Request.ID != id {
		t.Errorf("outside volunteer received %d, want %d", u.Request.ID, id)
	}
	return id
}

// registerAndCancel has the resident register for the activity and cancel
// the registration; it returns the registration's ID.
func (w *world) registerAndCancel(t *testing.T, activity int) int {
	var reg int
	w.as(t, w.resident, func(ctx context.Context, c *ent.Client) error {
		r, err := workflow.Register(ctx, c, activity, nil, nil)
		if err == nil {
			reg = r.ID
		}
		return err
	})
	w.as(t, w.resident, func(ctx context.Context, c *ent.Client) error {
		_, err := workflow.CancelRegistration(ctx, c, reg)
		return err
	})
	return reg
}

func subCtx(t *testing.T, v auth.Viewer) context.Context {
	ctx, cancel := context.WithCancel(auth.NewContext(context.Background(), v))
	t.Cleanup(cancel)
	return ctx
}

func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatal("subscription ended")
		}
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing delivered within 10 s")
	}
	var zero T
	return zero
}

func none[T any](t *testing.T, ch <-chan T, wait time.Duration) {
	t.Helper()
	select {
	case v, ok := <-ch:
		if ok {
			t.Fatalf("delivered %+v; want nothing", v)
		}
	case <-time.After(wait):
	}
}

func code(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}

// A resident receives every step of their request, in order, and a
// subscription resumed with the last cursor seen replays what it missed.
func TestRequestUpdatedInOrderAndResumes(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		id := w.submit(t, "送餐上门")
		ctx, cancel := context.WithCancel(auth.NewContext(context.Background(), w.resident))
		ch, err := liveprivate.RequestUpdated(ctx, w.hub, w.st.Client, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.step(t, w.staff, id, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.team})
		w.step(t, w.member, id, requestevent.ActionClaim, workflow.Args{})
		var got []string
		var cursor string
		for range 2 {
			u := next(t, ch)
			got = append(got, string(u.Action)+">"+string(u.Request.Status))
			cursor = u.Cursor
			if u.Event == nil || u.Event.Action != u.Action {
				t.Errorf("the requester's update has no readable step: %+v", u.Event)
			}
		}
		if want := []string{"DISPATCH>CLAIMED", "CLAIM>CLAIMED"}; got[1] != want[1] || got[0][:8] != "DISPATCH" {
			t.Errorf("steps %v, want DISPATCH then CLAIM", got)
		}
		cancel() // the network blips
		w.step(t, w.member, id, requestevent.ActionResolve, workflow.Args{Note: "已送到"})
		w.step(t, w.resident, id, requestevent.ActionConfirm, workflow.Args{Satisfaction: 5})

		ch, err = liveprivate.RequestUpdated(subCtx(t, w.resident), w.hub, w.st.Client, id, &cursor)
		if err != nil {
			t.Fatal(err)
		}
		if u := next(t, ch); u.Action != requestevent.ActionResolve {
			t.Errorf("first replayed step %s, want RESOLVE", u.Action)
		}
		if u := next(t, ch); u.Action != requestevent.ActionConfirm || u.Request.Status != servicerequest.StatusConfirmed {
			t.Errorf("second replayed step %s (%s), want CONFIRM (CONFIRMED)", u.Action, u.Request.Status)
		}
		none(t, ch, 300*time.Millisecond)
	})
}

// Who may follow a request: the requester, the claimer, staff; a volunteer
// who cannot see it gets NOT_FOUND, one who sees it without having claimed
// it FORBIDDEN.
func TestRequestUpdatedAuthorisation(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		id := w.submit(t, "修水管")
		_, err := liveprivate.RequestUpdated(subCtx(t, w.member), w.hub, w.st.Client, id, nil)
		if code(err) != apperr.CodeNotFound {
			t.Errorf("a volunteer, before dispatch: %v, want NOT_FOUND", err)
		}
		_, err = liveprivate.RequestUpdated(subCtx(t, auth.Viewer{}), w.hub, w.st.Client, id, nil)
		if code(err) != apperr.CodeForbidden {
			t.Errorf("the public: %v, want FORBIDDEN", err)
		}
		w.step(t, w.staff, id, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.committee})
		_, err = liveprivate.RequestUpdated(subCtx(t, w.member), w.hub, w.st.Client, id, nil)
		if code(err) != apperr.CodeForbidden {
			t.Errorf("a volunteer who sees it but has not claimed it: %v, want FORBIDDEN", err)
		}
		if _, err := liveprivate.RequestUpdated(subCtx(t, w.staff), w.hub, w.st.Client, id, nil); err != nil {
			t.Errorf("staff: %v", err)
		}
		bad := "x"
		if _, err := liveprivate.RequestUpdated(subCtx(t, w.staff), w.hub, w.st.Client, id, &bad); code(err) != apperr.CodeBadInput {
			t.Errorf("a bad cursor: %v, want BAD_USER_INPUT", err)
		}
	})
}

// A dispatch to a team reaches its members only, with the request as they
// may see it; once another volunteer claimed a request, it is no longer
// delivered to those who can no longer see it.
func TestRequestDispatchedToTheTeam(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		mch, err := liveprivate.RequestDispatched(subCtx(t, w.member), w.hub, w.st.Client, nil)
		if err != nil {
			t.Fatal(err)
		}
		och, err := liveprivate.RequestDispatched(subCtx(t, w.outside), w.hub, w.st.Client, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := liveprivate.RequestDispatched(subCtx(t, w.resident), w.hub, w.st.Client, nil); code(err) != apperr.CodeForbidden {
			t.Errorf("a resident: %v, want FORBIDDEN", err)
		}
		id := w.submit(t, "送餐上门")
		w.step(t, w.staff, id, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.team})
		u := next(t, mch)
		if u.Request.ID != id || u.Action != requestevent.ActionDispatch {
			t.Fatalf("member received %+v", u)
		}
		if workflow.CanSeeAddress(w.member, u.Request) {
			t.Error("a volunteer who has not claimed the request may see its address")
		}
		if u.Event != nil {
			t.Error("a volunteer who has not claimed the request reads its history")
		}
		none(t, och, 300*time.Millisecond)

		// Dispatched to the committee: both see it.
		w.dispatchToCommittee(t, "代读通知", mch, och)
	})
}

// Without after:, a subscription starts at "now" as the database has it,
// not at the last entry this process's follower has seen: a step committed
// moments before (through another server, whose NOTIFY has not arrived
// yet) is not replayed to it, and the next step is delivered.
func TestRequestUpdatedStartsNowNotAtTheFollower(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		// A hub that reads only when woken by hand: it stands for a
		// server that has not heard of the other server's write yet.
		wake := changewake.New()
		hub := live.NewHub(wake, live.Options{Poll: time.Hour})
		for _, src := range liveprivate.Sources(w.st.Client) {
			hub.Add(src)
		}
		hub.Start()
		t.Cleanup(hub.Close)
		id := w.submit(t, "刚刚派单")
		// The follower knows the log's end before the step.
		if _, err := liveprivate.RequestDispatched(subCtx(t, w.staff), hub, w.st.Client, nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { return hub.Subscribers(liveprivate.RequestsSource) == 1 })
		w.step(t, w.staff, id, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.team})
		ch, err := liveprivate.RequestUpdated(subCtx(t, w.resident), hub, w.st.Client, id, nil)
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { return hub.Subscribers(liveprivate.RequestsSource) == 2 })
		wake.Bump() // the follower now reads the DISPATCH
		none(t, ch, 500*time.Millisecond)
		w.step(t, w.member, id, requestevent.ActionClaim, workflow.Args{})
		wake.Bump()
		if u := next(t, ch); u.Action != requestevent.ActionClaim {
			t.Errorf("first step delivered %s, want CLAIM (the DISPATCH came before the subscription)", u.Action)
		}
	})
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatal("not within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// registrationChanged: staff of the activity's community receive each
// registration and cancellation in order; others are refused.
func TestRegistrationChanged(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		sys := rule.SystemContext(context.Background())
		act, err := w.st.Client.Activity.Create().SetTitle("测试活动").SetCommunityID(w.community).SetCategory(activity.CategoryOther).
			SetStartsAt(time.Now().Add(48 * time.Hour)).SetEndsAt(time.Now().Add(50 * time.Hour)).Save(sys)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := liveprivate.RegistrationChanged(subCtx(t, w.resident), w.hub, w.st.Client, act.ID, nil); code(err) != apperr.CodeForbidden {
			t.Errorf("a resident: %v, want FORBIDDEN", err)
		}
		if _, err := liveprivate.RegistrationChanged(subCtx(t, w.staff), w.hub, w.st.Client, 999999999, nil); code(err) != apperr.CodeNotFound {
			t.Errorf("an unknown activity: %v, want NOT_FOUND", err)
		}
		ch, err := liveprivate.RegistrationChanged(subCtx(t, w.staff), w.hub, w.st.Client, act.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		reg := w.registerAndCancel(t, act.ID)
		u1, u2 := next(t, ch), next(t, ch)
		if u1.Status != "REGISTERED" || u2.Status != "CANCELLED" || u1.Registration.ID != reg {
			t.Errorf("got %s then %s for %d, want REGISTERED then CANCELLED for %d", u1.Status, u2.Status, u1.Registration.ID, reg)
		}
		// Resume after the first: the cancellation only.
		ch, err = liveprivate.RegistrationChanged(subCtx(t, w.staff), w.hub, w.st.Client, act.ID, &u1.Cursor)
		if err != nil {
			t.Fatal(err)
		}
		if u := next(t, ch); u.Status != "CANCELLED" || u.Cursor != u2.Cursor {
			t.Errorf("resumed: %s %s, want CANCELLED %s", u.Status, u.Cursor, u2.Cursor)
		}
	})
}

// The private logs' IDs become visible in the order of commit: of many
// concurrent transitions, a follower reading after the last ID it saw
// misses none.
func TestConcurrentStepsMissNothing(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		ch, err := liveprivate.RequestDispatched(subCtx(t, w.staff), w.hub, w.st.Client, nil)
		if err != nil {
			t.Fatal(err)
		}
		const n = 12
		ids := make([]int, n)
		for i := range ids {
			ids[i] = w.submit(t, "并发")
		}
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				w.step(t, w.staff, id, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.committee})
			})
		}
		wg.Wait()
		seen := map[int]bool{}
		for range n {
			seen[next(t, ch).Request.ID] = true
		}
		if len(seen) != n {
			t.Errorf("received %d distinct requests, want %d", len(seen), n)
		}
	})
}

// Two servers on one PostgreSQL: a step committed through one reaches a
// subscriber of the other, woken by NOTIFY (the other's safety-net poll is
// set far beyond the wait).
func TestAcrossProcesses(t *testing.T) {
	url := testenv.PostgresURL(t)
	w := setupOn(t, testenv.OpenURL(t, url, testenv.Options{}))
	other := testenv.OpenURL(t, url, testenv.Options{NoDemo: true})
	if err := other.WatchChanges(time.Hour); err != nil {
		t.Fatal(err)
	}
	hub := live.NewHub(other.Changes, live.Options{Poll: time.Hour})
	for _, src := range liveprivate.Sources(other.Client) {
		hub.Add(src)
	}
	hub.Start()
	t.Cleanup(hub.Close)
	ch, err := liveprivate.RequestDispatched(subCtx(t, w.member), hub, other.Client, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := w.submit(t, "跨进程")
	start := time.Now()
	w.step(t, w.staff, id, requestevent.ActionDispatch, workflow.Args{OrganizationID: w.team})
	if u := next(t, ch); u.Request.ID != id {
		t.Errorf("received %d, want %d", u.Request.ID, id)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("delivered after %s: not woken by the notification", d)
	}
}

// The hub offers a request event only to the requestDispatched
// subscriptions of its community (and those without one: admins), and a
// registration event only to the registrationChanged subscriptions of its
// activity; what each subscriber receives is still decided by the privacy
// rules at delivery. Without the index every event is offered to every
// subscription of its log.
func TestFanOutIsKeyed(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		w := setup(t, b)
		sys := rule.SystemContext(context.Background())
		c := w.st.Client
		others, err := c.Region.Query().Where(region.LevelEQ(region.LevelCommunity), region.IDNEQ(w.community)).Limit(3).IDs(sys)
		if err != nil {
			t.Fatal(err)
		}
		if len(others) == 0 {
			t.Fatal("the demo data has one community")
		}
		// requestDispatched: the two volunteers of the community, staff
		// of other communities.
		mch, err := liveprivate.RequestDispatched(subCtx(t, w.member), w.hub, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		och, err := liveprivate.RequestDispatched(subCtx(t, w.outside), w.hub, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		var elsewhere []<-chan *liveprivate.RequestUpdate
		for _, com := range others {
			_, tok, err := token.Create(context.Background(), c, "test", auth.RoleStaff, com, 0)
			if err != nil {
				t.Fatal(err)
			}
			ch, err := liveprivate.RequestDispatched(subCtx(t, auth.Viewer{Role: auth.RoleStaff, TokenID: tok.ID, CommunityID: com}), w.hub, c, nil)
			if err != nil {
				t.Fatal(err)
			}
			elsewhere = append(elsewhere, ch)
		}
		// registrationChanged: staff on four activities of the community.
		var acts []int
		var rchs []<-chan *liveprivate.RegistrationUpdate
		for i := range 4 {
			act, err := c.Activity.Create().SetTitle("测试活动").SetCommunityID(w.community).SetCategory(activity.CategoryOther).
				SetStartsAt(time.Now().Add(time.Duration(48+i) * time.Hour)).SetEndsAt(time.Now().Add(time.Duration(50+i) * time.Hour)).Save(sys)
			if err != nil {
				t.Fatal(err)
			}
			ch, err := liveprivate.RegistrationChanged(subCtx(t, w.staff), w.hub, c, act.ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			acts, rchs = append(acts, act.ID), append(rchs, ch)
		}
		nreq := 2 + len(others)
		waitFor(t, func() bool {
			return w.hub.Subscribers(liveprivate.RequestsSource) == nreq && w.hub.Subscribers(liveprivate.RegistrationsSource) == 4
		})

		start := w.hub.Head(liveprivate.RequestsSource)
		before := w.hub.Offers(liveprivate.RequestsSource)
		w.dispatchToCommittee(t, "送餐上门", mch, och)
		entries, err := c.RequestEvent.Query().Where(requestevent.IDGT(start)).Count(sys)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := w.hub.Offers(liveprivate.RequestsSource)-before, int64(2*entries); got != want {
			t.Errorf("%d request events were offered %d times, want %d (to the 2 subscriptions of their community; %d without the index)",
				entries, got, want, entries*nreq)
		}
		for _, ch := range elsewhere {
			none(t, ch, 50*time.Millisecond)
		}

		before = w.hub.Offers(liveprivate.RegistrationsSource)
		w.registerAndCancel(t, acts[0])
		u1, u2 := next(t, rchs[0]), next(t, rchs[0])
		if u1.Status != "REGISTERED" || u2.Status != "CANCELLED" {
			t.Errorf("got %s then %s, want REGISTERED then CANCELLED", u1.Status, u2.Status)
		}
		if got := w.hub.Offers(liveprivate.RegistrationsSource) - before; got != 2 {
			t.Errorf("2 registration events were offered %d times, want 2 (to their activity's subscription; 8 without the index)", got)
		}
		for _, ch := range rchs[1:] {
			none(t, ch, 50*time.Millisecond)
		}
	})
}
