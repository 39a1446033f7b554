package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// PersonRoles are the roles a person holds in the community.
var PersonRoles = []string{"resident", "volunteer", "party_member", "grid_worker"}

// Person is a resident, volunteer, party member or grid worker. Every field is
// personal data: the type is private, with nothing to filter or order by.
type Person struct{ ent.Schema }

// Fields of the Person.
func (Person) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.String("phone").Optional().MaxLen(40).Sensitive(),
		field.Int("birth_year").Optional().Nillable().Range(1900, 2100),
		field.Strings("roles").Optional(),
		field.Int("community_id"),
	}
}

// Edges of the Person.
func (Person) Edges() []ent.Edge {
	return []ent.Edge{
		// One-directional: a public Region has no edge back to its people.
		edge.To("community", Region.Type).Unique().Required().Field("community_id"),
		// For privacy rules only (a volunteer may see who asked for what
		// they can claim); not in GraphQL.
		edge.From("requests", ServiceRequest.Type).Ref("requester").
			Annotations(entgql.Skip(entgql.SkipAll)),
		// For privacy rules only: staff see who registered for their
		// community's activities, wherever the person lives.
		edge.From("registrations", Registration.Type).Ref("person").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Mixin of the Person.
func (Person) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}} }

// Annotations of the Person.
func (Person) Annotations() []schema.Annotation {
	return append(privateAnnotations("people"), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField))
}
