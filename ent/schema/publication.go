package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Publication is one release of the anonymised monthly statistics: an
// immutable snapshot. The public reads published cells only, never raw rows.
type Publication struct{ ent.Schema }

// Fields of the Publication.
func (Publication) Fields() []ent.Field {
	return []ent.Field{
		field.String("period").Match(periodPattern).Immutable().
			Comment("calendar month, YYYY-MM").
			Annotations(entgql.OrderField("PERIOD")),
		field.Enum("method").NamedValues("Rule10_5", "RULE_10_5", "DifferentialPrivacy", "DIFFERENTIAL_PRIVACY").Immutable(),
		field.Float("epsilon").Optional().Nillable().Immutable().
			Comment("the release's total privacy budget (differential privacy only)"),
		field.Time("published_at").Default(time.Now).Immutable().
			Annotations(entgql.OrderField("PUBLISHED_AT")),
	}
}

// Edges of the Publication.
func (Publication) Edges() []ent.Edge {
	return []ent.Edge{edge.To("cells", StatCell.Type).Annotations(entgql.Skip(entgql.SkipAll))}
}

// Indexes of the Publication.
func (Publication) Indexes() []ent.Index {
	return []ent.Index{index.Fields("period", "published_at")}
}

// Annotations of the Publication.
func (Publication) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.QueryField(), entgql.RelayConnection(),
		entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)}
}

// StatCell is one published figure: a metric, for a region, in one
// publication, perhaps broken down by a dimension (a request kind, an age
// band…). Value is null when suppressed.
type StatCell struct{ ent.Schema }

// Fields of the StatCell.
func (StatCell) Fields() []ent.Field {
	return []ent.Field{
		field.Int("publication_id").Immutable(),
		field.Int("region_id").Immutable(),
		field.String("metric").Immutable(),
		field.String("dimension").Default("").Immutable(),
		field.Float("value").Optional().Nillable().Immutable(),
		field.Bool("suppressed").Default(false).Immutable(),
		field.Bool("noisy").Default(false).Immutable(),
	}
}

// Edges of the StatCell.
func (StatCell) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("publication", Publication.Type).Ref("cells").Unique().Required().Field("publication_id").Immutable(),
	}
}

// Indexes of the StatCell.
func (StatCell) Indexes() []ent.Index {
	return []ent.Index{index.Fields("publication_id", "region_id", "metric", "dimension").Unique()}
}

// Annotations of the StatCell.
func (StatCell) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
