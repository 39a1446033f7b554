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
		).
			Comment(doc("Kind of organisation.", "组织类型。")).
			Annotations(entgql.OrderField("KIND"), gqldoc.EnumValues{
				"PARTY_COMMITTEE":     doc("Community party committee or general party branch.", "社区（大）党委或党总支。"),
				"PARTY_BRANCH":        doc("Party branch of a compound.", "小区党支部。"),
				"PARTY_GROUP":         doc("Party group of a building.", "楼栋党小组。"),
				"PARTY_HOUSEHOLD":     doc("Party-member household.", "党员中心户。"),
				"CO_BUILDING_UNIT":    doc("Unit in the area that co-builds with the community.", "驻区单位或共建单位。"),
				"SOCIAL_ORGANIZATION": doc("Social organisation.", "社会组织。"),
				"VOLUNTEER_TEAM":      doc("Volunteer service team.", "志愿服务队。"),
				"BUSINESS":            doc("Business.", "企业或商户。"),
				"GOVERNMENT_OFFICE":   doc("Government office, such as a subdistrict office.", "政府机关，如街道办事处。"),
				"RESIDENTS_COMMITTEE": doc("Residents' committee.", "居民委员会（居委会）。"),
			}),
		field.String("name").NotEmpty().MaxLen(200).
			Comment(doc("Name of the organisation.", "组织名称。")).
			Annotations(entgql.OrderField("NAME")),
		field.Int("parent_id").Optional().Nillable().
			Comment(doc("ID of the organisation this one belongs to, such as a branch's party committee.",
				"上级组织的 ID，如党支部所属的党委。")),
		field.Int("region_id").
			Comment(doc("ID of the region the organisation belongs to.", "组织所属区域的 ID。")),
		field.Int("compound_id").Optional().Nillable().
			Comment(doc("ID of the compound, for an organisation of one compound.", "所属小区的 ID（仅限属于某个小区的组织）。")),
	}
}

// Edges of the Organization.
func (Organization) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("children", Organization.Type).
			Comment(doc("Organisations under this one.", "下级组织。")).
			Annotations(entgql.RelayConnection(), noInput).
			From("parent").Unique().Field("parent_id").
			Comment(doc("The organisation this one belongs to.", "上级组织。")),
		edge.From("region", Region.Type).Ref("organizations").Unique().Required().Field("region_id").
			Comment(doc("The region the organisation belongs to.", "组织所属的区域。")),
		edge.From("compound", Compound.Type).Ref("organizations").Unique().Field("compound_id").
			Comment(doc("The compound, for an organisation of one compound.", "所属小区（仅限属于某个小区的组织）。")),
		edge.To("facilities", Facility.Type).
			Comment(doc("Facilities the organisation runs.", "该组织运营的设施。")).
			Annotations(entgql.RelayConnection(), noInput),
		edge.To("activities", Activity.Type).
			Comment(doc("Activities the organisation organises.", "该组织主办的活动。")).
			Annotations(entgql.RelayConnection(), noInput),
		// The members of a volunteer team or party organisation: personal
		// data of a public type, so not in GraphQL at all (neither field
		// nor filter); staff see it from the private Person side, and
		// members are changed only through Person mutations (never through
		// the organisation, whose changes are in the public change feed).
		edge.To("members", Person.Type).
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of the Organization.
func (Organization) Indexes() []ent.Index {
	// The edges Region.organizations, Compound.organizations and
	// Organization.children.
	return []ent.Index{
		index.Fields("region_id"),
		index.Fields("compound_id"),
		index.Fields("parent_id"),
	}
}

// Mixin of the Organization.
func (Organization) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the Organization.
func (Organization) Annotations() []schema.Annotation {
	return publicAnnotations(
		doc("An organisation: a party organisation, co-building unit, social organisation, volunteer team, business, "+
			"government office or residents' committee. Party organisations nest through parent, four levels: "+
			"community party committee > compound party branch > building party group > party-member household.",
			"组织：党组织、共建单位、社会组织、志愿服务队、企业、政府机关或居委会。党组织通过 parent 逐级嵌套，"+
				"共四级：社区大党委 > 小区党支部 > 楼栋党小组 > 党员中心户。"),
		doc("Organisations: party organisations, co-building units, volunteer teams and others.",
			"组织：党组织、共建单位、志愿服务队等。"))
}
