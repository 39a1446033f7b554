package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/emersion/go-ical"

	"lifecircle/internal/testenv"
)

// The activities feed parses with an independent iCalendar parser and says
// what the API says.
func TestActivitiesCalendar(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		var a struct{ CreateActivity struct{ ID string } }
		s.Query(t, staff, `mutation($c: ID!) { createActivity(input: {title: "书法培训, 第一期; 少儿", category: CULTURE, communityID: $c,
			startsAt: "2030-07-03T09:00:00+08:00", endsAt: "2030-07-03T11:00:00+08:00", status: CANCELLED}) { id } }`,
			map[string]any{"c": wtxGID}).Decode(t, &a)
		var n struct{ Activities struct{ TotalCount int } }
		s.Query(t, "", `query($c: ID!) { activities(where: {hasCommunityWith: {id: $c}}) { totalCount } }`, map[string]any{"c": wtxGID}).Decode(t, &n)

		res, body := get(t, s, "/open/activities.ics", url.Values{"region": {wtxGID}}, nil)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("ics: %d %s", res.StatusCode, body[:min(len(body), 300)])
		}
		cal, err := ical.NewDecoder(strings.NewReader(body)).Decode()
		if err != nil {
			t.Fatalf("the feed does not parse: %v", err)
		}
		events := cal.Events()
		if len(events) != n.Activities.TotalCount {
			t.Errorf("%d events, want the %d activities", len(events), n.Activities.TotalCount)
		}
		if len(cal.Children) == 0 || cal.Children[0].Name != "VTIMEZONE" {
			t.Error("want a VTIMEZONE first")
		}
		var found bool
		for _, e := range events {
			uid, _ := e.Props.Text(ical.PropUID)
			if uid != a.CreateActivity.ID+"@lifecircle" {
				continue
			}
			found = true
			summary, _ := e.Props.Text(ical.PropSummary)
			status := e.Props.Get(ical.PropStatus)
			start := e.Props.Get(ical.PropDateTimeStart)
			when, err := e.DateTimeStart(nil)
			if summary != "书法培训, 第一期; 少儿" || status == nil || status.Value != "CANCELLED" ||
				start.Params.Get(ical.ParamTimezoneID) != "Asia/Shanghai" || err != nil || when.Format("15:04") != "09:00" {
				t.Errorf("event: summary %q, status %v, start %v (%v)", summary, status, start, err)
			}
			if e.Props.Get(ical.PropDateTimeStamp) == nil {
				t.Error("DTSTAMP missing")
			}
		}
		if !found {
			t.Error("the new activity is not in the feed under its global ID")
		}
		// UIDs are stable: the same feed twice.
		_, again := get(t, s, "/open/activities.ics", url.Values{"region": {wtxGID}}, nil)
		if again != body {
			t.Error("the feed changed between two reads without a change to the data")
		}
		if r, _ := get(t, s, "/open/activities.ics", url.Values{"category": {"nonsense"}}, nil); r.StatusCode != 400 {
			t.Errorf("unknown category: %d", r.StatusCode)
		}
	})
}
