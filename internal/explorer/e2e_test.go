package explorer_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"lifecircle/internal/auth"
	"lifecircle/internal/explorer"
	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// artifacts is where screenshots go: $TEST_ARTIFACTS, or test-artifacts/
// at the top of the repository (ignored by git).
func artifacts(t *testing.T) string {
	dir := os.Getenv("TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "test-artifacts")
	}
	dir, _ = filepath.Abs(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

type graphqlError struct {
	Message    string
	Extensions struct{ Code string }
}

type e2eReport struct {
	Error                                       string
	ConsoleErrors, FailedRequests, BadResponses []string
	Blocked, Requests                           []string
	RenderMs                                    int
	Tabs, Links                                 []string
	Title, Docs, HeadersTemplate                string
	PublicMap                                   struct {
		Errors     []graphqlError
		Facilities int
		FirstName  string
	}
	PlaceholderRefusal     *graphqlError
	RequestsForPlaceholder int
	AfterReload            struct {
		Tabs   int
		Edited bool
	}
	NewVisit struct {
		Tabs            int
		Edited          bool
		Headers, Stored string
	}
	BlockerCheck    string
	BlockerRecorded bool
	Staff           struct {
		Errors          []graphqlError
		Role, Community string
		Requests        int
	}
}

// TestExplorerWorksOffline opens / in headless Chromium with every request
// to another host refused, as on a network with no way out: the explorer
// must render from the server alone, run the first tab's query and show
// its answer, show the bilingual field descriptions, and carry a staff
// token from the headers editor.
func TestExplorerWorksOffline(t *testing.T) {
	chromium := testenv.Chromium(t, "the explorer's browser test", "web")
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := testenv.StartServer(t, b.Open(t, testenv.Options{}), server.Options{})
		_, community := s.Community(t, "文亭巷社区")
		tok := s.Token(t, auth.RoleStaff, community)

		// What the API itself answers, to compare with what the page shows.
		var near struct {
			FacilitiesNear struct {
				TotalCount int
				Edges      []struct{ Node struct{ Name string } }
			}
		}
		e := example(t, "public map")
		run(t, s, "", e.Query, "PublicMap", nil).Decode(t, &near)
		var field struct {
			Type struct {
				Fields []struct{ Name, Description string }
			} `json:"__type"`
		}
		s.Query(t, "", `{ __type(name: "Query") { fields { name description } } }`, nil).Decode(t, &field)
		var docs string
		for _, f := range field.Type.Fields {
			if f.Name == "facilitiesNear" {
				docs = f.Description
			}
		}
		en, zh, ok := strings.Cut(docs, "\n\n")
		if !ok || !regexp.MustCompile(`\p{Han}`).MatchString(zh) {
			t.Fatalf("Query.facilitiesNear's description is not English then Chinese: %q", docs)
		}

		shots := filepath.Join(artifacts(t), "explorer-"+b.Name)
		cfg, _ := json.Marshal(map[string]string{"url": s.URL + "/", "staffToken": tok, "docsField": "facilitiesNear", "screenshots": shots})
		cmd := exec.Command("node", "e2e.mjs")
		cmd.Dir = "web"
		cmd.Env = append(os.Environ(), "E2E="+string(cfg), "CHROMIUM="+chromium)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("browser run failed: %v\n%s\n%s", err, stderr.String(), out)
		}
		t.Logf("browser run: %s; screenshots: %s-{query,docs,staff}.png", time.Since(start).Round(time.Millisecond), shots)
		var r e2eReport
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("browser report: %v\n%s", err, out)
		}
		if r.Error != "" {
			t.Fatalf("in the browser: %s\nrequests %q, blocked %q, console %q", r.Error, r.Requests, r.Blocked, r.ConsoleErrors)
		}
		if len(r.Blocked)+len(r.ConsoleErrors)+len(r.FailedRequests)+len(r.BadResponses) > 0 {
			t.Errorf("requests to other hosts %q, console errors %q, failed requests %q, error responses %q",
				r.Blocked, r.ConsoleErrors, r.FailedRequests, r.BadResponses)
		}
		t.Logf("rendered in %d ms; requests: %q", r.RenderMs, r.Requests)
		// The blocker works: a page of another host was refused and seen.
		if !r.BlockerRecorded || !strings.Contains(r.BlockerCheck, "ERR_INTERNET_DISCONNECTED") {
			t.Errorf("the outside-network blocker did not refuse a page of another host: %q, recorded %v", r.BlockerCheck, r.BlockerRecorded)
		}

		// One tab per example, named after its first operation.
		want := []string{"PublicMap", "CommunityOffers", "FacilitiesPage", "StaffNeedsList"}
		if len(explorer.Examples) != len(want) || strings.Join(r.Tabs, ",") != strings.Join(want, ",") {
			t.Errorf("tabs %q, want %q", r.Tabs, want)
		}
		if strings.Join(r.Links, " ") != "/open/schema.graphql /open/ /widget/" {
			t.Errorf("links in the page's bar: %q", r.Links)
		}
		// The first tab's query ran through the page and shows the API's answer.
		if len(r.PublicMap.Errors) > 0 || r.PublicMap.Facilities != near.FacilitiesNear.TotalCount || r.PublicMap.FirstName != near.FacilitiesNear.Edges[0].Node.Name {
			t.Errorf("the explorer showed %+v; the API answers %d facilities, the first %q",
				r.PublicMap, near.FacilitiesNear.TotalCount, near.FacilitiesNear.Edges[0].Node.Name)
		}
		// The docs show the field's description in both languages.
		// (Markdown joins the description's wrapped lines; compare the text alone.)
		if !strings.Contains(squeeze(r.Docs), squeeze(en)) || !strings.Contains(squeeze(r.Docs), squeeze(zh)) {
			t.Errorf("docs pane for facilitiesNear:\n%s\nwant both\n%s\n%s", r.Docs, en, zh)
		}
		// Staff: the template is in the headers editor and is not sent as is.
		if !strings.Contains(r.HeadersTemplate, `"Authorization": "Bearer `+explorer.TokenPlaceholder+`"`) {
			t.Errorf("headers editor of the staff tab: %q", r.HeadersTemplate)
		}
		if r.PlaceholderRefusal == nil || r.PlaceholderRefusal.Extensions.Code != "UNAUTHENTICATED" ||
			!strings.Contains(r.PlaceholderRefusal.Message, "go run . token -role staff") || r.RequestsForPlaceholder != 0 {
			t.Errorf("running with the placeholder: %+v after %d requests; want a local UNAUTHENTICATED that says how to get a token, and no request",
				r.PlaceholderRefusal, r.RequestsForPlaceholder)
		}
		// With a real token pasted in, the operation runs as that staff.
		if len(r.Staff.Errors) > 0 || r.Staff.Role != "STAFF" || r.Staff.Community != "文亭巷社区" || r.Staff.Requests == 0 {
			t.Errorf("staff tab with a token: %+v", r.Staff)
		}
		// A reload keeps the edited tabs; a new visit gets the examples and
		// the header template back; the token is stored nowhere.
		if r.AfterReload.Tabs != len(explorer.Examples) || !r.AfterReload.Edited {
			t.Errorf("after a reload: %+v, want the %d tabs with the edit kept", r.AfterReload, len(explorer.Examples))
		}
		if r.NewVisit.Tabs != len(explorer.Examples) || r.NewVisit.Edited || !strings.Contains(r.NewVisit.Headers, explorer.TokenPlaceholder) {
			t.Errorf("a new visit: %d tabs, edit kept %v, staff headers %q; want the examples afresh", r.NewVisit.Tabs, r.NewVisit.Edited, r.NewVisit.Headers)
		}
		if !strings.Contains(r.NewVisit.Stored, `"graphiql:queries"`) || !strings.Contains(r.NewVisit.Stored, "StaffNeedsList") {
			t.Errorf("the query history was not kept: %.300s", r.NewVisit.Stored)
		}
		if strings.Contains(r.NewVisit.Stored, tok) {
			t.Errorf("the staff token was kept in the browser's storage: %s", strings.ReplaceAll(r.NewVisit.Stored, tok, "<TOKEN>"))
		}
	})
}

// squeeze drops all white space.
func squeeze(s string) string { return strings.Join(strings.Fields(s), "") }
