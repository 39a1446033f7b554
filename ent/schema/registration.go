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

// Registration is a person's registration for an activity. Private: who takes
// part in what is personal data.
type Registration struct{ ent.Schema }

// Fields of the Registration.
func (Registration) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("status").NamedValues("Registered", "REGISTERED", "Cancelled", "CANCELLED").Default("REGISTERED").
			Comment(doc("Whether the registration holds a place.", "报名是否占用名额。")).
			Annotations(gqldoc.EnumValues{
				"REGISTERED": doc("Registered: holds a place.", "已报名：占用一个名额。"),
				"CANCELLED":  doc("Cancelled: the place was given back.", "已取消：名额已退回。"),
			}),
		// Null once the person's data is erased (internal/erasure).
		field.Int("person_id").Optional().Nillable().
			Comment(doc("ID of the registered person; null once their personal data was erased.", "报名人员的 ID；其个人信息被删除后为空。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int("activity_id").
			Comment(doc("ID of the activity.", "活动的 ID。")),
		field.Int("community_id").
			Comment(doc("ID of the activity's community, which scopes what staff see.", "活动所属社区的 ID，决定哪些工作人员可见。")),
		field.Time("occurrence").Optional().Nillable().Immutable().
			Comment(doc("For a recurring activity, the start of the occurrence registered for; null for a one-off activity.",
				"循环活动：所报名那一次活动的开始时间；一次性活动为空。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// The occurrence as Unix seconds, 0 for a one-off activity: a
		// non-null key, so one unique index holds on both databases
		// (NULLs are distinct in unique indexes).
		field.Int64("occurrence_key").Default(0).Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the Registration.
func (Registration) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("person", Person.Type).Unique().Field("person_id").
			Comment(doc("The registered person; null once their personal data was erased.", "报名的人员；其个人信息被删除后为空。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("activity", Activity.Type).Unique().Required().Field("activity_id").
			Comment(doc("The activity.", "报名的活动。")),
		edge.To("community", Region.Type).Unique().Required().Field("community_id").
			Comment(doc("The activity's community.", "活动所属的社区。")),
	}
}

// Indexes of the Registration.
func (Registration) Indexes() []ent.Index {
	return []ent.Index{
		// One registration per person and occurrence (the whole activity
		// when it is a one-off).
		index.Fields("activity_id", "occurrence_key", "person_id").Unique(),
		// A person's registrations, and a community's (staff lists).
		index.Fields("person_id"),
		index.Fields("community_id"),
	}
}

// Mixin of the Registration.
func (Registration) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}} }

// Annotations of the Registration.
func (Registration) Annotations() []schema.Annotation {
	return append(privateAnnotations("registrations",
		doc("A person's registration for an activity. Personal data: visible to the person, staff of the activity's community and admins.",
			"某人对某项活动的报名。属于个人信息：仅本人、活动所属社区的工作人员和管理员可见。"),
		doc("Registrations for activities, as far as the caller may see them: residents their own, staff their community's.",
			"调用者有权查看的活动报名：居民可见自己的，工作人员可见本社区的。")),
		entgql.Skip(entgql.SkipOrderField))
}
