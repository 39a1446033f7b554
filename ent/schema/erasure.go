package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Erasure records that a person's personal data was erased
// (internal/erasure): whose (the person's ID, which now names an erased
// record), by whom (role, token, person, community) and when. Nothing
// personal. Append-only.
type Erasure struct{ ent.Schema }

// Fields of the Erasure.
func (Erasure) Fields() []ent.Field {
	return []ent.Field{
		field.Int("person_id").Immutable().Unique().
			Comment("the erased person"),
		field.String("actor_role").Immutable().
			Comment("resident (the person themselves), staff or admin"),
		field.Int("actor_token_id").Optional().Nillable().Immutable(),
		field.Int("actor_person_id").Optional().Nillable().Immutable(),
		field.Int("actor_community_id").Optional().Nillable().Immutable(),
		field.Time("at").Default(time.Now).Immutable(),
	}
}

// Indexes of the Erasure.
func (Erasure) Indexes() []ent.Index { return []ent.Index{index.Fields("at")} }

// Annotations of the Erasure.
func (Erasure) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
