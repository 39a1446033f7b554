package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
)

// Descriptions of the timestamps.
var (
	createdAtDoc = doc("When the record was created.", "记录创建时间。")
	updatedAtDoc = doc("When the record was last changed.", "记录最近一次修改的时间。")
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
			Comment(createdAtDoc).
			Annotations(entgql.OrderField("CREATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Time("updated_at").
			Default(time.Now).
			UpdateDefault(time.Now).
			Comment(updatedAtDoc).
			Annotations(entgql.OrderField("UPDATED_AT"), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
	}
}

// privateTime is TimeMixin for private types: no ordering or filtering on
// timestamps of personal records (they could single someone out).
type privateTime struct{ mixin.Schema }

// Fields of privateTime.
func (privateTime) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Immutable().Default(time.Now).Comment(createdAtDoc).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
		field.Time("updated_at").Default(time.Now).UpdateDefault(time.Now).Comment(updatedAtDoc).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput, entgql.SkipWhereInput)),
	}
}

// lat and lng are validated WGS-84 coordinates.
func latLng() []ent.Field {
	return []ent.Field{
		field.Float("lat").Min(-90).Max(90).
			Comment(doc("WGS-84 latitude in degrees.", "WGS-84 纬度（度）。")).
			Annotations(entgql.OrderField("LAT")),
		field.Float("lng").Min(-180).Max(180).
			Comment(doc("WGS-84 longitude in degrees.", "WGS-84 经度（度）。")).
			Annotations(entgql.OrderField("LNG")),
		field.Bool("approximate").Default(false).
			Comment(doc("True when the location is an approximation (demo data).", "位置为近似值（演示数据）时为 true。")),
	}
}
