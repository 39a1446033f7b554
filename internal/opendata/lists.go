package opendata

import (
	"context"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/cobuildingproject"
	"lifecircle/ent/facility"
	"lifecircle/ent/organization"
	"lifecircle/ent/projectsigning"
	"lifecircle/ent/projectupdate"
	entresource "lifecircle/ent/resource"
	"lifecircle/ent/servicematter"
	"lifecircle/ent/theme"
)

// The public lists of the communities' working systems (issue #13): the
// one-window service catalogue, the resource list, the co-building projects
// with the units that signed them and their progress updates, and the
// months' themes. Each is read as the request's viewer, so the privacy
// policies decide what a row may hold; the private parts (a resource's
// contact person, appointments, need matches) have no column at all.

// colRegion are the columns of a record that belongs to a region of any
// level (a theme may be a subdistrict's), not only a community.
var colRegion = []Column{
	col("region_id", "string", "区域编号", "Region ID", "所属区域（社区或上级区域）的全局 ID（见 regions.csv）。", "Global ID of the region (a community or a region above it; see regions.csv)."),
	col("region_name", "string", "区域", "Region", "所属区域的名称。", "Name of the region."),
	col("region_level", "string", "区域级别", "Region level", "所属区域的级别（COMMUNITY、SUBDISTRICT、DISTRICT、CITY）。", "Level of the region (COMMUNITY, SUBDISTRICT, DISTRICT or CITY)."),
}

var colProjectID = col("project_id", "string", "项目编号", "Project ID", "共建项目的全局 ID（见 projects.csv）。", "Global ID of the co-building project (see projects.csv).")
var colProjectTitle = col("project_title", "string", "项目", "Project", "共建项目的名称。", "Title of the co-building project.")

var matterColumns = join([]Column{
	colID("事项", "matter"),
	col("category", "string", "领域", "Category", "事项所属业务领域代码：CIVIL_AFFAIRS、LABOUR_SOCIAL_SECURITY、MEDICAL_INSURANCE、HEALTH_FAMILY、DISABILITY、VETERANS、HOUSING、CERTIFICATES、OTHER。",
		"Area of work: CIVIL_AFFAIRS, LABOUR_SOCIAL_SECURITY, MEDICAL_INSURANCE, HEALTH_FAMILY, DISABILITY, VETERANS, HOUSING, CERTIFICATES or OTHER."),
	col("name", "string", "名称", "Name", "事项名称（简体中文）。", "Name of the matter, in Simplified Chinese."),
	col("name_en", "string", "英文名称", "Name (English)", "英文名称；没有时为空。", "Name in English; empty when there is none."),
	col("required_documents", "string", "所需材料", "Required documents", "居民需携带的材料，以分号分隔。", "The documents a resident brings, separated by semicolons."),
	col("processing_days", "integer", "办理时限", "Processing days", "一般办理时限（工作日）；0 表示当场办结；未知为空。", "Typical processing time in working days; 0: done on the spot; empty when unknown."),
	col("bookable", "boolean", "可预约", "Bookable", "居民能否预约办理（预约服务）。", "Whether residents can book an appointment for it (预约服务)."),
	col("home_service", "boolean", "可上门", "Home service", "可否由专员上门办理（上门服务）。", "Whether an officer can handle it at the resident's home (上门服务)."),
	col("on_behalf", "boolean", "可代办", "On behalf", "可否由专员代为办理（代办服务）。", "Whether an officer can handle it on the resident's behalf (代办服务)."),
}, places, []Column{colUpdated}, provenance)

var resourceColumns = join([]Column{
	colID("资源", "resource"),
	col("kind", "string", "类型", "Kind", "资源类型：VENUE、SKILL、EQUIPMENT、FUNDS、VOLUNTEER_HOURS、SERVICE、OTHER。", "Kind: VENUE, SKILL, EQUIPMENT, FUNDS, VOLUNTEER_HOURS, SERVICE or OTHER."),
	col("title", "string", "名称", "Title", "所提供资源的简称。", "Short name of what is offered."),
	col("description", "string", "说明", "Description", "资源说明。", "What is offered."),
	col("quantity", "number", "数量", "Quantity", "提供的数量（单位见 unit）；不适用时为空。", "How much is offered, in unit; empty where it does not apply."),
	col("unit", "string", "单位", "Unit", "数量的单位。", "Unit of quantity."),
	col("hours", "string", "开放时间", "Hours", "场地或服务的开放时间。", "When a venue or service is available."),
	col("availability", "string", "可用状态", "Availability", "AVAILABLE（可用）、IN_USE（使用中）或 WITHDRAWN（已撤回）。", "AVAILABLE, IN_USE or WITHDRAWN."),
	col("available_from", "dateTime", "开始提供", "Available from", "资源开始提供的时间；未说明为空。", "From when it is offered; empty when not stated."),
	col("available_until", "dateTime", "提供截止", "Available until", "资源提供的截止时间；未说明为空。", "Until when it is offered; empty when not stated."),
}, places, []Column{
	col("provider_id", "string", "提供单位编号", "Provider ID", "提供资源的组织或共建单位的全局 ID（见 organizations.csv）。", "Global ID of the organisation that offers it (see organizations.csv)."),
	col("provider_name", "string", "提供单位", "Provider", "提供资源的组织或共建单位的名称。", "Name of the organisation that offers it."),
	col("facility_id", "string", "设施编号", "Facility ID", "场地对应的服务地图设施的全局 ID；没有时为空。", "Global ID of the facility on the service map, for a venue; empty when none."),
	col("facility_name", "string", "设施", "Facility", "场地对应设施的名称。", "Name of that facility."),
	colProjectID, colProjectTitle,
	colUpdated,
}, provenance)

var projectColumns = join([]Column{
	colID("共建项目", "co-building project"),
	col("title", "string", "名称", "Title", "项目名称。", "Title of the project."),
	col("goals", "string", "目标", "Goals", "项目目标。", "What the project sets out to do."),
	col("starts_on", "dateTime", "开始时间", "Starts", "项目开始时间；未说明为空。", "When the project starts (or started); empty when not stated."),
	col("ends_on", "dateTime", "结束时间", "Ends", "项目结束时间；未说明为空。", "When the project ends (or ended); empty when not stated."),
	col("status", "string", "状态", "Status", "PLANNED（已商定）、ONGOING（进行中）、COMPLETED（已完成）或 CANCELLED（已取消）。", "PLANNED, ONGOING, COMPLETED or CANCELLED."),
	col("outcomes", "string", "成效", "Outcomes", "项目成效。", "What the project achieved."),
}, places, []Column{colUpdated}, provenance)

var projectUnitColumns = join([]Column{
	colID("签约记录", "signing"),
	colProjectID, colProjectTitle,
	col("organization_id", "string", "签约单位编号", "Unit ID", "签约单位的全局 ID（见 organizations.csv）。", "Global ID of the unit that signed (see organizations.csv)."),
	col("organization_name", "string", "签约单位", "Unit", "签约单位的名称。", "Name of the unit that signed."),
	col("signed_on", "dateTime", "签约日期", "Signed", "签约日期；未说明为空。", "When the unit signed; empty when not stated."),
}, places, provenance)

var projectUpdateColumns = join([]Column{
	colID("项目进展", "progress update"),
	colProjectID, colProjectTitle,
	col("date", "dateTime", "日期", "Date", "进展日期。", "Date of the update."),
	col("percent", "integer", "完成百分比", "Percent", "项目完成百分比；未说明为空。", "How far along the project is, in percent; empty when not stated."),
	col("text", "string", "进展情况", "Text", "进展情况。", "What happened."),
}, places, []Column{colUpdated}, provenance)

var themeColumns = join([]Column{
	colID("月度主题", "theme"),
	col("month", "string", "月份", "Month", "主题所在的自然月，YYYY-MM（北京时间）。", "Calendar month of the theme, YYYY-MM (Asia/Shanghai)."),
	col("title", "string", "主题", "Title", "主题名称。", "The theme."),
	col("description", "string", "说明", "Description", "主题说明。", "What the month's theme is about."),
}, colRegion, []Column{colUpdated}, provenance)

// optionalTime writes a time cell, empty for nil.
func (r *record) optionalTime(t *time.Time) {
	if t != nil {
		r.timestamp(*t)
		return
	}
	r.str("")
}

// optionalInt writes an integer cell, empty for nil.
func (r *record) optionalInt(n *int) {
	if n != nil {
		r.integer(*n)
		return
	}
	r.str("")
}

// region writes the cells of colRegion.
func (idx regionIndex) region(r *record, id int) {
	r.id(id)
	if rg := idx[id]; rg != nil {
		r.str(rg.Name)
		r.str(strings.ToUpper(string(rg.Level)))
		return
	}
	r.str("")
	r.str("")
}

// Matters is the one-window service catalogue (全岗通事项清单).
func Matters(client *ent.Client) table {
	return newTable(matterColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.ServiceMatter, error) {
			return client.ServiceMatter.Query().Where(servicematter.IDGT(after)).Order(ent.Asc(servicematter.FieldID)).Limit(n).All(ctx)
		}, func(r *record, m *ent.ServiceMatter) int {
			r.id(m.ID)
			r.str(string(m.Category))
			r.str(m.Name)
			en := ""
			for _, t := range m.Names {
				if t.Lang == "en" {
					en = t.Value
				}
			}
			r.str(en)
			r.list(m.RequiredDocuments)
			r.optionalInt(m.ProcessingDays)
			r.boolean(m.Bookable)
			r.boolean(m.HomeService)
			r.boolean(m.OnBehalf)
			idx.place(r, m.CommunityID)
			r.timestamp(m.UpdatedAt)
			r.provenance(m.Source, m.Illustrative)
			return m.ID
		}))
	}))
}

// Resources is the resource list (资源清单): what is offered, by whom, and
// whether it is available. The contact person is not read at all.
func Resources(client *ent.Client) table {
	return newTable(resourceColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.Resource, error) {
			return client.Resource.Query().Where(entresource.IDGT(after)).Order(ent.Asc(entresource.FieldID)).Limit(n).
				WithProvider(func(q *ent.OrganizationQuery) { q.Select(organization.FieldName) }).
				WithFacility(func(q *ent.FacilityQuery) { q.Select(facility.FieldName) }).
				WithProject(func(q *ent.CoBuildingProjectQuery) { q.Select(cobuildingproject.FieldTitle) }).All(ctx)
		}, func(r *record, x *ent.Resource) int {
			r.id(x.ID)
			r.str(string(x.Kind))
			r.str(x.Title)
			r.str(x.Description)
			if x.Quantity != nil {
				r.float(*x.Quantity)
			} else {
				r.str("")
			}
			r.str(x.Unit)
			r.str(x.Hours)
			r.str(string(x.Availability))
			r.optionalTime(x.AvailableFrom)
			r.optionalTime(x.AvailableUntil)
			idx.place(r, x.CommunityID)
			r.id(x.ProviderID)
			if p := x.Edges.Provider; p != nil {
				r.str(p.Name)
			} else {
				r.str("")
			}
			r.optionalID(x.FacilityID)
			if f := x.Edges.Facility; f != nil {
				r.str(f.Name)
			} else {
				r.str("")
			}
			r.optionalID(x.ProjectID)
			if p := x.Edges.Project; p != nil {
				r.str(p.Title)
			} else {
				r.str("")
			}
			r.timestamp(x.UpdatedAt)
			r.provenance(x.Source, x.Illustrative)
			return x.ID
		}))
	}))
}

// Projects is the project list (项目清单): the co-building projects.
func Projects(client *ent.Client) table {
	return newTable(projectColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.CoBuildingProject, error) {
			return client.CoBuildingProject.Query().Where(cobuildingproject.IDGT(after)).Order(ent.Asc(cobuildingproject.FieldID)).Limit(n).All(ctx)
		}, func(r *record, p *ent.CoBuildingProject) int {
			r.id(p.ID)
			r.str(p.Title)
			r.str(p.Goals)
			r.optionalTime(p.StartsOn)
			r.optionalTime(p.EndsOn)
			r.str(string(p.Status))
			r.str(p.Outcomes)
			idx.place(r, p.CommunityID)
			r.timestamp(p.UpdatedAt)
			r.provenance(p.Source, p.Illustrative)
			return p.ID
		}))
	}))
}

// ProjectUnits are the units that signed the co-building projects.
func ProjectUnits(client *ent.Client) table {
	return newTable(projectUnitColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.ProjectSigning, error) {
			return client.ProjectSigning.Query().Where(projectsigning.IDGT(after)).Order(ent.Asc(projectsigning.FieldID)).Limit(n).
				WithProject(func(q *ent.CoBuildingProjectQuery) { q.Select(cobuildingproject.FieldTitle) }).
				WithOrganization(func(q *ent.OrganizationQuery) { q.Select(organization.FieldName) }).All(ctx)
		}, func(r *record, s *ent.ProjectSigning) int {
			r.id(s.ID)
			r.id(s.ProjectID)
			if p := s.Edges.Project; p != nil {
				r.str(p.Title)
			} else {
				r.str("")
			}
			r.id(s.OrganizationID)
			if o := s.Edges.Organization; o != nil {
				r.str(o.Name)
			} else {
				r.str("")
			}
			r.optionalTime(s.SignedOn)
			idx.place(r, s.CommunityID)
			r.provenance(s.Source, s.Illustrative)
			return s.ID
		}))
	}))
}

// ProjectUpdates are the dated progress updates of the co-building projects.
func ProjectUpdates(client *ent.Client) table {
	return newTable(projectUpdateColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.ProjectUpdate, error) {
			return client.ProjectUpdate.Query().Where(projectupdate.IDGT(after)).Order(ent.Asc(projectupdate.FieldID)).Limit(n).
				WithProject(func(q *ent.CoBuildingProjectQuery) { q.Select(cobuildingproject.FieldTitle) }).All(ctx)
		}, func(r *record, u *ent.ProjectUpdate) int {
			r.id(u.ID)
			r.id(u.ProjectID)
			if p := u.Edges.Project; p != nil {
				r.str(p.Title)
			} else {
				r.str("")
			}
			r.timestamp(u.Date)
			r.optionalInt(u.Percent)
			r.str(u.Text)
			idx.place(r, u.CommunityID)
			r.timestamp(u.UpdatedAt)
			r.provenance(u.Source, u.Illustrative)
			return u.ID
		}))
	}))
}

// Themes are the months' themes (一月一主题).
func Themes(client *ent.Client) table {
	return newTable(themeColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.Theme, error) {
			return client.Theme.Query().Where(theme.IDGT(after)).Order(ent.Asc(theme.FieldID)).Limit(n).All(ctx)
		}, func(r *record, t *ent.Theme) int {
			r.id(t.ID)
			r.str(t.Month)
			r.str(t.Title)
			r.str(t.Description)
			idx.region(r, t.RegionID)
			r.timestamp(t.UpdatedAt)
			r.provenance(t.Source, t.Illustrative)
			return t.ID
		}))
	}))
}
