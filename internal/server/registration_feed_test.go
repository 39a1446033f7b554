package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/testenv"
)

// Registrations and cancellations are not changes of the public activity:
// they add nothing to the change feed and move neither its updatedAt nor
// the calendar's timestamps, so nobody learns when each person signed up.
// The registered count itself is still public, read live.
func TestRegistrationTimesAreNotPublished(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := start(t, b)
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		var a struct{ CreateActivity struct{ ID string } }
		s.Query(t, staff, `mutation($c: ID!) { createActivity(input: {title: "太极拳", category: SPORT, communityID: $c, capacity: 10,
			startsAt: "2030-06-01T08:00:00+08:00", endsAt: "2030-06-01T09:00:00+08:00"}) { id } }`, map[string]any{"c": wtxGID}).Decode(t, &a)
		id := a.CreateActivity.ID
		// Date its last change back, so that any stamp of "now" shows.
		n, _ := gid.Decode(id)
		if err := s.Store.Client.Activity.UpdateOneID(n).SetUpdatedAt(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)).
			Exec(rule.SystemContext(context.Background())); err != nil {
			t.Fatal(err)
		}

		type activityState struct {
			Node struct {
				UpdatedAt       string
				RegisteredCount int
			}
		}
		read := func() activityState {
			var d activityState
			s.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Activity { updatedAt registeredCount } } }`, map[string]any{"id": id}).Decode(t, &d)
			return d
		}
		calendarStamps := func() string {
			_, body := get(t, s, "/open/activities.ics", url.Values{"region": {wtxGID}}, nil)
			i := strings.Index(body, "UID:"+id)
			if i < 0 {
				t.Fatalf("the activity is not in the calendar")
			}
			var stamps []string
			for _, line := range strings.Split(body[i:], "\r\n") {
				if strings.HasPrefix(line, "DTSTAMP") || strings.HasPrefix(line, "LAST-MODIFIED") {
					stamps = append(stamps, line)
				}
				if line == "END:VEVENT" {
					break
				}
			}
			return strings.Join(stamps, " ")
		}
		before := read()
		entries, cursor := readFeed(t, s, nil)
		seq := entries[len(entries)-1].Sequence // the NDJSON feed's cursor
		feed, _ := get(t, s, "/open/changes", url.Values{"after": {seq}}, nil)
		stamps := calendarStamps()
		etag, _ := get(t, s, "/open/facilities.csv", nil, nil)

		_, first := newPerson(t, s, wtx, "resident", "报名者一")
		_, second := newPerson(t, s, wtx, "resident", "报名者二")
		var reg struct{ RegisterForActivity struct{ ID string } }
		s.Query(t, first, `mutation($a: ID!) { registerForActivity(activityID: $a) { id } }`, map[string]any{"a": id}).Decode(t, &reg)
		s.Query(t, second, `mutation($a: ID!) { registerForActivity(activityID: $a) { id } }`, map[string]any{"a": id}).Decode(t, &struct{}{})
		s.Query(t, first, `mutation($r: ID!) { cancelRegistration(id: $r) { id } }`, map[string]any{"r": reg.RegisterForActivity.ID}).Decode(t, &struct{}{})

		after := read()
		if after.Node.RegisteredCount != 1 {
			t.Errorf("registeredCount: %d, want 1 (read live)", after.Node.RegisteredCount)
		}
		if after.Node.UpdatedAt != before.Node.UpdatedAt {
			t.Errorf("updatedAt moved from %s to %s with registrations", before.Node.UpdatedAt, after.Node.UpdatedAt)
		}
		var p feedPage
		s.Query(t, "", `query($after: Cursor) { changes(after: $after, first: 100) { edges { node { sequence op entity id } } } }`,
			map[string]any{"after": *cursor}).Decode(t, &p)
		if len(p.Changes.Edges) != 0 {
			t.Errorf("the change feed published %d entries for registrations: %+v", len(p.Changes.Edges), p.Changes.Edges)
		}
		res, body := get(t, s, "/open/changes", url.Values{"after": {seq}}, nil)
		if strings.TrimSpace(body) != "" || res.Header.Get("X-Next-Cursor") != feed.Header.Get("X-Next-Cursor") {
			t.Errorf("/open/changes after the registrations: %q, cursor %s (was %s)", body, res.Header.Get("X-Next-Cursor"), feed.Header.Get("X-Next-Cursor"))
		}
		if got := calendarStamps(); got != stamps {
			t.Errorf("the calendar's stamps moved with registrations: %s, were %s", got, stamps)
		}
		if res, _ := get(t, s, "/open/facilities.csv", nil, nil); res.Header.Get("ETag") != etag.Header.Get("ETag") {
			t.Errorf("registrations changed the facilities' ETag")
		}
		_, csv := get(t, s, "/open/activities.csv", url.Values{"region": {wtxGID}}, nil)
		for _, line := range strings.Split(csv, "\r\n") {
			if strings.HasPrefix(line, id+",") && !strings.Contains(line, ",10,1,") {
				t.Errorf("activities.csv: want capacity 10 and 1 registered: %s", line)
			}
		}

		// A real change of the activity is still published.
		s.Query(t, staff, `mutation($id: ID!) { updateActivity(id: $id, input: {title: "太极拳（改）"}) { id } }`, map[string]any{"id": id}).Decode(t, &struct{}{})
		s.Query(t, "", `query($after: Cursor) { changes(after: $after, first: 100) { edges { node { sequence op entity id } } } }`,
			map[string]any{"after": *cursor}).Decode(t, &p)
		if len(p.Changes.Edges) != 1 || p.Changes.Edges[0].Node.ID != id || read().Node.UpdatedAt == before.Node.UpdatedAt {
			t.Errorf("an edit of the activity: feed %+v, updatedAt %s", p.Changes.Edges, read().Node.UpdatedAt)
		}
	})
}
