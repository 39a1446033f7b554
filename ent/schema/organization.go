package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
)

// Organization is a party organisation, co-building unit, social organisation,
// volunteer team, business or government office. The parent edge carries the
// four-level party network: 社区大党委 > 小区党支部 > 楼栋党小组 > 党员中心户.
type Organization struct{ ent.Schema }

// Fields of the Organization.
func (Organization) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").NamedValues(
			"PartyCommittee", "PARTY_COMMITTEE", // 社区(大)党委/党总支
			"PartyBranch", "PARTY_BRANCH", // 小区党支部
			"PartyGroup", "PARTY_GROUP", // 楼栋党小组
			"PartyHousehold", "PARTY_HOUSEHOLD", // 党员中心户
			"CoBuildingUnit", "CO_BUILDING_UNIT", // 驻区单位/共建单位
			"SocialOrganization", "SOCIAL_ORGANIZATION", // 社会组织
			"VolunteerTeam", "VOLUNTEER_TEAM", // 志愿服务队
			"Business", "BUSINESS",
			"GovernmentOffice", "GOVERNMENT_OFFICE",
			"ResidentsCommittee", "RESIDENTS_COMMITTEE", // 居委会
		).Annotations(entgql.OrderField("KIND")),
		field.String("name").NotEmpty().MaxLen(200).Annotations(entgql.OrderField("NAME")),
		field.Int("parent_id").Optional().Nillable(),
		field.Int("region_id"),
		field.Int("compound_id").Optional().Nillable(),
	}
}

// Edges of the Organization.
func (Organization) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", Organization.Type).
			Annotations(entgql.RelayConnection(), noInput).
			From("parent").Unique().Field("parent_id"),
		edge.From("region", Region.Type).Ref("organizations").Unique().Required().Field("region_id"),
		edge.From("compound", Compound.Type).Ref("organizations").Unique().Field("compound_id"),
		edge.To("facilities", Facility.Type).Annotations(entgql.RelayConnection(), noInput),
		edge.To("activities", Activity.Type).Annotations(entgql.RelayConnection(), noInput),
	}
}

// Mixin of the Organization.
func (Organization) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Annotations of the Organization.
func (Organization) Annotations() []schema.Annotation { return publicAnnotations() }
