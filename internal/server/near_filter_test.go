package server_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/testenv"
)

// facilitiesNear(services:, tags:) keeps the facilities offering any of the
// services or carrying any of the tags, with the meaning of
// facilities(where: {servicesHasAny, tagsHasAny}); the index follows a
// facility's services and tags as they change; paging under the filter
// pages the filtered answer; widget.json takes the same filter; bounds are
// refused with a code.
func TestFacilitiesNearServicesAndTags(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		sc := newScene(t, b, testenv.Options{})
		sc.add(t, "canteen", "community_canteen", 100, 0, `, services: ["老年助餐", "上门送餐"], tags: ["老年食堂"]`)
		sc.add(t, "daycare", "elderly_daycare", 150, 0, `, services: ["日间照料"], tags: ["一老一幼"]`)
		sc.add(t, "afterschool", "after_school_care", 200, 0, `, services: ["作业辅导"], tags: ["一老一幼", "课后托管"]`)
		sc.add(t, "room", "function_room", 250, 0, `, services: ["绘画"], tags: ["一老一幼"]`)
		sc.add(t, "pharmacy", "pharmacy", 300, 0, `, services: ["处方药"], tags: ["药店"]`)
		sc.add(t, "bare", "convenience_store", 350, 0, "")
		sc.add(t, "closed", "community_canteen", 50, 0, `, services: ["老年助餐"], status: CLOSED`)

		cases := []struct {
			args string
			want []string
		}{
			{``, []string{"canteen", "daycare", "afterschool", "room", "pharmacy", "bare"}},
			{`, services: ["老年助餐"]`, []string{"canteen"}},
			{`, services: ["老年助餐", "作业辅导"]`, []string{"canteen", "afterschool"}},
			{`, tags: ["一老一幼"]`, []string{"daycare", "afterschool", "room"}},
			// Either list: the 一老一少 question.
			{`, services: ["老年助餐"], tags: ["一老一幼"]`, []string{"canteen", "daycare", "afterschool", "room"}},
			// With categories: both must hold.
			{`, categories: ["function_room", "pharmacy"], tags: ["一老一幼"]`, []string{"room"}},
			// A value as a tag is not a service, and the reverse.
			{`, services: ["一老一幼"]`, nil},
			{`, tags: ["老年助餐"]`, nil},
			{`, services: ["没有的服务"]`, nil},
			// An empty list filters nothing, as categories: [].
			{`, services: [], tags: []`, []string{"canteen", "daycare", "afterschool", "room", "pharmacy", "bare"}},
		}
		for _, tc := range cases {
			d := sc.near(t, ", walkMinutes: 15"+tc.args, nil)
			if !sameList(names(d), tc.want) || d.FacilitiesNear.TotalCount != len(tc.want) {
				t.Errorf("%s: got %v (total %d), want %v", tc.args, names(d), d.FacilitiesNear.TotalCount, tc.want)
			}
		}

		// The same meaning as facilities(where:): the same open facilities.
		var fc struct {
			Facilities struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
		sc.s.Query(t, "", `{ facilities(first: 50, where: {statusNEQ: CLOSED, or: [{servicesHasAny: ["老年助餐"]}, {tagsHasAny: ["一老一幼"]}]}) { edges { node { name } } } }`, nil).Decode(t, &fc)
		var where []string
		for _, e := range fc.Facilities.Edges {
			where = append(where, e.Node.Name)
		}
		slices.Sort(where)
		near := names(sc.near(t, `, walkMinutes: 15, services: ["老年助餐"], tags: ["一老一幼"]`, nil))
		slices.Sort(near)
		if !sameList(where, near) {
			t.Errorf("facilities(where:) found %v, facilitiesNear %v", where, near)
		}

		// Paging the filtered answer: two, then the third, then nothing.
		p1 := sc.near(t, `, walkMinutes: 15, tags: ["一老一幼"], first: 2`, nil)
		if !sameList(names(p1), []string{"daycare", "afterschool"}) || !p1.FacilitiesNear.PageInfo.HasNextPage {
			t.Fatalf("page 1: %v %+v", names(p1), p1.FacilitiesNear.PageInfo)
		}
		p2 := sc.near(t, `, walkMinutes: 15, tags: ["一老一幼"], first: 2, after: $after`, map[string]any{"after": p1.FacilitiesNear.PageInfo.EndCursor})
		if !sameList(names(p2), []string{"room"}) || p2.FacilitiesNear.PageInfo.HasNextPage {
			t.Errorf("page 2: %v %+v", names(p2), p2.FacilitiesNear.PageInfo)
		}

		// The index follows changes of services and tags.
		sc.s.Query(t, sc.admin, `mutation($id: ID!) { updateFacility(id: $id, input: {tags: ["画室"]}) { id } }`,
			map[string]any{"id": sc.ids["room"]}).Decode(t, &struct{}{})
		sc.s.Query(t, sc.admin, `mutation($id: ID!) { updateFacility(id: $id, input: {appendTags: ["一老一幼"]}) { id } }`,
			map[string]any{"id": sc.ids["pharmacy"]}).Decode(t, &struct{}{})
		if got := names(sc.near(t, `, walkMinutes: 15, tags: ["一老一幼"]`, nil)); !sameList(got, []string{"daycare", "afterschool", "pharmacy"}) {
			t.Errorf("after changing tags: %v", got)
		}

		// Bounds: 21 values, an overlong value, an empty one.
		many := make([]string, 21)
		for i := range many {
			many[i] = fmt.Sprintf("服务%d", i)
		}
		for _, tc := range []struct {
			field string
			vals  []string
			code  string
		}{
			{"services", many, "FILTER_LIMIT"},
			{"tags", many, "FILTER_LIMIT"},
			{"tags", []string{strings.Repeat("长", 100)}, "FILTER_LIMIT"},
			{"services", []string{""}, "BAD_USER_INPUT"},
		} {
			r := sc.s.Query(t, "", fmt.Sprintf(`query($v: [String!]) { facilitiesNear(lat: 30, lng: 120, %s: $v) { totalCount } }`, tc.field),
				map[string]any{"v": tc.vals})
			if r.Code() != tc.code || !strings.Contains(string(r.Raw), `"field":"`+tc.field+`"`) {
				t.Errorf("%s with %d values: want %s on field %s, got %s", tc.field, len(tc.vals), tc.code, tc.field, r.Raw)
			}
		}
		// Twenty are fine.
		if r := sc.s.Query(t, "", `query($v: [String!]) { facilitiesNear(lat: 30, lng: 120, services: $v) { totalCount } }`,
			map[string]any{"v": many[:20]}); len(r.Errors) > 0 {
			t.Errorf("20 services refused: %s", r.Raw)
		}

		// widget.json: the same filter, comma-separated.
		widget := func(q string) (int, []string, string) {
			t.Helper()
			resp, err := http.Get(sc.s.URL + "/open/widget.json?place=" + url.QueryEscape(sc.communityID) + q)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			var d struct {
				Facilities []struct{ Name string }
			}
			_ = json.Unmarshal(body, &d)
			var out []string
			for _, f := range d.Facilities {
				out = append(out, f.Name)
			}
			slices.Sort(out)
			return resp.StatusCode, out, string(body)
		}
		if st, got, body := widget("&services=" + url.QueryEscape("老年助餐") + "&tags=" + url.QueryEscape("一老一幼,")); st != 200 || !sameList(got, []string{"afterschool", "canteen", "daycare", "pharmacy"}) {
			t.Errorf("widget.json with services and tags: %d %v %s", st, got, body)
		}
		if st, got, _ := widget(""); st != 200 || len(got) != 6 {
			t.Errorf("widget.json without a filter: %d %v", st, got)
		}
		if st, _, body := widget("&tags=" + url.QueryEscape(strings.Join(many, ","))); st != 400 || !strings.Contains(body, `"FILTER_LIMIT"`) || !strings.Contains(body, `"field":"tags"`) {
			t.Errorf("widget.json with 21 tags: %d %s", st, body)
		}
	})
}

// facilityChanged(services:, tags:) sends the changes of facilities that
// match either list, and the change that makes a sent one stop matching,
// so a map can remove its marker; others are not sent.
func TestFacilityChangedByServicesAndTags(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		sc := newScene(t, b, testenv.Options{})
		ws, err := dialWS(t, sc.s.URL+"/open/graphql", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		ws.subscribe("1", `subscription { facilityChanged(services: ["老年助餐"], tags: ["一老一幼"]) { op id facility { name } } }`, nil)
		time.Sleep(300 * time.Millisecond) // the subscription joins
		sc.add(t, "store", "convenience_store", 100, 0, `, tags: ["便利店"]`)
		sc.add(t, "canteen", "community_canteen", 120, 0, `, services: ["老年助餐"]`)
		if e := ws.event(); e.Op != "create" || e.ID != sc.ids["canteen"] {
			t.Fatalf("first event %+v, want the canteen's creation (not the store's)", e)
		}
		sc.add(t, "room", "function_room", 140, 0, `, tags: ["一老一幼"]`)
		if e := ws.event(); e.Op != "create" || e.ID != sc.ids["room"] {
			t.Fatalf("second event %+v, want the room's creation", e)
		}
		// The room stops matching: sent once more, then no longer.
		mutate(t, sc.s, sc.admin, `mutation($id: ID!) { updateFacility(id: $id, input: {tags: ["画室"]}) { id } }`, map[string]any{"id": sc.ids["room"]})
		if e := ws.event(); e.Op != "update" || e.ID != sc.ids["room"] {
			t.Fatalf("third event %+v, want the room leaving the filter", e)
		}
		mutate(t, sc.s, sc.admin, `mutation($id: ID!) { updateFacility(id: $id, input: {name: "画室二"}) { id } }`, map[string]any{"id": sc.ids["room"]})
		mutate(t, sc.s, sc.admin, `mutation($id: ID!) { updateFacility(id: $id, input: {name: "便利店二"}) { id } }`, map[string]any{"id": sc.ids["store"]})
		mutate(t, sc.s, sc.admin, `mutation($id: ID!) { updateFacility(id: $id, input: {appendTags: ["一老一幼"]}) { id } }`, map[string]any{"id": sc.ids["store"]})
		if e := ws.event(); e.Op != "update" || e.ID != sc.ids["store"] || e.Facility == nil || e.Facility.Name != "便利店二" {
			t.Fatalf("fourth event %+v, want the store joining the filter (nothing of the room's rename)", e)
		}

		// Over the bound: an error with its code.
		ws.subscribe("2", `subscription($v: [String!]) { facilityChanged(tags: $v) { op } }`,
			map[string]any{"v": strings.Split(strings.Repeat("x,", 20)+"x", ",")})
		m, err := ws.next()
		for err == nil && m.ID != "2" {
			m, err = ws.next()
		}
		if err != nil || !strings.Contains(string(m.Payload), `"code":"FILTER_LIMIT"`) {
			t.Fatalf("21 tags: %s %s %v", m.Type, m.Payload, err)
		}
	})
}
