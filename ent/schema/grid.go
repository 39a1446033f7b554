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
		// Derived: kept by internal/grids as workers are assigned and
		// unassigned (one atomic increment in the assignment's
		// transaction), so a page of grids shows its counts without a
		// count query per grid. Not settable through GraphQL.
		field.Int("full_time_workers").Range(0, math.MaxInt32).Default(0).
			Comment(doc("Number of full-time grid workers assigned to the grid (derived from the assignments; a count, never names).",
				"分配到本网格的专职网格员人数（由分配记录得出；仅人数，不含姓名）。")).
			Annotations(noInput),
		field.Int("part_time_workers").Range(0, math.MaxInt32).Default(0).
			Comment(doc("Number of part-time grid workers assigned to the grid (derived from the assignments; a count, never names).",
				"分配到本网格的兼职网格员人数（由分配记录得出；仅人数，不含姓名）。")).
			Annotations(noInput),
		field.Int("community_id").
			Comment(doc("ID of the community the grid belongs to.", "网格所属社区的 ID。")),
	}
}

// Edges of the Grid.
func (Grid) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("community", Region.Type).Ref("grids").Unique().Required().Field("community_id").
			Comment(doc("The community the grid belongs to.", "网格所属的社区。")),
		edge.To("compounds", Compound.Type).Through("grid_compounds", GridCompound.Type).
			Comment(doc("The compounds (or parts of compounds) the grid covers, all of its community.", "网格覆盖的小区（或小区的一部分），均属本社区。")),
		edge.To("workers", GridWorker.Type).
			Comment(doc("The grid workers assigned to the grid. Who they are is personal data: staff of the community and admins see every assignment, a grid worker their own; anyone else an empty list (the counts are public).",
				"分配到本网格的网格员。具体人员属于个人信息：本社区工作人员和管理员可见全部分配，网格员可见自己的分配；其他人看到空列表（人数公开）。")).
			Annotations(entgql.RelayConnection(), noInput),
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
