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

// Visit is an entry of the visit log: a door-knocking visit 敲门行动 or a
// condolence visit 走访慰问 to a household or person, by a grid worker or
// staff. Private: the household visited, and what was found, are personal
// data; only counts are published (internal/stats).
type Visit struct{ ent.Schema }

// Fields of the Visit.
func (Visit) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("reason").NamedValues(
			"DoorKnocking", "DOOR_KNOCKING", "Condolence", "CONDOLENCE", "InformationCollection", "INFORMATION_COLLECTION",
			"PolicyPublicity", "POLICY_PUBLICITY", "SafetyPatrol", "SAFETY_PATROL", "Mediation", "MEDIATION",
			"FollowUp", "FOLLOW_UP", "Other", "OTHER",
		).
			Comment(doc("Why the visit was made.", "走访原因。")).
			Annotations(gqldoc.EnumValues{
				"DOOR_KNOCKING":          doc("Door-knocking 敲门行动: asking after needs before they become problems.", "敲门行动：主动问需、提前介入。"),
				"CONDOLENCE":             doc("A condolence visit 走访慰问 (to the elderly, people in difficulty, families of the bereaved).", "走访慰问（老人、困难群众、家属等）。"),
				"INFORMATION_COLLECTION": doc("Collecting information 信息采集.", "信息采集。"),
				"POLICY_PUBLICITY":       doc("Explaining a policy 政策宣传 (e.g. the old-age allowance's annual check).", "政策宣传（如高龄补贴年检）。"),
				"SAFETY_PATROL":          doc("A safety patrol 平安巡防.", "平安巡防。"),
				"MEDIATION":              doc("Mediating a dispute 矛盾调解.", "矛盾调解。"),
				"FOLLOW_UP":              doc("Following up an earlier visit or request.", "回访（跟进此前的走访或需求）。"),
				"OTHER":                  doc("Another reason, told in the findings.", "其他原因（在走访情况中说明）。"),
			}),
		field.Time("visited_at").
			Comment(doc("When the visit took place.", "走访时间。")).
			Annotations(entgql.OrderField("VISITED_AT")),
		field.String("building").Optional().MaxLen(50).
			Comment(doc("Building 楼栋 of the household visited, as text.", "所访住户的楼栋（文本）。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("unit").Optional().MaxLen(50).
			Comment(doc("Unit 单元 of the household visited, as text.", "所访住户的单元（文本）。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("room").Optional().MaxLen(50).
			Comment(doc("Room 室 of the household visited, as text.", "所访住户的门牌（文本）。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Text("findings").Optional().MaxLen(4000).
			Comment(doc("What was found: needs, difficulties, what was done on the spot.", "走访情况：需求、困难、当场办理的事项。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int("community_id").Immutable().
			Comment(doc("ID of the community of the household.", "所访住户所在社区的 ID。")),
		field.Int("grid_id").Optional().Nillable().Immutable().
			Comment(doc("ID of the grid of the household, if known.", "所访住户所在网格的 ID（如已知）。")),
		field.Int("compound_id").Optional().Nillable().Immutable().
			Comment(doc("ID of the compound of the household, if known.", "所访住户所在小区的 ID（如已知）。")),
		// Cleared when the person's data is erased (internal/erasure).
		field.Int("person_id").Optional().Nillable().
			Comment(doc("ID of the person visited, if the visit was to a known person.", "被走访人员的 ID（如走访的是已登记人员）。")),
		// Cleared when the visitor's data is erased (internal/erasure).
		field.Int("visitor_id").Optional().Nillable().
			Comment(doc("ID of the grid worker or staff member who visited; null once their personal data was erased.",
				"走访的网格员或工作人员的 ID；其个人信息被删除后为空。")),
		field.Int("follow_up_request_id").Optional().Nillable().
			Comment(doc("ID of the need opened as a follow-up of the visit, if any.", "因走访而提出的需求的 ID（如有）。")),
	}
}

// Edges of the Visit. All one-directional: no public type leads to visits.
func (Visit) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("community", Region.Type).Unique().Required().Immutable().Field("community_id").
			Comment(doc("The community of the household.", "所访住户所在的社区。")),
		edge.To("grid", Grid.Type).Unique().Immutable().Field("grid_id").
			Comment(doc("The grid of the household, if known.", "所访住户所在的网格（如已知）。")),
		edge.To("compound", Compound.Type).Unique().Immutable().Field("compound_id").
			Comment(doc("The compound of the household, if known.", "所访住户所在的小区（如已知）。")),
		edge.To("person", Person.Type).Unique().Field("person_id").
			Comment(doc("The person visited, if known (shown to those who may see the person).", "被走访人员（如已知；仅对有权查看该人员者显示）。")),
		edge.To("visitor", Person.Type).Unique().Field("visitor_id").
			Comment(doc("The grid worker or staff member who visited; null once their personal data was erased.", "走访的网格员或工作人员；其个人信息被删除后为空。")),
		edge.To("follow_up_request", ServiceRequest.Type).Unique().Field("follow_up_request_id").
			Comment(doc("The need opened as a follow-up, through the needs list's workflow.", "通过需求清单流程提出的后续需求。")),
	}
}

// Indexes of the Visit.
func (Visit) Indexes() []ent.Index {
	return []ent.Index{
		// A community's log by time (staff's list, the monthly statistics).
		index.Fields("community_id", "visited_at"),
		// A visitor's own log; the filters by grid, compound and person.
		index.Fields("visitor_id", "visited_at"),
		index.Fields("grid_id"),
		index.Fields("compound_id"),
		index.Fields("person_id"),
		index.Fields("follow_up_request_id"),
	}
}

// Mixin of the Visit.
func (Visit) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}, ProvenanceMixin{}} }

// Annotations of the Visit.
func (Visit) Annotations() []schema.Annotation {
	return privateAnnotations("visits",
		doc("An entry of the visit log: a door-knocking (敲门行动) or condolence (走访慰问) visit to a household or person. "+
			"Personal data: the visitor sees the visits they made, staff of the community and admins the community's; nobody else sees any, "+
			"not even another grid worker of the same community. Only monthly counts are published, through the statistics.",
			"走访记录：对住户或人员的敲门行动或走访慰问。属于个人信息：走访人可见自己的记录，本社区工作人员和管理员可见本社区的记录；"+
				"其他人（包括同社区的其他网格员）均不可见。只通过统计公布每月数量。"),
		doc("The visit log, as far as the caller may see it (see Visit).", "调用者有权查看的走访记录（见 Visit）。"))
}
