package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// TimeMixin adds created and updated timestamps. They are read-only in
// GraphQL and orderable.
type TimeMixin struct{ mixin.Schema }

// Fields of the TimeMixin.
func (TimeMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").
			Immutable().
			Default(time.Now).
			Annotations(entgql.OrderField("CREATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("updated_at").
			Default(time.Now).
			UpdateDefault(time.Now).
			Annotations(entgql.OrderField("UPDATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// privateTime is TimeMixin for private types: no ordering or filtering on
// timestamps of personal records (they could single someone out).
type privateTime struct{ mixin.Schema }

// Fields of privateTime.
func (privateTime) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Immutable().Default(time.Now).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
	}
}

// lat and lng are validated WGS-84 coordinates.
func latLng() []ent.Field {
	return []ent.Field{
		field.Float("lat").Min(-90).Max(90).
			Comment("WGS-84 latitude in degrees").
			Annotations(entgql.OrderField("LAT")),
		field.Float("lng").Min(-180).Max(180).
			Comment("WGS-84 longitude in degrees").
			Annotations(entgql.OrderField("LNG")),
		field.Bool("approximate").Default(false).
			Comment("true when the location is an approximation (demo data)"),
	}
}
