package schema

import (
	"math"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Compound is a residential compound 小区 inside a community.
type Compound struct{ ent.Schema }

// Fields of the Compound.
func (Compound) Fields() []ent.Field {
	return append([]ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Comment(doc("Name of the compound.", "小区名称。")).
			Annotations(entgql.OrderField("NAME")),
		field.Int("households").Range(0, math.MaxInt32).Default(0).
			Comment(doc("Approximate number of households.", "大致户数。")).
			Annotations(entgql.OrderField("HOUSEHOLDS")),
		field.Bool("property_management").Default(false).
			Comment(doc("Whether the compound has property management; false for \"三无\" compounds.",
				"是否有物业管理；“三无”小区为 false。")),
		field.Int("community_id").
			Comment(doc("ID of the community the compound belongs to.", "小区所属社区的 ID。")),
	}, latLng()...)
}

// Edges of the Compound.
func (Compound) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("community", Region.Type).Ref("compounds").Unique().Required().Field("community_id").
			Comment(doc("The community the compound belongs to.", "小区所属的社区。")),
		edge.To("facilities", Facility.Type).
			Comment(doc("Facilities inside the compound.", "小区内的设施。")).
			Annotations(entgql.RelayConnection(), noInput),
		edge.To("organizations", Organization.Type).
			Comment(doc("Organisations of the compound, such as its party branch.", "小区内的组织，如小区党支部。")).
			Annotations(entgql.RelayConnection(), noInput),
		edge.From("grids", Grid.Type).Ref("compounds").
			Comment(doc("The grids that cover the compound.", "覆盖本小区的网格。")).
			Annotations(noInput),
	}
}

// Indexes of the Compound.
func (Compound) Indexes() []ent.Index {
	// The edge Region.compounds (a community's compounds).
	return []ent.Index{index.Fields("community_id")}
}

// Mixin of the Compound.
func (Compound) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the Compound.
func (Compound) Annotations() []schema.Annotation {
	return publicAnnotations(
		doc("A residential compound of a community.", "社区内的居民小区。"),
		doc("Residential compounds.", "居民小区。"))
}
