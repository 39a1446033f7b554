package opendata

// A Column is one column of a dataset's CSV file, as its dictionary tells
// people (on the dataset's page) and programs (in the CSVW metadata) what
// it holds. The dictionary is the one list of a file's columns: the table
// writers take their header from it, so the two cannot drift apart.
type Column struct {
	Name string
	// Datatype is a CSVW built-in datatype: string, integer, number,
	// boolean or dateTime.
	Datatype             string
	TitleZh, TitleEn     string
	MeaningZh, MeaningEn string
}

func col(name, datatype, titleZh, titleEn, meaningZh, meaningEn string) Column {
	return Column{name, datatype, titleZh, titleEn, meaningZh, meaningEn}
}

// Columns shared by several files.
var (
	colID = func(whatZh, whatEn string) Column {
		return col("id", "string", "编号", "ID", whatZh+"的全局 ID，与 GraphQL 中 node(id:) 的 ID 相同。", "Global ID of the "+whatEn+", the same as in GraphQL's node(id:).")
	}
	colLat         = col("lat", "number", "纬度", "Latitude", "WGS-84 纬度（度）。", "WGS-84 latitude in degrees.")
	colLng         = col("lng", "number", "经度", "Longitude", "WGS-84 经度（度）。", "WGS-84 longitude in degrees.")
	colApproximate = col("approximate", "boolean", "位置为近似值", "Approximate location", "位置为近似值（演示数据）时为 true。", "true when the location is an approximation (demo data).")
	colCommunityID = col("community_id", "string", "社区编号", "Community ID", "所属社区的全局 ID（见 regions.csv）。", "Global ID of the community it belongs to (see regions.csv).")
	colCommunity   = col("community_name", "string", "社区", "Community", "所属社区的名称。", "Name of the community it belongs to.")
	colSubdistrict = col("subdistrict_name", "string", "街道", "Subdistrict", "社区所在街道（或镇）的名称。", "Name of the subdistrict (or town) of the community.")
	colDistrict    = col("district_name", "string", "区县", "District", "社区所在区（或县）的名称。", "Name of the district (or county) of the community.")
	colUpdated     = col("updated_at", "dateTime", "更新时间", "Updated", "最后修改时间，RFC 3339，北京时间（+08:00）。", "When it last changed, RFC 3339 in Beijing time (+08:00).")
)

// provenance are the last two columns of every table of records: where the
// record comes from and which of its fields are illustrative (演示用虚构).
// They come last so that the columns before them keep their positions.
var provenance = []Column{
	col("source", "string", "来源", "Source", "记录来源，例如陈述它的文章（“seed 00N: 标题”）；完全虚构的演示记录为 illustrative；真实数据通常为空。",
		"Where the record comes from, such as the article that states it (\"seed 00N: title\"); illustrative for a wholly invented demo record; usually empty for real data."),
	col("illustrative", "string", "示意字段", "Illustrative fields", "无来源陈述、为演示而虚构的字段（GraphQL 字段名，以分号分隔）；整条记录均为虚构时为 *；真实数据为空。",
		"The fields no source states, invented for the demo (GraphQL field names, separated by semicolons); * when the whole record is invented; empty for real data."),
}

// places are the name columns that follow a community ID.
var places = []Column{colCommunityID, colCommunity, colSubdistrict, colDistrict}

func join(parts ...[]Column) []Column {
	var out []Column
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var facilityColumns = join([]Column{
	colID("设施", "facility"),
	col("name", "string", "名称", "Name", "设施名称（简体中文）。", "Name of the facility, in Simplified Chinese."),
	col("name_zh_hant", "string", "繁体名称", "Name (Traditional Chinese)", "繁体中文名称；没有时为空。", "Name in Traditional Chinese; empty when there is none."),
	col("name_en", "string", "英文名称", "Name (English)", "英文名称；没有时为空。", "Name in English; empty when there is none."),
	col("category", "string", "类别代码", "Category code", "设施类别的代码，如 community_canteen。", "Code of the facility's category, such as community_canteen."),
	col("category_label_zh", "string", "类别", "Category (Chinese)", "类别的中文名称。", "Name of the category in Chinese."),
	col("category_label_en", "string", "类别（英文）", "Category (English)", "类别的英文名称。", "Name of the category in English."),
	col("tier", "string", "生活圈层级", "Life-circle tier", "GB 50180-2018 中配置该类设施的最低生活圈层级：MIN15、MIN10、MIN5、BLOCK；标准外的类别为空。", "The lowest life-circle tier of GB 50180-2018 that hosts the category: MIN15, MIN10, MIN5 or BLOCK; empty for categories outside the standard."),
	colLat, colLng, colApproximate,
	col("address", "string", "地址", "Address", "地址。", "Street address."),
	col("phone", "string", "电话", "Phone", "设施的公开电话。", "The facility's public phone number."),
	col("opening_hours", "string", "开放时间", "Opening hours", "开放时间，OpenStreetMap opening_hours 语法，如 Mo-Fr 08:30-17:30。", "Opening hours in OpenStreetMap opening_hours syntax, such as Mo-Fr 08:30-17:30."),
	col("wheelchair", "string", "无障碍", "Wheelchair access", "轮椅可达：YES、LIMITED、NO 或 UNKNOWN。", "Wheelchair access: YES, LIMITED, NO or UNKNOWN."),
	col("status", "string", "状态", "Status", "运营状态：OPEN、TEMPORARILY_CLOSED 或 CLOSED。", "Whether it operates: OPEN, TEMPORARILY_CLOSED or CLOSED."),
}, places, []Column{
	col("verified_at", "dateTime", "核实时间", "Verified", "最近一次实地核实的时间；未核实为空。", "When it was last checked on site; empty when never."),
	colUpdated,
}, provenance)

var activityColumns = join([]Column{
	colID("活动", "activity"),
	col("title", "string", "标题", "Title", "活动标题。", "Title of the activity."),
	col("theme", "string", "主题", "Theme", "活动所属的月度主题。", "The monthly theme it belongs to."),
	col("category", "string", "类别", "Category", "活动类别代码，如 HEALTH、CULTURE。", "Category code of the activity, such as HEALTH or CULTURE."),
	col("target_groups", "string", "面向人群", "Target groups", "面向的人群，以分号分隔。", "The groups it is for, separated by semicolons."),
	col("starts_at", "dateTime", "开始时间", "Starts", "开始时间，北京时间（+08:00）。", "When it starts, in Beijing time (+08:00)."),
	col("ends_at", "dateTime", "结束时间", "Ends", "结束时间，北京时间（+08:00）。", "When it ends, in Beijing time (+08:00)."),
	col("status", "string", "状态", "Status", "SCHEDULED（已安排）、CANCELLED（已取消）或 COMPLETED（已举办）。", "SCHEDULED, CANCELLED or COMPLETED."),
	col("capacity", "integer", "名额", "Capacity", "名额上限；不限时为空。", "Places available; empty when unlimited."),
	col("registered_count", "integer", "已报名", "Registered", "已报名人数（人数，不含任何个人信息）。", "How many have registered (a count; no personal data)."),
}, places, []Column{
	col("venue_id", "string", "场地编号", "Venue ID", "举办场地（设施）的全局 ID；没有时为空。", "Global ID of the venue (a facility); empty when none."),
	col("venue_name", "string", "场地", "Venue", "举办场地的名称。", "Name of the venue."),
	col("organizer_id", "string", "组织方编号", "Organiser ID", "组织方（组织）的全局 ID；没有时为空。", "Global ID of the organiser (an organisation); empty when none."),
	col("organizer_name", "string", "组织方", "Organiser", "组织方的名称。", "Name of the organiser."),
	colUpdated,
}, provenance)

var regionColumns = join([]Column{
	colID("区域", "region"),
	col("level", "string", "级别", "Level", "行政层级：CITY（市）、DISTRICT（区县）、SUBDISTRICT（街道）、COMMUNITY（社区）。", "Level: CITY, DISTRICT, SUBDISTRICT or COMMUNITY."),
	col("name", "string", "名称", "Name", "中文名称。", "Name in Chinese."),
	col("name_en", "string", "英文名称", "Name (English)", "英文或拼音名称。", "English or pinyin name."),
	col("code", "string", "区划代码", "Division code", "行政区划代码（最多 12 位）；未知为空。", "Administrative division code (up to 12 digits); empty when unknown."),
	col("parent_id", "string", "上级编号", "Parent ID", "上一级区域的全局 ID；最高一级为空。", "Global ID of the region one level up; empty at the top."),
	col("parent_name", "string", "上级区域", "Parent", "上一级区域的名称。", "Name of the region one level up."),
	colLat, colLng, colApproximate, colUpdated,
}, provenance)

var compoundColumns = join([]Column{
	colID("小区", "compound"),
	col("name", "string", "名称", "Name", "小区名称。", "Name of the compound."),
	col("households", "integer", "户数", "Households", "大致户数。", "Approximate number of households."),
	col("property_management", "boolean", "有物业管理", "Property management", "是否有物业管理；“三无”小区为 false。", "Whether it has property management; false for \"三无\" compounds."),
	colLat, colLng, colApproximate,
}, places, []Column{colUpdated}, provenance)

var organizationColumns = join([]Column{
	colID("组织", "organisation"),
	col("kind", "string", "类型", "Kind", "组织类型代码，如 PARTY_BRANCH、VOLUNTEER_TEAM（中英文名称见下两列）。", "Kind code, such as PARTY_BRANCH or VOLUNTEER_TEAM (named in the next two columns)."),
	col("kind_label_zh", "string", "类型名称", "Kind (Chinese)", "组织类型的中文名称。", "Name of the kind in Chinese."),
	col("kind_label_en", "string", "类型（英文）", "Kind (English)", "组织类型的英文名称。", "Name of the kind in English."),
	col("name", "string", "名称", "Name", "组织名称。", "Name of the organisation."),
	col("parent_id", "string", "上级组织编号", "Parent ID", "上级组织的全局 ID；没有时为空。", "Global ID of the organisation it belongs to; empty when none."),
	col("parent_name", "string", "上级组织", "Parent", "上级组织的名称。", "Name of the organisation it belongs to."),
	col("region_id", "string", "区域编号", "Region ID", "所属区域（社区、街道等）的全局 ID。", "Global ID of its region (community, subdistrict…)."),
	col("region_name", "string", "区域", "Region", "所属区域的名称。", "Name of its region."),
	col("region_level", "string", "区域级别", "Region level", "所属区域的级别。", "Level of its region."),
	col("compound_id", "string", "小区编号", "Compound ID", "所属小区的全局 ID（仅限属于某个小区的组织）。", "Global ID of its compound, for an organisation of one compound."),
	col("compound_name", "string", "小区", "Compound", "所属小区的名称。", "Name of its compound."),
	colUpdated,
}, provenance)

var gridColumns = join([]Column{
	colID("网格", "grid"),
	col("name", "string", "名称", "Name", "网格名称。", "Name of the grid."),
	col("full_time_workers", "integer", "专职网格员", "Full-time workers", "专职网格员人数（人数，不含姓名）。", "Number of full-time grid workers (a count; no names)."),
	col("part_time_workers", "integer", "兼职网格员", "Part-time workers", "兼职网格员人数。", "Number of part-time grid workers."),
}, places, []Column{colUpdated}, provenance)

var statisticsColumns = []Column{
	col("period", "string", "月份", "Period", "统计月份，YYYY-MM。", "The month, YYYY-MM."),
	col("region_id", "string", "区域编号", "Region ID", "区域的全局 ID。", "Global ID of the region."),
	col("region", "string", "区域", "Region", "区域名称。", "Name of the region."),
	col("level", "string", "级别", "Level", "区域级别。", "Level of the region."),
	col("code", "string", "区划代码", "Division code", "行政区划代码；未知为空。", "Administrative division code; empty when unknown."),
	col("metric", "string", "指标", "Metric", "指标代码，如 requests、completion_rate。", "Metric code, such as requests or completion_rate."),
	col("dimension", "string", "维度", "Dimension", "指标的细分（如需求类型、状态）；总数为空。", "Breakdown of the metric (kind, status…); empty for the total."),
	col("value", "number", "数值", "Value", "数值；被抑制时为空。", "The figure; empty when suppressed."),
	col("suppressed", "boolean", "已抑制", "Suppressed", "为保护隐私而不公布时为 true。", "true when withheld to protect privacy."),
	col("noisy", "boolean", "含噪声", "Noisy", "数值加入了差分隐私噪声时为 true。", "true when the figure carries differential-privacy noise."),
	col("method", "string", "披露控制方法", "Method", "披露控制方法。", "The disclosure-control method."),
	col("published_at", "dateTime", "发布时间", "Published", "发布时间，北京时间（+08:00）。", "When it was published, in Beijing time (+08:00)."),
}

var changeColumns = []Column{
	col("sequence", "string", "序号", "Sequence", "变更的游标；用 ?after= 从此处继续。", "Cursor of the change; continue from it with ?after=."),
	col("op", "string", "操作", "Operation", "CREATE、UPDATE 或 DELETE。", "CREATE, UPDATE or DELETE."),
	col("entity", "string", "记录类型", "Entity", "记录类型，如 Facility。", "Record type, such as Facility."),
	col("id", "string", "记录编号", "Record ID", "记录的全局 ID。", "Global ID of the record."),
	col("at", "dateTime", "时间", "At", "变更时间，北京时间（+08:00）。", "When it changed, in Beijing time (+08:00)."),
}

// names lists the columns' names, the CSV header.
func names(cols []Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// kinds are the JSON types of the columns, for GeoJSON and NDJSON.
func kinds(cols []Column) map[string]kind {
	out := map[string]kind{}
	for _, c := range cols {
		switch c.Datatype {
		case "integer", "number":
			out[c.Name] = number
		case "boolean":
			out[c.Name] = boolean
		}
	}
	return out
}

// Columns of the facilities CSV.
var Columns = names(facilityColumns)

type langValue struct {
	Value    string `json:"@value"`
	Language string `json:"@language"`
}

// csvw is the W3C CSV on the Web metadata of a CSV file at url: its table
// schema, each column with its titles and description in both languages
// and its datatype.
func csvw(url, titleZh, titleEn string, cols []Column, p Publisher) map[string]any {
	columns := make([]map[string]any, len(cols))
	for i, c := range cols {
		columns[i] = map[string]any{
			"name":           c.Name,
			"titles":         map[string]string{"zh-Hans": c.TitleZh, "en": c.TitleEn},
			"dc:description": []langValue{{c.MeaningZh, "zh-Hans"}, {c.MeaningEn, "en"}},
			"datatype":       c.Datatype,
		}
	}
	schema := map[string]any{"columns": columns}
	if len(cols) > 0 && cols[0].Name == "id" {
		schema["primaryKey"] = "id"
	}
	return map[string]any{
		"@context":       []any{"http://www.w3.org/ns/csvw", map[string]string{"@language": "zh-Hans"}},
		"url":            url,
		"dc:title":       []langValue{{titleZh, "zh-Hans"}, {titleEn, "en"}},
		"dialect":        map[string]any{"header": true, "encoding": "utf-8", "lineTerminators": []string{"\r\n"}},
		"tableSchema":    schema,
		"dc:license":     map[string]string{"@id": p.LicenceURL},
		"dc:publisher":   p.Name,
		"dc:description": []langValue{{"列的含义见 tableSchema；空单元格表示没有值。", "zh-Hans"}, {"What each column holds is in tableSchema; an empty cell is a missing value.", "en"}},
	}
}

// CSVDatasets are the datasets with a CSV file, and so a CSVW description.
var CSVDatasets = []string{"facilities", "activities", "regions", "compounds", "organizations", "grids", "indicators",
	"matters", "resources", "projects", "project-units", "project-updates", "themes", "statistics"}
