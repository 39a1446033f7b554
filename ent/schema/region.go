package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Region is a level of the administrative hierarchy: city 市 > district 区/县 >
// subdistrict 街道/镇 > community 社区.
type Region struct{ ent.Schema }

// Fields of the Region.
func (Region) Fields() []ent.Field {
	return append([]ent.Field{
		field.Enum("level").
			NamedValues("City", "CITY", "District", "DISTRICT", "Subdistrict", "SUBDISTRICT", "Community", "COMMUNITY").
			Annotations(entgql.OrderField("LEVEL")),
		field.String("name").NotEmpty().MaxLen(200).
			Annotations(entgql.OrderField("NAME")),
		field.String("name_en").Optional().MaxLen(200).
			Comment("English or pinyin name"),
		field.String("code").Optional().Nillable().Unique().MaxLen(12).
			Match(digitsOnly).
			Comment("administrative division code 行政区划代码").
			Annotations(entgql.OrderField("CODE")),
		field.Int("parent_id").Optional().Nillable(),
	}, latLng()...)
}

// Edges of the Region.
func (Region) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", Region.Type).
			Annotations(entgql.RelayConnection(), entgql.OrderField("CHILDREN_COUNT"), noInput).
			From("parent").Unique().Field("parent_id"),
		edge.To("compounds", Compound.Type).Annotations(entgql.RelayConnection(), noInput),
		edge.To("grids", Grid.Type).Annotations(entgql.RelayConnection(), noInput),
		edge.To("organizations", Organization.Type).Annotations(entgql.RelayConnection(), noInput),
		edge.To("facilities", Facility.Type).Annotations(entgql.RelayConnection(), entgql.OrderField("FACILITIES_COUNT"), noInput),
		edge.To("activities", Activity.Type).Annotations(entgql.RelayConnection(), noInput),
	}
}

// Indexes of the Region.
func (Region) Indexes() []ent.Index {
	return []ent.Index{index.Fields("level", "name")}
}

// Mixin of the Region.
func (Region) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Annotations of the Region.
func (Region) Annotations() []schema.Annotation {
	return publicAnnotations()
}
