package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// SignInCode is a one-time code with which a resident's app links the
// resident's identity-provider subject to their Person (linkSignIn). Only
// the SHA-256 of the code is stored; it expires and works once. Not in
// GraphQL: issueSignInCode shows the code once, and only the system
// context reads or writes the table.
type SignInCode struct{ ent.Schema }

// Fields of the SignInCode.
func (SignInCode) Fields() []ent.Field {
	return []ent.Field{
		field.Bytes("code_hash").Unique().Sensitive().Immutable(),
		field.Int("person_id").Immutable(),
		field.String("created_by").MaxLen(100).Immutable().
			Comment("The credential that created the code (token:ID or identity:ID)."),
		field.Time("created_at").Immutable().Default(time.Now),
		field.Time("expires_at").Immutable(),
		field.Time("used_at").Optional().Nillable(),
	}
}

// Edges of the SignInCode.
func (SignInCode) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("person", Person.Type).Unique().Required().Immutable().Field("person_id"),
	}
}

// Annotations of the SignInCode: not in GraphQL.
func (SignInCode) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
