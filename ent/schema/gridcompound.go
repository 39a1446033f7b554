package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// GridCompound is the join table of the edge Grid.compounds (a grid covers
// compounds; a compound may lie in several grids). It is an edge schema
// only so that the table can carry an index on compound_id: the primary
// key (grid_id, compound_id) serves Grid.compounds, the index serves
// Compound.grids and hasGridsWith, which would otherwise read the whole
// table (TestCommonQueriesUseIndexes).
type GridCompound struct{ ent.Schema }

// Annotations of the GridCompound.
func (GridCompound) Annotations() []schema.Annotation {
	return []schema.Annotation{
		field.ID("grid_id", "compound_id"),
		entgql.Skip(entgql.SkipAll),
	}
}

// Fields of the GridCompound.
func (GridCompound) Fields() []ent.Field {
	return []ent.Field{
		field.Int("grid_id"),
		field.Int("compound_id"),
	}
}

// Edges of the GridCompound. Deleting a grid or a compound removes its
// rows here, as before the edge schema.
func (GridCompound) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("grid", Grid.Type).Unique().Required().Field("grid_id").
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("compound", Compound.Type).Unique().Required().Field("compound_id").
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of the GridCompound.
func (GridCompound) Indexes() []ent.Index {
	return []ent.Index{index.Fields("compound_id")}
}
