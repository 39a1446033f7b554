package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"lifecircle/internal/gqldoc"
)

// Region is a level of the administrative hierarchy: city 市 > district 区/县 >
// subdistrict 街道/镇 > community 社区.
type Region struct{ ent.Schema }

// Fields of the Region.
func (Region) Fields() []ent.Field {
	return append([]ent.Field{
		field.Enum("level").
			NamedValues("City", "CITY", "District", "DISTRICT", "Subdistrict", "SUBDISTRICT", "Community", "COMMUNITY").
			Comment(doc("Level of the region in the administrative hierarchy.", "区域在行政层级中的级别。")).
			Annotations(entgql.OrderField("LEVEL"), gqldoc.EnumValues{
				"CITY":        doc("City.", "市。"),
				"DISTRICT":    doc("District or county.", "区或县。"),
				"SUBDISTRICT": doc("Subdistrict or town.", "街道或镇。"),
				"COMMUNITY":   doc("Community: compounds, grids, facilities and activities belong to one.", "社区：小区、网格、设施和活动都属于某个社区。"),
			}),
		field.String("name").NotEmpty().MaxLen(200).
			Comment(doc("Name, in Chinese.", "名称（中文）。")).
			Annotations(entgql.OrderField("NAME")),
		field.String("name_en").Optional().MaxLen(200).
			Comment(doc("English or pinyin name.", "英文或拼音名称。")),
		field.String("code").Optional().Nillable().Unique().MaxLen(12).
			Match(digitsOnly).
			Comment(doc("Administrative division code (up to 12 digits), unique.", "行政区划代码（最多 12 位数字），唯一。")).
			Annotations(entgql.OrderField("CODE")),
		field.Int("parent_id").Optional().Nillable().
			Comment(doc("ID of the region one level up; null at the top.", "上一级区域的 ID；最高一级为空。")),
	}, latLng()...)
}

// Edges of the Region.
func (Region) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", Region.Type).
			Comment(doc("Regions one level down.", "下一级区域。")).
			Annotations(entgql.RelayConnection(), entgql.OrderField("CHILDREN_COUNT"), noInput).
			From("parent").Unique().Field("parent_id").
			Comment(doc("The region one level up; null at the top.", "上一级区域；最高一级为空。")),
		edge.To("compounds", Compound.Type).
			Comment(doc("Residential compounds of the community.", "社区内的小区。")).
			Annotations(entgql.RelayConnection(), noInput),
		edge.To("grids", Grid.Type).
			Comment(doc("Grids of the community.", "社区的网格。")).
			Annotations(entgql.RelayConnection(), noInput),
		edge.To("organizations", Organization.Type).
			Comment(doc("Organisations attached to the region.", "隶属该区域的组织。")).
			Annotations(entgql.RelayConnection(), noInput),
		edge.To("facilities", Facility.Type).
			Comment(doc("Facilities of the community on the service map.", "社区在服务地图上的设施。")).
			Annotations(entgql.RelayConnection(), entgql.OrderField("FACILITIES_COUNT"), noInput),
		edge.To("activities", Activity.Type).
			Comment(doc("Activities of the community.", "社区的活动。")).
			Annotations(entgql.RelayConnection(), noInput),
	}
}

// Indexes of the Region.
func (Region) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("level", "name"),
		// The edge Region.children (a district's communities).
		index.Fields("parent_id"),
	}
}

// Mixin of the Region.
func (Region) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the Region.
func (Region) Annotations() []schema.Annotation {
	return publicAnnotations(
		doc("A region of the administrative hierarchy: city > district or county > subdistrict or town > community.",
			"行政区划中的一级区域：市 > 区/县 > 街道/镇 > 社区。"),
		doc("Regions of the administrative hierarchy, from cities down to communities.",
			"行政区域，从市到社区。"))
}
