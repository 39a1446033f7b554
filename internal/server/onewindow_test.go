package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"lifecircle/ent/appointment"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
)

// owMatter creates a bookable matter in community as staff and returns its ID.
func owMatter(t *testing.T, s *testenv.Server, staff, community string, name string) string {
	t.Helper()
	var d struct{ CreateServiceMatter struct{ ID string } }
	s.Query(t, staff, `mutation($c: ID!, $n: String!) { createServiceMatter(input: {communityID: $c, category: CIVIL_AFFAIRS,
		name: $n, names: [{lang: "en", value: "Test matter"}], requiredDocuments: ["身份证"], processingDays: 3, homeService: true}) { id } }`,
		map[string]any{"c": community, "n": name}).Decode(t, &d)
	return d.CreateServiceMatter.ID
}

// owSlot publishes a slot of capacity places for matter as staff.
func owSlot(t *testing.T, s *testenv.Server, staff, matter string, capacity int) string {
	t.Helper()
	var d struct{ PublishServiceSlot struct{ ID string } }
	s.Query(t, staff, `mutation($m: ID!, $c: Int!) { publishServiceSlot(input: {matterID: $m, capacity: $c,
		startsAt: "2030-06-03T10:00:00+08:00", endsAt: "2030-06-03T12:00:00+08:00"}) { id } }`,
		map[string]any{"m": matter, "c": capacity}).Decode(t, &d)
	return d.PublishServiceSlot.ID
}

func owBook(t *testing.T, s *testenv.Server, tok, slot string) *testenv.Response {
	t.Helper()
	return s.Query(t, tok, `mutation($s: ID!) { bookAppointment(slotID: $s, note: "办理低保") { id status } }`, map[string]any{"s": slot})
}

func owID(t *testing.T, r *testenv.Response) string {
	t.Helper()
	var d struct{ BookAppointment struct{ ID string } }
	r.Decode(t, &d)
	return d.BookAppointment.ID
}

// The catalogue is public and filterable; staff of the community manage it;
// residents book slots, the public sees places left and never who booked;
// staff take a case on, one officer answers for it to the end, and its
// history says who did what.
func TestOneWindowCatalogueAppointmentsAndPrivacy(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		tclGID, tcl := s.Community(t, "塔城路社区")
		_, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", tcl)
		colleague := s.Token(t, "staff", tcl)
		foreign := s.Token(t, "staff", wtx)

		// The demo catalogue, public, with its provenance.
		var cat struct {
			ServiceMatters struct {
				TotalCount int
				Edges      []struct {
					Node struct {
						Name, Category, Source string
						Illustrative           []string
						Names                  []struct{ Lang, Value string }
					}
				}
			}
		}
		s.Query(t, "", `query($c: ID!) { serviceMatters(first: 50, where: {communityID: $c}, orderBy: {field: NAME}) { totalCount
			edges { node { name category source illustrative names { lang value } } } } }`, map[string]any{"c": tclGID}).Decode(t, &cat)
		if cat.ServiceMatters.TotalCount != 6 {
			t.Fatalf("塔城路 demo catalogue: %d matters, want 6", cat.ServiceMatters.TotalCount)
		}
		for _, e := range cat.ServiceMatters.Edges {
			if !strings.HasPrefix(e.Node.Source, "seed 002: ") || len(e.Node.Illustrative) == 0 || e.Node.Illustrative[0] != "name" || len(e.Node.Names) != 1 {
				t.Errorf("demo matter without its provenance or translation: %+v", e.Node)
			}
		}
		var filtered struct{ ServiceMatters struct{ TotalCount int } }
		s.Query(t, "", `query($c: ID!) { serviceMatters(where: {communityID: $c, category: LABOUR_SOCIAL_SECURITY, bookable: true}) { totalCount } }`,
			map[string]any{"c": tclGID}).Decode(t, &filtered)
		if filtered.ServiceMatters.TotalCount != 2 {
			t.Errorf("bookable labour matters of 塔城路: %d, want 2", filtered.ServiceMatters.TotalCount)
		}
		var slots struct{ ServiceSlots struct{ TotalCount int } }
		s.Query(t, "", `query($c: ID!) { serviceSlots(where: {communityID: $c, startsAtGTE: "2030-01-08T00:00:00+08:00", startsAtLT: "2030-01-10T00:00:00+08:00"}) { totalCount } }`,
			map[string]any{"c": tclGID}).Decode(t, &slots)
		if slots.ServiceSlots.TotalCount != 2 {
			t.Errorf("demo slots from 8 to 9 January 2030: %d, want 2", slots.ServiceSlots.TotalCount)
		}

		// Who may write the catalogue.
		create := `mutation($c: ID!) { createServiceMatter(input: {communityID: $c, category: OTHER, name: "开具证明"}) { id } }`
		if r := s.Query(t, "", create, map[string]any{"c": tclGID}); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("anonymous create: %s", r.Raw)
		}
		if r := s.Query(t, foreign, create, map[string]any{"c": tclGID}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff of another community creating in 塔城路: %s", r.Raw)
		}
		matter := owMatter(t, s, staff, tclGID, "居家养老服务补贴申请")
		if r := s.Query(t, foreign, `mutation($m: ID!) { publishServiceSlot(input: {matterID: $m, capacity: 2,
			startsAt: "2030-06-03T10:00:00+08:00", endsAt: "2030-06-03T12:00:00+08:00"}) { id } }`, map[string]any{"m": matter}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff of another community publishing a slot: %s", r.Raw)
		}
		if r := s.Query(t, staff, `mutation($m: ID!) { publishServiceSlot(input: {matterID: $m, capacity: 2,
			startsAt: "2030-06-03T12:00:00+08:00", endsAt: "2030-06-03T10:00:00+08:00"}) { id } }`, map[string]any{"m": matter}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("a slot ending before it starts: %s", r.Raw)
		}
		slot := owSlot(t, s, staff, matter, 2)

		_, alice := newPerson(t, s, tcl, "resident", "居民甲")
		_, bob := newPerson(t, s, tcl, "resident", "居民乙")
		_, carol := newPerson(t, s, tcl, "resident", "居民丙")

		// A retried booking with the same Idempotency-Key books once.
		book := func() string {
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", strings.NewReader(
				fmt.Sprintf(`{"query":"mutation { bookAppointment(slotID: \"%s\") { id } }"}`, slot)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+alice)
			req.Header.Set("Idempotency-Key", "book-42")
			var d struct{ BookAppointment struct{ ID string } }
			s.Do(t, req).Decode(t, &d)
			return d.BookAppointment.ID
		}
		aliceAppt := book()
		if again := book(); again != aliceAppt {
			t.Errorf("the same Idempotency-Key booked twice: %s, %s", aliceAppt, again)
		}
		if r := owBook(t, s, alice, slot); r.Code() != "CONFLICT" {
			t.Errorf("a second booking of the same slot: %s", r.Raw)
		}
		bobAppt := owID(t, owBook(t, s, bob, slot))
		if r := owBook(t, s, carol, slot); r.Code() != "SLOT_FULL" {
			t.Errorf("booking a full slot: %s", r.Raw)
		}

		// The public sees places left, never who booked.
		remaining := func() int {
			var d struct {
				Node struct{ Remaining, BookedCount int }
			}
			s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on ServiceSlot { remaining bookedCount } } }`, map[string]any{"id": slot}).Decode(t, &d)
			return d.Node.Remaining
		}
		if n := remaining(); n != 0 {
			t.Errorf("remaining places: %d, want 0", n)
		}
		apptQuery := `query($id: ID!) { node(id: $id) { ... on Appointment { id note person { name } } } }`
		for name, tok := range map[string]string{"anonymous": "", "another resident": carol, "staff of another community": foreign} {
			r := s.Query(t, tok, apptQuery, map[string]any{"id": bobAppt})
			if strings.Contains(string(r.Raw), "居民乙") || strings.Contains(string(r.Raw), "办理低保") {
				t.Errorf("%s reads bob's appointment: %s", name, r.Raw)
			}
		}
		if r := s.Query(t, "", `{ appointments { totalCount } }`, nil); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("anonymous appointments: %s", r.Raw)
		}
		var list struct{ Appointments struct{ TotalCount int } }
		s.Query(t, foreign, `{ appointments { totalCount } }`, nil).Decode(t, &list)
		if list.Appointments.TotalCount != 0 {
			t.Errorf("staff of another community see %d appointments", list.Appointments.TotalCount)
		}
		s.Query(t, carol, `{ appointments { totalCount } }`, nil).Decode(t, &list)
		if list.Appointments.TotalCount != 0 {
			t.Errorf("carol sees %d appointments, want 0 (she has none)", list.Appointments.TotalCount)
		}
		s.Query(t, bob, `{ appointments { totalCount } }`, nil).Decode(t, &list)
		if list.Appointments.TotalCount != 1 {
			t.Errorf("bob sees %d appointments, want his 1", list.Appointments.TotalCount)
		}
		var seen struct {
			Node *struct{ Person struct{ Name string } }
		}
		s.Query(t, staff, apptQuery, map[string]any{"id": bobAppt}).Decode(t, &seen)
		if seen.Node == nil || seen.Node.Person.Name != "居民乙" {
			t.Errorf("staff of 塔城路 should see bob's appointment: %+v", seen)
		}
		// A public slot shows nothing of its bookings through any edge:
		// ServiceSlot has no edge to appointments.
		if r := s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on ServiceSlot { appointments { totalCount } } } }`, map[string]any{"id": slot}); len(r.Errors) == 0 {
			t.Errorf("a slot exposes its appointments: %s", r.Raw)
		}

		// Alice cancels: her place is free again, and carol takes it.
		if r := s.Query(t, bob, `mutation($id: ID!) { cancelAppointment(id: $id) { id } }`, map[string]any{"id": aliceAppt}); r.Code() != "NOT_FOUND" {
			t.Errorf("bob cancelling alice's appointment: %s", r.Raw)
		}
		s.Query(t, alice, `mutation($id: ID!) { cancelAppointment(id: $id, reason: "改天再来") { status } }`, map[string]any{"id": aliceAppt}).Decode(t, &struct{}{})
		if n := remaining(); n != 1 {
			t.Errorf("remaining after a cancellation: %d, want 1", n)
		}
		carolAppt := owID(t, owBook(t, s, carol, slot))

		// Staff take bob's case on; a colleague cannot close it; the officer does.
		record := `mutation($id: ID!, $o: AppointmentOutcome!, $n: String) { recordAppointment(id: $id, outcome: $o, note: $n) { status officer } }`
		if r := s.Query(t, bob, record, map[string]any{"id": bobAppt, "o": "SERVED"}); r.Code() != "FORBIDDEN" {
			t.Errorf("a resident recording an outcome: %s", r.Raw)
		}
		if r := s.Query(t, foreign, record, map[string]any{"id": bobAppt, "o": "SERVED"}); r.Code() != "NOT_FOUND" {
			t.Errorf("staff of another community recording an outcome: %s", r.Raw)
		}
		s.Query(t, staff, record, map[string]any{"id": bobAppt, "o": "IN_PROGRESS", "n": "材料齐全，已受理"}).Decode(t, &struct{}{})
		if r := s.Query(t, colleague, record, map[string]any{"id": bobAppt, "o": "SERVED"}); r.Code() != "CONFLICT" {
			t.Errorf("another officer closing the case: %s", r.Raw)
		}
		s.Query(t, staff, record, map[string]any{"id": bobAppt, "o": "SERVED", "n": "已办结"}).Decode(t, &struct{}{})
		if r := s.Query(t, bob, `mutation($id: ID!) { cancelAppointment(id: $id) { id } }`, map[string]any{"id": bobAppt}); r.Code() != "INVALID_TRANSITION" {
			t.Errorf("cancelling a served appointment: %s", r.Raw)
		}
		s.Query(t, colleague, record, map[string]any{"id": carolAppt, "o": "NO_SHOW"}).Decode(t, &struct{}{})

		var hist struct {
			Node struct {
				Status, Officer string
				History         []struct{ Action, Status, ActorRole, Actor, Note string }
			}
		}
		s.Query(t, bob, `query($id: ID!) { node(id: $id) { ... on Appointment { status officer history { action status actorRole actor note } } } }`,
			map[string]any{"id": bobAppt}).Decode(t, &hist)
		var got []string
		for _, h := range hist.Node.History {
			got = append(got, h.Action+":"+h.Status+":"+h.ActorRole)
		}
		want := "BOOK:BOOKED:resident TAKE:IN_PROGRESS:staff SERVE:SERVED:staff"
		if strings.Join(got, " ") != want || hist.Node.Status != "SERVED" || hist.Node.Officer == "" ||
			hist.Node.History[1].Actor != hist.Node.Officer || hist.Node.History[1].Note != "材料齐全，已受理" {
			t.Errorf("bob's case: %+v, want history %s", hist.Node, want)
		}

		// Bob's download of his data holds the appointment and its
		// history, the officers by role only.
		res, body := download(t, s, "/me/data.json", bob)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("/me/data.json: %d %s", res.StatusCode, body)
		}
		var mine struct {
			Appointments []struct {
				ID, Status string
				History    []struct{ Action, Status, ActorRole string }
			}
		}
		if err := json.Unmarshal([]byte(body), &mine); err != nil {
			t.Fatal(err)
		}
		if len(mine.Appointments) != 1 || mine.Appointments[0].ID != bobAppt || mine.Appointments[0].Status != "SERVED" ||
			len(mine.Appointments[0].History) != 3 || mine.Appointments[0].History[2].ActorRole != "staff" {
			t.Errorf("bob's data download, appointments: %+v", mine.Appointments)
		}
		if strings.Contains(body, hist.Node.Officer) {
			t.Errorf("bob's data download names the officer (%s): %.400s", hist.Node.Officer, body)
		}
	})
}

// 60 residents book at once a slot of 20 places: exactly 20 get one.
func TestOneWindowSlotCapacityHoldsUnderConcurrency(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		tclGID, tcl := s.Community(t, "塔城路社区")
		staff := s.Token(t, "staff", tcl)
		slot := owSlot(t, s, staff, owMatter(t, s, staff, tclGID, "并发预约测试"), 20)
		tokens := make([]string, 60)
		for i := range tokens {
			_, tokens[i] = newPerson(t, s, tcl, "resident", fmt.Sprintf("预约居民%03d", i))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, codes := 0, map[string]int{}
		for _, tok := range tokens {
			wg.Add(1)
			go func(tok string) {
				defer wg.Done()
				r := owBook(t, s, tok, slot)
				mu.Lock()
				defer mu.Unlock()
				if len(r.Errors) == 0 {
					ok++
				} else {
					codes[r.Code()]++
				}
			}(tok)
		}
		wg.Wait()
		if ok != 20 || codes["SLOT_FULL"] != 40 {
			t.Fatalf("%d bookings and refusals %v; want 20 and 40 SLOT_FULL", ok, codes)
		}
		var d struct {
			Node struct{ BookedCount, Remaining int }
		}
		s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on ServiceSlot { bookedCount remaining } } }`, map[string]any{"id": slot}).Decode(t, &d)
		sid, _ := gid.Decode(slot)
		n, err := s.Store.Client.Appointment.Query().Where(appointment.SlotID(sid)).Count(rule.SystemContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		if d.Node.BookedCount != 20 || d.Node.Remaining != 0 || n != 20 {
			t.Errorf("bookedCount %d, remaining %d and %d appointment rows; want 20, 0 and 20", d.Node.BookedCount, d.Node.Remaining, n)
		}
	})
}

// A staff page of appointments with their matter, slot, person and history
// is a fixed number of statements, whatever its length.
func TestOneWindowAppointmentsPageDoesNotRunNPlusOne(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var counter testenv.Counter
		s := testenv.StartServer(t, b.Open(t, testenv.Options{Counter: &counter}), server.Options{})
		tclGID, tcl := s.Community(t, "塔城路社区")
		staff := s.Token(t, "staff", tcl)
		for i := range 3 {
			slot := owSlot(t, s, staff, owMatter(t, s, staff, tclGID, fmt.Sprintf("事项%d", i)), 10)
			for j := range 5 {
				_, tok := newPerson(t, s, tcl, "resident", fmt.Sprintf("居民%d-%d", i, j))
				owBook(t, s, tok, slot).Decode(t, &struct{}{})
			}
		}
		counter.Reset()
		var d struct {
			Appointments struct {
				TotalCount int
				Edges      []struct {
					Node struct{ Matter struct{ Name string } }
				}
			}
		}
		s.Query(t, staff, `{ appointments(first: 50) { totalCount edges { node { status note person { name }
			matter { name category community { name } } slot { startsAt remaining } history { action at } } } } }`, nil).Decode(t, &d)
		if d.Appointments.TotalCount != 15 || len(d.Appointments.Edges) != 15 {
			t.Fatalf("appointments: %d, want 15", d.Appointments.TotalCount)
		}
		// Token lookup, the page, its count, and one query per edge type.
		if n := len(counter.Statements()); n > 9 {
			t.Errorf("a page of 15 appointments: %d SQL statements, want at most 9:\n%s", n, strings.Join(counter.Statements(), "\n"))
		}
	})
}

// Matters taken on and served feed the published statistics, under their
// disclosure control: a community with too few is suppressed.
func TestOneWindowStatistics(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		ctx := rule.SystemContext(context.Background())
		c := s.Store.Client
		tclGID, tcl := s.Community(t, "塔城路社区")
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		march := time.Date(2025, 3, 10, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
		seed := func(community, served, inProgress int) {
			m, err := c.ServiceMatter.Create().SetCommunityID(community).SetCategory("CIVIL_AFFAIRS").SetName("统计测试事项").Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			sl, err := c.ServiceSlot.Create().SetMatterID(m.ID).SetCommunityID(community).SetStartsAt(march).
				SetEndsAt(march.Add(2 * time.Hour)).SetCapacity(100).Save(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := range served + inProgress + 2 {
				p, err := c.Person.Create().SetName(fmt.Sprintf("统计居民%d-%d", community, i)).SetCommunityID(community).Save(ctx)
				if err != nil {
					t.Fatal(err)
				}
				st := appointment.StatusServed
				switch {
				case i >= served+inProgress:
					st = appointment.StatusCancelled // neither taken on nor served
				case i >= served:
					st = appointment.StatusInProgress
				}
				if _, err := c.Appointment.Create().SetMatterID(m.ID).SetSlotID(sl.ID).SetCommunityID(community).
					SetPersonID(p.ID).SetStatus(st).Save(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		seed(tcl, 15, 5)
		seed(wtx, 3, 0)
		if _, err := stats.Publish(context.Background(), c, stats.Period{Year: 2025, Month: 3}, stats.Options{Method: stats.MethodRule105}); err != nil {
			t.Fatal(err)
		}
		read := func(region string) map[string]any {
			var d struct {
				Statistics struct {
					Values []struct {
						Metric     string
						Value      *float64
						Suppressed bool
					}
				}
			}
			s.Query(t, "", `query($r: ID!) { statistics(region: $r, period: "2025-03",
				metrics: ["onewindow_matters_handled", "onewindow_matters_served", "onewindow_completion_rate"]) { values { metric value suppressed } } }`,
				map[string]any{"r": region}).Decode(t, &d)
			out := map[string]any{}
			for _, v := range d.Statistics.Values {
				if v.Suppressed {
					out[v.Metric] = "suppressed"
				} else if v.Value != nil {
					out[v.Metric] = *v.Value
				}
			}
			return out
		}
		got := read(tclGID)
		// 20 taken on, 15 served: published rounded to 5, and the rate from the published counts.
		if got["onewindow_matters_handled"] != 20.0 || got["onewindow_matters_served"] != 15.0 || got["onewindow_completion_rate"] != 75.0 {
			t.Errorf("塔城路 in March 2025: %v, want handled 20, served 15, rate 75", got)
		}
		got = read(wtxGID)
		if got["onewindow_matters_handled"] != "suppressed" || got["onewindow_matters_served"] != "suppressed" || got["onewindow_completion_rate"] != "suppressed" {
			t.Errorf("文亭巷 with 3 matters in March 2025: %v, want every figure suppressed", got)
		}
	})
}
