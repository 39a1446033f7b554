package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// ChangeLock is a single row that every writer of the change log updates
// just before appending to it. The row lock, held to commit, makes change
// IDs (allocated from a sequence at insert time) become visible in
// increasing order, so a reader that has applied the log up to ID n never
// later finds a smaller ID appear.
type ChangeLock struct{ ent.Schema }

// Fields of the ChangeLock.
func (ChangeLock) Fields() []ent.Field {
	return []ent.Field{field.Int64("writes").Default(0)}
}

// Annotations of the ChangeLock.
func (ChangeLock) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
