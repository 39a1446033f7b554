package indicators_test

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

type indicator struct {
	ID, Key, Unit, Status, Source, PeriodEnd string
	Value                                    int
	Illustrative                             []string
	Region                                   struct{ Name string }
}

const fields = `id key unit value status source periodEnd illustrative region { name }`

func list(t *testing.T, s *testenv.Server, tok string) map[string]indicator {
	t.Helper()
	var d struct {
		ReportedIndicators struct{ Edges []struct{ Node indicator } }
	}
	s.Query(t, tok, `{ reportedIndicators(first: 100) { edges { node { `+fields+` } } } }`, nil).Decode(t, &d)
	out := map[string]indicator{}
	for _, e := range d.ReportedIndicators.Edges {
		out[e.Node.ID] = e.Node
	}
	return out
}

func region(t *testing.T, s *testenv.Server, name string) string {
	t.Helper()
	var d struct {
		Regions struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.Query(t, "", `query($n: String!) { regions(where: {name: $n}) { edges { node { id } } } }`, map[string]any{"n": name}).Decode(t, &d)
	if len(d.Regions.Edges) != 1 {
		t.Fatalf("region %s: %d matches", name, len(d.Regions.Edges))
	}
	return d.Regions.Edges[0].Node.ID
}

func get(t *testing.T, s *testenv.Server, path string) string {
	t.Helper()
	res, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

// The articles' figures are public as reported, each with its region and
// article; staff submit, admins approve or reject, and only approved
// figures are public, in the API and the downloads.
func TestReportedIndicators(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := testenv.StartServer(t, b.Open(t, testenv.Options{}), server.Options{})
		_, yihe := s.Community(t, "怡和社区")
		_, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", yihe)
		other := s.Token(t, "staff", wtx)
		admin := s.Token(t, "admin", 0)

		public := list(t, s, "")
		byKey := map[string]indicator{}
		for _, x := range public {
			byKey[x.Key] = x
		}
		for key, want := range map[string]struct {
			value        int
			unit, region string
		}{
			"MICRO_WISHES_FULFILLED":               {58, "WISHES", "文亭巷社区"},
			"EMPLOYED_PARTY_MEMBERS_REPORTING":     {609, "PERSONS", "三元社区"},
			"FULL_TIME_GRID_WORKERS":               {249, "PERSONS", "长武县"},
			"PART_TIME_GRID_WORKERS":               {1882, "PERSONS", "长武县"},
			"GOVERNANCE_CLUES_FROM_NEW_EMPLOYMENT": {53, "CLUES", "渭阳街道"},
			"ONE_WINDOW_MATTERS_HANDLED":           {1500, "MATTERS", "塔城路社区"},
			"ONE_WINDOW_COMPLETION_RATE":           {100, "PERCENT", "塔城路社区"},
		} {
			got := byKey[key]
			if got.Value != want.value || got.Unit != want.unit || got.Region.Name != want.region || !strings.HasPrefix(got.Source, "seed 00") || got.Status != "APPROVED" {
				t.Errorf("%s: got %+v, want %+v", key, got, want)
			}
		}
		if got := byKey["FULL_TIME_GRID_WORKERS"]; len(got.Illustrative) != 1 || got.Illustrative[0] != "periodEnd" {
			t.Errorf("the article gives no date for 249 grid workers; illustrative: %v", got.Illustrative)
		}

		changwu := region(t, s, "长武县")
		const submit = `mutation($in: SubmitIndicatorInput!) { submitIndicator(input: $in) { ` + fields + ` } }`
		in := map[string]any{"key": "PART_TIME_GRID_WORKERS", "regionID": changwu, "value": 1900, "periodEnd": "2025-01-31",
			"source": "长武县网格化服务管理中心月报", "note": "兼职网格员"}
		var sub struct{ SubmitIndicator indicator }
		s.Query(t, staff, submit, map[string]any{"in": in}).Decode(t, &sub)
		x := sub.SubmitIndicator
		if x.Status != "SUBMITTED" || x.Unit != "PERSONS" || x.Region.Name != "长武县" {
			t.Fatalf("submitted: %+v", x)
		}
		for who, tc := range map[string]struct {
			tok  string
			sees bool
		}{"the public": {"", false}, "staff of another community": {other, false}, "the submitting staff": {staff, true}, "an admin": {admin, true}} {
			if _, ok := list(t, s, tc.tok)[x.ID]; ok != tc.sees {
				t.Errorf("%s sees the submitted figure: %v, want %v", who, ok, tc.sees)
			}
		}
		for name, tc := range map[string]struct {
			tok, query string
			vars       map[string]any
			code       string
		}{
			"staff, for a region not theirs": {staff, submit, map[string]any{"in": map[string]any{"key": "MATTERS_RESOLVED", "regionID": region(t, s, "文亭巷社区"), "value": 1, "periodEnd": "2025-01-31", "source": "x"}}, "FORBIDDEN"},
			"no source":                      {staff, submit, map[string]any{"in": map[string]any{"key": "MATTERS_RESOLVED", "regionID": changwu, "value": 1, "periodEnd": "2025-01-31", "source": " "}}, "BAD_USER_INPUT"},
			"not a date":                     {staff, submit, map[string]any{"in": map[string]any{"key": "MATTERS_RESOLVED", "regionID": changwu, "value": 1, "periodEnd": "2025-13-40", "source": "x"}}, "BAD_USER_INPUT"},
			"a negative figure":              {staff, submit, map[string]any{"in": map[string]any{"key": "MATTERS_RESOLVED", "regionID": changwu, "value": -1, "periodEnd": "2025-01-31", "source": "x"}}, "BAD_USER_INPUT"},
			"the public":                     {"", submit, map[string]any{"in": in}, "UNAUTHENTICATED"},
			"staff approve":                  {staff, `mutation($id: ID!) { approveIndicator(id: $id) { id } }`, map[string]any{"id": x.ID}, "FORBIDDEN"},
			"rejected without a reason":      {admin, `mutation($id: ID!) { rejectIndicator(id: $id, reason: " ") { id } }`, map[string]any{"id": x.ID}, "BAD_USER_INPUT"},
		} {
			if r := s.Query(t, tc.tok, tc.query, tc.vars); r.Code() != tc.code {
				t.Errorf("%s: want %s, got %s", name, tc.code, r.Raw)
			}
		}
		if _, ok := list(t, s, "")[x.ID]; ok {
			t.Fatal("a refused review published the figure")
		}

		// Approved: public, in the API and the downloads.
		s.Query(t, admin, `mutation($id: ID!) { approveIndicator(id: $id) { id } }`, map[string]any{"id": x.ID}).Decode(t, &struct{}{})
		if got, ok := list(t, s, "")[x.ID]; !ok || got.Value != 1900 || got.Status != "APPROVED" {
			t.Errorf("after approval the public sees %+v", got)
		}
		if r := s.Query(t, admin, `mutation($id: ID!) { rejectIndicator(id: $id, reason: "late") { id } }`, map[string]any{"id": x.ID}); r.Code() != "CONFLICT" {
			t.Errorf("reviewing twice: %s", r.Raw)
		}
		// A rejected one stays unpublished.
		var rej struct{ SubmitIndicator indicator }
		in["value"] = 7
		in["key"] = "MATTERS_RESOLVED"
		s.Query(t, staff, submit, map[string]any{"in": in}).Decode(t, &rej)
		s.Query(t, admin, `mutation($id: ID!) { rejectIndicator(id: $id, reason: "no report attached") { id status } }`,
			map[string]any{"id": rej.SubmitIndicator.ID}).Decode(t, &struct{}{})

		rows, err := csv.NewReader(strings.NewReader(get(t, s, "/open/indicators.csv"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string][]string{}
		for _, row := range rows[1:] {
			seen[row[0]] = row
		}
		if len(rows)-1 != len(public)+1 {
			t.Errorf("indicators.csv has %d rows, want %d (the approved ones)", len(rows)-1, len(public)+1)
		}
		if row := seen[x.ID]; len(row) == 0 || row[1] != "PART_TIME_GRID_WORKERS" || row[2] != "1900" || row[3] != "PERSONS" || row[5] != "长武县" {
			t.Errorf("the approved figure in the CSV: %v (header %v)", row, rows[0])
		}
		if _, ok := seen[rej.SubmitIndicator.ID]; ok {
			t.Error("the rejected figure is in the CSV")
		}
		lines := strings.Split(strings.TrimSpace(get(t, s, "/open/indicators.ndjson")), "\n")
		if len(lines) != len(rows)-1 {
			t.Errorf("ndjson: %d lines, csv: %d rows", len(lines), len(rows)-1)
		}
		for _, l := range lines {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("ndjson line %q: %v", l, err)
			}
			if v, ok := m["value"].(float64); !ok || v < 0 {
				t.Errorf("value is not a number: %q", l)
			}
		}
		if page := get(t, s, "/open/datasets/indicators"); !strings.Contains(page, "/open/indicators.csv") {
			t.Error("no dataset page for the indicators")
		}
		_ = gid.Encode
	})
}
