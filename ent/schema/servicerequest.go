package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
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
		),
		field.String("title").NotEmpty().MaxLen(300).Annotations(noWhere),
		field.Text("description").Optional().MaxLen(10000).Annotations(noWhere),
		field.String("category").Optional().
			Validate(func(s string) error {
				if s == "" {
					return nil
				}
				return validCategory(s)
			}),
		field.Enum("status").NamedValues(
			"Submitted", "SUBMITTED", "Dispatched", "DISPATCHED", "Claimed", "CLAIMED",
			"Resolved", "RESOLVED", "Confirmed", "CONFIRMED", "Rejected", "REJECTED",
		).Default("SUBMITTED"),
		field.Time("submitted_at"),
		field.Time("dispatched_at").Optional().Nillable(),
		field.Time("claimed_at").Optional().Nillable(),
		field.Time("resolved_at").Optional().Nillable(),
		field.Time("confirmed_at").Optional().Nillable(),
		field.Time("rejected_at").Optional().Nillable(),
		field.Int("satisfaction").Optional().Nillable().Range(1, 5).Annotations(noWhere),
		field.String("address").Optional().MaxLen(400).
			Comment("where the help is needed: shown to a volunteer only once they claim the request").
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Text("resolution_note").Optional().MaxLen(4000).Annotations(noWhere),
		field.Text("reject_reason").Optional().MaxLen(4000).Annotations(noWhere),
		field.Int("version").Default(1).Positive().
			Comment("optimistic concurrency: every transition increments it").
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("idempotency_key").Optional().Nillable().MaxLen(200).
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("community_id"),
		field.Int("compound_id").Optional().Nillable(),
		field.Int("requester_id").Annotations(noWhere),
		field.Int("dispatched_to_id").Optional().Nillable(),
		field.Int("claimed_by_id").Optional().Nillable().Annotations(noWhere),
	}
}

// Edges of the ServiceRequest. All one-directional: public types have no
// edge back to requests.
func (ServiceRequest) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("community", Region.Type).Unique().Required().Field("community_id"),
		edge.To("compound", Compound.Type).Unique().Field("compound_id"),
		edge.To("requester", Person.Type).Unique().Required().Field("requester_id").Annotations(noWhere),
		edge.To("events", RequestEvent.Type).Annotations(entgql.RelayConnection(), noWhere),
		edge.To("dispatched_to", Organization.Type).Unique().Field("dispatched_to_id"),
		edge.To("claimed_by", Person.Type).Unique().Field("claimed_by_id").Annotations(noWhere),
	}
}

// Indexes of the ServiceRequest.
func (ServiceRequest) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("community_id", "status"),
		index.Fields("requester_id", "idempotency_key").Unique(),
	}
}

// Mixin of the ServiceRequest.
func (ServiceRequest) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}} }

// Annotations of the ServiceRequest.
func (ServiceRequest) Annotations() []schema.Annotation {
	return append(privateAnnotations("serviceRequests"), entgql.Skip(entgql.SkipOrderField))
}
