package schema

import (
	"fmt"
	"math"
	"slices"

	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"lifecircle/internal/apperr"
	"lifecircle/internal/gqldoc"
	"lifecircle/internal/inputs"
	"lifecircle/internal/recurring"
)

// Activity is a community activity: "one theme a month, one activity a week"
// 一月一主题、一周一活动.
type Activity struct{ ent.Schema }

// TargetGroups are the groups an activity may address.
var TargetGroups = []string{"elderly", "children", "families", "youth", "new_employment_workers", "party_members", "residents", "disabled"}

// Fields of the Activity.
func (Activity) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").NotEmpty().MaxLen(300).
			Comment(doc("Title of the activity.", "活动标题。")).
			Annotations(entgql.OrderField("TITLE")),
		field.Text("description").Optional().MaxLen(10000).
			Comment(doc("What happens at the activity, in free text.", "活动内容说明（自由文本）。")),
		field.String("theme").Optional().MaxLen(200).
			Comment(doc("The month's theme the activity belongs to, as free text; monthTheme is the theme as a record.",
				"活动所属的月度主题（自由文本）；monthTheme 为主题记录。")).
			Annotations(entgql.Directives(entgql.Deprecated("use monthTheme, the month's theme as a record"))),
		field.Enum("category").NamedValues(
			"Culture", "CULTURE", "Health", "HEALTH", "Education", "EDUCATION",
			"Volunteer", "VOLUNTEER", "Party", "PARTY", "Festival", "FESTIVAL",
			"Sport", "SPORT", "Children", "CHILDREN", "Elderly", "ELDERLY", "Other", "OTHER",
		).
			Comment(doc("Kind of activity.", "活动类别。")).
			Annotations(entgql.OrderField("CATEGORY"), gqldoc.EnumValues{
				"CULTURE":   doc("Culture and arts.", "文化艺术。"),
				"HEALTH":    doc("Health: talks, free medical consultations.", "健康：健康讲座、义诊等。"),
				"EDUCATION": doc("Education and training.", "教育培训。"),
				"VOLUNTEER": doc("Volunteer service.", "志愿服务。"),
				"PARTY":     doc("Party building, such as party lectures.", "党建，如党课。"),
				"FESTIVAL":  doc("Festivals and celebrations.", "节日庆祝。"),
				"SPORT":     doc("Sport and fitness.", "体育健身。"),
				"CHILDREN":  doc("For children.", "儿童活动。"),
				"ELDERLY":   doc("For the elderly.", "老年人活动。"),
				"OTHER":     doc("Anything else.", "其他。"),
			}),
		field.Strings("target_groups").Optional().
			Comment(doc("Groups the activity is for: elderly, children, families, youth, new_employment_workers, "+
				"party_members, residents or disabled.",
				"活动面向的人群：elderly（老年人）、children（儿童）、families（家庭）、youth（青少年）、"+
									"new_employment_workers（新就业形态劳动者）、party_members（党员）、residents（居民）或 disabled（残疾人）。")).
			Validate(func(gs []string) error { // one validator: ent's code for two on a list does not compile
				if err := inputs.CheckList(gs); err != nil {
					return err
				}
				for _, g := range gs {
					if !slices.Contains(TargetGroups, g) {
						return apperr.Invalid("", fmt.Sprintf("unknown target group %q; valid: %v", g, TargetGroups),
							fmt.Sprintf("未知的目标人群 %q；可用：%v", g, TargetGroups))
					}
				}
				return nil
			}),
		field.Time("starts_at").
			Comment(doc("When the activity starts.", "活动开始时间。")).
			Annotations(entgql.OrderField("STARTS_AT")),
		field.Time("ends_at").
			Comment(doc("When the activity ends; after startsAt.", "活动结束时间，须晚于开始时间。")).
			Annotations(entgql.OrderField("ENDS_AT")),
		field.Int("capacity").Optional().Nillable().Range(1, math.MaxInt32).
			Comment(doc("Places available; null for no limit.", "名额；为空表示不限。")),
		field.Enum("status").
			NamedValues("Scheduled", "SCHEDULED", "Cancelled", "CANCELLED", "Completed", "COMPLETED").
			Default("SCHEDULED").
			Comment(doc("Whether the activity is scheduled, cancelled or completed.", "活动状态：已安排、已取消或已举办。")).
			Annotations(entgql.OrderField("STATUS"), gqldoc.EnumValues{
				"SCHEDULED": doc("Planned: open for registration.", "已安排：可以报名。"),
				"CANCELLED": doc("Called off.", "已取消。"),
				"COMPLETED": doc("Held.", "已举办。"),
			}),
		field.Int("registered_count").NonNegative().Default(0).
			Comment(doc("Number of current registrations; maintained by the registration workflow.", "当前报名人数，由报名流程维护。")).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("source").Optional().MaxLen(200).
			Comment(doc("Where the entry comes from.", "条目来源。")),
		illustrativeField(),
		field.Int("community_id").
			Comment(doc("ID of the community the activity belongs to.", "活动所属社区的 ID。")),
		field.Int("organizer_id").Optional().Nillable().
			Comment(doc("ID of the organisation that organises the activity.", "主办组织的 ID。")),
		field.Int("venue_id").Optional().Nillable().
			Comment(doc("ID of the facility where the activity takes place.", "举办场地（设施）的 ID。")),
		field.String("rrule").Optional().MaxLen(recurring.MaxRuleLen).Validate(recurring.ValidateRule).
			Comment(doc("RFC 5545 recurrence rule (RRULE value, e.g. FREQ=MONTHLY;BYMONTHDAY=15) making the activity a series: "+
				"startsAt and endsAt are its first occurrence, and the rule repeats it in Asia/Shanghai local time. Empty for a one-off activity.",
				"RFC 5545 重复规则（RRULE 的值，如 FREQ=MONTHLY;BYMONTHDAY=15），使活动成为系列：startsAt 和 endsAt 为首次活动，"+
					"规则按北京时间重复。一次性活动为空。")),
		field.JSON("exdates", []time.Time{}).Optional().
			Comment(doc("Exception dates (EXDATE): starts of the series' occurrences that are cancelled.",
				"例外日期（EXDATE）：系列中被取消的各次活动的开始时间。")).
			Annotations(entgql.Type("[Time!]"), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.JSON("rdates", []time.Time{}).Optional().
			Comment(doc("Extra dates (RDATE): starts of occurrences the rule does not give, after startsAt.",
				"追加日期（RDATE）：规则之外追加的各次活动开始时间，须晚于 startsAt。")).
			Annotations(entgql.Type("[Time!]"), entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		field.Time("series_ends_at").Optional().Nillable().
			Comment(doc("End of the last occurrence: endsAt for a one-off activity, the last occurrence's end for a bounded series, "+
				"null for a series without end. Maintained on write.",
				"最后一次活动的结束时间：一次性活动即 endsAt，有结束的系列为最后一次的结束时间，无结束的系列为空。写入时自动维护。")).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("month_theme_id").Optional().Nillable().
			Comment(doc("ID of the month's theme (一月一主题) the activity belongs to.", "活动所属月度主题（一月一主题）的 ID。")),
	}
}

// Edges of the Activity.
func (Activity) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("community", Region.Type).Ref("activities").Unique().Required().Field("community_id").
			Comment(doc("The community the activity belongs to.", "活动所属的社区。")),
		edge.From("organizer", Organization.Type).Ref("activities").Unique().Field("organizer_id").
			Comment(doc("The organisation that organises the activity.", "活动的主办组织。")),
		edge.From("venue", Facility.Type).Ref("activities").Unique().Field("venue_id").
			Comment(doc("The facility where the activity takes place.", "活动举办的设施。")),
		edge.From("month_theme", Theme.Type).Ref("activities").Unique().Field("month_theme_id").
			Comment(doc("The month's theme (一月一主题) the activity belongs to: a theme of its community or a region above, for the month it starts in.",
				"活动所属的月度主题（一月一主题）：本社区或上级区域的主题，月份为活动开始的月份。")),
	}
}

// Indexes of the Activity.
func (Activity) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("starts_at"),
		// A community's activities from a date on (its calendar), and the
		// edge Region.activities.
		index.Fields("community_id", "starts_at"),
		// The edges Facility.activities (venue) and Organization.activities.
		index.Fields("venue_id"),
		index.Fields("organizer_id"),
		index.Fields("month_theme_id"),
		// activities(where: {targetGroupsHasAny: …}): jsonb containment
		// (@>) on PostgreSQL uses a GIN index; SQLite scans.
		index.Fields("target_groups").Annotations(entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"})),
	}
}

// Mixin of the Activity.
func (Activity) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Annotations of the Activity.
func (Activity) Annotations() []schema.Annotation {
	return publicAnnotations(
		doc("A community activity: a talk, class, celebration, free clinic, volunteer event… \"One theme a month, one activity a week.\"",
			"社区活动：讲座、培训、庆祝活动、义诊、志愿服务等。“一月一主题、一周一活动”。"),
		doc("Community activities.", "社区活动。"))
}
