package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Compound is a residential compound 小区 inside a community.
type Compound struct{ ent.Schema }

// Fields of the Compound.
func (Compound) Fields() []ent.Field {
	return append([]ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		field.Int("households").NonNegative().Default(0).
			Comment("approximate number of households").
			Annotations(entgql.OrderField("HOUSEHOLDS")),
		field.Bool("property_management").Default(false).
			Comment("false for 三无 compounds without property management"),
		field.Int("community_id"),
	}, latLng()...)
}

// Edges of the Compound.
func (Compound) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("community", Region.Type).Ref("compounds").Unique().Required().Field("community_id"),
		edge.To("facilities", Facility.Type).Annotations(entgql.RelayConnection(), noInput),
		edge.To("organizations", Organization.Type).Annotations(entgql.RelayConnection(), noInput),
	}
}

// Mixin of the Compound.
func (Compound) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Annotations of the Compound.
func (Compound) Annotations() []schema.Annotation { return publicAnnotations() }
