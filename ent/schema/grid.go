package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Grid is a grid 网格 of a community, served by grid workers 网格员.
type Grid struct{ ent.Schema }

// Fields of the Grid.
func (Grid) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		field.Int("full_time_workers").NonNegative().Default(0),
		field.Int("part_time_workers").NonNegative().Default(0),
		field.Int("community_id"),
	}
}

// Edges of the Grid.
func (Grid) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("community", Region.Type).Ref("grids").Unique().Required().Field("community_id"),
	}
}

// Mixin of the Grid.
func (Grid) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Annotations of the Grid.
func (Grid) Annotations() []schema.Annotation { return publicAnnotations() }
