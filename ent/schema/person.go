package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"lifecircle/internal/inputs"
	"lifecircle/internal/personrole"
)

// PersonRoles are the roles a person holds in the community.
var PersonRoles = personrole.Known

// Person is a resident, volunteer, party member or grid worker. Every field is
// personal data: the type is private, with nothing to filter or order by.
type Person struct{ ent.Schema }

// Fields of the Person.
func (Person) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Comment(doc("Name.", "姓名。")),
		field.String("phone").Optional().MaxLen(40).Sensitive(),
		field.Int("birth_year").Optional().Nillable().Range(1900, 2100).
			Comment(doc("Year of birth.", "出生年份。")),
		field.Strings("roles").Optional().Validate(checkRoles).
			Comment(doc("Roles in the community, a set: resident, volunteer, party_member and grid_worker, each at most once.",
				"在社区中的角色（集合，每个角色至多一次）：resident（居民）、volunteer（志愿者）、party_member（党员）、grid_worker（网格员）。")),
		field.Int("community_id").
			Comment(doc("ID of the community the person lives in.", "所居住社区的 ID。")),
		// Deactivated people keep their history but can no longer act: their
		// tokens and sign-ins are refused.
		field.Time("deactivated_at").Optional().Nillable().
			Comment(doc("When the person was deactivated; null while active. A deactivated person keeps their history but cannot act.",
				"人员被停用的时间；在用时为空。停用的人员保留其历史记录，但不能再进行任何操作。")).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// checkRoles bounds the list and checks it is a set of known roles.
func checkRoles(roles []string) error {
	if err := inputs.CheckList(roles); err != nil {
		return err
	}
	return personrole.Check(roles)
}

// Edges of the Person.
func (Person) Edges() []ent.Edge {
	return []ent.Edge{
		// One-directional: a public Region has no edge back to its people.
		edge.To("community", Region.Type).Unique().Required().Field("community_id").
			Comment(doc("The community the person lives in.", "所居住的社区。")),
		// For privacy rules only (a volunteer may see who asked for what
		// they can claim); not in GraphQL.
		edge.From("requests", ServiceRequest.Type).Ref("requester").
			Annotations(entgql.Skip(entgql.SkipAll)),
		// For privacy rules only: staff see who registered for their
		// community's activities, wherever the person lives.
		edge.From("registrations", Registration.Type).Ref("person").
			Annotations(entgql.Skip(entgql.SkipAll)),
		// Membership of volunteer teams and party organisations: a request
		// dispatched to a team is seen and claimed by its members.
		// Not generated into GraphQL: Person.teams is resolved by hand
		// (schema/people_admin.graphql), shown only to the person and to
		// staff, since party membership is sensitive.
		edge.From("teams", Organization.Type).Ref("members").
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Indexes of the Person.
func (Person) Indexes() []ent.Index {
	// A community's residents (staff and privacy-policy filters).
	return []ent.Index{index.Fields("community_id")}
}

// Mixin of the Person.
func (Person) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}, privateProvenance{}} }

// Annotations of the Person.
func (Person) Annotations() []schema.Annotation {
	return append(privateAnnotations("people",
		doc("A resident, volunteer, party member or grid worker. Personal data: the public sees no one; staff see "+
			"the people of their community and those registered for its activities; residents see themselves; "+
			"volunteers also the people whose requests they may see.",
			"居民、志愿者、党员或网格员。属于个人信息：公众看不到任何人；工作人员可见本社区的人员及报名本社区活动的人员；"+
				"居民只能看到自己；志愿者还可看到其可见需求的提出人。"),
		doc("People, as far as the caller may see them (see Person).", "调用者有权查看的人员（见 Person）。")),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField))
}
