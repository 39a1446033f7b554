package opendata

import (
	"context"
	"strings"

	"lifecircle/ent"
	"lifecircle/ent/reportedindicator"
	"lifecircle/internal/indicators"
)

// indicatorColumns are the columns of the reported indicators: figures
// communities report, published as reported once an admin approves them.
var indicatorColumns = []Column{
	colID("指标", "indicator"),
	col("key", "string", "指标代码", "Key", "指标代码，如 MICRO_WISHES_FULFILLED、FULL_TIME_GRID_WORKERS。", "What the figure counts, such as MICRO_WISHES_FULFILLED or FULL_TIME_GRID_WORKERS."),
	col("value", "integer", "数值", "Value", "所报告的数值（按原样公开，不是由记录计算的，也未经披露控制）。", "The figure as reported (published as is: not computed from records, no disclosure control)."),
	col("unit", "string", "单位", "Unit", "数值的单位：WISHES（个）、MATTERS（件）、PERSONS（名）、CLUES（条）。", "Unit of the value: WISHES, MATTERS, PERSONS or CLUES."),
	col("region_id", "string", "区域编号", "Region ID", "指标所属区域的全局 ID。", "Global ID of the region the figure is about."),
	col("region_name", "string", "区域", "Region", "指标所属区域的名称。", "Name of the region."),
	col("region_level", "string", "区域级别", "Region level", "区域级别（COMMUNITY、SUBDISTRICT、DISTRICT、CITY）。", "Level of the region."),
	col("period_start", "string", "期间开始", "Period start", "期间的第一天（YYYY-MM-DD）；截至某日的数值为空。", "First day of the period (YYYY-MM-DD); empty for a figure as of period_end."),
	col("period_end", "string", "期间结束", "Period end", "期间的最后一天，或数值截至的日期。", "Last day of the period, or the day the figure stands as of."),
	col("period_text", "string", "期间原文", "Period (source's words)", "来源原文对期间的表述。", "The period in the source's own words."),
	col("source", "string", "来源", "Source", "数值来源（报告、文章）。", "Where the figure comes from (a report, an article)."),
	col("note", "string", "说明", "Note", "统计口径或来源原文。", "What exactly is counted, or the source's wording."),
	col("illustrative", "string", "示意字段", "Illustrative fields", "来源未给出、为演示而补的字段（以 | 分隔）；真实数据为空。", "Fields the source does not state, filled in for the demo (separated by |); empty for real data."),
	col("approved_at", "dateTime", "批准时间", "Approved at", "管理员批准的时间。", "When an admin approved it."),
}

// Indicators is the reported indicators dataset: approved ones only (the
// privacy policy shows the public nothing else; the filter says so too).
func Indicators(client *ent.Client) table {
	return newTable(indicatorColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.ReportedIndicator, error) {
			return client.ReportedIndicator.Query().
				Where(reportedindicator.IDGT(after), reportedindicator.StatusEQ(reportedindicator.StatusApproved)).
				Order(ent.Asc(reportedindicator.FieldID)).Limit(n).All(ctx)
		}, func(r *record, x *ent.ReportedIndicator) int {
			r.id(x.ID)
			r.str(string(x.Key))
			r.integer(x.Value)
			r.str(string(indicators.UnitOf(x.Key)))
			r.id(x.RegionID)
			if rg := idx[x.RegionID]; rg != nil {
				r.str(rg.Name)
				r.str(strings.ToUpper(string(rg.Level)))
			} else {
				r.str("")
				r.str("")
			}
			r.str(x.PeriodStart)
			r.str(x.PeriodEnd)
			r.str(x.PeriodText)
			r.str(x.Source)
			r.str(x.Note)
			r.str(strings.Join(x.Illustrative, "|"))
			if x.ReviewedAt != nil {
				r.timestamp(*x.ReviewedAt)
			} else {
				r.str("")
			}
			return x.ID
		}))
	}))
}
