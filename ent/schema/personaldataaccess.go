package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// PersonalDataAccess is one entry of the personal-data reading log: a
// staff member, volunteer or admin read personal fields of a person other
// than themselves (internal/datalog). One request that reads several
// people writes one row per person, in one INSERT. Append-only: the hooks
// refuse every update and delete, except erasure detaching entries from
// the erased person.
type PersonalDataAccess struct{ ent.Schema }

// Fields of the PersonalDataAccess.
func (PersonalDataAccess) Fields() []ent.Field {
	return []ent.Field{
		field.Time("at").Default(time.Now).Immutable().
			Comment(doc("When the data was read.", "读取时间。")).
			Annotations(entgql.OrderField("AT")),
		field.Enum("viewer_role").Values("staff", "admin", "volunteer", "resident").Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("viewer_token_id").Optional().Nillable().Immutable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		// Cleared when the reader's own data is erased.
		field.Int("viewer_person_id").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("viewer_community_id").Optional().Nillable().Immutable().
			Comment(doc("ID of the community the reader works for (staff) or lives in (volunteers); null for admins.",
				"读取者所服务（工作人员）或所居住（志愿者）社区的 ID；管理员为空。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// Cleared when the subject's data is erased: the entry stays, about
		// no one.
		field.Int("subject_id").Optional().Nillable().
			Annotations(entgql.Skip(entgql.SkipAll)),
		field.Strings("fields").Immutable().
			Comment(doc("The personal fields read: name, phone, birthYear, address.", "读取的个人信息字段：name、phone、birthYear、address。")),
		field.String("operation").MaxLen(300).Immutable().
			Comment(doc("Through which operation: the GraphQL operation name and the field path, or the download's path.",
				"通过哪个操作读取：GraphQL 操作名与字段路径，或下载的路径。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Edges of the PersonalDataAccess.
func (PersonalDataAccess) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("viewer_community", Region.Type).Unique().Field("viewer_community_id").Immutable().
			Comment(doc("The community the reader works for or lives in; null for admins.", "读取者所服务或所居住的社区；管理员为空。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Indexes of the PersonalDataAccess: a person's entries (myDataAccessLog),
// a reader's (admins' filter), by time.
func (PersonalDataAccess) Indexes() []ent.Index {
	return []ent.Index{index.Fields("subject_id", "at"), index.Fields("viewer_person_id"), index.Fields("viewer_token_id"), index.Fields("at")}
}

// Annotations of the PersonalDataAccess.
func (PersonalDataAccess) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("One read of a person's personal data by someone else (staff, a volunteer or an admin): "+
			"who read, which fields, when, through which operation. Append-only. A person sees the entries about them "+
			"(myDataAccessLog) with the reader's role and community; admins see all (personalDataAccessLog), with the reader's token and person.",
			"他人（工作人员、志愿者或管理员）对某人个人信息的一次读取：谁读取、哪些字段、何时、通过哪个操作。只追加。"+
				"本人可见关于自己的记录（myDataAccessLog），含读取者的角色和社区；管理员可见全部（personalDataAccessLog），含读取者的令牌和人员。")),
		entgql.RelayConnection(),
		// Filters are the arguments of personalDataAccessLog, not a where input.
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}
