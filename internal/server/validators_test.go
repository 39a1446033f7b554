package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/limits"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// downloads are the files under /open/ that carry validators.
var downloads = []string{"/open/facilities.csv", "/open/facilities.geojson", "/open/facilities.ndjson",
	"/open/regions.csv", "/open/regions.geojson", "/open/regions.ndjson",
	"/open/activities.csv", "/open/activities.ndjson", "/open/activities.ics",
	"/open/", "/open/catalog.jsonld"}

// settledGET gets path once its Last-Modified is given: HTTP dates count
// whole seconds, so the server sends none until the second of the latest
// change is over.
func settledGET(t *testing.T, s *testenv.Server, path string, params url.Values) (*http.Response, string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res, body := get(t, s, path, params, nil)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
		if res.Header.Get("Last-Modified") != "" {
			return res, body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no Last-Modified 5 s after the last change", path)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Downloads are versioned by the change log: a deletion moves Last-Modified
// forward (never back, as the newest updated_at of the rows left did), so
// If-Modified-Since from a copy older than the deletion gets the new file,
// and the old ETag no longer matches.
func TestDownloadValidatorsFollowTheChangeLog(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		// Many downloads: a budget that does not run out.
		s := testenv.StartServer(t, b.Open(t, testenv.Options{}), server.Options{PublicRate: limits.Rate{Points: 1 << 30, Per: time.Minute}})
		wtxGID, wtx := s.Community(t, "文亭巷社区")
		staff := s.Token(t, "staff", wtx)
		var c struct{ CreateFacility struct{ ID string } }
		s.Query(t, staff, `mutation($c: ID!) { createFacility(input: {name: "夜间药店", category: "pharmacy", lat: 36.62, lng: 101.75, communityID: $c}) { id } }`,
			map[string]any{"c": wtxGID}).Decode(t, &c)

		type copyOf struct {
			res  *http.Response
			body string
		}
		before := map[string]copyOf{}
		for _, p := range downloads {
			res, body := settledGET(t, s, p, nil)
			if res.Header.Get("ETag") == "" {
				t.Fatalf("%s: no ETag", p)
			}
			before[p] = copyOf{res, body}
		}
		if !strings.Contains(before["/open/facilities.csv"].body, "夜间药店") {
			t.Fatal("the new facility is not in facilities.csv")
		}

		s.Query(t, staff, `mutation($id: ID!) { deleteFacility(id: $id) }`, map[string]any{"id": c.CreateFacility.ID}).Decode(t, &struct{}{})

		// At once, within the second of the deletion: the old validators
		// match nothing.
		for _, p := range downloads {
			old := before[p].res
			for _, h := range []map[string]string{{"If-Modified-Since": old.Header.Get("Last-Modified")}, {"If-None-Match": old.Header.Get("ETag")}} {
				if res, _ := get(t, s, p, nil, h); res.StatusCode != 200 {
					t.Errorf("%s with %v right after the deletion: %d, want 200", p, h, res.StatusCode)
				}
			}
		}
		for _, p := range downloads {
			old := before[p].res
			res, body := settledGET(t, s, p, nil)
			was, _ := http.ParseTime(old.Header.Get("Last-Modified"))
			now, _ := http.ParseTime(res.Header.Get("Last-Modified"))
			if !now.After(was) {
				t.Errorf("%s: Last-Modified %s after the deletion, was %s", p, res.Header.Get("Last-Modified"), old.Header.Get("Last-Modified"))
			}
			if res.Header.Get("ETag") == old.Header.Get("ETag") {
				t.Errorf("%s: the ETag did not change with the deletion", p)
			}
			r, b := get(t, s, p, nil, map[string]string{"If-Modified-Since": old.Header.Get("Last-Modified")})
			if r.StatusCode != 200 || b != body {
				t.Errorf("%s with If-Modified-Since of the copy before the deletion: %d, want 200 with the new content", p, r.StatusCode)
			}
			if r, _ := get(t, s, p, nil, map[string]string{"If-None-Match": old.Header.Get("ETag")}); r.StatusCode != 200 {
				t.Errorf("%s with the ETag before the deletion: %d, want 200", p, r.StatusCode)
			}
			if r, _ := get(t, s, p, nil, map[string]string{"If-None-Match": res.Header.Get("ETag")}); r.StatusCode != 304 {
				t.Errorf("%s with its current ETag: %d, want 304", p, r.StatusCode)
			}
			if r, _ := get(t, s, p, nil, map[string]string{"If-Modified-Since": res.Header.Get("Last-Modified")}); r.StatusCode != 304 {
				t.Errorf("%s with its current Last-Modified: %d, want 304", p, r.StatusCode)
			}
		}
		if _, body := get(t, s, "/open/facilities.csv", nil, nil); strings.Contains(body, "夜间药店") {
			t.Error("the deleted facility is still in facilities.csv")
		}
		// Variants of one download have their own ETags.
		a, _ := get(t, s, "/open/facilities.csv", url.Values{"category": {"pharmacy"}}, nil)
		if a.Header.Get("ETag") == before["/open/facilities.csv"].res.Header.Get("ETag") || a.Header.Get("ETag") == "" {
			t.Errorf("facilities.csv?category=pharmacy: ETag %q", a.Header.Get("ETag"))
		}
	})
}
