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

// Grid is a grid 网格 of a community, served by grid workers 网格员.
type Grid struct{ ent.Schema }

// Fields of the Grid.
func (Grid) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Comment(doc("Name of the grid.", "网格名称。")).
			Annotations(entgql.OrderField("NAME")),
		field.Int("full_time_workers").Range(0, math.MaxInt32).Default(0).
			Comment(doc("Number of full-time grid workers.", "专职网格员人数。")),
		field.Int("part_time_workers").Range(0, math.MaxInt32).Default(0).
			Comment(doc("Number of part-time grid workers.", "兼职网格员人数。")),
		field.Int("community_id").
			Comment(doc("ID of the community the grid belongs to.", "网格所属社区的 ID。")),
	}
}

// Edges of the Grid.
func (Grid) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("community", Region.Type).Ref("grids").Unique().Required().Field("community_id").
			Comment(doc("The community the grid belongs to.", "网格所属的社区。")),
	}
}

// Indexes of the Grid.
func (Grid) Indexes() []ent.Index {
	// The edge Region.grids.
	return []ent.Index{index.Fields("community_id")}
}

// Mixin of the Grid.
func (Grid) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the Grid.
func (Grid) Annotations() []schema.Annotation {
	return publicAnnotations(
		doc("A grid of a community, served by grid workers.", "社区的网格，由网格员负责服务。"),
		doc("Grids of communities.", "社区网格。"))
}
