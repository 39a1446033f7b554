package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// RegistrationEvent is one change of a registration (taken or given back),
// appended in the transaction of the change: the log the registrationChanged
// subscription follows and resumes from (internal/liveprivate). Its IDs
// become visible in increasing order (see EventLock). It holds no person:
// who registered is read from the registration, under the reader's privacy.
type RegistrationEvent struct{ ent.Schema }

// Fields of the RegistrationEvent.
func (RegistrationEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Int("registration_id").Immutable(),
		field.Int("activity_id").Immutable(),
		field.Int("community_id").Immutable(),
		field.String("status").Immutable(),
		field.Time("at").Default(time.Now).Immutable(),
	}
}

// Indexes of the RegistrationEvent.
func (RegistrationEvent) Indexes() []ent.Index {
	// An activity's changes after a cursor.
	return []ent.Index{index.Fields("activity_id")}
}

// Annotations of the RegistrationEvent.
func (RegistrationEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}

// EventLock is a single row that every writer of the private event logs
// (RequestEvent, RegistrationEvent) updates just before appending, as
// ChangeLock does for the change log: the row lock, held to commit, makes
// their IDs become visible in increasing order, so a subscription resumed
// after ID n never misses a smaller ID committed later.
type EventLock struct{ ent.Schema }

// Fields of the EventLock.
func (EventLock) Fields() []ent.Field {
	return []ent.Field{field.Int64("writes").Default(0)}
}

// Annotations of the EventLock.
func (EventLock) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
