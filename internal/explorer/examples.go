package explorer

// TokenPlaceholder stands for the staff token in the staff tab's headers.
// The explorer refuses to send it (a wasted 401 that counts against the
// address) and says what to paste instead.
const TokenPlaceholder = "PASTE_STAFF_TOKEN"

// Example is one operation the explorer opens as a tab: a document for one
// audience, with its variables and headers as GraphiQL's editors show them
// (JSON text, empty when there are none).
type Example struct {
	Audience  string `json:"audience"`
	Query     string `json:"query"`
	Variables string `json:"variables,omitempty"`
	Headers   string `json:"headers,omitempty"`
}

// Examples are the tabs the explorer starts with, one audience each. They
// run against the demo data (TestExamplesRunOnTheDemoData).
var Examples = []Example{
	{
		Audience: "public map",
		Query: `# 公众地图 · Public map (no token)
# 步行 10 分钟内的设施，及该点
# 15 分钟生活圈的覆盖情况。
# Facilities within a 10-minute walk, and
# what the 15-minute circle around a point
# covers (the map widget asks the same).
query PublicMap {
  facilitiesNear(lat: 36.6245, lng: 101.7575,
                 walkMinutes: 10, first: 5) {
    totalCount
    edges {
      walkMinutes
      distanceMeters
      node {
        name
        nameEn: localName(lang: "en")
        category
        openingHours
        openNow
      }
    }
  }
  serviceCircle(point: {lat: 36.6245, lng: 101.7575},
                minutes: 15, profile: ELDERLY) {
    method
    score
    requiredMet
    requiredTotal
    missing { code label(lang: "zh-Hans") en: label(lang: "en") }
  }
}
`,
	},
	{
		Audience: "journalist",
		Query: `# 记者 · Journalist (no token)
# 一个社区有哪些设施和活动？
# 左侧 Docs 有每个字段的中英文说明。
# What does a community offer? Docs (left)
# describes every field in both languages.
query CommunityOffers {
  regions(where: {name: "团结北路社区"}) {
    edges {
      node {
        name
        nameEn
        parent { name parent { name } }
        facilities(first: 10,
                   orderBy: {field: NAME, direction: ASC}) {
          totalCount
          edges { node {
            name
            status
            categoryInfo { label(lang: "zh-Hans") tier required }
          } }
        }
        activities(first: 5,
                   orderBy: {field: STARTS_AT, direction: DESC}) {
          edges { node {
            title theme startsAt status registeredCount
          } }
        }
      }
    }
  }
}
`,
	},
	{
		Audience: "app team",
		Query: `# 应用开发 · App team: Relay pagination
# 运行后把 pageInfo.endCursor 填入
# 变量 "after"，再运行得到下一页。
# Run, copy pageInfo.endCursor into the
# "after" variable, run again for the next
# page (until hasNextPage is false).
query FacilitiesPage($first: Int = 5, $after: Cursor) {
  facilities(first: $first, after: $after,
             orderBy: {field: NAME, direction: ASC},
             where: {hasCommunityWith: {name: "文亭巷社区"}}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      cursor
      node { id name category lat lng openNow community { name } }
    }
  }
}
`,
		Variables: `{
  "first": 5,
  "after": null
}
`,
	},
	{
		Audience: "staff",
		Query: `# 社区工作人员 · Community staff (token)
# 把 Headers 中的 PASTE_STAFF_TOKEN
# 换成令牌 · Replace it with a token:
#   go run . token -role staff \
#     -community 文亭巷社区 -name "my app"
# 先运行 StaffNeedsList，把返回的
# viewer.community.id 填入变量
# "community"，再运行 AddPharmacy。
# Run StaffNeedsList, put its
# viewer.community.id into "community",
# then run AddPharmacy (run button menu).
query StaffNeedsList {
  viewer { role community { id name } }
  serviceRequests(first: 10,
                  where: {statusNEQ: CONFIRMED}) {
    totalCount
    edges { node {
      kind title status submittedAt
      requester { name phone }
    } }
  }
}

mutation AddPharmacy($community: ID!) {
  createFacility(input: {
    name: "文亭巷便民药店", category: "pharmacy",
    lat: 36.6251, lng: 101.7571,
    communityID: $community,
    openingHours: "Mo-Su 08:00-21:00",
    names: [{lang: "en", value: "Wentingxiang Pharmacy"}]
  }) { id name openNow }
}
`,
		Variables: `{
  "community": "the id that StaffNeedsList returns as viewer.community.id"
}
`,
		Headers: `{
  "Authorization": "Bearer ` + TokenPlaceholder + `"
}
`,
	},
}
