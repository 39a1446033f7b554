package opendata

import (
	"context"
	"net/url"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/change"
	"lifecircle/ent/cobuildingproject"
	"lifecircle/ent/compound"
	"lifecircle/ent/facility"
	"lifecircle/ent/grid"
	"lifecircle/ent/organization"
	"lifecircle/ent/projectupdate"
	"lifecircle/ent/publication"
	"lifecircle/ent/region"
	"lifecircle/ent/reportedindicator"
	entresource "lifecircle/ent/resource"
	"lifecircle/ent/servicematter"
	"lifecircle/ent/statcell"
	"lifecircle/ent/theme"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/gid"
)

// A distribution is one file of a dataset: its title, path, IANA media
// type ("" when IANA registers none, as for NDJSON), format (a code of the
// EU file-type authority) and a note on what the file is, in English and
// Chinese.
type distribution struct {
	Title, Path, MediaType, Format, Description, DescriptionZh string
}

// An example is a real request on the data as it is: a path (with its
// query) on this server, or a GraphQL query sent as a GET.
type example struct {
	TitleZh, Title string
	Path           string // absolute path on this server
	Scheme         string // "" for the server's; "webcal" for a calendar subscription
}

type dataset struct {
	ID, Title, TitleZh, Description, DescriptionZh string
	Rows                                           int // -1: not counted
	RowsNoteZh, RowsNote                           string
	Modified                                       time.Time
	Temporal                                       [2]time.Time
	Distributions                                  []distribution
	Columns                                        []Column
	CSV                                            string // the CSV the dictionary (and its CSVW metadata) describes; "" for none
	Map                                            bool   // rows are places: the page draws them
	Examples                                       []example
}

// CSVW is the path of the CSVW metadata of the dataset's CSV.
func (d dataset) CSVW() string {
	if d.CSV == "" {
		return ""
	}
	return d.CSV + "-metadata.json"
}

const (
	ndjsonNote   = "Newline-delimited JSON: one JSON object per line (application/x-ndjson), numbers and booleans typed, missing values null."
	ndjsonNoteZh = "换行分隔的 JSON：每行一个 JSON 对象（application/x-ndjson），数字和布尔值带类型，缺失值为 null。"
)

func csvFile(path string) distribution {
	return distribution{"CSV", path, "text/csv", "CSV", "RFC 4180, UTF-8 (?bom=1 adds a BOM for Excel), CRLF between records; the columns are described in " + path + "-metadata.json (CSVW).",
		"RFC 4180，UTF-8（?bom=1 为 Excel 加 BOM），记录间 CRLF；各列说明见 " + path + "-metadata.json（CSVW）。"}
}
func geojsonFile(path string) distribution {
	return distribution{"GeoJSON", path, "application/geo+json", "GEOJSON", "An RFC 7946 FeatureCollection of points; numbers and booleans typed, missing values null.",
		"RFC 7946 点要素集合（FeatureCollection）；数字和布尔值带类型，缺失值为 null。"}
}
func ndjsonFile(path string) distribution {
	return distribution{"NDJSON", path, "", "JSON", ndjsonNote, ndjsonNoteZh}
}

// graphqlGET is the path of a GET of the public GraphQL endpoint.
// Spaces are %20, not +: the link reads the same in the page and in a
// shell.
func graphqlGET(query string) string {
	return "/open/graphql?query=" + strings.ReplaceAll(url.QueryEscape(query), "+", "%20")
}

// graphqlExample is the GraphQL link in the pages' footers: a query that
// answers on any data.
var graphqlExample = graphqlGET(`{ facilities(first: 3) { totalCount edges { node { id name category } } } }`)

// datasets reads what the catalogue says of each dataset: row counts,
// last changes, and examples on the data as it is.
func datasets(ctx context.Context, client *ent.Client) ([]dataset, error) {
	var (
		counts   = map[string]int{}
		modified = map[string]time.Time{}
		err      error
	)
	count := func(name string, f func() (int, error)) {
		if err == nil {
			counts[name], err = f()
		}
	}
	count("facilities", func() (int, error) { return client.Facility.Query().Count(ctx) })
	count("activities", func() (int, error) { return client.Activity.Query().Count(ctx) })
	count("regions", func() (int, error) { return client.Region.Query().Count(ctx) })
	count("compounds", func() (int, error) { return client.Compound.Query().Count(ctx) })
	count("organizations", func() (int, error) { return client.Organization.Query().Count(ctx) })
	count("grids", func() (int, error) { return client.Grid.Query().Count(ctx) })
	count("indicators", func() (int, error) {
		return client.ReportedIndicator.Query().Where(reportedindicator.StatusEQ(reportedindicator.StatusApproved)).Count(ctx)
	})
	count("matters", func() (int, error) { return client.ServiceMatter.Query().Count(ctx) })
	count("resources", func() (int, error) { return client.Resource.Query().Count(ctx) })
	count("projects", func() (int, error) { return client.CoBuildingProject.Query().Count(ctx) })
	count("project-units", func() (int, error) { return client.ProjectSigning.Query().Count(ctx) })
	count("project-updates", func() (int, error) { return client.ProjectUpdate.Query().Count(ctx) })
	count("themes", func() (int, error) { return client.Theme.Query().Count(ctx) })
	count("changes", func() (int, error) {
		return client.Change.Query().Where(change.EntityIn(feedEntities...)).Count(rule.SystemContext(ctx))
	})
	if err != nil {
		return nil, err
	}
	if f, err := client.Facility.Query().Order(ent.Desc(facility.FieldUpdatedAt)).Select(facility.FieldUpdatedAt).First(ctx); err == nil {
		modified["facilities"] = f.UpdatedAt
	}
	if a, err := client.Activity.Query().Order(ent.Desc(activity.FieldUpdatedAt)).Select(activity.FieldUpdatedAt).First(ctx); err == nil {
		modified["activities"] = a.UpdatedAt
	}
	if r, err := client.Region.Query().Order(ent.Desc(region.FieldUpdatedAt)).Select(region.FieldUpdatedAt).First(ctx); err == nil {
		modified["regions"] = r.UpdatedAt
	}
	if c, err := client.Compound.Query().Order(ent.Desc(compound.FieldUpdatedAt)).Select(compound.FieldUpdatedAt).First(ctx); err == nil {
		modified["compounds"] = c.UpdatedAt
	}
	if o, err := client.Organization.Query().Order(ent.Desc(organization.FieldUpdatedAt)).Select(organization.FieldUpdatedAt).First(ctx); err == nil {
		modified["organizations"] = o.UpdatedAt
	}
	if g, err := client.Grid.Query().Order(ent.Desc(grid.FieldUpdatedAt)).Select(grid.FieldUpdatedAt).First(ctx); err == nil {
		modified["grids"] = g.UpdatedAt
	}
	if x, err := client.ReportedIndicator.Query().Where(reportedindicator.StatusEQ(reportedindicator.StatusApproved)).
		Order(ent.Desc(reportedindicator.FieldUpdatedAt)).Select(reportedindicator.FieldUpdatedAt).First(ctx); err == nil {
		modified["indicators"] = x.UpdatedAt
	}
	if x, err := client.ServiceMatter.Query().Order(ent.Desc(servicematter.FieldUpdatedAt)).Select(servicematter.FieldUpdatedAt).First(ctx); err == nil {
		modified["matters"] = x.UpdatedAt
	}
	if x, err := client.Resource.Query().Order(ent.Desc(entresource.FieldUpdatedAt)).Select(entresource.FieldUpdatedAt).First(ctx); err == nil {
		modified["resources"] = x.UpdatedAt
	}
	if x, err := client.CoBuildingProject.Query().Order(ent.Desc(cobuildingproject.FieldUpdatedAt)).Select(cobuildingproject.FieldUpdatedAt).First(ctx); err == nil {
		modified["projects"] = x.UpdatedAt
	}
	if x, err := client.ProjectUpdate.Query().Order(ent.Desc(projectupdate.FieldUpdatedAt)).Select(projectupdate.FieldUpdatedAt).First(ctx); err == nil {
		modified["project-updates"] = x.UpdatedAt
	}
	if x, err := client.Theme.Query().Order(ent.Desc(theme.FieldUpdatedAt)).Select(theme.FieldUpdatedAt).First(ctx); err == nil {
		modified["themes"] = x.UpdatedAt
	}
	if v, err := CurrentVersion(ctx, client); err == nil {
		modified["changes"] = v.At
	} else {
		return nil, err
	}
	var span [2]time.Time
	if a, err := client.Activity.Query().Order(ent.Asc(activity.FieldStartsAt)).Select(activity.FieldStartsAt).First(ctx); err == nil {
		span[0] = a.StartsAt
	}
	if a, err := client.Activity.Query().Order(ent.Desc(activity.FieldStartsAt)).Select(activity.FieldStartsAt).First(ctx); err == nil {
		span[1] = a.StartsAt
	}

	// Real examples: a community that has facilities, and the latest
	// published month.
	communityExample := ""
	if f, err := client.Facility.Query().Order(ent.Asc(facility.FieldID)).Select(facility.FieldCommunityID).First(ctx); err == nil {
		communityExample = gid.Encode(f.CommunityID)
	}
	// The statistics CSV without ?period is the latest published month; it
	// is listed once something is published (before, it answers 404).
	var (
		statFiles     []distribution
		statExamples  []example
		statRows      = -1
		statNoteZh    string
		statNote      string
		statsModified time.Time
	)
	pub, err := latestPublication(ctx, client)
	if err != nil {
		return nil, err
	}
	if pub != nil {
		statsModified = pub.PublishedAt
		statFiles = append(statFiles, distribution{"CSV", "/open/statistics.csv", "text/csv", "CSV",
			"Every figure of the latest published month, for every region; suppressed figures empty with suppressed=true. ?period=YYYY-MM gives another month.",
			"最新发布月份的全部数据，覆盖所有区域；被抑制的数据为空且 suppressed=true。?period=YYYY-MM 可取其他月份。"})
		n, err := client.StatCell.Query().Where(statcell.PublicationID(pub.ID)).Count(ctx)
		if err != nil {
			return nil, err
		}
		statRows, statNoteZh, statNote = n, "（"+pub.Period+" 月的数据）", " (figures of "+pub.Period+")"
		statExamples = append(statExamples, example{"指定月份的 CSV", "The CSV of one month", "/open/statistics.csv?period=" + pub.Period, ""})
		if c, err := client.StatCell.Query().Where(statcell.PublicationID(pub.ID)).Order(ent.Asc(statcell.FieldID)).First(ctx); err == nil {
			statExamples = append(statExamples, example{"用 GraphQL 查询一个区域的数据", "One region's figures through GraphQL",
				graphqlGET(`{ statistics(region: "` + gid.Encode(c.RegionID) + `", period: "` + pub.Period + `") { values { metric dimension value suppressed } } }`), ""})
		}
	}

	facilityExamples := []example{{"社区食堂（Excel 可直接打开的 CSV）", "Community canteens (CSV with a BOM for Excel)", "/open/facilities.csv?category=community_canteen&bom=1", ""}}
	if communityExample != "" {
		facilityExamples = append(facilityExamples, example{"一个社区的设施（GeoJSON）", "The facilities of one community (GeoJSON)",
			"/open/facilities.geojson?region=" + communityExample, ""})
	}
	facilityExamples = append(facilityExamples, example{"用 GraphQL 查询社区食堂", "Community canteens through GraphQL",
		graphqlGET(`{ facilities(first: 5, where: {category: "community_canteen"}) { totalCount edges { node { id name address phone openingHours } } } }`), ""})

	return []dataset{
		{ID: "facilities", Title: csvwTables["facilities"].title, TitleZh: csvwTables["facilities"].titleZh,
			Description:   "Every facility on the service map (party-mass service centres, canteens, clinics, shops, schools…) with category (in Chinese and English), life-circle tier, location, address, phone, opening hours and status, and the names of its community, subdistrict and district. Filters: region, category, bbox.",
			DescriptionZh: "服务地图上的全部设施（党群服务中心、食堂、诊所、商店、学校等），含类别（中英文）、生活圈层级、位置、地址、电话、开放时间和状态，以及所在社区、街道和区县的名称。可按区域、类别和范围筛选。",
			Rows:          counts["facilities"], Modified: modified["facilities"],
			Distributions: []distribution{csvFile("/open/facilities.csv"), geojsonFile("/open/facilities.geojson"), ndjsonFile("/open/facilities.ndjson")},
			Columns:       facilityColumns, CSV: "/open/facilities.csv", Map: true, Examples: facilityExamples},
		{ID: "activities", Title: csvwTables["activities"].title, TitleZh: csvwTables["activities"].titleZh,
			Description:   "Activities of the communities (one theme a month, one activity a week), with their venue and organiser, as a calendar to subscribe to and as files. Filters: region, category.",
			DescriptionZh: "各社区的活动（每月一个主题，每周一次活动），含场地和组织方，可作为日历订阅，也可下载为文件。可按区域和类别筛选。",
			Rows:          counts["activities"], Modified: modified["activities"], Temporal: span,
			Distributions: []distribution{
				{"iCalendar", "/open/activities.ics", "text/calendar", "ICS", "RFC 5545 calendar with a VTIMEZONE for Asia/Shanghai; subscribe with webcal://.",
					"RFC 5545 日历，含 Asia/Shanghai 时区；可用 webcal:// 订阅。"},
				csvFile("/open/activities.csv"), ndjsonFile("/open/activities.ndjson"),
			},
			Columns: activityColumns, CSV: "/open/activities.csv",
			Examples: []example{
				{"订阅健康类活动日历", "Subscribe to the health activities", "/open/activities.ics?category=HEALTH", "webcal"},
				{"健康类活动（CSV）", "Health activities (CSV)", "/open/activities.csv?category=HEALTH", ""},
			}},
		{ID: "regions", Title: csvwTables["regions"].title, TitleZh: csvwTables["regions"].titleZh,
			Description:   "The administrative hierarchy the communities sit in, with division codes where known, the parent's name and approximate centroids.",
			DescriptionZh: "社区所在的行政层级，含已知的区划代码、上级区域名称和近似中心点。",
			Rows:          counts["regions"], Modified: modified["regions"],
			Distributions: []distribution{csvFile("/open/regions.csv"), geojsonFile("/open/regions.geojson"), ndjsonFile("/open/regions.ndjson")},
			Columns:       regionColumns, CSV: "/open/regions.csv", Map: true,
			Examples: []example{{"全部区域（GeoJSON）", "All regions (GeoJSON)", "/open/regions.geojson", ""}}},
		{ID: "compounds", Title: csvwTables["compounds"].title, TitleZh: csvwTables["compounds"].titleZh,
			Description:   "The residential compounds of each community: approximate households, whether they have property management, location, and the names of their community, subdistrict and district.",
			DescriptionZh: "各社区的居民小区：大致户数、是否有物业管理、位置，以及所在社区、街道和区县的名称。",
			Rows:          counts["compounds"], Modified: modified["compounds"],
			Distributions: []distribution{csvFile("/open/compounds.csv"), geojsonFile("/open/compounds.geojson"), ndjsonFile("/open/compounds.ndjson")},
			Columns:       compoundColumns, CSV: "/open/compounds.csv", Map: true,
			Examples: []example{{"全部小区（GeoJSON）", "All compounds (GeoJSON)", "/open/compounds.geojson", ""}}},
		{ID: "organizations", Title: csvwTables["organizations"].title, TitleZh: csvwTables["organizations"].titleZh,
			Description:   "Party organisations, residents' committees, volunteer teams, co-building units and other organisations of the communities, with their kind in Chinese and English and the names of their parent, region and compound.",
			DescriptionZh: "各社区的党组织、居委会、志愿服务队、共建单位等组织，含中英文类型名称，以及上级组织、所属区域和小区的名称。",
			Rows:          counts["organizations"], Modified: modified["organizations"],
			Distributions: []distribution{csvFile("/open/organizations.csv"), ndjsonFile("/open/organizations.ndjson")},
			Columns:       organizationColumns, CSV: "/open/organizations.csv",
			Examples: []example{{"全部组织（Excel 可直接打开的 CSV）", "All organisations (CSV with a BOM for Excel)", "/open/organizations.csv?bom=1", ""}}},
		{ID: "grids", Title: csvwTables["grids"].title, TitleZh: csvwTables["grids"].titleZh,
			Description:   "The grids of community grid management, with the number of full-time and part-time grid workers (counts, never names) and the names of their community, subdistrict and district.",
			DescriptionZh: "社区网格化管理的网格，含专职和兼职网格员人数（只有人数，没有姓名），以及所在社区、街道和区县的名称。",
			Rows:          counts["grids"], Modified: modified["grids"],
			Distributions: []distribution{csvFile("/open/grids.csv"), ndjsonFile("/open/grids.ndjson")},
			Columns:       gridColumns, CSV: "/open/grids.csv",
			Examples: []example{{"全部网格（CSV）", "All grids (CSV)", "/open/grids.csv", ""}}},
		{ID: "indicators", Title: csvwTables["indicators"].title, TitleZh: csvwTables["indicators"].titleZh,
			Description:   "Figures communities (or higher regions) report in aggregate, such as micro-wishes lit or grid workers employed, published as reported once an admin approves them, each with its region, period and source. Not computed from records and not under the statistics' disclosure control: see the statistics dataset for figures computed from records.",
			DescriptionZh: "社区（或上级区域）以汇总形式报告的数值，如点亮微心愿数、网格员人数，经管理员批准后按原样公开，附所属区域、期间和来源。它们不是由记录计算的，也不受统计数据的披露控制；由记录计算的数值见统计数据集。",
			Rows:          counts["indicators"], Modified: modified["indicators"],
			Distributions: []distribution{csvFile("/open/indicators.csv"), ndjsonFile("/open/indicators.ndjson")},
			Columns:       indicatorColumns, CSV: "/open/indicators.csv",
			Examples: []example{{"全部已批准的报告指标（CSV）", "All approved reported indicators (CSV)", "/open/indicators.csv", ""}}},
		{ID: "matters", Title: csvwTables["matters"].title, TitleZh: csvwTables["matters"].titleZh,
			Description:   "The matters each community's one-window counter (全岗通) handles: area of work, documents to bring, typical processing time, and whether a matter can be booked, handled at home (上门服务) or on the resident's behalf (代办服务). Appointments are not published.",
			DescriptionZh: "各社区“全岗通”窗口办理的事项：所属领域、所需材料、一般办理时限，以及能否预约、上门服务或代办服务。预约记录不公开。",
			Rows:          counts["matters"], Modified: modified["matters"],
			Distributions: []distribution{csvFile("/open/matters.csv"), ndjsonFile("/open/matters.ndjson")},
			Columns:       matterColumns, CSV: "/open/matters.csv",
			Examples: []example{{"全部事项（Excel 可直接打开的 CSV）", "All matters (CSV with a BOM for Excel)", "/open/matters.csv?bom=1", ""}}},
		{ID: "resources", Title: csvwTables["resources"].title, TitleZh: csvwTables["resources"].titleZh,
			Description:   "The resource list (资源清单): what organisations and co-building units offer each community (venues and their hours, skills, equipment, funds, volunteer hours, services), by whom, and whether it is available. Contact persons are not published.",
			DescriptionZh: "资源清单：组织和共建单位向各社区提供的资源（场地及开放时间、技能、设备、资金、志愿服务时长、服务）、提供单位及可用状态。联系人不公开。",
			Rows:          counts["resources"], Modified: modified["resources"],
			Distributions: []distribution{csvFile("/open/resources.csv"), ndjsonFile("/open/resources.ndjson")},
			Columns:       resourceColumns, CSV: "/open/resources.csv",
			Examples: []example{{"全部资源（CSV）", "All resources (CSV)", "/open/resources.csv", ""}}},
		{ID: "projects", Title: csvwTables["projects"].title, TitleZh: csvwTables["projects"].titleZh,
			Description:   "The project list (项目清单): the co-building projects of the communities with their goals, dates, status and outcomes. The units that signed them and their progress updates are the datasets project-units and project-updates, joined by project_id.",
			DescriptionZh: "项目清单：各社区的共建项目，含目标、起止时间、状态和成效。签约单位和项目进展见 project-units 和 project-updates 数据集，以 project_id 关联。",
			Rows:          counts["projects"], Modified: modified["projects"],
			Distributions: []distribution{csvFile("/open/projects.csv"), ndjsonFile("/open/projects.ndjson")},
			Columns:       projectColumns, CSV: "/open/projects.csv",
			Examples: []example{{"全部共建项目（CSV）", "All co-building projects (CSV)", "/open/projects.csv", ""}}},
		{ID: "project-units", Title: csvwTables["project-units"].title, TitleZh: csvwTables["project-units"].titleZh,
			Description:   "The units (organisations) that signed each co-building project, with the signing date where known.",
			DescriptionZh: "签约各共建项目的单位（组织），含已知的签约日期。",
			Rows:          counts["project-units"], Modified: modified["projects"],
			Distributions: []distribution{csvFile("/open/project-units.csv"), ndjsonFile("/open/project-units.ndjson")},
			Columns:       projectUnitColumns, CSV: "/open/project-units.csv",
			Examples: []example{{"全部签约单位（CSV）", "All signing units (CSV)", "/open/project-units.csv", ""}}},
		{ID: "project-updates", Title: csvwTables["project-updates"].title, TitleZh: csvwTables["project-updates"].titleZh,
			Description:   "Dated progress updates of the co-building projects, with the percentage done where stated.",
			DescriptionZh: "共建项目的进展记录（带日期），含已说明的完成百分比。",
			Rows:          counts["project-updates"], Modified: modified["project-updates"],
			Distributions: []distribution{csvFile("/open/project-updates.csv"), ndjsonFile("/open/project-updates.ndjson")},
			Columns:       projectUpdateColumns, CSV: "/open/project-updates.csv",
			Examples: []example{{"全部项目进展（CSV）", "All progress updates (CSV)", "/open/project-updates.csv", ""}}},
		{ID: "themes", Title: csvwTables["themes"].title, TitleZh: csvwTables["themes"].titleZh,
			Description:   "The months' themes (一月一主题) of communities and the regions above them; the month's activities belong to them.",
			DescriptionZh: "社区及上级区域的月度主题（一月一主题），当月活动归属于它们。",
			Rows:          counts["themes"], Modified: modified["themes"],
			Distributions: []distribution{csvFile("/open/themes.csv"), ndjsonFile("/open/themes.ndjson")},
			Columns:       themeColumns, CSV: "/open/themes.csv",
			Examples: []example{{"全部月度主题（CSV）", "All months' themes (CSV)", "/open/themes.csv", ""}}},
		{ID: "changes", Title: "Change feed of public records", TitleZh: "公开数据变更记录",
			Description:   "Creations, updates and deletions of regions, compounds, grids, organisations, facilities, activities, one-window matters, resources, co-building projects with their signing units and progress updates, and months' themes, oldest first, to keep a copy up to date.",
			DescriptionZh: "区域、小区、网格、组织、设施、活动、“全岗通”事项、资源、共建项目及其签约单位和进展、月度主题的新增、修改和删除记录，按时间先后排列，用于保持副本最新。",
			Rows:          counts["changes"], Modified: modified["changes"],
			Distributions: []distribution{{"NDJSON", "/open/changes", "", "JSON", ndjsonNote + " ?after=<sequence> continues from a change; ?limit= up to 1000.",
				ndjsonNoteZh + " ?after=<序号> 从某条变更之后继续；?limit= 最多 1000。"}},
			Columns:  changeColumns,
			Examples: []example{{"最早的 100 条变更", "The first 100 changes", "/open/changes?limit=100", ""}}},
		{ID: "statistics", Title: csvwTables["statistics"].title, TitleZh: csvwTables["statistics"].titleZh,
			Description:   "Published monthly figures per community, subdistrict, district and city: requests by kind and status, completion rate, micro-wishes fulfilled, activities held, registrations, active volunteers. Disclosure control: the 10-5 rule with secondary suppression, or differential privacy.",
			DescriptionZh: "按社区、街道、区和市发布的月度数据：各类需求及其状态、完成率、已实现的微心愿、举办的活动、报名人数、活跃志愿者。披露控制：10-5 规则加二次抑制，或差分隐私。",
			Rows:          statRows, RowsNoteZh: statNoteZh, RowsNote: statNote, Modified: statsModified,
			Distributions: statFiles, Columns: statisticsColumns, CSV: csvIf(pub != nil, "/open/statistics.csv"),
			Examples: statExamples},
	}, nil
}

func csvIf(ok bool, path string) string {
	if ok {
		return path
	}
	return ""
}

// latestPublication is the publication statistics.csv serves without
// ?period: the latest month's latest; nil before any.
func latestPublication(ctx context.Context, client *ent.Client) (*ent.Publication, error) {
	p, err := client.Publication.Query().Order(ent.Desc(publication.FieldPeriod), ent.Desc(publication.FieldPublishedAt), ent.Desc(publication.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return p, err
}
