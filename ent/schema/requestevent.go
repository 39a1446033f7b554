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

// RequestEvent is one step in the history of a service request: who moved
// it from which status to which, when, and why. Append-only: the policy
// refuses every update and delete.
type RequestEvent struct{ ent.Schema }

// Fields of the RequestEvent.
func (RequestEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("action").NamedValues(
			"Submit", "SUBMIT", "Dispatch", "DISPATCH", "Claim", "CLAIM", "Resolve", "RESOLVE",
			"Confirm", "CONFIRM", "Reopen", "REOPEN", "Reject", "REJECT", "Reward", "REWARD",
		).Immutable().
			Comment(doc("What was done.", "所做的操作。")).
			Annotations(gqldoc.EnumValues{
				"SUBMIT":   doc("Submitted by a resident, or by staff on a resident's behalf.", "由居民提交，或由工作人员代居民提交。"),
				"DISPATCH": doc("Dispatched by staff to an organisation or volunteer team.", "由工作人员派给组织或志愿服务队。"),
				"CLAIM":    doc("Taken by a volunteer.", "由志愿者认领。"),
				"RESOLVE":  doc("Reported done.", "报告已办结。"),
				"CONFIRM":  doc("Confirmed by the requester with a rating.", "由提出人确认并评分。"),
				"REOPEN":   doc("Sent back by the requester to be done again.", "由提出人退回重办。"),
				"REJECT":   doc("Rejected by staff with a reason.", "由工作人员驳回并说明理由。"),
				"REWARD":   doc("Reward recorded, closing a governance clue's loop.", "记录奖励，完成治理线索的闭环。"),
			}),
		field.String("from_status").Optional().Immutable().
			Comment(doc("The request's status before the step; empty for the submission.", "该步之前需求的状态；提交这一步为空。")),
		field.String("to_status").Immutable().
			Comment(doc("The request's status after the step.", "该步之后需求的状态。")),
		field.String("actor_role").Immutable().
			Comment(doc("The role the actor acted in: resident, volunteer, staff or admin.", "操作者当时的角色：resident（居民）、volunteer（志愿者）、staff（工作人员）或 admin（管理员）。")),
		// Not Immutable: the one rewrite the hooks allow is erasure
		// clearing it (see RequestEvent.Hooks).
		field.Text("note").Optional().MaxLen(4000).
			Comment(doc("What was done or why: the resolution note, the reason for reopening or rejecting, or the reward.",
				"办理情况或理由：办结说明、退回或驳回的理由，或奖励说明。")),
		field.Time("at").Default(time.Now).Immutable().
			Comment(doc("When the step was taken.", "该步发生的时间。")),
		field.Int("request_id").Immutable().
			Comment(doc("ID of the service request.", "所属服务需求的 ID。")),
		field.Int("community_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("actor_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the RequestEvent.
func (RequestEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("request", ServiceRequest.Type).Ref("events").Unique().Required().Field("request_id").Immutable().
			Comment(doc("The service request.", "所属的服务需求。")),
	}
}

// Indexes of the RequestEvent.
func (RequestEvent) Indexes() []ent.Index {
	// The edge ServiceRequest.events (a request's history).
	return []ent.Index{index.Fields("request_id")}
}

// Annotations of the RequestEvent.
func (RequestEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("One step in the history of a service request: who moved it from which status to which, when and why. "+
			"Append-only: never changed or deleted.",
			"服务需求处理历史中的一步：谁在何时、因何将需求从哪个状态变为哪个状态。只追加，从不修改或删除。")),
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}
