package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"github.com/vektah/gqlparser/v2/ast"
)

// APIToken is a bearer token for an app client. Only the SHA-256 of the
// token is stored, and it is never part of the GraphQL schema: admins list
// tokens (apiTokens) and revoke them (revokeToken), nobody reads a secret.
type APIToken struct{ ent.Schema }

// Fields of the APIToken.
func (APIToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200).
			Comment(doc("A label for the token: who holds it.", "令牌的标签：持有者是谁。")).
			Annotations(entgql.OrderField("NAME")),
		field.Bytes("token_hash").Unique().Sensitive().
			Annotations(entgql.Skip()),
		// In GraphQL as an upper-case String, like Viewer.role (schema/tokens.graphql).
		field.Enum("role").Values("staff", "admin", "resident", "volunteer").
			Annotations(entgql.Skip()),
		field.Int("community_id").Optional().Nillable().
			Comment(doc("ID of the community a staff token works for, or of the community of a resident's or volunteer's person.",
				"工作人员令牌所服务社区的 ID，或居民、志愿者令牌所代表人员所在社区的 ID。")),
		field.Int("person_id").Optional().Nillable().
			Comment(doc("ID of the person a resident or volunteer token acts as.", "居民或志愿者令牌所代表人员的 ID。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Time("created_at").Immutable().Default(time.Now).
			Comment(doc("When the token was issued.", "令牌签发时间。")).
			Annotations(entgql.OrderField("CREATED_AT")),
		field.Time("expires_at").Optional().Nillable().
			Comment(doc("When the token stops working; null if it never expires.", "令牌失效时间；为空表示永不过期。")),
		field.Time("last_used_at").Optional().Nillable().
			Comment(doc("When a request last presented the token, to the minute; null if never.",
				"最近一次有请求使用该令牌的时间（精确到分钟）；为空表示从未使用。")).
			Annotations(entgql.OrderField("LAST_USED_AT")),
		field.Bool("revoked").Default(false).
			Comment(doc("True once the token is revoked: it no longer works.", "令牌被吊销后为 true：不再有效。")),
	}
}

// Edges of the APIToken.
func (APIToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("community", Region.Type).Unique().Field("community_id").
			Comment(doc("The community of the token.", "令牌所属的社区。")),
		edge.To("person", Person.Type).Unique().Field("person_id").
			Comment(doc("The person a resident or volunteer token acts as.", "居民或志愿者令牌所代表的人员。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
	}
}

// Annotations of the APIToken: admins list tokens at the query root; there
// are no create or update mutations (tokens are issued on the command line
// and revoked with revokeToken).
func (APIToken) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("A bearer token of an app client, without its secret: only the secret's SHA-256 is stored, "+
			"and the secret is shown once, when the token is issued.",
			"应用客户端的持有者令牌，不含密钥：只保存密钥的 SHA-256，密钥仅在签发时显示一次。")),
		entgql.QueryField("apiTokens").Directives(adminsOnly()).
			Description(doc("The API tokens ever issued, revoked ones included (admins).", "已签发的全部 API 令牌，含已吊销的（管理员）。")),
		entgql.RelayConnection(),
	}
}

// adminsOnly is the @hasRole(role: ADMIN) directive on a field.
func adminsOnly() entgql.Directive {
	return entgql.NewDirective("hasRole", &ast.Argument{
		Name:  "role",
		Value: &ast.Value{Raw: "ADMIN", Kind: ast.EnumValue},
	})
}
