package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"lifecircle/internal/i18n"
	"lifecircle/internal/openinghours"
	"lifecircle/internal/taxonomy"
)

// Facility is a point on the 15-minute service map: a service centre, canteen,
// clinic, shop, function room...
type Facility struct{ ent.Schema }

// Fields of the Facility.
func (Facility) Fields() []ent.Field {
	return append([]ent.Field{
		field.String("name").NotEmpty().MaxLen(400).
			Comment("primary name, in Simplified Chinese").
			Annotations(entgql.OrderField("NAME")),
		field.JSON("names", []i18n.Text{}).Optional().
			Comment("translations of the name, one per language tag").
			Annotations(
				entgql.Type("[LocalizedText!]"),
				entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.String("category").
			Validate(validCategory).
			Comment("a code of the taxonomy; see the categories query").
			Annotations(entgql.OrderField("CATEGORY")),
		field.Strings("tags").Optional(),
		field.String("address").Optional().MaxLen(400),
		field.String("phone").Optional().MaxLen(40).
			Comment("the facility's public phone number"),
		field.String("opening_hours").Optional().MaxLen(500).
			Validate(validOpeningHours).
			Comment("OpenStreetMap opening_hours subset, e.g. Mo-Fr 08:30-17:30; Sa 09:00-12:00"),
		field.Strings("services").Optional(),
		field.Enum("wheelchair").
			NamedValues("Yes", "YES", "Limited", "LIMITED", "No", "NO", "Unknown", "UNKNOWN").
			Default("UNKNOWN"),
		field.Enum("status").
			NamedValues("Open", "OPEN", "TemporarilyClosed", "TEMPORARILY_CLOSED", "Closed", "CLOSED").
			Default("OPEN").
			Annotations(entgql.OrderField("STATUS")),
		field.Time("verified_at").Optional().Nillable().
			Comment("when the entry was last checked on site").
			Annotations(entgql.OrderField("VERIFIED_AT")),
		field.String("source").Optional().MaxLen(200).
			Comment("where the entry comes from"),
		field.Int("community_id"),
		field.Int("compound_id").Optional().Nillable(),
		field.Int("operator_id").Optional().Nillable(),
		field.Int("parent_id").Optional().Nillable(),
	}, latLng()...)
}

func validCategory(code string) error {
	if !taxonomy.Valid(code) {
		return errUnknownCategory(code)
	}
	return nil
}

func validOpeningHours(s string) error {
	if s == "" {
		return nil
	}
	return openinghours.Validate(s)
}

// Edges of the Facility.
func (Facility) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("community", Region.Type).Ref("facilities").Unique().Required().Field("community_id"),
		edge.From("compound", Compound.Type).Ref("facilities").Unique().Field("compound_id"),
		edge.From("operator", Organization.Type).Ref("facilities").Unique().Field("operator_id"),
		edge.To("rooms", Facility.Type).
			Comment("function rooms inside a service centre").
			Annotations(entgql.RelayConnection(), noInput).
			From("parent").Unique().Field("parent_id"),
		edge.To("activities", Activity.Type).Annotations(entgql.RelayConnection(), noInput),
	}
}

// Indexes of the Facility.
func (Facility) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("category"),
		index.Fields("lat", "lng"),
	}
}

// Mixin of the Facility.
func (Facility) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Annotations of the Facility.
func (Facility) Annotations() []schema.Annotation { return publicAnnotations() }
