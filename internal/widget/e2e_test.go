package widget_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	entfacility "lifecircle/ent/facility"
	"lifecircle/ent/region"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
	"lifecircle/internal/server"
	"lifecircle/internal/taxonomy"
	"lifecircle/internal/testenv"
	"lifecircle/internal/timefmt"
	"lifecircle/internal/walknet"
)

// cookieLog records requests to the public endpoint that carried cookies.
type cookieLog struct {
	mu   sync.Mutex
	seen []string
	n    int
}

func (c *cookieLog) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/open/") {
			c.mu.Lock()
			c.n++
			if ck := r.Header.Get("Cookie"); ck != "" {
				c.seen = append(c.seen, r.URL.Path+": "+ck)
			}
			c.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

type facility struct {
	ID       string
	Name     string
	Names    []struct{ Lang, Value string }
	Category string
	OpenNow  *bool
}

type report struct {
	Editor struct {
		PreviewMarkers int
		YilaoMarkers   int
		YilaoSnippet   string
		Snippet        string
		FullSnippet    string
		FullGapsOpen   bool
	}
	Yilao struct {
		State, Status         string
		IDs, LiveIDs          []string
		Created, CreatedShown string
		PharmacyShown         int
	}
	Second struct {
		State, Status, Title string
		Markers              int
		Categories           []string
		CoverageShown        bool
	}
	Gaps                         []string
	GapsOpen, GapsOpenAfterClick bool
	GapsSummary, GapsSummaryEn   string
	Basemap, Attribution         string
	Rich                         map[string]details
	RichList                     struct{ Text, Tel string }
	Viewports                    []viewport
	State, Status                string
	Markers                      int
	ListItems                    int
	ListOrder                    []string
	Title                        map[string]string
	Coverage                     map[string]string
	AfterToggle                  struct{ Markers, MarkersOfCategory, ListItems int }
	AfterToggleBack              int
	Popup                        map[string]popup
	PopupFromList                popup
	PopupsBeforeEnter            int
	LegendHant                   string
	FocusableInMap               int
	Legend                       string
	ListNameEn                   string
	HostProbe                    struct{ Background, FontSize, ZIndex string }
	WidgetButtonBackground       string
	LightDOMLeaflet              int
	Live                         *struct {
		Created, CreatedLegend            string
		CreatedMarker, Markers, ListItems int
		Moved, Closed, Reloaded           bool
		StateBeforeRemoval                string
		StreamClosedOnRemoval             bool
		StallStates, StallCreated         string
	}
	ConsoleErrors, FailedRequests, BadResponses []string
}

type popup struct{ Name, Open, Walk string }

type details struct {
	Hours, Phone, Tel, Services string
	Activities                  []string
}

type viewport struct {
	Width             int
	Editor, Host      struct{ ScrollWidth, ClientWidth int }
	EditorOverflowing []string
	Layout            string
	Widget            struct {
		MapHeight   float64
		InnerScroll []string
		ListVisible int
		Height      float64
	}
}

func equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// TestWidgetInBrowser embeds the widget in a page of a second origin and
// checks, in headless Chromium, what a resident sees against what the
// public API says.
func TestWidgetInBrowser(t *testing.T) {
	chromium := testenv.Chromium(t, "the widget's browser test", "web")
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		st := b.Open(t, testenv.Options{})
		ctx := rule.SystemContext(context.Background())
		// A street network around the demo community, as
		// "lifecircle import-network" would store one: the widget draws
		// its streets as the base map.
		wen := st.Client.Region.Query().Where(region.Name("文亭巷社区")).OnlyX(ctx)
		g, err := walknet.Import(ctx, strings.NewReader(streetGrid(wen.Lat, wen.Lng)), false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := walknet.Save(ctx, st.Client, "demo-grid", g); err != nil {
			t.Fatal(err)
		}
		// The community canteen: residents order meals by phone. An
		// activity there next week.
		canteen := st.Client.Facility.Query().Where(entfacility.Name("文亭巷社区幸福食堂")).OnlyX(ctx)
		next := time.Now().In(timefmt.Local).AddDate(0, 0, 7)
		start := time.Date(next.Year(), next.Month(), next.Day(), 10, 0, 0, 0, timefmt.Local)
		st.Client.Activity.Create().SetTitle("重阳节饺子宴").SetCategory("ELDERLY").SetStartsAt(start).SetEndsAt(start.Add(2 * time.Hour)).
			SetCommunityID(wen.ID).SetVenueID(canteen.ID).SaveX(ctx)
		cookies := &cookieLog{}
		// Keep-alive comments every second, so that the stalled stream's
		// watchdog (data-live-idle="3" below) can be short and a healthy
		// stream still outlives it.
		h := server.New(st.Client, server.Options{LiveLimits: server.LiveLimits{KeepAlive: time.Second}})
		t.Cleanup(h.Close) // after the server below (last in, first out)
		api := httptest.NewServer(cookies.wrap(h))
		t.Cleanup(api.Close)
		apiSrv := &testenv.Server{Server: api, Store: st}

		// The community and what the public API says is within 15 minutes.
		var place struct {
			Regions struct {
				Edges []struct {
					Node struct {
						ID       string
						Name     string
						NameEn   string
						Lat, Lng float64
					}
				}
			}
		}
		apiSrv.Query(t, "", `{ regions(where: {name: "文亭巷社区"}) { edges { node { id name nameEn lat lng } } } }`, nil).Decode(t, &place)
		c := place.Regions.Edges[0].Node
		var near struct {
			FacilitiesNear struct {
				TotalCount int
				Edges      []struct {
					WalkMinutes float64
					Node        facility
				}
			}
		}
		apiSrv.Query(t, "", `query($lat: Float!, $lng: Float!) { facilitiesNear(lat: $lat, lng: $lng, walkMinutes: 15, first: 100) {
			totalCount edges { walkMinutes node { id name names { lang value } category openNow } } } }`,
			map[string]any{"lat": c.Lat, "lng": c.Lng}).Decode(t, &near)
		fs := near.FacilitiesNear
		if fs.TotalCount < 5 || fs.TotalCount > 100 {
			t.Fatalf("the demo community should have 5–100 facilities in reach, has %d", fs.TotalCount)
		}
		perCategory := map[string]int{}
		for _, e := range fs.Edges {
			perCategory[e.Node.Category]++
		}
		// Toggle the category with the most facilities (fewer than all).
		cats := make([]string, 0, len(perCategory))
		for k := range perCategory {
			cats = append(cats, k)
		}
		sort.Slice(cats, func(i, j int) bool {
			return perCategory[cats[i]] > perCategory[cats[j]] || perCategory[cats[i]] == perCategory[cats[j]] && cats[i] < cats[j]
		})
		toggle := cats[0]
		// Open the popup of a facility with known hours and an English name.
		var pick *facility
		for i := range fs.Edges {
			f := &fs.Edges[i].Node
			if f.OpenNow != nil && english(f) != "" {
				pick = f
				break
			}
		}
		if pick == nil {
			t.Fatal("no demo facility in reach has opening hours and an English name")
		}

		// The second widget: a compound of the community, in English (asked
		// for as EN-gb), two categories only, read in pages of 2.
		var compound struct {
			Node struct {
				Compounds struct {
					Edges []struct {
						Node struct {
							ID, Name string
							Lat, Lng float64
						}
					}
				}
			}
		}
		apiSrv.Query(t, "", `query($id: ID!) { node(id: $id) { ... on Region { compounds(first: 1) { edges { node { id name lat lng } } } } } }`,
			map[string]any{"id": c.ID}).Decode(t, &compound)
		k := compound.Node.Compounds.Edges[0].Node
		twoCats := []string{cats[0], cats[1]}
		sort.Strings(twoCats)
		var kNear struct{ FacilitiesNear struct{ TotalCount int } }
		apiSrv.Query(t, "", `query($lat: Float!, $lng: Float!, $c: [String!]) { facilitiesNear(lat: $lat, lng: $lng, walkMinutes: 15, categories: $c, first: 1) { totalCount } }`,
			map[string]any{"lat": k.Lat, "lng": k.Lng, "c": twoCats}).Decode(t, &kNear)

		// The third widget: the community's facilities for the elderly and
		// children only (a service or a tag), as facilitiesNear finds them;
		// and what the editor's 一老一少 preset ticks of the community's.
		yilaoServices, yilaoTags := []string{"老年助餐"}, []string{"课后托管"}
		yilaoIDs := nearIDs(t, apiSrv, c.Lat, c.Lng, yilaoServices, yilaoTags)
		if len(yilaoIDs) < 2 || len(yilaoIDs) >= fs.TotalCount {
			t.Fatalf("the 一老一少 filter finds %d of %d facilities: not a test of filtering", len(yilaoIDs), fs.TotalCount)
		}
		presetIDs := nearIDs(t, apiSrv, c.Lat, c.Lng, []string{"公益课后托管", "作业辅导", "老年助餐"}, []string{"老年食堂", "课后托管"})

		// The district site: another origin (localhost, not 127.0.0.1), with
		// styles of its own that must not reach into the widget. It shows
		// the snippet the editor copied from /widget/.
		apiURL := api.URL
		host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Set-Cookie", "district_session=abc; Path=/")
			fmt.Fprintf(w, hostPage, r.URL.Query().Get("snippet"), k.ID, strings.Join(twoCats, ","), c.ID, strings.Join(yilaoServices, ","), strings.Join(yilaoTags, ","))
		}))
		t.Cleanup(host.Close)
		hostURL := strings.Replace(host.URL, "127.0.0.1", "localhost", 1)

		shot := filepath.Join(artifacts(t), "widget-"+b.Name+".png")
		// Live: with the widget open, staff add a pharmacy next to the
		// community's centre, move the canteen 40 m north and close the
		// facility whose popup was opened.
		// A stalled stream: in front of the API, a proxy whose first live
		// stream answers, sends one keep-alive comment and then nothing,
		// never closing; everything else passes through.
		target, _ := url.Parse(apiURL)
		proxy := httputil.NewSingleHostReverseProxy(target)
		proxy.FlushInterval = -1
		var streams atomic.Int32
		stalled := make(chan bool, 1) // whether the stalled stream was dropped by the client
		stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Accept"), "text/event-stream") && streams.Add(1) == 1 {
				w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
				w.Header().Set("Content-Type", "text/event-stream")
				w.WriteHeader(http.StatusOK)
				fmt.Fprint(w, ": keep-alive\n\n")
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
					stalled <- true
				case <-time.After(60 * time.Second):
					stalled <- false
				}
				return
			}
			proxy.ServeHTTP(w, r)
		}))
		t.Cleanup(stall.Close)
		live := map[string]any{"graphqlURL": apiURL + "/graphql", "token": apiSrv.Token(t, auth.RoleAdmin, 0), "community": c.ID,
			"lat": c.Lat + 0.0003, "lng": c.Lng + 0.0003, "move": gid.Encode(canteen.ID), "moveLat": canteen.Lat + 0.0004, "moveLng": canteen.Lng,
			"close": pick.ID, "stallAPI": stall.URL + "/open/graphql"}
		cfg, _ := json.Marshal(map[string]any{"editorURL": apiURL + "/widget/", "community": c.ID, "url": hostURL,
			"toggle": toggle, "facility": pick.ID, "rich": gid.Encode(canteen.ID), "screenshot": shot, "cookieURL": apiURL, "live": live})
		cmd := exec.Command("node", "e2e.mjs")
		cmd.Dir = "web"
		cmd.Env = append(os.Environ(), "E2E="+string(cfg), "CHROMIUM="+chromium)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		begin := time.Now()
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("browser run failed: %v\n%s\n%s", err, stderr.String(), out)
		}
		t.Logf("browser run: %s", time.Since(begin).Round(time.Millisecond))
		// Printed always: the screenshots are there to be looked at.
		fmt.Fprintf(os.Stderr, "widget screenshots (%s): %s\n", b.Name, strings.TrimSuffix(shot, ".png")+"*.png")
		var r report
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("browser report: %v\n%s", err, out)
		}

		if r.State != "ready" {
			t.Fatalf("widget state %q: %s", r.State, r.Status)
		}
		wantSnippet := fmt.Sprintf(`<div data-lifecircle-widget data-community="%s" data-lang="zh-Hans" data-height="560" style="width:100%%"></div>`+"\n"+
			`<script src="%s/widget/lifecircle-widget.js" async></script>`, c.ID, apiURL)
		if r.Editor.Snippet != wantSnippet || r.Editor.PreviewMarkers != fs.TotalCount {
			t.Errorf("/widget/ gave the snippet\n%s\nwant\n%s\nand previewed %d markers, want %d", r.Editor.Snippet, wantSnippet, r.Editor.PreviewMarkers, fs.TotalCount)
		}
		if !strings.Contains(r.Editor.FullSnippet, ` data-coverage="full" `) || !r.Editor.FullGapsOpen {
			t.Errorf("coverage full in the editor: snippet %q, gaps open with walking minutes %v", r.Editor.FullSnippet, r.Editor.FullGapsOpen)
		}
		// 一老一少: the preset's snippet and preview; the third widget
		// shows exactly the matching facilities, then follows a matching
		// new one live and not the pharmacy created before it.
		if y := r.Editor.YilaoSnippet; !strings.Contains(y, ` data-services="`) || !strings.Contains(y, "老年助餐") ||
			!strings.Contains(y, ` data-tags="`) || !strings.Contains(y, "课后托管") || !strings.Contains(y, "老年食堂") || strings.Contains(y, "一老一幼") ||
			r.Editor.YilaoMarkers != len(presetIDs) {
			t.Errorf("一老一少 preset: snippet %q, %d markers; want the services and tags of the community's facilities for the elderly and children, %d markers",
				y, r.Editor.YilaoMarkers, len(presetIDs))
		}
		if y := r.Yilao; y.State != "ready" || !equal(y.IDs, yilaoIDs) || !strings.HasSuffix(y.Status, "（服务或标签：老年助餐、课后托管）") {
			t.Errorf("一老一少 widget: state %q, status %q, markers %v; facilitiesNear(services: %v, tags: %v) has %v", y.State, y.Status, y.IDs, yilaoServices, yilaoTags, yilaoIDs)
		}
		if y := r.Yilao; y.CreatedShown != "实时长者食堂" || y.PharmacyShown != 0 || !slices.Contains(y.LiveIDs, y.Created) || len(y.LiveIDs) < len(yilaoIDs) {
			t.Errorf("一老一少 widget live: the new canteen shown as %q, the pharmacy %d times, markers %v", y.CreatedShown, y.PharmacyShown, y.LiveIDs)
		}
		if s := r.Second; s.State != "ready" || s.Markers != kNear.FacilitiesNear.TotalCount || !equal(s.Categories, twoCats) || s.Title != k.Name+" · 15-minute life circle" {
			t.Errorf("compound widget: %+v; want %d markers of %v titled %q", s, kNear.FacilitiesNear.TotalCount, twoCats, k.Name)
		}
		if r.Markers != fs.TotalCount || r.ListItems != fs.TotalCount {
			t.Errorf("markers %d, list entries %d; the public API has %d facilities within 15 minutes", r.Markers, r.ListItems, fs.TotalCount)
		}
		for i, e := range fs.Edges { // the list is sorted by walking time, as the API's edges are
			if i < len(r.ListOrder) && r.ListOrder[i] != e.Node.ID && fs.Edges[i].WalkMinutes != fs.Edges[indexOf(fs.Edges, r.ListOrder[i])].WalkMinutes {
				t.Errorf("list entry %d is %s, want %s (by walking time)", i, r.ListOrder[i], e.Node.ID)
			}
		}
		if got, want := r.AfterToggle, (struct{ Markers, MarkersOfCategory, ListItems int }{fs.TotalCount - perCategory[toggle], 0, fs.TotalCount - perCategory[toggle]}); got != want {
			t.Errorf("after hiding %s: %+v, want %+v", toggle, got, want)
		}
		if r.AfterToggleBack != fs.TotalCount {
			t.Errorf("after showing %s again: %d markers, want %d", toggle, r.AfterToggleBack, fs.TotalCount)
		}
		wantOpen := map[string]string{"zh": "已打烊", "en": "Closed now"}
		if *pick.OpenNow {
			wantOpen = map[string]string{"zh": "营业中", "en": "Open now"}
		}
		if p := r.Popup["zh"]; p.Name != pick.Name || p.Open != wantOpen["zh"] || !strings.Contains(p.Walk, "分钟") {
			t.Errorf("popup in zh-Hans: %+v, want name %q and %q", p, pick.Name, wantOpen["zh"])
		}
		if r.PopupsBeforeEnter != 0 || r.PopupFromList != r.Popup["zh"] {
			t.Errorf("popup opened from the list with the keyboard (%d popups open before): %+v, want %+v", r.PopupsBeforeEnter, r.PopupFromList, r.Popup["zh"])
		}
		if p := r.Popup["en"]; p.Name != english(pick) || p.Open != wantOpen["en"] || !strings.Contains(p.Walk, "min walk") {
			t.Errorf("popup in English: %+v, want name %q and %q", p, english(pick), wantOpen["en"])
		}
		if r.ListNameEn != english(pick) {
			t.Errorf("list entry in English: %q, want %q", r.ListNameEn, english(pick))
		}
		if r.Title["zh"] != "文亭巷社区 · 15分钟生活圈" || r.Title["en"] != c.NameEn+" · 15-minute life circle" {
			t.Errorf("titles: %v", r.Title)
		}
		if r.Title["hant"] != "文亭巷社区 · 15分鐘生活圈" || r.LegendHant != "圖例與篩選" {
			t.Errorf("zh-Hant labels: title %q, legend %q", r.Title["hant"], r.LegendHant)
		}
		if r.FocusableInMap != 0 {
			t.Errorf("%d links or buttons in the map (hidden from screen readers) take keyboard focus", r.FocusableInMap)
		}
		// Coverage: a positive summary; the gaps one click away, "to be
		// verified", and only community-level kinds among them.
		if !strings.HasPrefix(r.Coverage["zh"], "步行15分钟内可达") || !strings.Contains(r.Coverage["en"], "within a 15-minute walk") || r.Legend != "Legend and filters" {
			t.Errorf("labels did not follow the language: coverage %v, legend %q", r.Coverage, r.Legend)
		}
		if r.GapsOpen || !r.GapsOpenAfterClick || !strings.Contains(r.GapsSummary, "待核实") || !strings.Contains(r.GapsSummaryEn, "to be verified") {
			t.Errorf("gaps: open %v (want closed), after a click %v, summaries %q / %q", r.GapsOpen, r.GapsOpenAfterClick, r.GapsSummary, r.GapsSummaryEn)
		}
		for _, code := range r.Gaps {
			if cat, _ := taxonomy.Lookup(code); cat.Tier != taxonomy.Tier5 && cat.Tier != taxonomy.TierBlock {
				t.Errorf("the gaps list %s, a %s-tier category a community does not host", code, cat.Tier)
			}
		}
		if r.Second.CoverageShown {
			t.Error(`data-coverage="off" still shows the coverage`)
		}
		// The base map: the imported network's streets, credited.
		if r.Basemap != "streets" || !strings.Contains(r.Attribution, "OpenStreetMap") {
			t.Errorf("base map %q, attribution %q; want the imported streets, credited", r.Basemap, r.Attribution)
		}
		// The canteen: human hours, a tappable phone, services, the activity; in the list too.
		if d := r.Rich["zh-Hans"]; d.Hours != "开放时间：周一至周日 11:30–13:00、17:30–19:00" || d.Phone != "电话：000-0000-0002" || d.Tel != "tel:00000000002" ||
			!strings.Contains(d.Services, "电话订餐") || len(d.Activities) != 1 || !strings.Contains(d.Activities[0], "重阳节饺子宴") {
			t.Errorf("canteen popup in zh-Hans: %+v", d)
		}
		if d := r.Rich["en"]; d.Hours != "Opening hours: Mon–Sun 11:30–13:00, 17:30–19:00" || d.Tel != "tel:00000000002" {
			t.Errorf("canteen popup in English: %+v", d)
		}
		if l := r.RichList; l.Tel != "tel:00000000002" || !strings.Contains(l.Text, "周一至周日 11:30–13:00") || !strings.Contains(l.Text, "重阳节饺子宴") || strings.Contains(l.Text, "Mo-Su") {
			t.Errorf("canteen in the list: %+v", l)
		}
		// No sideways scrolling at any width; on a phone no scrolling box inside the widget.
		if len(r.Viewports) != 4 {
			t.Fatalf("viewports: %+v", r.Viewports)
		}
		for _, v := range r.Viewports {
			if v.Editor.ScrollWidth > v.Editor.ClientWidth || v.Host.ScrollWidth > v.Host.ClientWidth || len(v.EditorOverflowing) > 0 {
				t.Errorf("%d px: the editor is %d px wide in %d (controls outside their fieldset: %v), the district page %d in %d",
					v.Width, v.Editor.ScrollWidth, v.Editor.ClientWidth, v.EditorOverflowing, v.Host.ScrollWidth, v.Host.ClientWidth)
			}
			if v.Width <= 390 && (v.Layout != "narrow" || len(v.Widget.InnerScroll) > 0 || v.Widget.MapHeight < 300 || v.Widget.ListVisible != fs.TotalCount) {
				t.Errorf("%d px: layout %q, scrolling inside the widget: %v, map %.0f px high, %d list entries", v.Width, v.Layout, v.Widget.InnerScroll, v.Widget.MapHeight, v.Widget.ListVisible)
			}
			if v.Width == 1280 && v.Layout != "wide" {
				t.Errorf("1280 px: layout %q, want wide", v.Layout)
			}
		}
		if r.HostProbe.Background != "rgba(0, 0, 0, 0)" || r.HostProbe.FontSize != "21px" || r.LightDOMLeaflet != 0 {
			t.Errorf("widget styles leaked into the host page: probe %+v, %d Leaflet nodes/styles in the light DOM", r.HostProbe, r.LightDOMLeaflet)
		}
		if r.WidgetButtonBackground == "rgb(255, 105, 180)" {
			t.Errorf("host page styles reached into the widget (button background %s)", r.WidgetButtonBackground)
		}
		// Live updates: the new pharmacy appears, the canteen moves, the
		// closed facility leaves map and list, all without a reload; a
		// removed widget closes its stream.
		if l := r.Live; l == nil {
			t.Error("no live report")
		} else {
			if l.Created != "实时新药店" || l.CreatedMarker != 1 || strings.Contains(l.CreatedLegend, "pharmacy") {
				t.Errorf("created facility: list entry %q, %d markers, legend %q; want 实时新药店, 1 and the category's label", l.Created, l.CreatedMarker, l.CreatedLegend)
			}
			if !l.Moved || !l.Closed || l.Reloaded {
				t.Errorf("live: moved %v, closed facility removed %v, page reloaded %v", l.Moved, l.Closed, l.Reloaded)
			}
			if l.Markers != fs.TotalCount || l.ListItems != fs.TotalCount {
				t.Errorf("after one creation and one closure: %d markers, %d list entries, want %d", l.Markers, l.ListItems, fs.TotalCount)
			}
			if l.StateBeforeRemoval != "live" || !l.StreamClosedOnRemoval {
				t.Errorf("live state %q; stream closed when the widget was removed: %v", l.StateBeforeRemoval, l.StreamClosedOnRemoval)
			}
			// The stalled stream: dropped by the watchdog (data-live-idle="3"),
			// resumed, and the resumed stream delivers.
			dropped := false
			select {
			case dropped = <-stalled:
			default:
			}
			// Two streams: the resumed one, kept alive by the server's
			// keep-alives, is not dropped over and over (a CPU-starved
			// browser may miss the 3 s once; the watchdog then resumes
			// after the cursor, losing nothing).
			if n := streams.Load(); !dropped || l.StallStates != "live,waiting,live" || l.StallCreated != "停顿后新药店" || n < 2 || n > 3 {
				t.Errorf("stalled stream: dropped by the widget %v, states %q, created %q, %d streams; want true, live,waiting,live, 停顿后新药店, 2 (3 at most)",
					dropped, l.StallStates, l.StallCreated, n)
			}
		}
		if len(r.ConsoleErrors)+len(r.FailedRequests)+len(r.BadResponses) > 0 {
			t.Errorf("console errors %q, failed requests %q, error responses %q", r.ConsoleErrors, r.FailedRequests, r.BadResponses)
		}
		cookies.mu.Lock()
		defer cookies.mu.Unlock()
		if cookies.n == 0 || len(cookies.seen) > 0 {
			t.Errorf("%d widget requests to /open/, with cookies: %q", cookies.n, cookies.seen)
		}
	})
}

// nearIDs is what facilitiesNear finds within 15 minutes of a point with
// any of services or tags: IDs, sorted.
func nearIDs(t *testing.T, s *testenv.Server, lat, lng float64, services, tags []string) []string {
	t.Helper()
	var d struct {
		FacilitiesNear struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	s.Query(t, "", `query($lat: Float!, $lng: Float!, $s: [String!], $t: [String!]) { facilitiesNear(lat: $lat, lng: $lng, walkMinutes: 15, services: $s, tags: $t, first: 100) { edges { node { id } } } }`,
		map[string]any{"lat": lat, "lng": lng, "s": services, "t": tags}).Decode(t, &d)
	var ids []string
	for _, e := range d.FacilitiesNear.Edges {
		ids = append(ids, e.Node.ID)
	}
	sort.Strings(ids)
	return ids
}

func english(f *facility) string {
	for _, n := range f.Names {
		if n.Lang == "en" {
			return n.Value
		}
	}
	return ""
}

func indexOf(edges []struct {
	WalkMinutes float64
	Node        facility
}, id string) int {
	for i, e := range edges {
		if e.Node.ID == id {
			return i
		}
	}
	return 0
}

// artifacts is where screenshots go: $TEST_ARTIFACTS, or a new directory
// under the system's temporary directory (kept, so they can be looked at).
func artifacts(t *testing.T) string {
	dir := os.Getenv("TEST_ARTIFACTS")
	if dir == "" {
		d, err := os.MkdirTemp("", "lifecircle-widget-")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	dir, _ = filepath.Abs(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// streetGrid is a 25 × 25 grid of streets 100 m apart around a point, in
// OpenStreetMap XML.
func streetGrid(lat, lng float64) string {
	const n = 25
	dLat := 100 / 111195.0
	dLng := dLat / math.Cos(lat*math.Pi/180)
	var nodes []testenv.OSMNode
	var ways []testenv.OSMWay
	id := func(i, j int) int { return i*n + j + 1 }
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			nodes = append(nodes, testenv.OSMNode{ID: id(i, j), Lat: lat + float64(i-n/2)*dLat, Lng: lng + float64(j-n/2)*dLng})
		}
	}
	for i := 0; i < n; i++ {
		row, col := make([]int, n), make([]int, n)
		for j := 0; j < n; j++ {
			row[j], col[j] = id(i, j), id(j, i)
		}
		kind := "residential"
		if i%6 == 0 {
			kind = "secondary"
		}
		ways = append(ways, testenv.OSMWay{ID: 1000 + i, Nodes: row, Tags: map[string]string{"highway": kind}},
			testenv.OSMWay{ID: 2000 + i, Nodes: col, Tags: map[string]string{"highway": "footway"}})
	}
	return testenv.OSMXML(nodes, ways)
}

// hostPage is a district site: the snippet from /widget/ plus hostile
// styles of its own.
const hostPage = `<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>某某区政府网站</title>
<style>
  body { font: 21px serif; }
  button { background: hotpink !important; }
  * { z-index: auto; }
</style></head>
<body>
<h1>某某区 · 社区服务</h1>
<p id="probe" class="leaflet-container lc lc-title">本区居民可在下方查看步行可达的服务设施。</p>
%s
<h2>小区 · Compound</h2>
<div id="second" data-lifecircle-widget data-compound="%s" data-lang="EN-gb" data-categories="%s" data-coverage="off" style="max-width:600px;height:420px"></div>
<h2>一老一少</h2>
<div id="yilao" data-lifecircle-widget data-community="%s" data-services="%s" data-tags="%s" data-coverage="off" style="max-width:600px;height:420px"></div>
</body></html>`
