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

// GridWorker assigns a grid worker 网格员 (a person with the grid_worker
// role) to a grid, full-time 专职 or part-time 兼职. Private: who serves a
// grid is personal data; the grid's counts are public.
type GridWorker struct{ ent.Schema }

// Fields of the GridWorker.
func (GridWorker) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").NamedValues("FullTime", "FULL_TIME", "PartTime", "PART_TIME").
			Comment(doc("Full-time or part-time.", "专职或兼职。")).
			Annotations(gqldoc.EnumValues{
				"FULL_TIME": doc("A full-time grid worker 专职网格员.", "专职网格员。"),
				"PART_TIME": doc("A part-time grid worker 兼职网格员.", "兼职网格员。"),
			}),
		field.Int("grid_id").Immutable().
			Comment(doc("ID of the grid.", "网格的 ID。")),
		field.Int("person_id").Immutable().
			Comment(doc("ID of the grid worker.", "网格员的 ID。")),
		field.Int("community_id").Immutable().
			Comment(doc("ID of the grid's community.", "网格所属社区的 ID。")),
	}
}

// Edges of the GridWorker.
func (GridWorker) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("grid", Grid.Type).Ref("workers").Unique().Required().Immutable().Field("grid_id").
			Comment(doc("The grid.", "网格。")),
		edge.To("person", Person.Type).Unique().Required().Immutable().Field("person_id").
			Comment(doc("The grid worker.", "网格员。")),
		edge.To("community", Region.Type).Unique().Required().Immutable().Field("community_id").
			Comment(doc("The grid's community.", "网格所属的社区。")),
	}
}

// Indexes of the GridWorker.
func (GridWorker) Indexes() []ent.Index {
	return []ent.Index{
		// A person is assigned to a grid once; the edge Grid.workers.
		index.Fields("grid_id", "person_id").Unique(),
		// A grid worker's own assignments; a community's (privacy filter).
		index.Fields("person_id"),
		index.Fields("community_id"),
	}
}

// Mixin of the GridWorker.
func (GridWorker) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}, ProvenanceMixin{}} }

// Annotations of the GridWorker.
func (GridWorker) Annotations() []schema.Annotation {
	return append(privateAnnotations("gridWorkers",
		doc("A grid worker's assignment to a grid, full-time or part-time. Personal data: staff of the community and admins see every assignment; "+
			"a grid worker sees their own; nobody else sees any (Grid.fullTimeWorkers and Grid.partTimeWorkers are the public counts).",
			"网格员在某网格的任职（专职或兼职）。属于个人信息：本社区工作人员和管理员可见全部；网格员可见自己的；其他人均不可见（公开的是 Grid.fullTimeWorkers 和 Grid.partTimeWorkers 人数）。"),
		doc("Grid worker assignments, as far as the caller may see them (see GridWorker).", "调用者有权查看的网格员任职（见 GridWorker）。")),
		entgql.Skip(entgql.SkipOrderField))
}
