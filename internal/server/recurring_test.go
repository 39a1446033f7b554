package server_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"lifecircle/ent/facility"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
	"lifecircle/internal/timefmt"
)

type occurrence struct {
	StartsAt, EndsAt time.Time
	Cancelled        bool
	RegisteredCount  int
	Activity         struct{ ID, Title string }
}

// newSeries creates the monthly party day (15th, 09:00–11:00 Beijing time)
// from January 2030 as staff, and returns its global ID.
func newSeries(t *testing.T, s *testenv.Server, staff, community string, capacity int) string {
	t.Helper()
	var places any // no limit
	if capacity > 0 {
		places = capacity
	}
	var a struct{ CreateActivity struct{ ID string } }
	s.Query(t, staff, `mutation($c: ID!, $n: Int) { createActivity(input: {title: "主题党日", category: PARTY, communityID: $c,
		rrule: "FREQ=MONTHLY;BYMONTHDAY=15", startsAt: "2030-01-15T09:00:00+08:00", endsAt: "2030-01-15T11:00:00+08:00", capacity: $n}) { id } }`,
		map[string]any{"c": community, "n": places}).Decode(t, &a)
	return a.CreateActivity.ID
}

func occurrencesOf(t *testing.T, s *testenv.Server, id, from, to string) []occurrence {
	t.Helper()
	var d struct {
		Node struct{ Occurrences []occurrence }
	}
	s.Query(t, "", `query($id: ID!, $f: Time!, $t: Time!) { node(id: $id) { ... on Activity {
		occurrences(from: $f, to: $t) { startsAt endsAt cancelled registeredCount activity { id title } } } } }`,
		map[string]any{"id": id, "f": from, "t": to}).Decode(t, &d)
	return d.Node.Occurrences
}

// A monthly series expands to the 15th of each month at 09:00 Beijing
// time; bad rules, exception dates that are no occurrence, and unbounded
// ranges are refused with BAD_USER_INPUT and write nothing; one occurrence
// is cancelled on its own; the calendar merges series and one-off
// activities; the iCalendar feed carries RRULE and EXDATE, and an
// independent parser expands it to the same occurrences.
func TestRecurringActivityOccurrences(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		cGID, c := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", c)
		id := newSeries(t, s, staff, cGID, 0)

		occ := occurrencesOf(t, s, id, "2030-01-01T00:00:00+08:00", "2030-07-01T00:00:00+08:00")
		if len(occ) != 6 {
			t.Fatalf("%d occurrences in the first half of 2030, want 6: %+v", len(occ), occ)
		}
		for i, o := range occ {
			want := time.Date(2030, time.Month(i+1), 15, 9, 0, 0, 0, timefmt.Local)
			if !o.StartsAt.Equal(want) || !o.EndsAt.Equal(want.Add(2*time.Hour)) || o.Cancelled || o.Activity.ID != id {
				t.Errorf("occurrence %d: %+v, want %s–11:00", i, o, want)
			}
		}

		// Bad input: nothing written.
		var before struct{ Activities struct{ TotalCount int } }
		count := `query($c: ID!) { activities(where: {hasCommunityWith: {id: $c}}) { totalCount } }`
		s.Query(t, "", count, map[string]any{"c": cGID}).Decode(t, &before)
		for _, bad := range []struct{ name, input string }{
			{"not a rule", `rrule: "FREQ=SOMETIMES"`},
			{"hourly", `rrule: "FREQ=HOURLY"`},
			{"DTSTART inside", `rrule: "DTSTART:20300101T090000\nFREQ=DAILY"`},
			{"too long", `rrule: "FREQ=DAILY;COUNT=5000"`},
			{"exdate no occurrence", `rrule: "FREQ=MONTHLY;BYMONTHDAY=15", exdates: ["2030-02-16T09:00:00+08:00"]`},
			{"exdate without rule", `exdates: ["2030-02-15T09:00:00+08:00"]`},
		} {
			r := s.Query(t, staff, `mutation($c: ID!) { createActivity(input: {title: "坏规则", category: PARTY, communityID: $c,
				startsAt: "2030-01-15T09:00:00+08:00", endsAt: "2030-01-15T11:00:00+08:00", `+bad.input+`}) { id } }`,
				map[string]any{"c": cGID})
			if r.Code() != "BAD_USER_INPUT" {
				t.Errorf("%s: want BAD_USER_INPUT, got %s", bad.name, r.Raw)
			}
		}
		var after struct{ Activities struct{ TotalCount int } }
		s.Query(t, "", count, map[string]any{"c": cGID}).Decode(t, &after)
		if after != before {
			t.Errorf("refused writes changed the activities: %d → %d", before.Activities.TotalCount, after.Activities.TotalCount)
		}
		for _, q := range []string{
			`query($id: ID!) { node(id: $id) { ... on Activity { occurrences(from: "2030-01-01T00:00:00Z", to: "2032-01-01T00:00:00Z") { startsAt } } } }`,
			`query($id: ID!) { node(id: $id) { ... on Activity { occurrences(from: "2030-01-01T00:00:00Z", to: "2030-02-01T00:00:00Z", first: 501) { startsAt } } } }`,
			`query($id: ID!) { node(id: $id) { ... on Activity { occurrences(from: "2030-02-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { startsAt } } } }`,
		} {
			if r := s.Query(t, "", q, map[string]any{"id": id}); r.Code() != "BAD_USER_INPUT" {
				t.Errorf("unbounded expansion: want BAD_USER_INPUT, got %s", r.Raw)
			}
		}

		// Cancel March alone.
		cancel := `mutation($id: ID!, $at: Time!) { cancelOccurrence(activityID: $id, startsAt: $at) { id exdates } }`
		if r := s.Query(t, "", cancel, map[string]any{"id": id, "at": "2030-03-15T09:00:00+08:00"}); r.Code() != "UNAUTHENTICATED" {
			t.Errorf("the public cancelling: %s", r.Raw)
		}
		other := s.Token(t, "staff", func() int { _, n := s.Community(t, "北大社区"); return n }())
		if r := s.Query(t, other, cancel, map[string]any{"id": id, "at": "2030-03-15T09:00:00+08:00"}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff of another community cancelling: %s", r.Raw)
		}
		s.Query(t, staff, cancel, map[string]any{"id": id, "at": "2030-03-15T01:00:00Z"}).Decode(t, &struct{}{})
		if r := s.Query(t, staff, cancel, map[string]any{"id": id, "at": "2030-03-15T09:00:00+08:00"}); r.Code() != "CONFLICT" {
			t.Errorf("cancelling twice: %s", r.Raw)
		}
		if r := s.Query(t, staff, cancel, map[string]any{"id": id, "at": "2030-03-16T09:00:00+08:00"}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("cancelling a day without occurrence: %s", r.Raw)
		}
		occ = occurrencesOf(t, s, id, "2030-01-01T00:00:00+08:00", "2030-07-01T00:00:00+08:00")
		for i, o := range occ {
			if o.Cancelled != (i == 2) {
				t.Errorf("occurrence %s: cancelled %v", o.StartsAt, o.Cancelled)
			}
		}

		// The calendar: the series and a one-off activity in time order.
		var one struct{ CreateActivity struct{ ID string } }
		s.Query(t, staff, `mutation($c: ID!) { createActivity(input: {title: "义诊", category: HEALTH, communityID: $c,
			startsAt: "2030-04-20T09:00:00+08:00", endsAt: "2030-04-20T11:00:00+08:00", targetGroups: ["elderly"]}) { id } }`,
			map[string]any{"c": cGID}).Decode(t, &one)
		var cal struct{ ActivityOccurrences []occurrence }
		s.Query(t, "", `query($c: ID!) { activityOccurrences(from: "2030-04-01T00:00:00+08:00", to: "2030-06-01T00:00:00+08:00",
			where: {hasCommunityWith: {id: $c}}) { startsAt cancelled activity { id title } } }`,
			map[string]any{"c": cGID}).Decode(t, &cal)
		var got []string
		for _, o := range cal.ActivityOccurrences {
			got = append(got, o.Activity.Title+"@"+o.StartsAt.In(timefmt.Local).Format("01-02"))
		}
		if want := []string{"主题党日@04-15", "义诊@04-20", "主题党日@05-15"}; !slices.Equal(got, want) {
			t.Errorf("calendar %v, want %v", got, want)
		}
		// activities lists a series once; occursBetween finds it in a later month.
		var in struct {
			Activities struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `query($c: ID!) { activities(where: {hasCommunityWith: {id: $c}, occursBetween: {from: "2030-05-01T00:00:00+08:00", to: "2030-06-01T00:00:00+08:00"}}) {
			edges { node { id } } } }`, map[string]any{"c": cGID}).Decode(t, &in)
		if len(in.Activities.Edges) != 1 || in.Activities.Edges[0].Node.ID != id {
			t.Errorf("occursBetween May 2030: %+v, want the series alone", in)
		}

		// iCalendar: RRULE and EXDATE with TZID; go-ical expands it alike.
		res, body := get(t, s, "/open/activities.ics", url.Values{"region": {cGID}}, nil)
		if res.StatusCode != 200 {
			t.Fatalf("ics: %d", res.StatusCode)
		}
		cal2, err := ical.NewDecoder(strings.NewReader(body)).Decode()
		if err != nil {
			t.Fatalf("the feed does not parse: %v", err)
		}
		var found bool
		for _, e := range cal2.Events() {
			if uid, _ := e.Props.Text(ical.PropUID); uid != id+"@lifecircle" {
				continue
			}
			found = true
			if rr := e.Props.Get(ical.PropRecurrenceRule); rr == nil || rr.Value != "FREQ=MONTHLY;BYMONTHDAY=15" {
				t.Errorf("RRULE: %+v", rr)
			}
			ex := e.Props.Get(ical.PropExceptionDates)
			if ex == nil || ex.Params.Get(ical.ParamTimezoneID) != "Asia/Shanghai" || ex.Value != "20300315T090000" {
				t.Errorf("EXDATE: %+v", ex)
			}
			set, err := e.RecurrenceSet(nil)
			if err != nil || set == nil {
				t.Fatalf("recurrence set: %v", err)
			}
			from := time.Date(2030, 1, 1, 0, 0, 0, 0, timefmt.Local)
			to := time.Date(2030, 7, 1, 0, 0, 0, 0, timefmt.Local)
			var fromICal, fromAPI []string
			for _, d := range set.Between(from, to, true) {
				fromICal = append(fromICal, d.UTC().Format(time.RFC3339))
			}
			for _, o := range occ {
				if !o.Cancelled {
					fromAPI = append(fromAPI, o.StartsAt.UTC().Format(time.RFC3339))
				}
			}
			if !slices.Equal(fromICal, fromAPI) || len(fromAPI) != 5 {
				t.Errorf("iCalendar expands to %v, GraphQL to %v", fromICal, fromAPI)
			}
		}
		if !found {
			t.Error("the series is not in the feed")
		}
	})
}

// Registrations name the occurrence; capacity holds per occurrence under
// concurrency; a cancelled occurrence takes no registrations.
func TestOccurrenceRegistrationCapacity(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		cGID, c := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", c)
		id := newSeries(t, s, staff, cGID, 5)
		s.Query(t, staff, `mutation($id: ID!) { cancelOccurrence(activityID: $id, startsAt: "2030-03-15T09:00:00+08:00") { id } }`,
			map[string]any{"id": id}).Decode(t, &struct{}{})
		tokens := make([]string, 12)
		for i := range tokens {
			_, tokens[i] = newPerson(t, s, c, "resident", fmt.Sprintf("党员%02d", i))
		}
		register := `mutation($a: ID!, $o: Time) { registerForActivity(activityID: $a, occurrence: $o) { id occurrence } }`
		for _, tc := range []struct {
			occ  any
			code string
		}{
			{nil, "BAD_USER_INPUT"},
			{"2030-04-16T09:00:00+08:00", "BAD_USER_INPUT"},
			{"2030-03-15T09:00:00+08:00", "INVALID_TRANSITION"},
		} {
			if r := s.Query(t, tokens[0], register, map[string]any{"a": id, "o": tc.occ}); r.Code() != tc.code {
				t.Errorf("occurrence %v: want %s, got %s", tc.occ, tc.code, r.Raw)
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, codes := 0, map[string]int{}
		for _, tok := range tokens {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := s.Query(t, tok, register, map[string]any{"a": id, "o": "2030-04-15T09:00:00+08:00"})
				mu.Lock()
				defer mu.Unlock()
				if len(r.Errors) == 0 {
					ok++
				} else {
					codes[r.Code()]++
				}
			}()
		}
		wg.Wait()
		if ok != 5 || codes["ACTIVITY_FULL"] != 7 {
			t.Fatalf("%d registrations and refusals %v; want 5 and 7 ACTIVITY_FULL", ok, codes)
		}
		// May has its own places.
		var reg struct {
			RegisterForActivity struct {
				ID         string
				Occurrence time.Time
			}
		}
		s.Query(t, tokens[0], register, map[string]any{"a": id, "o": "2030-05-15T01:00:00Z"}).Decode(t, &reg)
		if !reg.RegisterForActivity.Occurrence.Equal(time.Date(2030, 5, 15, 9, 0, 0, 0, timefmt.Local)) {
			t.Errorf("registration's occurrence %v", reg.RegisterForActivity.Occurrence)
		}
		if r := s.Query(t, tokens[0], register, map[string]any{"a": id, "o": "2030-05-15T09:00:00+08:00"}); r.Code() != "CONFLICT" {
			t.Errorf("registering twice for May: %s", r.Raw)
		}
		counts := func() map[string]int {
			m := map[string]int{}
			for _, o := range occurrencesOf(t, s, id, "2030-03-01T00:00:00+08:00", "2030-06-01T00:00:00+08:00") {
				m[o.StartsAt.In(timefmt.Local).Format("01")] = o.RegisteredCount
			}
			return m
		}
		if m := counts(); m["03"] != 0 || m["04"] != 5 || m["05"] != 1 {
			t.Errorf("registered counts %v, want March 0, April 5, May 1", m)
		}
		s.Query(t, tokens[0], `mutation($id: ID!) { cancelRegistration(id: $id) { status } }`,
			map[string]any{"id": reg.RegisterForActivity.ID}).Decode(t, &struct{}{})
		if m := counts(); m["05"] != 0 || m["04"] != 5 {
			t.Errorf("after cancelling May: %v", m)
		}
	})
}

// Months' themes are records activities belong to, filterable; list
// values (target groups, tags, services) are filterable; the demo data
// holds seed 003's party day as a series and July's theme.
func TestMonthThemesAndListFilters(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		var counter testenv.Counter
		s := testenv.StartServer(t, b.Open(t, testenv.Options{Counter: &counter}), server.Options{})
		cGID, c := s.Community(t, "文亭巷社区")
		bdGID, _ := s.Community(t, "北大社区")
		staff := s.Token(t, "staff", c)
		theme := `mutation($r: ID!, $m: String!) { createTheme(input: {regionID: $r, month: $m, title: "敬老月"}) { id } }`
		var th struct{ CreateTheme struct{ ID string } }
		s.Query(t, staff, theme, map[string]any{"r": cGID, "m": "2030-04"}).Decode(t, &th)
		if r := s.Query(t, staff, theme, map[string]any{"r": bdGID, "m": "2030-04"}); r.Code() != "FORBIDDEN" {
			t.Errorf("staff creating another community's theme: %s", r.Raw)
		}
		if r := s.Query(t, staff, theme, map[string]any{"r": cGID, "m": "2030-13"}); r.Code() != "BAD_USER_INPUT" {
			t.Errorf("month 2030-13: %s", r.Raw)
		}
		create := `mutation($c: ID!, $t: ID!, $s: Time!, $e: Time!, $r: String) { createActivity(input: {title: "敬老讲座", category: ELDERLY,
			communityID: $c, monthThemeID: $t, startsAt: $s, endsAt: $e, rrule: $r, targetGroups: ["elderly"]}) { id monthTheme { title } } }`
		var a struct {
			CreateActivity struct {
				ID         string
				MonthTheme struct{ Title string }
			}
		}
		s.Query(t, staff, create, map[string]any{"c": cGID, "t": th.CreateTheme.ID, "s": "2030-04-20T09:00:00+08:00", "e": "2030-04-20T10:00:00+08:00"}).Decode(t, &a)
		if a.CreateActivity.MonthTheme.Title != "敬老月" {
			t.Errorf("monthTheme: %+v", a)
		}
		for _, bad := range []map[string]any{
			{"c": cGID, "t": th.CreateTheme.ID, "s": "2030-05-20T09:00:00+08:00", "e": "2030-05-20T10:00:00+08:00"},
			{"c": cGID, "t": th.CreateTheme.ID, "s": "2030-04-20T09:00:00+08:00", "e": "2030-04-20T10:00:00+08:00", "r": "FREQ=WEEKLY"},
		} {
			if r := s.Query(t, staff, create, bad); r.Code() != "BAD_USER_INPUT" {
				t.Errorf("%v: want BAD_USER_INPUT, got %s", bad, r.Raw)
			}
		}
		var f struct {
			Activities struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		s.Query(t, "", `{ activities(where: {hasMonthThemeWith: {title: "敬老月", month: "2030-04"}}) { edges { node { id } } } }`, nil).Decode(t, &f)
		if len(f.Activities.Edges) != 1 || f.Activities.Edges[0].Node.ID != a.CreateActivity.ID {
			t.Errorf("hasMonthThemeWith: %+v", f)
		}

		// 一老一少: activities for the elderly or children.
		var tg struct {
			Activities struct {
				TotalCount int
				Edges      []struct {
					Node struct{ TargetGroups []string }
				}
			}
		}
		s.Query(t, "", `{ activities(first: 100, where: {targetGroupsHasAny: ["elderly", "children"]}) { totalCount edges { node { targetGroups } } } }`, nil).Decode(t, &tg)
		if tg.Activities.TotalCount < 2 {
			t.Errorf("targetGroupsHasAny: only %d activities", tg.Activities.TotalCount)
		}
		for _, e := range tg.Activities.Edges {
			if !slices.Contains(e.Node.TargetGroups, "elderly") && !slices.Contains(e.Node.TargetGroups, "children") {
				t.Errorf("targetGroupsHasAny let through %v", e.Node.TargetGroups)
			}
		}
		// Facilities by tag and service, against the rows themselves.
		all, err := s.Store.Client.Facility.Query().Select(facility.FieldTags, facility.FieldServices).All(rule.SystemContext(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, x := range all {
			if slices.Contains(x.Tags, "健身") || slices.Contains(x.Services, "ATM") {
				want++
			}
		}
		var fc struct{ Facilities struct{ TotalCount int } }
		s.Query(t, "", `{ facilities(where: {or: [{tagsHasAny: ["健身"]}, {servicesHasAny: ["ATM"]}]}) { totalCount } }`, nil).Decode(t, &fc)
		if want == 0 || fc.Facilities.TotalCount != want {
			t.Errorf("tagsHasAny/servicesHasAny: %d facilities, want %d", fc.Facilities.TotalCount, want)
		}

		// Demo: seed 003's party day repeats on the 15th; July 2021's theme.
		var demo struct {
			Themes struct {
				Edges []struct {
					Node struct {
						Month, Title, Source string
						Activities           struct{ TotalCount int }
					}
				}
			}
			Activities struct {
				Edges []struct {
					Node struct {
						ID, Rrule, Source string
					}
				}
			}
		}
		s.Query(t, "", `{ themes(where: {hasRegionWith: {name: "三元社区"}}) { edges { node { month title source activities { totalCount } } } }
			activities(where: {rruleNEQ: "", hasCommunityWith: {name: "三元社区"}}) { edges { node { id rrule source } } } }`, nil).Decode(t, &demo)
		if len(demo.Themes.Edges) != 1 || demo.Themes.Edges[0].Node.Title != "党建引领小区治理" || demo.Themes.Edges[0].Node.Month != "2021-07" ||
			!strings.HasPrefix(demo.Themes.Edges[0].Node.Source, "seed 003") || demo.Themes.Edges[0].Node.Activities.TotalCount < 2 {
			t.Errorf("demo theme: %+v", demo.Themes)
		}
		if len(demo.Activities.Edges) != 1 || demo.Activities.Edges[0].Node.Rrule != "FREQ=MONTHLY;BYMONTHDAY=15" ||
			!strings.HasPrefix(demo.Activities.Edges[0].Node.Source, "seed 003") {
			t.Fatalf("demo series: %+v", demo.Activities)
		}
		for _, o := range occurrencesOf(t, s, demo.Activities.Edges[0].Node.ID, "2022-01-01T00:00:00+08:00", "2022-12-31T00:00:00+08:00") {
			if l := o.StartsAt.In(timefmt.Local); l.Day() != 15 || l.Hour() != 9 {
				t.Errorf("demo party day on %s", l)
			}
		}

		// The calendar eager-loads: statements do not grow with occurrences.
		counter.Reset()
		r := s.Query(t, "", `{ activityOccurrences(from: "2021-06-01T00:00:00+08:00", to: "2022-06-01T00:00:00+08:00", first: 500) {
			startsAt registeredCount activity { title venue { name } community { name } } } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatal(string(r.Raw))
		}
		if n := len(counter.Statements()); n > 5 {
			t.Errorf("activityOccurrences: %d SQL statements, want at most 5:\n%s", n, strings.Join(counter.Statements(), "\n"))
		}
	})
}
