package schema

import (
	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"lifecircle/internal/apperr"
	"lifecircle/internal/gqldoc"
	"lifecircle/internal/i18n"
	"lifecircle/internal/inputs"
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
			Comment(doc("Primary name, in Simplified Chinese.", "主名称（简体中文）。")).
			Annotations(entgql.OrderField("NAME")),
		field.JSON("names", []i18n.Text{}).Optional().
			Comment(doc("Translations of the name, one per language tag.", "名称的译名，每个语言标签一个。")).
			Annotations(
				entgql.Type("[LocalizedText!]"),
				entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.String("category").
			Validate(validCategory).
			Comment(doc("A code of the facility taxonomy; see the categories query.", "设施分类代码，见 categories 查询。")).
			Annotations(entgql.OrderField("CATEGORY")),
		field.Strings("tags").Optional().Validate(inputs.CheckList).
			Comment(doc("Free-form tags, such as other names the facility goes by.", "自由标签，如设施的其他称呼。")),
		field.String("address").Optional().MaxLen(400).
			Comment(doc("Postal address.", "地址。")),
		field.String("phone").Optional().MaxLen(40).
			Comment(doc("The facility's public phone number.", "设施的公开联系电话。")),
		field.String("opening_hours").Optional().MaxLen(500).
			Validate(validOpeningHours).
			Comment(doc("Opening hours in a subset of the OpenStreetMap opening_hours syntax, e.g. Mo-Fr 08:30-17:30; Sa 09:00-12:00.",
				"开放时间，采用 OpenStreetMap opening_hours 语法的子集，如 Mo-Fr 08:30-17:30; Sa 09:00-12:00。")),
		field.Strings("services").Optional().Validate(inputs.CheckList).
			Comment(doc("Services offered.", "提供的服务。")),
		field.Enum("wheelchair").
			NamedValues("Yes", "YES", "Limited", "LIMITED", "No", "NO", "Unknown", "UNKNOWN").
			Default("UNKNOWN").
			Comment(doc("Whether a wheelchair user can get in and use the facility.", "轮椅使用者能否进入和使用该设施。")).
			Annotations(gqldoc.EnumValues{
				"YES":     doc("Fully accessible.", "完全无障碍。"),
				"LIMITED": doc("Partly accessible.", "部分无障碍。"),
				"NO":      doc("Not accessible.", "无法无障碍通行。"),
				"UNKNOWN": doc("Not known.", "情况未知。"),
			}),
		field.Enum("status").
			NamedValues("Open", "OPEN", "TemporarilyClosed", "TEMPORARILY_CLOSED", "Closed", "CLOSED").
			Default("OPEN").
			Comment(doc("Whether the facility operates.", "设施是否在运营。")).
			Annotations(entgql.OrderField("STATUS"), gqldoc.EnumValues{
				"OPEN":               doc("Operating: the only status counted by coverage reports.", "正常运营：覆盖分析只计入此状态的设施。"),
				"TEMPORARILY_CLOSED": doc("Closed for now: still found by facilitiesNear unless openAt is given.", "暂停开放：除非指定 openAt，facilitiesNear 仍会返回。"),
				"CLOSED":             doc("Closed for good: left out of facilitiesNear.", "永久关闭：facilitiesNear 不再返回。"),
			}),
		field.Time("verified_at").Optional().Nillable().
			Comment(doc("When the entry was last checked on site.", "条目最近一次实地核实的时间。")).
			Annotations(entgql.OrderField("VERIFIED_AT")),
		field.String("source").Optional().MaxLen(200).
			Comment(doc("Where the entry comes from.", "条目来源。")),
		illustrativeField(),
		field.Int("community_id").
			Comment(doc("ID of the community the facility belongs to.", "设施所属社区的 ID。")),
		field.Int("compound_id").Optional().Nillable().
			Comment(doc("ID of the compound the facility is in, if any.", "设施所在小区的 ID（如有）。")),
		field.Int("operator_id").Optional().Nillable().
			Comment(doc("ID of the organisation that runs the facility.", "运营该设施的组织的 ID。")),
		field.Int("parent_id").Optional().Nillable().
			Comment(doc("ID of the service centre a function room is part of.", "功能室所属服务中心的 ID。")),
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
	if err := openinghours.Validate(s); err != nil {
		return apperr.Invalid("openingHours", err.Error(),
			"开放时间无效（"+err.Error()+"）；格式如 Mo-Fr 08:30-17:30; Sa 09:00-12:00")
	}
	return nil
}

// Edges of the Facility.
func (Facility) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("community", Region.Type).Ref("facilities").Unique().Required().Field("community_id").
			Comment(doc("The community the facility belongs to.", "设施所属的社区。")),
		edge.From("compound", Compound.Type).Ref("facilities").Unique().Field("compound_id").
			Comment(doc("The compound the facility is in, if any.", "设施所在的小区（如有）。")),
		edge.From("operator", Organization.Type).Ref("facilities").Unique().Field("operator_id").
			Comment(doc("The organisation that runs the facility.", "运营该设施的组织。")),
		edge.To("rooms", Facility.Type).
			Comment(doc("Function rooms inside a service centre.", "服务中心内的功能室。")).
			Annotations(entgql.RelayConnection(), noInput).
			From("parent").Unique().Field("parent_id").
			Comment(doc("The service centre a function room is part of.", "功能室所属的服务中心。")),
		edge.To("activities", Activity.Type).
			Comment(doc("Activities held at the facility.", "在该设施举办的活动。")).
			Annotations(entgql.RelayConnection(), noInput),
	}
}

// Indexes of the Facility.
func (Facility) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("category"),
		index.Fields("lat", "lng"),
		// A community's facilities, of a category (the widget's and the
		// apps' commonest question); the prefix serves the edge
		// Region.facilities and hasCommunityWith.
		index.Fields("community_id", "category"),
		// The other edges: compound, operator and service centre (rooms).
		index.Fields("compound_id"),
		index.Fields("operator_id"),
		index.Fields("parent_id"),
		// where: {tagsHasAny / servicesHasAny}: jsonb containment (@>) on
		// PostgreSQL uses a GIN index; SQLite scans.
		index.Fields("tags").Annotations(entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"})),
		index.Fields("services").Annotations(entsql.IndexTypes(map[string]string{dialect.Postgres: "GIN"})),
	}
}

// Mixin of the Facility.
func (Facility) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}} }

// Annotations of the Facility.
func (Facility) Annotations() []schema.Annotation {
	return publicAnnotations(
		doc("A point on the 15-minute service map: a service centre, canteen, clinic, shop, function room…",
			"15分钟社区生活圈服务地图上的一个点：服务中心、食堂、诊所、商店、功能室等。"),
		doc("Facilities of the service map.", "服务地图上的设施。"))
}
