package server

import (
	"bytes"
	"net/http"

	"github.com/vektah/gqlparser/v2/formatter"

	"lifecircle/graph"
)

// schemaSDL serves the schema as a GraphQL SDL file, descriptions included,
// for code generators and readers without an introspection client.
func schemaSDL() http.Handler {
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithComments()).FormatSchema(graph.NewExecutableSchema(graph.Config{}).Schema())
	sdl := buf.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/graphql; charset=utf-8")
		w.Header().Set("Content-Disposition", `inline; filename="lifecircle.graphql"`)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(sdl)
	})
}
