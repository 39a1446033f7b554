package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// APIToken is a bearer token for an app client. Only the SHA-256 of the
// token is stored. Not part of the GraphQL schema.
type APIToken struct{ ent.Schema }

// Fields of the APIToken.
func (APIToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.Bytes("token_hash").Unique().Sensitive(),
		field.Enum("role").Values("staff", "admin", "resident", "volunteer"),
		field.Int("community_id").Optional().Nillable(),
		field.Int("person_id").Optional().Nillable().Comment("residents and volunteers act as this person"),
		field.Time("created_at").Immutable().Default(time.Now),
		field.Time("expires_at").Optional().Nillable(),
		field.Bool("revoked").Default(false),
	}
}

// Edges of the APIToken.
func (APIToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("community", Region.Type).Unique().Field("community_id"),
		edge.To("person", Person.Type).Unique().Field("person_id"),
	}
}

// Annotations of the APIToken.
func (APIToken) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
