package schema

import (
	"fmt"
	"slices"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Activity is a community activity: "one theme a month, one activity a week"
// 一月一主题、一周一活动.
type Activity struct{ ent.Schema }

// TargetGroups are the groups an activity may address.
var TargetGroups = []string{"elderly", "children", "families", "youth", "new_employment_workers", "party_members", "residents", "disabled"}

// Fields of the Activity.
func (Activity) Fields() []ent.Field {
	return []ent.Field{
		field.String("title").NotEmpty().MaxLen(300).Annotations(entgql.OrderField("TITLE")),
		field.Text("description").Optional().MaxLen(10000),
		field.String("theme").Optional().MaxLen(200).
			Comment("the month's theme 月度主题"),
		field.Enum("category").NamedValues(
			"Culture", "CULTURE", "Health", "HEALTH", "Education", "EDUCATION",
			"Volunteer", "VOLUNTEER", "Party", "PARTY", "Festival", "FESTIVAL",
			"Sport", "SPORT", "Children", "CHILDREN", "Elderly", "ELDERLY", "Other", "OTHER",
		).Annotations(entgql.OrderField("CATEGORY")),
		field.Strings("target_groups").Optional().
			Validate(func(gs []string) error {
				for _, g := range gs {
					if !slices.Contains(TargetGroups, g) {
						return fmt.Errorf("unknown target group %q; valid: %v", g, TargetGroups)
					}
				}
				return nil
			}),
		field.Time("starts_at").Annotations(entgql.OrderField("STARTS_AT")),
		field.Time("ends_at").Annotations(entgql.OrderField("ENDS_AT")),
		field.Int("capacity").Optional().Nillable().Positive().
			Comment("places available; null for no limit"),
		field.Enum("status").
			NamedValues("Scheduled", "SCHEDULED", "Cancelled", "CANCELLED", "Completed", "COMPLETED").
			Default("SCHEDULED").
			Annotations(entgql.OrderField("STATUS")),
		field.Int("registered_count").NonNegative().Default(0).
			Comment("number of registrations; maintained by the registration workflow").
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.String("source").Optional().MaxLen(200),
		field.Int("community_id"),
		field.Int("organizer_id").Optional().Nillable(),
		field.Int("venue_id").Optional().Nillable(),
	}
}

// Edges of the Activity.
func (Activity) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("community", Region.Type).Ref("activities").Unique().Required().Field("community_id"),
		edge.From("organizer", Organization.Type).Ref("activities").Unique().Field("organizer_id"),
		edge.From("venue", Facility.Type).Ref("activities").Unique().Field("venue_id"),
	}
}

// Indexes of the Activity.
func (Activity) Indexes() []ent.Index {
	return []ent.Index{index.Fields("starts_at")}
}

// Mixin of the Activity.
func (Activity) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Annotations of the Activity.
func (Activity) Annotations() []schema.Annotation { return publicAnnotations() }
