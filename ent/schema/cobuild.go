package schema

// The resource list 资源清单 and the project list 项目清单 of the three
// lists (三张清单, seed 001), with the co-building projects 共建项目 that
// units in the area 驻区单位 sign with a community. The needs list is
// ServiceRequest; NeedMatch links a need to the resource or project that
// answers it.

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"lifecircle/internal/gqldoc"
)

// Resource is an entry of the resource list: what an organisation or
// co-building unit offers a community (a venue and its hours, skills,
// equipment, funds, volunteer hours, a service). Public; its contact
// person is a private record of its own (ResourceContact).
type Resource struct{ ent.Schema }

// Fields of the Resource.
func (Resource) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").NamedValues(
			"Venue", "VENUE", "Skill", "SKILL", "Equipment", "EQUIPMENT", "Funds", "FUNDS",
			"VolunteerHours", "VOLUNTEER_HOURS", "Service", "SERVICE", "Other", "OTHER",
		).
			Comment(doc("Kind of resource.", "资源类型。")).
			Annotations(entgql.OrderField("KIND"), gqldoc.EnumValues{
				"VENUE":           doc("A venue opened to the community, with its hours.", "向社区开放的场地（及开放时间）。"),
				"SKILL":           doc("A skill or professional service people offer, such as mediation or counselling.", "技能或专业服务，如调解、心理疏导。"),
				"EQUIPMENT":       doc("Equipment lent or shared.", "出借或共享的设备。"),
				"FUNDS":           doc("Funds.", "资金。"),
				"VOLUNTEER_HOURS": doc("Volunteer hours pledged.", "承诺投入的志愿服务时长。"),
				"SERVICE":         doc("A service to residents, such as meals or errands.", "面向居民的服务，如助餐、代办。"),
				"OTHER":           doc("Anything else.", "其他。"),
			}),
		field.String("title").NotEmpty().MaxLen(200).
			Comment(doc("Short name of what is offered.", "所提供资源的简称。")).
			Annotations(entgql.OrderField("TITLE")),
		field.Text("description").Optional().MaxLen(4000).
			Comment(doc("What is offered, in free text.", "资源说明（自由文本）。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Float("quantity").Optional().Nillable().Min(0).
			Comment(doc("How much is offered, in unit (hours, yuan, items, square metres), where it applies.",
				"提供的数量（单位见 unit，如小时、元、件、平方米），适用时填写。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("unit").Optional().MaxLen(40).
			Comment(doc("Unit of quantity.", "数量的单位。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("hours").Optional().MaxLen(400).
			Comment(doc("When a venue or service is available, in free text or OpenStreetMap opening_hours syntax.",
				"场地或服务的开放时间（自由文本或 OpenStreetMap opening_hours 语法）。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Enum("availability").NamedValues(
			"Available", "AVAILABLE", "InUse", "IN_USE", "Withdrawn", "WITHDRAWN",
		).Default("AVAILABLE").
			Comment(doc("Whether the resource can be drawn on now.", "资源当前能否使用。")).
			Annotations(entgql.OrderField("AVAILABILITY"), gqldoc.EnumValues{
				"AVAILABLE": doc("Available to the community.", "可供社区使用。"),
				"IN_USE":    doc("Committed to a need or project for now.", "目前已用于某项需求或项目。"),
				"WITHDRAWN": doc("No longer offered.", "已不再提供。"),
			}),
		field.Time("available_from").Optional().Nillable().
			Comment(doc("From when the resource is offered.", "资源开始提供的时间。")),
		field.Time("available_until").Optional().Nillable().
			Comment(doc("Until when the resource is offered (or was, once withdrawn).", "资源提供的截止时间（撤回后为撤回时间）。")),
		field.Int("community_id").
			Comment(doc("ID of the community the resource is offered to.", "资源所服务社区的 ID。")),
		field.Int("provider_id").
			Comment(doc("ID of the organisation or co-building unit that offers it.", "提供资源的组织或共建单位的 ID。")),
		field.Int("facility_id").Optional().Nillable().
			Comment(doc("ID of the facility, for a venue on the service map.", "场地对应的服务地图设施的 ID。")),
		field.Int("project_id").Optional().Nillable().
			Comment(doc("ID of the co-building project the resource serves, if any.", "资源服务的共建项目的 ID（如有）。")),
	}
}

// Edges of the Resource.
func (Resource) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("community", Region.Type).Unique().Required().Field("community_id").
			Comment(doc("The community the resource is offered to.", "资源所服务的社区。")),
		edge.To("provider", Organization.Type).Unique().Required().Field("provider_id").
			Comment(doc("The organisation or co-building unit that offers it.", "提供资源的组织或共建单位。")),
		edge.To("facility", Facility.Type).Unique().Field("facility_id").
			Comment(doc("The facility, for a venue on the service map.", "场地对应的服务地图设施。")),
		edge.From("project", CoBuildingProject.Type).Ref("resources").Unique().Field("project_id").
			Comment(doc("The co-building project the resource serves, if any.", "资源服务的共建项目（如有）。")),
		// Private: never a filter (an oracle on who the contact is) nor an
		// input; its own policy hides it from all but staff and admins.
		edge.To("contact", ResourceContact.Type).Unique().
			Comment(doc("Who to contact about the resource: staff of its community and admins only; null for everyone else.",
				"资源联系人：仅本社区工作人员和管理员可见，其他人看到的是空值。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// Indexes of the Resource: the filters community, kind and availability,
// and the edges provider, facility and project.
func (Resource) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("community_id", "kind"),
		index.Fields("community_id", "availability"),
		index.Fields("kind"),
		index.Fields("availability"),
		index.Fields("provider_id"),
		index.Fields("facility_id"),
		index.Fields("project_id"),
	}
}

// Mixin of the Resource.
func (Resource) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the Resource.
func (Resource) Annotations() []schema.Annotation {
	return publicAnnotations(
		doc("An entry of the resource list (资源清单): what an organisation or co-building unit offers a community — a venue and its hours, "+
			"skills, equipment, funds, volunteer hours or a service — and whether it is available. Public; the contact person is not.",
			"资源清单中的一条：组织或共建单位向社区提供的资源——场地及开放时间、技能、设备、资金、志愿服务时长或服务——及其可用状态。公开；联系人不公开。"),
		doc("The resource lists of the communities.", "各社区的资源清单。"))
}

// ResourceContact is the contact person of a resource: personal data,
// seen by staff of the resource's community and admins only.
type ResourceContact struct{ ent.Schema }

// Fields of the ResourceContact.
func (ResourceContact) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(100).
			Comment(doc("Name of the contact person.", "联系人姓名。")),
		field.String("phone").Optional().MaxLen(40).
			Comment(doc("Phone number of the contact person.", "联系人电话。")),
		field.Text("note").Optional().MaxLen(2000).
			Comment(doc("How and when to reach them.", "联系方式说明（何时、如何联系）。")),
		field.Int("community_id").Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("resource_id").Unique().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the ResourceContact.
func (ResourceContact) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("resource", Resource.Type).Ref("contact").Unique().Required().Field("resource_id").
			Comment(doc("The resource.", "所属资源。")),
	}
}

// Indexes of the ResourceContact.
func (ResourceContact) Indexes() []ent.Index {
	return []ent.Index{index.Fields("community_id")}
}

// Mixin of the ResourceContact.
func (ResourceContact) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}, ProvenanceMixin{}} }

// Annotations of the ResourceContact.
func (ResourceContact) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("The contact person of a resource. Personal data: staff of the resource's community and admins only.",
			"资源联系人。属于个人信息：仅资源所在社区的工作人员和管理员可见。")),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// CoBuildingProject is an entry of the project list: a co-building project
// 共建项目 of a community and the units that signed it.
type CoBuildingProject struct{ ent.Schema }

// Fields of the CoBuildingProject.
func (CoBuildingProject) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").NotEmpty().MaxLen(200).
			Comment(doc("Title of the project.", "项目名称。")).
			Annotations(entgql.OrderField("TITLE")),
		field.Text("goals").Optional().MaxLen(4000).
			Comment(doc("What the project sets out to do.", "项目目标。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Time("starts_on").Optional().Nillable().
			Comment(doc("When the project starts (or started).", "项目开始时间。")).
			Annotations(entgql.OrderField("STARTS_ON")),
		field.Time("ends_on").Optional().Nillable().
			Comment(doc("When the project ends (or ended).", "项目结束时间。")),
		field.Enum("status").NamedValues(
			"Planned", "PLANNED", "Ongoing", "ONGOING", "Completed", "COMPLETED", "Cancelled", "CANCELLED",
		).Default("PLANNED").
			Comment(doc("Where the project stands.", "项目状态。")).
			Annotations(entgql.OrderField("STATUS"), gqldoc.EnumValues{
				"PLANNED":   doc("Agreed, not started.", "已商定，尚未开始。"),
				"ONGOING":   doc("Under way.", "进行中。"),
				"COMPLETED": doc("Done.", "已完成。"),
				"CANCELLED": doc("Called off.", "已取消。"),
			}),
		field.Text("outcomes").Optional().MaxLen(4000).
			Comment(doc("What the project achieved, in free text.", "项目成效（自由文本）。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int("community_id").
			Comment(doc("ID of the community.", "所属社区的 ID。")),
	}
}

// Edges of the CoBuildingProject.
func (CoBuildingProject) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("community", Region.Type).Unique().Required().Field("community_id").
			Comment(doc("The community.", "所属社区。")),
		edge.To("signings", ProjectSigning.Type).
			Comment(doc("The units that signed the project, with the signing dates.", "签约共建的单位及签约日期。")).
			Annotations(noInput),
		edge.To("updates", ProjectUpdate.Type).
			Comment(doc("Progress updates, dated.", "项目进展（按日期）。")).
			Annotations(noInput),
		edge.To("resources", Resource.Type).
			Comment(doc("Resources that serve the project.", "服务于该项目的资源。")).
			Annotations(entgql.RelayConnection(), noInput),
	}
}

// Indexes of the CoBuildingProject: the filters community and status.
func (CoBuildingProject) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("community_id", "status"),
		index.Fields("status"),
	}
}

// Mixin of the CoBuildingProject.
func (CoBuildingProject) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the CoBuildingProject.
func (CoBuildingProject) Annotations() []schema.Annotation {
	return publicAnnotations(
		doc("An entry of the project list (项目清单): a co-building project of a community, with the units that signed it, its goals, "+
			"dates, status, progress updates and outcomes. Public.",
			"项目清单中的一条：社区的共建项目，含签约单位、目标、起止时间、状态、进展和成效。公开。"),
		doc("The co-building projects of the communities.", "各社区的共建项目。"))
}

// ProjectSigning is a unit's signature on a co-building project.
type ProjectSigning struct{ ent.Schema }

// Fields of the ProjectSigning.
func (ProjectSigning) Fields() []ent.Field {
	return []ent.Field{
		field.Time("signed_on").Optional().Nillable().
			Comment(doc("When the unit signed.", "签约日期。")),
		field.Int("project_id").Comment(doc("ID of the project.", "项目的 ID。")),
		field.Int("organization_id").Comment(doc("ID of the unit that signed.", "签约单位的 ID。")),
		field.Int("community_id").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the ProjectSigning.
func (ProjectSigning) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", CoBuildingProject.Type).Ref("signings").Unique().Required().Field("project_id").
			Comment(doc("The project.", "项目。")),
		edge.To("organization", Organization.Type).Unique().Required().Field("organization_id").
			Comment(doc("The unit that signed.", "签约单位。")),
	}
}

// Indexes of the ProjectSigning.
func (ProjectSigning) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("project_id", "organization_id").Unique(),
		index.Fields("organization_id"),
	}
}

// Mixin of the ProjectSigning.
func (ProjectSigning) Mixin() []ent.Mixin { return []ent.Mixin{ProvenanceMixin{}} }

// Annotations of the ProjectSigning.
func (ProjectSigning) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("A unit's signature on a co-building project. Public.", "单位签约共建项目的记录。公开。")),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// ProjectUpdate is a dated progress update of a co-building project.
type ProjectUpdate struct{ ent.Schema }

// Fields of the ProjectUpdate.
func (ProjectUpdate) Fields() []ent.Field {
	return []ent.Field{
		field.Time("date").Comment(doc("Date of the update.", "进展日期。")),
		field.Text("text").NotEmpty().MaxLen(4000).
			Comment(doc("What happened.", "进展情况。")),
		field.Int("percent").Optional().Nillable().Range(0, 100).
			Comment(doc("How far along the project is, in percent, if stated.", "项目完成百分比（如有）。")),
		field.Int("project_id").Comment(doc("ID of the project.", "项目的 ID。")),
		field.Int("community_id").Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the ProjectUpdate.
func (ProjectUpdate) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("project", CoBuildingProject.Type).Ref("updates").Unique().Required().Field("project_id").
			Comment(doc("The project.", "项目。")),
	}
}

// Indexes of the ProjectUpdate.
func (ProjectUpdate) Indexes() []ent.Index {
	return []ent.Index{index.Fields("project_id", "date")}
}

// Mixin of the ProjectUpdate.
func (ProjectUpdate) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the ProjectUpdate.
func (ProjectUpdate) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("A dated progress update of a co-building project. Public.", "共建项目的一条进展记录（带日期）。公开。")),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}

// NeedMatch links a need (ServiceRequest) to the resource or co-building
// project that answers it, with who matched it and when. Private: it says
// whose need was answered by what.
type NeedMatch struct{ ent.Schema }

// Fields of the NeedMatch.
func (NeedMatch) Fields() []ent.Field {
	return []ent.Field{
		field.Time("matched_at").Immutable().
			Comment(doc("When the need was matched.", "匹配时间。")),
		field.Text("note").Optional().MaxLen(2000).
			Comment(doc("Staff's note on the match.", "工作人员对匹配的说明。")),
		field.Int("community_id").Immutable().
			Comment(doc("ID of the community.", "所属社区的 ID。")),
		field.Int("request_id").Immutable().
			Comment(doc("ID of the need.", "需求的 ID。")),
		field.Int("resource_id").Optional().Nillable().Immutable().
			Comment(doc("ID of the resource that answers the need, if any.", "回应该需求的资源的 ID（如有）。")),
		field.Int("project_id").Optional().Nillable().Immutable().
			Comment(doc("ID of the project that answers the need, if any.", "回应该需求的共建项目的 ID（如有）。")),
		// Cleared when the token's person is erased (internal/erasure).
		field.Int("matched_by_token_id").Optional().Nillable().
			Comment(doc("ID of the API token of the staff member or admin who matched it.", "进行匹配的工作人员或管理员所用 API 令牌的 ID。")),
		// Cleared when the person's data is erased (internal/erasure).
		field.Int("matched_by_person_id").Optional().Nillable().
			Comment(doc("ID of the person who matched it, when they signed in as a person.", "进行匹配的人员的 ID（以个人身份登录时）。")),
	}
}

// Edges of the NeedMatch: all one-directional, so no public type has an
// edge (or a filter) leading to matches.
func (NeedMatch) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("community", Region.Type).Unique().Required().Immutable().Field("community_id").
			Comment(doc("The community.", "所属社区。")),
		edge.To("request", ServiceRequest.Type).Unique().Required().Immutable().Field("request_id").
			Comment(doc("The need.", "需求。")),
		edge.To("resource", Resource.Type).Unique().Immutable().Field("resource_id").
			Comment(doc("The resource that answers the need, if any.", "回应该需求的资源（如有）。")),
		edge.To("project", CoBuildingProject.Type).Unique().Immutable().Field("project_id").
			Comment(doc("The project that answers the need, if any.", "回应该需求的共建项目（如有）。")),
		edge.To("matched_by_token", APIToken.Type).Unique().Field("matched_by_token_id").
			Comment(doc("The API token of the staff member or admin who matched it.", "进行匹配的工作人员或管理员所用的 API 令牌。")),
		edge.To("matched_by_person", Person.Type).Unique().Field("matched_by_person_id").
			Comment(doc("The person who matched it, when they signed in as a person.", "进行匹配的人员（以个人身份登录时）。")),
	}
}

// Indexes of the NeedMatch.
func (NeedMatch) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("community_id"),
		index.Fields("request_id"),
		index.Fields("resource_id"),
		index.Fields("project_id"),
		index.Fields("matched_by_token_id"),
		index.Fields("matched_by_person_id"),
	}
}

// Mixin of the NeedMatch.
func (NeedMatch) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}} }

// Annotations of the NeedMatch.
func (NeedMatch) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("A need matched to the resource or co-building project that answers it, with who matched it and when. "+
			"Private: staff of the community and admins only.",
			"需求与回应它的资源或共建项目之间的匹配，含匹配人和匹配时间。不公开：仅本社区工作人员和管理员可见。")),
		entgql.QueryField("needMatches").Directives(staffOnly()).
			Description(doc("The needs matched to resources and projects, as far as the caller may see them (staff: their community's).",
				"需求与资源、项目的匹配记录（工作人员可见本社区的）。")),
		entgql.RelayConnection(),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}
