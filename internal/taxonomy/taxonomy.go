// Package taxonomy is the fixed table of facility categories and life-circle
// tiers. Categories follow GB 50180-2018 Appendix B (supporting facilities of
// residential areas) plus project categories the standard does not name.
//
// The standard's tiers and marks come from commonly reproduced summaries of
// Appendix B and C, not the standard's own text: every row taken from the
// reference table is [verify]. The table is plain data so a correction is a
// one-line change.
package taxonomy

import "sort"

// Tier is a life-circle tier of GB 50180-2018: the lowest tier at which a
// facility category must be provided.
type Tier string

// Life-circle tiers.
const (
	TierNone  Tier = ""      // project category, not in the standard
	Tier15    Tier = "MIN15" // 十五分钟生活圈居住区
	Tier10    Tier = "MIN10" // 十分钟生活圈居住区
	Tier5     Tier = "MIN5"  // 五分钟生活圈居住区
	TierBlock Tier = "BLOCK" // 居住街坊
)

// Minutes is the walking time that defines the tier (0 for none; the
// neighbourhood block is taken as a 5-minute walk).
func (t Tier) Minutes() int {
	switch t {
	case Tier15:
		return 15
	case Tier10:
		return 10
	case Tier5, TierBlock:
		return 5
	}
	return 0
}

// Labels holds a display string per language tag.
type Labels struct {
	ZhHans string
	ZhHant string
	En     string
}

// Category is one row of the taxonomy.
type Category struct {
	Code     string
	Labels   Labels
	Group    string // broad group, for legends and filters
	Tier     Tier
	Required bool // ▲ must provide (true) or △ provide as needed (false)
	// ServiceRadiusMeters is the standard's service radius (Appendix C), 0 if
	// it gives none.
	ServiceRadiusMeters int
	// Standard is true for rows taken from GB 50180-2018 ([verify]).
	Standard bool
}

// Groups of categories.
const (
	GroupEducation  = "education"
	GroupHealth     = "health"
	GroupElderly    = "elderly"
	GroupCulture    = "culture"
	GroupSport      = "sport"
	GroupAdmin      = "administration"
	GroupCommerce   = "commerce"
	GroupMunicipal  = "municipal"
	GroupCommunity  = "community"
	GroupTransport  = "transport"
	GroupChildren   = "children"
	GroupLivelihood = "livelihood"
)

func std(code, hans, hant, en, group string, tier Tier, required bool, radius int) Category {
	return Category{Code: code, Labels: Labels{hans, hant, en}, Group: group, Tier: tier, Required: required, ServiceRadiusMeters: radius, Standard: true}
}

func project(code, hans, hant, en, group string) Category {
	return Category{Code: code, Labels: Labels{hans, hant, en}, Group: group}
}

// table is the taxonomy. Rows marked std(...) are GB 50180-2018 Appendix B
// [verify]; rows marked project(...) are lifecircle's own.
var table = []Category{
	// 15-minute tier
	std("junior_school", "初中", "初中", "Junior secondary school", GroupEducation, Tier15, true, 1000),
	std("sports_hall", "体育馆(场)/全民健身中心", "體育館(場)/全民健身中心", "Sports hall / fitness centre", GroupSport, Tier15, false, 0),
	std("sports_ground_large", "大型多功能运动场地", "大型多功能運動場地", "Large multi-purpose sports ground", GroupSport, Tier15, true, 1000),
	std("health_centre", "社区卫生服务中心", "社區衛生服務中心", "Community health centre", GroupHealth, Tier15, true, 1000),
	std("outpatient", "门诊部", "門診部", "Outpatient clinic", GroupHealth, Tier15, true, 0),
	std("nursing_home", "养老院", "養老院", "Nursing home", GroupElderly, Tier15, true, 0),
	std("care_home", "老年养护院", "老年養護院", "Elderly care home", GroupElderly, Tier15, true, 0),
	std("culture_centre", "文化活动中心", "文化活動中心", "Cultural activity centre", GroupCulture, Tier15, true, 1000),
	std("service_centre", "社区服务中心(街道级)", "社區服務中心(街道級)", "Subdistrict service centre", GroupAdmin, Tier15, true, 0),
	std("subdistrict_office", "街道办事处", "街道辦事處", "Subdistrict office", GroupAdmin, Tier15, true, 0),
	std("judicial_office", "司法所", "司法所", "Judicial office", GroupAdmin, Tier15, true, 0),
	std("police", "派出所", "派出所", "Police station", GroupAdmin, Tier15, false, 0),
	std("post_office", "邮政营业场所", "郵政營業場所", "Post office", GroupMunicipal, Tier15, true, 0),
	std("mall", "商场", "商場", "Shopping mall", GroupCommerce, Tier15, true, 0),
	std("restaurant", "餐饮设施", "餐飲設施", "Restaurant", GroupCommerce, Tier15, true, 0),
	std("bank", "银行营业网点", "銀行營業網點", "Bank branch", GroupCommerce, Tier15, true, 0),
	std("telecom", "电信营业网点", "電信營業網點", "Telecom shop", GroupCommerce, Tier15, true, 0),
	std("gym", "健身房", "健身房", "Gym", GroupSport, Tier15, false, 0),
	std("bus_stop", "公交车站", "公交車站", "Bus stop", GroupTransport, Tier15, true, 0),
	// 10-minute tier
	std("primary_school", "小学", "小學", "Primary school", GroupEducation, Tier10, true, 500),
	std("sports_ground_medium", "中型多功能运动场地", "中型多功能運動場地", "Medium multi-purpose sports ground", GroupSport, Tier10, true, 500),
	std("fresh_market", "菜市场或生鲜超市", "菜市場或生鮮超市", "Fresh market", GroupCommerce, Tier10, true, 500),
	// 5-minute tier
	std("community_station", "社区服务站", "社區服務站", "Community service station", GroupCommunity, Tier5, true, 300),
	std("community_canteen", "社区食堂", "社區食堂", "Community canteen", GroupElderly, Tier5, false, 0),
	std("culture_station", "文化活动站", "文化活動站", "Cultural activity station", GroupCulture, Tier5, true, 500),
	std("ball_court", "小型多功能运动场地", "小型多功能運動場地", "Small multi-purpose court", GroupSport, Tier5, true, 300),
	std("outdoor_fitness", "室外综合健身场地", "室外綜合健身場地", "Outdoor fitness ground", GroupSport, Tier5, true, 300),
	std("kindergarten", "幼儿园", "幼兒園", "Kindergarten", GroupEducation, Tier5, true, 300),
	std("nursery", "托儿所", "托兒所", "Nursery (childcare)", GroupChildren, Tier5, false, 300),
	std("elderly_daycare", "老年人日间照料中心", "老年人日間照料中心", "Elderly day-care centre", GroupElderly, Tier5, true, 300),
	std("health_station", "社区卫生服务站", "社區衛生服務站", "Community health station", GroupHealth, Tier5, false, 0),
	std("community_shops", "社区商业网点", "社區商業網點", "Neighbourhood shops", GroupCommerce, Tier5, true, 0),
	std("recycling", "再生资源回收点", "再生資源回收點", "Recycling point", GroupMunicipal, Tier5, true, 0),
	std("refuse_station", "生活垃圾收集站", "生活垃圾收集站", "Refuse collection station", GroupMunicipal, Tier5, true, 0),
	std("public_toilet", "公共厕所", "公共廁所", "Public toilet", GroupMunicipal, Tier5, true, 0),
	// neighbourhood block
	std("property_mgmt", "物业管理与服务", "物業管理與服務", "Property management office", GroupCommunity, TierBlock, true, 0),
	std("playground", "儿童、老年人活动场地", "兒童、老年人活動場地", "Playground / seniors' yard", GroupSport, TierBlock, true, 0),
	std("convenience_store", "便利店", "便利店", "Convenience store", GroupCommerce, TierBlock, true, 0),
	std("parcel_point", "邮件和快件送达设施", "郵件和快件送達設施", "Parcel locker / delivery point", GroupMunicipal, TierBlock, true, 0),
	// project categories: not in GB 50180-2018, no tier
	project("party_mass_centre", "党群服务中心", "黨群服務中心", "Party-mass service centre", GroupCommunity),
	project("function_room", "功能室", "功能室", "Function room", GroupCommunity),
	project("after_school_care", "四点半课堂/儿童托管", "四點半課堂/兒童託管", "After-school care", GroupChildren),
	project("courier_rest_station", "小哥驿站", "小哥驛站", "Courier rest station", GroupLivelihood),
	project("volunteer_point", "志愿服务站", "志願服務站", "Volunteer point", GroupCommunity),
	project("repair_service", "便民维修点", "便民維修點", "Repair service", GroupLivelihood),
	project("pharmacy", "药店", "藥店", "Pharmacy", GroupHealth),
	project("supermarket", "超市", "超市", "Supermarket", GroupCommerce),
	project("legal_aid", "法律援助室", "法律援助室", "Legal aid room", GroupAdmin),
	project("library", "书吧/阅览室", "書吧/閱覽室", "Reading room / library", GroupCulture),
	project("learning_station", "学习驿站", "學習驛站", "Learning station", GroupCulture),
	project("exhibition_hall", "展览馆", "展覽館", "Exhibition hall", GroupCulture),
	project("elderly_activity_centre", "老年活动中心", "老年活動中心", "Elderly activity centre", GroupElderly),
	project("counselling_room", "妇女儿童心理咨询室", "婦女兒童心理諮詢室", "Women and children counselling room", GroupCommunity),
}

var byCode = func() map[string]Category {
	m := make(map[string]Category, len(table))
	for _, c := range table {
		if _, dup := m[c.Code]; dup {
			panic("taxonomy: duplicate category code " + c.Code)
		}
		m[c.Code] = c
	}
	return m
}()

// All returns every category in table order. The slice is a copy.
func All() []Category {
	return append([]Category(nil), table...)
}

// Lookup returns the category for code.
func Lookup(code string) (Category, bool) {
	c, ok := byCode[code]
	return c, ok
}

// Valid reports whether code is a category code.
func Valid(code string) bool {
	_, ok := byCode[code]
	return ok
}

// Codes returns all codes, sorted.
func Codes() []string {
	out := make([]string, 0, len(table))
	for _, c := range table {
		out = append(out, c.Code)
	}
	sort.Strings(out)
	return out
}
