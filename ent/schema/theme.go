package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Theme is a month's theme (一月一主题) of a community or a region above
// it: the month's activities belong to it.
type Theme struct{ ent.Schema }

// Fields of the Theme.
func (Theme) Fields() []ent.Field {
	return []ent.Field{
		field.String("month").Match(periodPattern).
			Comment(doc("Calendar month of the theme, YYYY-MM (Asia/Shanghai).", "主题所在的自然月，格式为 YYYY-MM（北京时间）。")).
			Annotations(entgql.OrderField("MONTH")),
		field.String("title").NotEmpty().MaxLen(200).
			Comment(doc("The theme, e.g. 党建引领小区治理.", "主题名称，如“党建引领小区治理”。")).
			Annotations(entgql.OrderField("TITLE")),
		field.Text("description").Optional().MaxLen(5000).
			Comment(doc("What the month's theme is about, in free text.", "主题说明（自由文本）。")),
		field.Int("region_id").
			Comment(doc("ID of the community (or region above it) whose theme it is.", "主题所属社区（或上级区域）的 ID。")),
	}
}

// Edges of the Theme.
func (Theme) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("region", Region.Type).Unique().Required().Field("region_id").
			Comment(doc("The community (or region above it) whose theme it is.", "主题所属的社区（或上级区域）。")),
		edge.To("activities", Activity.Type).
			Comment(doc("The month's activities that belong to the theme.", "属于该主题的当月活动。")).
			Annotations(entgql.RelayConnection(), noInput),
	}
}

// Indexes of the Theme: one theme per region and month.
func (Theme) Indexes() []ent.Index {
	return []ent.Index{index.Fields("region_id", "month").Unique(), index.Fields("month")}
}

// Mixin of the Theme.
func (Theme) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the Theme.
func (Theme) Annotations() []schema.Annotation {
	return publicAnnotations(
		doc("A month's theme (一月一主题) of a community or a region above it; the month's activities belong to it. Public.",
			"社区或上级区域的月度主题（一月一主题），当月活动归属于它。公开。"),
		doc("Months' themes (一月一主题).", "月度主题（一月一主题）。"))
}

// OccurrenceCount holds the registrations of one occurrence of a
// recurring activity: the place count that capacity bounds, per
// occurrence. Rows appear on the first registration for the occurrence.
// Read through ActivityOccurrence.registeredCount, not on its own.
type OccurrenceCount struct{ ent.Schema }

// Fields of the OccurrenceCount.
func (OccurrenceCount) Fields() []ent.Field {
	return []ent.Field{
		field.Int("activity_id").Immutable(),
		field.Time("starts_at").Immutable(),
		field.Int("registered_count").NonNegative().Default(0),
	}
}

// Edges of the OccurrenceCount.
func (OccurrenceCount) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("activity", Activity.Type).Unique().Required().Immutable().Field("activity_id"),
	}
}

// Indexes of the OccurrenceCount.
func (OccurrenceCount) Indexes() []ent.Index {
	return []ent.Index{index.Fields("activity_id", "starts_at").Unique()}
}

// Annotations of the OccurrenceCount.
func (OccurrenceCount) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
