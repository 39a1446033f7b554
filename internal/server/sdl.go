package server

import (
	"net/http"

	"lifecircle/graph"
)

// schemaSDL serves the schema as a GraphQL SDL file, descriptions included,
// for code generators and readers without an introspection client: the
// schema the server validates and introspects with, built-in directives
// included, server-only directives left out (graph.PublicSDL).
func schemaSDL() http.Handler {
	sdl := graph.PublicSDL()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/graphql; charset=utf-8")
		w.Header().Set("Content-Disposition", `inline; filename="lifecircle.graphql"`)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = w.Write(sdl)
	})
}
