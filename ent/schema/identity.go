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

// Identity links a subject of an OpenID Connect identity provider (issuer +
// subject, as a verified access token names them) to what it may do in
// lifecircle: either a Person (the person's roles then make the viewer a
// resident or a volunteer of the person's community) or a staff or admin
// role. Private: admins see every identity, staff those of their community;
// to anyone else the type holds nothing.
type Identity struct{ ent.Schema }

// Fields of the Identity.
func (Identity) Fields() []ent.Field {
	return []ent.Field{
		field.String("issuer").NotEmpty().MaxLen(500).Immutable().
			Comment(doc("The identity provider: the `iss` of its tokens.", "身份提供方：其令牌中的 `iss`。")),
		field.String("subject").NotEmpty().MaxLen(255).Immutable().
			Comment(doc("The signed-in user at the identity provider: the `sub` of its tokens.", "身份提供方中的登录用户：其令牌中的 `sub`。")),
		// In GraphQL as an upper-case String, like Viewer.role (schema/signin.graphql).
		field.Enum("role").Values("resident", "volunteer", "staff", "admin").
			Annotations(entgql.Skip()),
		field.Int("person_id").Optional().Nillable().
			Comment(doc("ID of the person the subject signs in as; null for a staff or admin link.",
				"该用户登录后所代表人员的 ID；工作人员或管理员绑定时为空。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int("community_id").Optional().Nillable().
			Comment(doc("ID of the community: the person's, or the one a staff link works for; null for admins.",
				"所属社区的 ID：人员所在社区，或工作人员绑定所服务的社区；管理员为空。")),
		field.Time("created_at").Immutable().Default(time.Now).
			Comment(doc("When the subject was linked.", "绑定时间。")).
			Annotations(entgql.OrderField("CREATED_AT")),
		field.Time("last_seen_at").Optional().Nillable().
			Comment(doc("When a request last signed in with this identity, to the minute; null if never.",
				"最近一次以该身份登录的请求时间（精确到分钟）；为空表示从未使用。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Edges of the Identity.
func (Identity) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("person", Person.Type).Unique().Field("person_id").
			Comment(doc("The person the subject signs in as.", "该用户登录后所代表的人员。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("community", Region.Type).Unique().Field("community_id").
			Comment(doc("The community of the identity.", "该身份所属的社区。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Indexes of the Identity: one link per subject of an issuer.
func (Identity) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("issuer", "subject").Unique(),
		index.Fields("person_id"),
		index.Fields("community_id"),
	}
}

// Annotations of the Identity.
func (Identity) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("A sign-in of an OpenID Connect identity provider (issuer and subject) linked to a person, "+
			"or to a staff or admin role. Admins see every identity, staff those of their community.",
			"与人员（或工作人员、管理员角色）绑定的 OpenID Connect 身份提供方登录身份（签发方与主体）。"+
				"管理员可见全部身份，工作人员可见本社区的身份。")),
		entgql.QueryField("identities").Directives(staffOnly()).
			Description(doc("The linked sign-ins the caller may see (admins: all; staff: their community's).",
				"调用者有权查看的已绑定登录身份（管理员：全部；工作人员：本社区）。")),
		entgql.RelayConnection(),
	}
}
