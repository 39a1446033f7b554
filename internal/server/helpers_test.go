package server_test

import (
	"encoding/json"
	"testing"

	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// start opens a demo-loaded database on b and serves it.
func start(t *testing.T, b testenv.Backend) *testenv.Server {
	t.Helper()
	return testenv.StartServer(t, b.Open(t, testenv.Options{}), server.Options{CORSOrigins: []string{"https://district.example"}})
}

// mustJSON renders v for failure messages.
func mustJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}
