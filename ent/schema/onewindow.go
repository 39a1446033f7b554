package schema

import (
	"math"
	"time"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"lifecircle/internal/gqldoc"
	"lifecircle/internal/i18n"
	"lifecircle/internal/inputs"
)

// The one-window counter (全岗通, seed 002): a community's catalogue of
// matters, the slots staff publish for them, the appointments residents
// book, and each appointment's history. The logic lives in
// internal/onewindow.

// ServiceMatter is one matter a one-window officer handles.
type ServiceMatter struct{ ent.Schema }

// Fields of the ServiceMatter.
func (ServiceMatter) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("category").NamedValues(
			"CivilAffairs", "CIVIL_AFFAIRS", "LabourSocialSecurity", "LABOUR_SOCIAL_SECURITY",
			"MedicalInsurance", "MEDICAL_INSURANCE", "HealthFamily", "HEALTH_FAMILY",
			"Disability", "DISABILITY", "Veterans", "VETERANS", "Housing", "HOUSING",
			"Certificates", "CERTIFICATES", "Other", "OTHER",
		).
			Comment(doc("The area of work the matter belongs to.", "事项所属的业务领域。")).
			Annotations(entgql.OrderField("CATEGORY"), gqldoc.EnumValues{
				"CIVIL_AFFAIRS":          doc("Civil affairs: subsistence allowances, elderly allowances, assistance.", "民政：低保、高龄补贴、救助等。"),
				"LABOUR_SOCIAL_SECURITY": doc("Labour and social security: employment, unemployment, pensions.", "劳动保障：就业、失业登记、养老保险等。"),
				"MEDICAL_INSURANCE":      doc("Medical insurance.", "医疗保险。"),
				"HEALTH_FAMILY":          doc("Health and family services.", "卫生健康与家庭服务。"),
				"DISABILITY":             doc("Services for people with disabilities.", "残疾人服务。"),
				"VETERANS":               doc("Veterans' affairs.", "退役军人事务。"),
				"HOUSING":                doc("Housing.", "住房。"),
				"CERTIFICATES":           doc("Certificates and attestations.", "证明开具。"),
				"OTHER":                  doc("Anything else.", "其他。"),
			}),
		field.String("name").NotEmpty().MaxLen(400).
			Comment(doc("Name of the matter, in Simplified Chinese.", "事项名称（简体中文）。")).
			Annotations(entgql.OrderField("NAME")),
		field.JSON("names", []i18n.Text{}).Optional().
			Comment(doc("Translations of the name, one per language tag.", "名称的译名，每个语言标签一个。")).
			Annotations(
				entgql.Type("[LocalizedText!]"),
				entgql.Skip(entgql.SkipWhereInput, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
			),
		field.Strings("required_documents").Optional().Validate(inputs.CheckList).
			Comment(doc("The documents a resident brings.", "居民需携带的材料。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int("processing_days").Optional().Nillable().Range(0, 365).
			Comment(doc("Typical processing time in working days; 0: done on the spot.", "一般办理时限（工作日）；0 表示当场办结。")),
		field.Bool("bookable").Default(true).
			Comment(doc("Whether residents can book an appointment for it (预约服务).", "居民能否预约办理（预约服务）。")),
		field.Bool("home_service").Default(false).
			Comment(doc("Whether an officer can handle it at the resident's home (上门服务).", "可否由专员上门办理（上门服务）。")),
		field.Bool("on_behalf").Default(false).
			Comment(doc("Whether an officer can handle it on the resident's behalf (代办服务).", "可否由专员代为办理（代办服务）。")),
		field.Int("community_id").
			Comment(doc("ID of the community whose counter handles the matter.", "办理该事项的社区的 ID。")),
	}
}

// Edges of the ServiceMatter.
func (ServiceMatter) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("community", Region.Type).Unique().Required().Field("community_id").
			Comment(doc("The community whose counter handles the matter.", "办理该事项的社区。")),
		edge.From("slots", ServiceSlot.Type).Ref("matter").
			Comment(doc("The slots published for the matter.", "该事项已发布的预约时段。")).
			Annotations(entgql.RelayConnection(), noInput),
	}
}

// Indexes of the ServiceMatter.
func (ServiceMatter) Indexes() []ent.Index {
	return []ent.Index{
		// A community's catalogue, by category and by bookability.
		index.Fields("community_id", "category"),
		index.Fields("community_id", "bookable"),
	}
}

// Mixin of the ServiceMatter.
func (ServiceMatter) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the ServiceMatter.
func (ServiceMatter) Annotations() []schema.Annotation {
	return publicAnnotations(
		doc("A matter the community's one-window counter (全岗通) handles: its area, the documents to bring, how long it takes, "+
			"and whether it can be booked, done at home or done on the resident's behalf.",
			"社区“全岗通”窗口办理的一项事项：所属领域、所需材料、办理时限，以及能否预约、上门或代办。"),
		doc("The one-window counters' catalogues of matters.", "各社区“全岗通”窗口的事项清单。"))
}

// ServiceSlot is a time staff publish for a matter, with places.
type ServiceSlot struct{ ent.Schema }

// Fields of the ServiceSlot.
func (ServiceSlot) Fields() []ent.Field {
	return []ent.Field{
		field.Time("starts_at").
			Comment(doc("When the slot starts.", "时段开始时间。")).
			Annotations(entgql.OrderField("STARTS_AT")),
		field.Time("ends_at").
			Comment(doc("When the slot ends; after startsAt.", "时段结束时间，须晚于开始时间。")).
			Annotations(entgql.OrderField("ENDS_AT")),
		field.Int("capacity").Range(1, math.MaxInt32).
			Comment(doc("Appointments the slot takes.", "该时段可预约的人数。")),
		field.Int("booked_count").NonNegative().Default(0).
			Comment(doc("Appointments currently held; maintained by booking and cancelling.", "当前已占用的预约数，由预约和取消维护。")).
			Annotations(entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)),
		field.Int("matter_id").Immutable().
			Comment(doc("ID of the matter.", "事项的 ID。")),
		field.Int("community_id").Immutable().
			Comment(doc("ID of the matter's community.", "事项所属社区的 ID。")),
	}
}

// Edges of the ServiceSlot.
func (ServiceSlot) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("matter", ServiceMatter.Type).Unique().Required().Field("matter_id").Immutable().
			Comment(doc("The matter.", "所属事项。")),
		edge.To("community", Region.Type).Unique().Required().Field("community_id").Immutable().
			Comment(doc("The matter's community.", "事项所属的社区。")),
	}
}

// Indexes of the ServiceSlot.
func (ServiceSlot) Indexes() []ent.Index {
	return []ent.Index{
		// A community's slots in a date range, and a matter's.
		index.Fields("community_id", "starts_at"),
		index.Fields("matter_id", "starts_at"),
	}
}

// Mixin of the ServiceSlot.
func (ServiceSlot) Mixin() []ent.Mixin { return []ent.Mixin{TimeMixin{}, ProvenanceMixin{}} }

// Annotations of the ServiceSlot.
func (ServiceSlot) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("A time the counter takes appointments for a matter, with its places. Public: how many places are left, never who booked them.",
			"窗口为某事项开放预约的时段及名额。公开：只显示剩余名额，从不显示谁预约了。")),
		entgql.QueryField().Description(doc("Published appointment slots of the one-window counters.", "各“全岗通”窗口已发布的预约时段。")),
		entgql.RelayConnection(),
	}
}

// Appointment is a resident's booking of a slot for a matter: the case one
// officer handles end to end. Private.
type Appointment struct{ ent.Schema }

// Fields of the Appointment.
func (Appointment) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("status").NamedValues(
			"Booked", "BOOKED", "InProgress", "IN_PROGRESS", "Served", "SERVED",
			"Cancelled", "CANCELLED", "NoShow", "NO_SHOW",
		).Default("BOOKED").
			Comment(doc("Where the case stands.", "办件状态。")).
			Annotations(gqldoc.EnumValues{
				"BOOKED":      doc("Booked: holds a place in the slot.", "已预约：占用该时段的一个名额。"),
				"IN_PROGRESS": doc("Taken on by an officer, being handled.", "专员已受理，正在办理。"),
				"SERVED":      doc("Done: the matter was handled to the end.", "已办结。"),
				"CANCELLED":   doc("Cancelled by the resident or staff; the place was given back.", "已由居民或工作人员取消，名额已退回。"),
				"NO_SHOW":     doc("The resident did not come.", "居民未到场。"),
			}),
		field.Text("note").Optional().MaxLen(2000).
			Comment(doc("What the resident wrote when booking.", "居民预约时填写的说明。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		// Null once the person's data is erased.
		field.Int("person_id").Optional().Nillable().
			Comment(doc("ID of the resident; null once their personal data was erased.", "预约居民的 ID；其个人信息被删除后为空。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.String("officer").Optional().MaxLen(100).
			Comment(doc("The staff credential (token:ID or identity:ID) of the officer who took the case on and answers for it to the end.",
				"受理该办件并全程负责的专员的凭据（token:ID 或 identity:ID）。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		field.Int("matter_id").Immutable().
			Comment(doc("ID of the matter.", "事项的 ID。")),
		field.Int("slot_id").Immutable().
			Comment(doc("ID of the slot.", "预约时段的 ID。")),
		field.Int("community_id").Immutable().
			Comment(doc("ID of the counter's community, which scopes what staff see.", "窗口所属社区的 ID，决定哪些工作人员可见。")),
	}
}

// Edges of the Appointment.
func (Appointment) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("person", Person.Type).Unique().Field("person_id").
			Comment(doc("The resident; null once their personal data was erased.", "预约的居民；其个人信息被删除后为空。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput)),
		edge.To("matter", ServiceMatter.Type).Unique().Required().Field("matter_id").Immutable().
			Comment(doc("The matter.", "所办事项。")),
		edge.To("slot", ServiceSlot.Type).Unique().Required().Field("slot_id").Immutable().
			Comment(doc("The slot.", "预约时段。")),
		edge.To("community", Region.Type).Unique().Required().Field("community_id").Immutable().
			Comment(doc("The counter's community.", "窗口所属的社区。")),
		edge.From("history", AppointmentEvent.Type).Ref("appointment").
			Comment(doc("The case's history, oldest first: who did what, when, and the status it left.", "办件历史（按时间先后）：谁在何时做了什么，办件随之处于何种状态。")).
			Annotations(entgql.Skip(entgql.SkipWhereInput), noInput),
	}
}

// Indexes of the Appointment.
func (Appointment) Indexes() []ent.Index {
	return []ent.Index{
		// One live booking per person and slot is checked in code (a
		// cancelled one may be booked again); these serve the lists.
		index.Fields("slot_id", "person_id"),
		index.Fields("person_id"),
		index.Fields("community_id", "status"),
		index.Fields("matter_id"),
	}
}

// Mixin of the Appointment.
func (Appointment) Mixin() []ent.Mixin { return []ent.Mixin{privateTime{}} }

// Annotations of the Appointment.
func (Appointment) Annotations() []schema.Annotation {
	return append(privateAnnotations("appointments",
		doc("A resident's appointment at the one-window counter: the case one officer handles end to end. Personal data: "+
			"visible to the resident, staff of the counter's community and admins.",
			"居民在“全岗通”窗口的预约：由一名专员全程负责的办件。属于个人信息：仅本人、窗口所属社区的工作人员和管理员可见。"),
		doc("Appointments at the one-window counters, as far as the caller may see them: residents their own, staff their community's.",
			"调用者有权查看的“全岗通”预约：居民可见自己的，工作人员可见本社区的。")),
		entgql.Skip(entgql.SkipOrderField))
}

// AppointmentEvent is one dated entry of a case's history. Append-only.
type AppointmentEvent struct{ ent.Schema }

// Fields of the AppointmentEvent.
func (AppointmentEvent) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("action").NamedValues(
			"Book", "BOOK", "Take", "TAKE", "Note", "NOTE", "Serve", "SERVE", "Cancel", "CANCEL", "NoShow", "NO_SHOW",
		).Immutable().
			Comment(doc("What was done.", "所做的操作。")).
			Annotations(gqldoc.EnumValues{
				"BOOK":    doc("Booked, by the resident or by staff on their behalf.", "由居民预约，或由工作人员代为预约。"),
				"TAKE":    doc("Taken on by an officer.", "由专员受理。"),
				"NOTE":    doc("Progress noted by the officer.", "专员记录办理进展。"),
				"SERVE":   doc("Handled to the end.", "办结。"),
				"CANCEL":  doc("Cancelled.", "取消。"),
				"NO_SHOW": doc("Marked as not come.", "标记为未到场。"),
			}),
		field.String("status").Immutable().
			Comment(doc("The appointment's status after the entry.", "该条记录之后预约的状态。")),
		field.String("actor_role").Immutable().
			Comment(doc("The role the actor acted in: resident, volunteer, staff or admin.", "操作者当时的角色：resident、volunteer、staff 或 admin。")),
		field.String("actor").Optional().Immutable().
			Comment(doc("Staff and admins: the credential that acted (token:ID or identity:ID); empty for a resident.",
				"工作人员和管理员：所用凭据（token:ID 或 identity:ID）；居民操作时为空。")),
		field.Text("note").Optional().MaxLen(4000).
			Comment(doc("What was done or why.", "办理情况或理由。")),
		field.Time("at").Default(time.Now).Immutable().
			Comment(doc("When.", "时间。")),
		field.Int("appointment_id").Immutable().
			Comment(doc("ID of the appointment.", "所属预约的 ID。")),
		field.Int("community_id").Immutable().Annotations(entgql.Skip(entgql.SkipAll)),
		field.Int("actor_id").Optional().Nillable().Annotations(entgql.Skip(entgql.SkipAll)),
	}
}

// Edges of the AppointmentEvent.
func (AppointmentEvent) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("appointment", Appointment.Type).Unique().Required().Field("appointment_id").Immutable().
			Comment(doc("The appointment.", "所属预约。")),
	}
}

// Indexes of the AppointmentEvent.
func (AppointmentEvent) Indexes() []ent.Index {
	return []ent.Index{index.Fields("appointment_id")}
}

// Annotations of the AppointmentEvent.
func (AppointmentEvent) Annotations() []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(doc("One dated entry of a one-window case's history: who did what, and the status it left. Append-only.",
			"“全岗通”办件历史中的一条记录：谁做了什么，办件随之处于何种状态。只追加。")),
		entgql.Skip(entgql.SkipWhereInput, entgql.SkipOrderField, entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput),
	}
}
