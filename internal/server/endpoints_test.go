package server_test

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"lifecircle/internal/explorer"
	"lifecircle/internal/opendata"
	"lifecircle/internal/server"
	"lifecircle/internal/stats"
	"lifecircle/internal/testenv"
	"lifecircle/internal/widget"
)

// readmeEndpoints returns the paths of the README's endpoints table, each
// alternative spelled out (`/open/regions.csv`, `.geojson` gives two).
func readmeEndpoints(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	start := strings.Index(text, "## Endpoints\n")
	if start < 0 {
		t.Fatal("README has no Endpoints section")
	}
	section := text[start+len("## Endpoints\n"):]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	var paths []string
	code := regexp.MustCompile("`([^`]+)`")
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		cell := strings.SplitN(line, "|", 3)[1]
		base := ""
		for _, m := range code.FindAllStringSubmatch(cell, -1) {
			p := m[1]
			for _, method := range []string{"GET, POST ", "GET ", "POST "} {
				p = strings.TrimPrefix(p, method)
			}
			if strings.HasPrefix(p, ".") { // another extension of the previous path
				p = base + p
			}
			if i := strings.LastIndex(p, "."); i > strings.LastIndex(p, "/") {
				base = p[:i]
			} else {
				base = p
			}
			paths = append(paths, p)
		}
	}
	return paths
}

// routePatterns returns the path literals the server registers, as
// written in server.go ("/open/facilities." for the ones completed by a
// format in a loop).
func routePatterns(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("server.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("(?:[A-Z]+ )?(/[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, strings.TrimSuffix(m[1], "{$}"))
	}
	if len(out) < 10 {
		t.Fatalf("found only %d routes in server.go: %q", len(out), out)
	}
	// Registered through a constant rather than a literal.
	return append(out, explorer.AssetPrefix)
}

// TestReadmeListsEveryEndpoint keeps the README's endpoints table true:
// every route of server.go is in it, and every path in it answers.
func TestReadmeListsEveryEndpoint(t *testing.T) {
	listed := readmeEndpoints(t)
	for _, route := range routePatterns(t) {
		found := false
		for _, p := range listed {
			if p == route || route != "/" && strings.HasPrefix(p, route) {
				found = true
			}
		}
		if !found {
			t.Errorf("route %q of server.go is not in the README's endpoints table", route)
		}
	}
	// The dataset pages and downloads are routes with a pattern
	// (/open/datasets/{id}): the table names each one the portal serves.
	for _, id := range opendata.DatasetIDs {
		if !slices.Contains(listed, "/open/datasets/"+id) {
			t.Errorf("dataset page /open/datasets/%s is not in the README's endpoints table", id)
		}
	}
	for _, id := range opendata.CSVDatasets {
		if !slices.Contains(listed, "/open/"+id+".csv") {
			t.Errorf("download /open/%s.csv is not in the README's endpoints table", id)
		}
		if !slices.Contains(listed, "/open/"+id+".csv-metadata.json") {
			t.Errorf("/open/%s.csv-metadata.json is not in the README's endpoints table", id)
		}
	}

	s := testenv.StartServer(t, testenv.Backends()[0].Open(t, testenv.Options{}), server.Options{})
	if _, err := stats.Publish(context.Background(), s.Store.Client, stats.Period{Year: 2021, Month: 6}, stats.Options{Method: stats.MethodRule105}); err != nil {
		t.Fatal(err)
	}
	for _, p := range listed {
		switch {
		case strings.HasPrefix(p, "/explorer/") && strings.HasSuffix(p, ".js"):
			p = explorer.ScriptPath()
		case strings.HasPrefix(p, "/explorer/"):
			p = explorer.StylePath()
		case strings.Contains(p, "<hash>"):
			p = strings.Replace(p, "<hash>", widget.Version(), 1)
		}
		if p == "/readyz" {
			// Unready (503, "loading") until the first probe has loaded the
			// service-map index, which serve does before it listens.
			waitReady(t, s)
		}
		res, err := s.Client().Get(s.URL + p)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		res.Body.Close()
		// /graphql without a query is a 4xx of its own; nothing listed
		// may be missing.
		if res.StatusCode == http.StatusNotFound || res.StatusCode >= 500 {
			t.Errorf("GET %s (listed in the README): %d", p, res.StatusCode)
		}
	}
}
