package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"lifecircle/ent"
	"lifecircle/internal/servicemap"
)

// Resolver is the root resolver. Resolvers are thin: they translate
// GraphQL to ent or to a capability package and back.
type Resolver struct {
	client *ent.Client
	places *servicemap.Index
	walk   servicemap.WalkModel
}

// NewSchema returns the executable schema over client. places answers the
// service-map queries with walk as the walking model.
func NewSchema(client *ent.Client, places *servicemap.Index, walk servicemap.WalkModel) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Schema:     PublicSchema(),
		Resolvers:  &Resolver{client: client, places: places, walk: walk},
		Directives: DirectiveRoot{HasRole: hasRole},
	})
}
