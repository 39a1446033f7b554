package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Change is one entry of the change log: a record of a public type was
// created, updated or deleted. Hooks append entries in the same transaction
// as the write, so the log never mentions a write that rolled back. Its ID
// is a monotonic sequence: in-memory indexes catch up by reading entries
// after the last one they applied.
type Change struct{ ent.Schema }

// Fields of the Change.
func (Change) Fields() []ent.Field {
	return []ent.Field{
		field.String("entity").NotEmpty().MaxLen(40).Immutable().
			Comment("the ent type name, e.g. Facility"),
		field.Int("entity_id").Immutable(),
		field.Enum("op").Values("create", "update", "delete").Immutable(),
		field.Time("at").Default(time.Now).Immutable(),
	}
}

// Indexes of the Change.
func (Change) Indexes() []ent.Index {
	return []ent.Index{index.Fields("entity", "entity_id")}
}

// Annotations of the Change.
func (Change) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
