package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Registration is a person's registration for an activity. Private: who takes
// part in what is personal data.
type Registration struct{ ent.Schema }

// Fields of the Registration.
func (Registration) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("status").NamedValues("Registered", "REGISTERED", "Cancelled", "CANCELLED").Default("REGISTERED"),
		field.Int("person_id").Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int("activity_id"),
		field.Int("community_id").Comment("the activity's community, for staff scoping"),
	}
}

// Edges of the Registration.
func (Registration) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("person", Person.Type).Unique().Required().Field("person_id").
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("activity", Activity.Type).Unique().Required().Field("activity_id"),
		edge.To("community", Region.Type).Unique().Required().Field("community_id"),
	}
}

// Indexes of the Registration.
func (Registration) Indexes() []ent.Index {
	return []ent.Index{index.Fields("activity_id", "person_id").Unique()}
}

// Mixin of the Registration.
func (Registration) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}} }

// Annotations of the Registration.
func (Registration) Annotations() []schema.Annotation {
	return append(privateAnnotations("registrations"), entgql.Skip(entgql.SkipOrderField))
}
