package opendata_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"lifecircle/internal/server"
	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
)

type browserPage struct {
	URL                         string
	Width, Status               int
	Screenshot                  string
	ScrollWidth, ClientWidth    int
	Title, H1                   string
	PreviewRows, DictionaryRows int
	MapPoints                   int
	MapWidth                    float64
	Overflowing, Errors         []string
	Outside                     []string
}

// The catalogue, a search and the pages of three datasets render in headless Chromium on a
// desktop (1280 px) and a phone (390 px) with no sideways scrolling, no
// script errors and no request to another server; the dataset's page shows
// its preview, dictionary and map. Screenshots go to test-artifacts/.
func TestPortalInBrowser(t *testing.T) {
	path := testenv.Chromium(t, "the portal's browser test", "e2e")
	st := testenv.Backends()[0].Open(t, testenv.Options{})
	s := testenv.StartServer(t, st, server.Options{})
	if _, err := stats.Publish(context.Background(), st.Client, stats.Period{Year: 2021, Month: 6}, stats.Options{Method: stats.MethodRule105}); err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "..", "test-artifacts")
	}
	dir, _ = filepath.Abs(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pages := []string{s.URL + "/open/", s.URL + "/open/datasets/facilities", s.URL + "/open/?q=%E9%A3%9F%E5%A0%82",
		s.URL + "/open/datasets/compounds", s.URL + "/open/datasets/statistics"}
	cfg, _ := json.Marshal(map[string]any{"pages": pages, "widths": []int{1280, 390}, "dir": dir})
	cmd := exec.Command("node", "portal.mjs")
	cmd.Dir = "e2e"
	cmd.Env = append(os.Environ(), "PORTAL="+string(cfg), "CHROMIUM="+path)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("browser run failed: %v\n%s\n%s", err, stderr.String(), out)
	}
	var report struct{ Pages []browserPage }
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("browser report: %v\n%s", err, out)
	}
	if len(report.Pages) != len(pages)*2 {
		t.Fatalf("%d pages rendered, want %d", len(report.Pages), len(pages)*2)
	}
	for _, p := range report.Pages {
		t.Logf("%s at %d px: screenshot %s", p.URL, p.Width, p.Screenshot)
		if p.Status != 200 || p.ScrollWidth > p.ClientWidth || len(p.Overflowing) > 0 {
			t.Errorf("%s at %d px: status %d, scrolls sideways (%d > %d px): %v", p.URL, p.Width, p.Status, p.ScrollWidth, p.ClientWidth, p.Overflowing)
		}
		if len(p.Errors) > 0 || len(p.Outside) > 0 {
			t.Errorf("%s at %d px: script errors %v, requests to other servers %v", p.URL, p.Width, p.Errors, p.Outside)
		}
		if !strings.HasPrefix(p.H1, "开放数据") && !strings.Contains(p.URL, "/datasets/") {
			t.Errorf("%s: heading %q", p.URL, p.H1)
		}
		if strings.HasSuffix(p.URL, "/datasets/facilities") {
			if p.H1 != "15分钟生活圈服务设施" || p.PreviewRows != 10 || p.DictionaryRows < 20 || p.MapPoints < 20 || p.MapWidth < float64(min(p.Width, 1024))*0.85 {
				t.Errorf("facilities page at %d px: %+v", p.Width, p)
			}
		}
	}
}
