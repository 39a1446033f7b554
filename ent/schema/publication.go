package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"lifecircle/internal/gqldoc"
)

// Publication is one release of the anonymised monthly statistics: an
// immutable snapshot. The public reads published cells only, never raw rows.
type Publication struct{ ent.Schema }

// Fields of the Publication.
func (Publication) Fields() []ent.Field {
	return []ent.Field{
		field.String("period").Match(periodPattern).Immutable().
			Comment(doc("Calendar month, YYYY-MM.", "自然月，格式为 YYYY-MM。")).
			Annotations(entgql.OrderField("PERIOD")),
		field.Enum("method").NamedValues("Rule10_5", "RULE_10_5", "DifferentialPrivacy", "DIFFERENTIAL_PRIVACY").Immutable().
			Comment(doc("How the release is protected from disclosing individuals.", "该次发布防止泄露个人信息的方法。")).
			Annotations(gqldoc.EnumValues{
				"RULE_10_5": doc("The 10-5 rule: counts below 10 are suppressed, the rest rounded to the nearest 5, "+
					"with secondary suppression so no suppressed figure can be worked out.",
					"10-5 规则：小于 10 的计数不予公布，其余四舍五入到 5 的倍数，并作二次隐藏，使被隐藏的数值无法被推算出来。"),
				"DIFFERENTIAL_PRIVACY": doc("Differential privacy: figures carry random noise.", "差分隐私：数值带有随机噪声。"),
			}),
		field.Float("epsilon").Optional().Nillable().Immutable().
			Comment(doc("The release's total privacy budget (differential privacy only).", "该次发布的总隐私预算（仅用于差分隐私）。")),
		field.Time("published_at").Default(time.Now).Immutable().
			Comment(doc("When the release was published.", "发布时间。")).
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
	return []schema.Annotation{
		schema.Comment(doc("A release of the anonymised monthly statistics: an immutable snapshot. Read its figures with the statistics query.",
			"月度匿名统计数据的一次发布：不可更改的快照。其数值通过 statistics 查询读取。")),
		entgql.QueryField().Description(doc("Releases of the anonymised monthly statistics.", "月度匿名统计数据的各次发布。")),
		entgql.RelayConnection(),
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
