package schema

import (
	"fmt"
	"math"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"lifecircle/internal/apperr"
	"lifecircle/internal/gqldoc"
)

// ReportedIndicator is a figure a community (or a higher region) reports in
// aggregate, such as "58 micro-wishes lit": submitted by staff with its
// source, approved by an admin, then published as reported. Not computed
// from records: the published statistics (with their disclosure control)
// are a different thing.
type ReportedIndicator struct{ ent.Schema }

// Fields of the ReportedIndicator.
func (ReportedIndicator) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("key").NamedValues(
			"MicroWishesFulfilled", "MICRO_WISHES_FULFILLED",
			"MattersResolved", "MATTERS_RESOLVED",
			"EmployedPartyMembersReporting", "EMPLOYED_PARTY_MEMBERS_REPORTING",
			"FullTimeGridWorkers", "FULL_TIME_GRID_WORKERS",
			"PartTimeGridWorkers", "PART_TIME_GRID_WORKERS",
			"GovernanceCluesFromNewEmployment", "GOVERNANCE_CLUES_FROM_NEW_EMPLOYMENT",
			"OneWindowMattersHandled", "ONE_WINDOW_MATTERS_HANDLED",
			"OneWindowCompletionRate", "ONE_WINDOW_COMPLETION_RATE",
		).
			Comment(doc("What the figure counts; each key has one unit (see unit).", "指标所计之物；每个指标有唯一单位（见 unit）。")).
			Annotations(gqldoc.EnumValues{
				"MICRO_WISHES_FULFILLED":               doc("Micro-wishes 微心愿 lit (fulfilled). Unit: WISHES.", "点亮的微心愿数。单位：WISHES（个）。"),
				"MATTERS_RESOLVED":                     doc("Urgent matters of residents 急难愁盼事件 resolved. Unit: MATTERS.", "解决群众急难愁盼事件数。单位：MATTERS（件）。"),
				"EMPLOYED_PARTY_MEMBERS_REPORTING":     doc("Employed party members 在职党员 reporting to the community. Unit: PERSONS.", "到社区报到的在职党员数。单位：PERSONS（名）。"),
				"FULL_TIME_GRID_WORKERS":               doc("Full-time grid workers 专职网格员. Unit: PERSONS.", "专职网格员数。单位：PERSONS（名）。"),
				"PART_TIME_GRID_WORKERS":               doc("Part-time grid workers 兼职网格员. Unit: PERSONS.", "兼职网格员数。单位：PERSONS（名）。"),
				"GOVERNANCE_CLUES_FROM_NEW_EMPLOYMENT": doc("Governance clues 治理线索 found by couriers and delivery riders. Unit: CLUES.", "快递员、外卖配送员发现的基层治理线索数。单位：CLUES（条）。"),
				"ONE_WINDOW_MATTERS_HANDLED":           doc("Matters handled at the one-window counter 全岗通 (as reported, not counted from appointments). Unit: MATTERS.", "“全岗通”办理的业务数（按所报告，非由预约记录统计）。单位：MATTERS（件）。"),
				"ONE_WINDOW_COMPLETION_RATE":           doc("Share of the one-window counter's matters completed 办结率, in percent (as reported). Unit: PERCENT.", "“全岗通”业务办结率（按所报告），百分数。单位：PERCENT（%）。"),
			}),
		field.Int("value").Range(0, math.MaxInt32).
			Comment(doc("The figure, as reported.", "所报告的数值。")).
			Annotations(entgql.OrderField("VALUE")),
		field.String("period_start").Optional().
			Validate(validDate).
			Comment(doc("First day of the period the figure covers (YYYY-MM-DD); empty for a figure as of periodEnd.", "指标所涵盖期间的第一天（YYYY-MM-DD）；截至某日的数值为空。")),
		field.String("period_end").
			Validate(validDate).
			Comment(doc("Last day of the period, or the day the figure stands as of (YYYY-MM-DD).", "期间的最后一天，或数值截至的日期（YYYY-MM-DD）。")).
			Annotations(entgql.OrderField("PERIOD_END")),
		field.String("period_text").Optional().MaxLen(200).
			Comment(doc("The period in the source's own words (e.g. 今年以来, 截至目前).", "来源原文对期间的表述（如“今年以来”“截至目前”）。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Text("note").Optional().MaxLen(2000).
			Comment(doc("A note on the figure: what exactly it counts, the source's wording.", "说明：具体统计口径、来源原文。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Enum("status").NamedValues("Submitted", "SUBMITTED", "Approved", "APPROVED", "Rejected", "REJECTED").Default("SUBMITTED").
			Comment(doc("Submitted by staff, then approved (published) or rejected by an admin.", "由工作人员提交，再由管理员批准（公开）或驳回。")).
			Annotations(gqldoc.EnumValues{
				"SUBMITTED": doc("Waiting for an admin; seen by its community's staff and admins only.", "等待管理员审核；仅本社区工作人员和管理员可见。"),
				"APPROVED":  doc("Approved: published as reported.", "已批准：按所报告的数值公开。"),
				"REJECTED":  doc("Rejected, with a reason; seen by its community's staff and admins only.", "已驳回（附理由）；仅本社区工作人员和管理员可见。"),
			}),
		field.Text("reject_reason").Optional().MaxLen(2000).
			Comment(doc("Why an admin rejected the figure.", "管理员驳回的理由。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Time("reviewed_at").Optional().Nillable().
			Comment(doc("When an admin approved or rejected it.", "管理员批准或驳回的时间。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int("region_id").
			Comment(doc("ID of the region the figure is about: a community, or a higher region the source reports it for.", "指标所属区域的 ID：社区，或来源所报告的上级区域。")),
		// Not in GraphQL: which community's staff submitted it (they see
		// their submissions before approval); empty for an admin's.
		field.Int("community_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the ReportedIndicator.
func (ReportedIndicator) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("region", Region.Type).Unique().Required().Field("region_id").
			Comment(doc("The region the figure is about.", "指标所属的区域。")),
	}
}

// Indexes of the ReportedIndicator.
func (ReportedIndicator) Indexes() []ent.Index {
	return []ent.Index{
		// The public list and its filters: by status, region, key.
		index.Fields("status", "region_id", "key"),
		index.Fields("region_id"),
		index.Fields("community_id"),
	}
}

// Mixin of the ReportedIndicator.
func (ReportedIndicator) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the ReportedIndicator.
func (ReportedIndicator) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("A figure a community (or a higher region) reports in aggregate, such as \"58 micro-wishes lit\", published as reported once an admin approves it. "+
			"NOT computed from the records of this service and not under its disclosure control: for figures computed from records see statistics. "+
			"The public sees approved figures only; staff of the submitting community and admins also see those submitted or rejected.",
			"社区（或上级区域）以汇总形式报告的数值，如“点亮微心愿58个”，经管理员批准后按原样公开。"+
				"它不是由本系统记录计算得出的，也不受其披露控制：由记录计算的数值见 statistics。公众只能看到已批准的数值；提交社区的工作人员和管理员还能看到已提交或被驳回的。")),
		entgql.QueryField().Description(doc("Reported indicators: figures reported by communities, published as reported (see ReportedIndicator), not computed from records.",
			"报告指标：各社区报告、按原样公开的数值（见 ReportedIndicator），不是由记录计算得出的。")),
		entgql.RelayConnection(),
	}
}

// validDate accepts a calendar date YYYY-MM-DD (or nothing, for optional
// fields).
func validDate(s string) error {
	if s == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return apperr.Invalid("period", fmt.Sprintf("%q is not a date YYYY-MM-DD", s), fmt.Sprintf("%q 不是 YYYY-MM-DD 格式的日期", s))
	}
	return nil
}
