package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// IdempotencyKey remembers which record a keyed create made (see
// internal/idempotency): a retry of the same request, whose first answer
// was lost, finds it and answers with that record instead of making a
// second. It is written in the transaction of the create, so it exists
// exactly when the record does.
type IdempotencyKey struct{ ent.Schema }

// Fields of the IdempotencyKey.
func (IdempotencyKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("scope").NotEmpty().MaxLen(64).Immutable().
			Comment("who sent the key, e.g. token:42: keys of different clients never meet"),
		field.String("key").NotEmpty().MaxLen(200).Immutable().
			Comment("the Idempotency-Key header or the clientMutationId"),
		field.String("field").NotEmpty().MaxLen(100).Immutable().
			Comment("the mutation field's response key (alias or name)"),
		field.String("request_hash").NotEmpty().MaxLen(64).Immutable().
			Comment("sha256 of the mutation field's name and arguments: a reused key with other arguments is refused"),
		field.Int("result_id").Immutable().
			Comment("the ID of the record the first request created"),
		field.Time("created_at").Default(time.Now).Immutable(),
	}
}

// Indexes of the IdempotencyKey.
func (IdempotencyKey) Indexes() []ent.Index {
	return []ent.Index{index.Fields("scope", "key", "field").Unique()}
}

// Annotations of the IdempotencyKey.
func (IdempotencyKey) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
