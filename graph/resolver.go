package graph

import (
	"github.com/99designs/gqlgen/graphql"

	"lifecircle/ent"
	"lifecircle/internal/limits"
	"lifecircle/internal/live"
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
	// live delivers the subscriptions, public and private (nil: they are
	// refused).
	live  *live.Hub
	hooks webhook.Endpoints // manages webhook endpoints
}

// NewSchema returns the executable schema over client. places answers the
// service-map queries with walk as the walking model; budget (nil: none)
// bounds the rate budgets staff give the tokens they issue.
// hub (nil: none) delivers the subscriptions (it follows the change log
// and the private logs: see liveprivate.Sources); hooks manages webhook endpoints.
func NewSchema(client *ent.Client, places *servicemap.Index, walk servicemap.WalkModel, budget *limits.Budget, hub *live.Hub, hooks webhook.Endpoints) graphql.ExecutableSchema {
	return NewExecutableSchema(Config{
		Schema:     PublicSchema(),
		Resolvers:  &Resolver{client: client, places: places, walk: walk, budget: budget, live: hub, hooks: hooks},
		Directives: DirectiveRoot{HasRole: hasRole},
	})
}
