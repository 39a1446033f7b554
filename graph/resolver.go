package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"lifecircle/ent"
	"lifecircle/internal/limits"
	"lifecircle/internal/servicemap"
	"lifecircle/internal/webhook"
)

// Resolver is the root resolver. Resolvers are thin: they translate
// GraphQL to ent or to a capability package and back.
type Resolver struct {
	client *ent.Client
	places *servicemap.Index
	walk   servicemap.WalkModel
	budget *limits.Budget // nil: no rate limits
	hooks  webhook.Endpoints
}

// NewSchema returns the executable schema over client. places answers the
// service-map queries with walk as the walking model; budget (nil: none)
// bounds the rate budgets staff give the tokens they issue;
// hooks manages webhook endpoints.
func NewSchema(client *ent.Client, places *servicemap.Index, walk servicemap.WalkModel, budget *limits.Budget, hooks webhook.Endpoints) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Schema:     PublicSchema(),
		Resolvers:  &Resolver{client: client, places: places, walk: walk, budget: budget, hooks: hooks},
		Directives: DirectiveRoot{HasRole: hasRole},
	})
}
