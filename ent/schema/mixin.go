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

// ProvenanceMixin says where a record comes from, in the record itself:
// source names the article (or other origin) that states it, and
// illustrative lists the GraphQL names of the fields that no source states
// (invented for the demo: names, dates, phones, hours, placements). A
// record invented as a whole lists "*". Real records leave both empty.
type ProvenanceMixin struct{ mixin.Schema }

// Fields of the ProvenanceMixin.
func (ProvenanceMixin) Fields() []ent.Field {
	return []ent.Field{
		field.String("source").Optional().MaxLen(200).
			Comment(doc("Where the record comes from, e.g. the article that states it.", "记录来源，例如陈述它的文章。")),
		illustrativeField(),
	}
}

// illustrativeField is the illustrative list on its own, for types that
// already have a source field of their own.
func illustrativeField() ent.Field {
	return field.Strings("illustrative").Optional().
		Comment(doc("GraphQL names of the fields that are illustrative (invented for the demo, stated by no source); \"*\" when the whole record is. Empty for real data.",
			"示意性字段（演示用虚构、无来源陈述）的 GraphQL 名称；整条记录均为示意时为 \"*\"。真实数据为空。")).
		Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField))
}

// privateProvenance is ProvenanceMixin for private types: the same two
// fields, readable by whoever may read the record, with nothing to filter
// or order by (a filter on a private type is an oracle).
type privateProvenance struct{ mixin.Schema }

// Fields of privateProvenance.
func (privateProvenance) Fields() []ent.Field {
	return []ent.Field{
		field.String("source").Optional().MaxLen(200).
			Comment(doc("Where the record comes from, e.g. the article that states it.", "记录来源，例如陈述它的文章。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField)),
		illustrativeField(),
	}
}
