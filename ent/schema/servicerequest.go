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

// ServiceRequest is an entry of the needs list 需求清单: a micro-wish 微心愿,
// service need, repair, complaint or governance clue 线索. "Residents order,
// the community dispatches, party members take the order" 群众点单、社区派单、
// 党员接单. Private: who asked for what is personal data.
type ServiceRequest struct{ ent.Schema }

// noWhere keeps a personal field out of filters.
var noWhere = entgql.Skip(entgql.SkipWhereInput)

// Fields of the ServiceRequest.
func (ServiceRequest) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").NamedValues(
			"MicroWish", "MICRO_WISH", "ServiceNeed", "SERVICE_NEED", "Repair", "REPAIR",
			"Complaint", "COMPLAINT", "GovernanceClue", "GOVERNANCE_CLUE",
		).
			Comment(doc("Kind of request.", "需求类型。")).
			Annotations(gqldoc.EnumValues{
				"MICRO_WISH":      doc("A micro-wish: a small wish for party members and units to claim and fulfil.", "微心愿：由党员和单位认领并实现的小心愿。"),
				"SERVICE_NEED":    doc("A need for a service.", "服务需求。"),
				"REPAIR":          doc("Something to repair.", "报修。"),
				"COMPLAINT":       doc("A complaint.", "投诉。"),
				"GOVERNANCE_CLUE": doc("A governance clue, such as one reported by a delivery rider; its loop closes with a reward.", "治理线索，如快递小哥上报的线索；以奖励完成闭环。"),
			}),
		field.String("title").NotEmpty().MaxLen(300).
			Comment(doc("Short title.", "简要标题。")).
			Annotations(noWhere),
		field.Text("description").Optional().MaxLen(10000).
			Comment(doc("Details, in free text.", "详细说明（自由文本）。")).
			Annotations(noWhere),
		field.String("category").Optional().
			Comment(doc("A code of the facility taxonomy, if the need is about a kind of facility.", "设施分类代码（需求涉及某类设施时）。")).
			Validate(func(s string) error {
				if s == "" {
					return nil
				}
				return validCategory(s)
			}),
		field.Enum("status").NamedValues(
			"Submitted", "SUBMITTED", "Dispatched", "DISPATCHED", "Claimed", "CLAIMED",
			"Resolved", "RESOLVED", "Confirmed", "CONFIRMED", "Rejected", "REJECTED",
		).Default("SUBMITTED").
			Comment(doc("Where the request is in the workflow: submitted → dispatched → claimed → resolved → confirmed, or rejected.",
				"需求在流程中的状态：已提交 → 已派单 → 已认领 → 已办结 → 已确认，或被驳回。")).
			Annotations(gqldoc.EnumValues{
				"SUBMITTED":  doc("Posted; waiting for staff to dispatch or reject it.", "已提交，等待工作人员派单或驳回。"),
				"DISPATCHED": doc("Dispatched to an organisation or volunteer team; open for volunteers of the community to claim.", "已派给组织或志愿服务队，本社区志愿者可以认领。"),
				"CLAIMED":    doc("Taken by a volunteer.", "已由志愿者认领。"),
				"RESOLVED":   doc("Reported done; waiting for the requester to confirm or reopen it.", "已办结，等待提出人确认或退回重办。"),
				"CONFIRMED":  doc("Confirmed by the requester.", "提出人已确认。"),
				"REJECTED":   doc("Rejected by staff.", "已被工作人员驳回。"),
			}),
		field.Time("submitted_at").
			Comment(doc("When the request was submitted.", "提交时间。")),
		field.Time("dispatched_at").Optional().Nillable().
			Comment(doc("When it was dispatched.", "派单时间。")),
		field.Time("claimed_at").Optional().Nillable().
			Comment(doc("When a volunteer claimed it; cleared when it is reopened.", "志愿者认领的时间；退回重办时清空。")),
		field.Time("resolved_at").Optional().Nillable().
			Comment(doc("When it was reported done; cleared when it is reopened.", "办结时间；退回重办时清空。")),
		field.Time("confirmed_at").Optional().Nillable().
			Comment(doc("When the requester confirmed it.", "提出人确认的时间。")),
		field.Time("rejected_at").Optional().Nillable().
			Comment(doc("When staff rejected it.", "被驳回的时间。")),
		field.Int("satisfaction").Optional().Nillable().Range(1, 5).
			Comment(doc("The requester's rating from 1 to 5, given on confirming.", "提出人确认时给出的满意度评分（1 到 5）。")).
			Annotations(noWhere),
		field.String("address").Optional().MaxLen(400).
			Comment("where the help is needed: shown to a volunteer only once they claim the request").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Text("resolution_note").Optional().MaxLen(4000).
			Comment(doc("What was done, as reported on resolving.", "办结时报告的办理情况。")).
			Annotations(noWhere),
		field.Text("reject_reason").Optional().MaxLen(4000).
			Comment(doc("Why staff rejected the request.", "工作人员驳回的理由。")).
			Annotations(noWhere),
		field.Int("version").Default(1).Positive().
			Comment(doc("Optimistic concurrency: every transition increments it. Pass it as expectedVersion.",
				"乐观并发控制：每次状态变更都会加一。可作为 expectedVersion 传入。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		// Unused since idempotency keys of every create moved to the
		// IdempotencyKey table (internal/idempotency); kept so databases
		// created before stay adoptable by the baseline migration.
		field.String("idempotency_key").Optional().Nillable().MaxLen(200).
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("community_id").
			Comment(doc("ID of the requester's community.", "提出人所在社区的 ID。")),
		field.Int("compound_id").Optional().Nillable().
			Comment(doc("ID of the compound concerned, if any.", "相关小区的 ID（如有）。")),
		// Null once the requester's data is erased (internal/erasure): the
		// request stays, detached, for the counts it fed.
		field.Int("requester_id").Optional().Nillable().
			Comment(doc("ID of the person who asked; null once their personal data was erased.", "提出人的 ID；其个人信息被删除后为空。")).
			Annotations(noWhere),
		field.Int("dispatched_to_id").Optional().Nillable().
			Comment(doc("ID of the organisation or volunteer team the request was dispatched to.", "受派组织或志愿服务队的 ID。")),
		field.Int("claimed_by_id").Optional().Nillable().
			Comment(doc("ID of the volunteer who claimed the request.", "认领该需求的志愿者的 ID。")).
			Annotations(noWhere),
	}
}

// Edges of the ServiceRequest. All one-directional: public types have no
// edge back to requests.
func (ServiceRequest) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("community", Region.Type).Unique().Required().Field("community_id").
			Comment(doc("The requester's community.", "提出人所在的社区。")),
		edge.To("compound", Compound.Type).Unique().Field("compound_id").
			Comment(doc("The compound concerned, if any.", "相关的小区（如有）。")),
		edge.To("requester", Person.Type).Unique().Field("requester_id").
			Comment(doc("The person who asked; null once their personal data was erased.", "提出人；其个人信息被删除后为空。")).
			Annotations(noWhere),
		edge.To("events", RequestEvent.Type).
			Comment(doc("The request's history, step by step.", "需求的处理历史，逐步记录。")).
			Annotations(entgql.RelayConnection(), noWhere),
		edge.To("dispatched_to", Organization.Type).Unique().Field("dispatched_to_id").
			Comment(doc("The organisation or volunteer team the request was dispatched to.", "受派的组织或志愿服务队。")),
		edge.To("claimed_by", Person.Type).Unique().Field("claimed_by_id").
			Comment(doc("The volunteer who claimed the request.", "认领该需求的志愿者。")).
			Annotations(noWhere),
	}
}

// Indexes of the ServiceRequest.
func (ServiceRequest) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("community_id", "status"),
		index.Fields("requester_id", "idempotency_key").Unique(),
		// The edges compound, dispatched_to and claimed_by (a volunteer's
		// claimed requests).
		index.Fields("compound_id"),
		index.Fields("dispatched_to_id"),
		index.Fields("claimed_by_id"),
	}
}

// Mixin of the ServiceRequest.
func (ServiceRequest) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}, privateProvenance{}} }

// Annotations of the ServiceRequest.
func (ServiceRequest) Annotations() []schema.Annotation {
	return append(privateAnnotations("serviceRequests",
		doc("An entry of the needs list: a micro-wish, service need, repair, complaint or governance clue. "+
			"Residents order, the community dispatches, volunteers take the order. Personal data: requesters see their own; "+
			"volunteers also the dispatched requests of their community and those they claimed; staff their community's.",
			"需求清单中的一条：微心愿、服务需求、报修、投诉或治理线索。群众点单、社区派单、党员接单。属于个人信息："+
				"提出人可见自己的需求；志愿者还可见本社区已派单的需求及自己认领的需求；工作人员可见本社区的需求。"),
		doc("The needs list, as far as the caller may see it (see ServiceRequest).", "调用者有权查看的需求清单（见 ServiceRequest）。")),
		entgql.Skip(entgql.SkipOrderField))
}
