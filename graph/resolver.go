package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"lifecircle/ent"
)

// Resolver is the root resolver. Resolvers are thin: they translate
// GraphQL to ent or to a capability package and back.
type Resolver struct {
	client *ent.Client
}

// NewSchema returns the executable schema over client.
func NewSchema(client *ent.Client) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Resolvers:  &Resolver{client: client},
		Directives: DirectiveRoot{HasRole: hasRole},
	})
}
