package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// RequestEvent is one step in the history of a service request: who moved
// it from which status to which, when, and why. Append-only: the policy
// refuses every update and delete.
type RequestEvent struct{ ent.Schema }

// Fields of the RequestEvent.
func (RequestEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("action").NamedValues(
			"Submit", "SUBMIT", "Dispatch", "DISPATCH", "Claim", "CLAIM", "Resolve", "RESOLVE",
			"Confirm", "CONFIRM", "Reopen", "REOPEN", "Reject", "REJECT", "Reward", "REWARD",
		).Immutable(),
		field.String("from_status").Optional().Immutable(),
		field.String("to_status").Immutable(),
		field.String("actor_role").Immutable().Comment("the role the actor acted in"),
		field.Text("note").Optional().MaxLen(4000).Immutable(),
		field.Time("at").Default(time.Now).Immutable(),
		field.Int("request_id").Immutable(),
		field.Int("community_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("actor_id").Optional().Nillable().Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the RequestEvent.
func (RequestEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("request", ServiceRequest.Type).Ref("events").Unique().Required().Field("request_id").Immutable(),
	}
}

// Annotations of the RequestEvent.
func (RequestEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.RelayConnection(), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}
