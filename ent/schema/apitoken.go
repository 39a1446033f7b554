package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"github.com/vektah/gqlparser/v2/ast"

	"lifecircle/internal/gqldoc"
)

// APIToken is a bearer token for an app client. Only the SHA-256 of the
// token is stored, and it is never part of the GraphQL schema: admins (and
// staff for their community) issue tokens (createApiToken), list them
// (apiTokens) and revoke them (revokeToken); nobody reads a secret again.
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
		field.Enum("scope").NamedValues("Read", "READ", "ReadWrite", "READ_WRITE").Default("READ_WRITE").
			Comment(doc("What the token may do: READ runs queries only (its mutations are refused with FORBIDDEN); READ_WRITE runs queries and the mutations its role allows.",
				"令牌可做的事：READ 只能查询（其变更请求会被以 FORBIDDEN 拒绝）；READ_WRITE 可查询并执行其角色允许的变更。")).
			Annotations(gqldoc.EnumValues{
				"READ":       doc("Queries only.", "只能查询。"),
				"READ_WRITE": doc("Queries and the mutations of the token's role.", "查询，以及令牌角色允许的变更。"),
			}),
		field.Int("rate_per_window").Optional().Nillable().Positive().
			Comment(doc("The token's own rate budget: cost points per rate window (the server's -rate-window), in place of its role's budget; null: the role's budget.",
				"令牌自己的限流额度：每个限流窗口（服务器的 -rate-window）内的成本点数，取代其角色的额度；为空表示使用角色的额度。")),
		// The secret, sealed with a key only the issuing request's
		// credential and idempotency key derive (see internal/auth/token),
		// kept until sealed_until so that a retried createApiToken can
		// answer it again. Never in GraphQL.
		field.Bytes("sealed_secret").Optional().Nillable().Sensitive().
			Annotations(entgql.Skip()),
		field.Time("sealed_until").Optional().Nillable().
			Annotations(entgql.Skip()),
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

// Annotations of the APIToken: admins and staff list tokens at the query
// root (staff their community's: rule.Tokens filters them); tokens are
// issued with createApiToken (schema/tokens.graphql) or on the command line
// and revoked with revokeToken.
func (APIToken) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("A bearer token of an app client, without its secret: only the secret's SHA-256 is stored, "+
			"and the secret is shown once, when the token is issued.",
			"应用客户端的持有者令牌，不含密钥：只保存密钥的 SHA-256，密钥仅在签发时显示一次。")),
		entgql.QueryField("apiTokens").Directives(staffOnly()).
			Description(doc("The API tokens ever issued, revoked ones included: admins see all, staff their community's.",
				"已签发的 API 令牌，含已吊销的：管理员可见全部，工作人员可见本社区的。")),
		entgql.RelayConnection(),
	}
}

// staffOnly is the @hasRole(role: STAFF) directive on a field (admins
// pass too).
func staffOnly() entgql.Directive {
	return entgql.NewDirective("hasRole", &ast.Argument{
		Name:  "role",
		Value: &ast.Value{Raw: "STAFF", Kind: ast.EnumValue},
	})
}
