package schema

import (
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
)

// WalkNetwork is an imported street network (OpenStreetMap), stored as a
// compressed graph. Where one covers a point, walking times from it are
// shortest paths over the network.
type WalkNetwork struct{ ent.Schema }

// Fields of the WalkNetwork.
func (WalkNetwork) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.Float("min_lat"),
		field.Float("min_lng"),
		field.Float("max_lat"),
		field.Float("max_lng"),
		field.Int("node_count").NonNegative(),
		field.Int("edge_count").NonNegative(),
		field.Bytes("graph").Comment("walknet.Graph.Encode output"),
		field.Time("imported_at").Default(time.Now).Immutable(),
	}
}

// Annotations of the WalkNetwork.
func (WalkNetwork) Annotations() []schema.Annotation {
	return []schema.Annotation{entgql.Skip(entgql.SkipAll)}
}
