//go:build !bootstrap

package schema

import (
	"context"
	"fmt"
	"slices"
	"time"

	"entgo.io/ent"

	gen "lifecircle/ent"
	"lifecircle/ent/hook"
	"lifecircle/internal/apperr"
	"lifecircle/internal/recurring"
	"lifecircle/internal/timefmt"
)

// checkSeries validates an activity's recurrence (rrule, exdates, rdates
// against startsAt) as it will be stored, keeps seriesEndsAt, and checks
// the month's theme: a theme of the activity's community or a region
// above it, for the month the activity starts in; a series has none.
func checkSeries(next ent.Mutator) ent.Mutator {
	return hook.ActivityFunc(func(ctx context.Context, m *gen.ActivityMutation) (ent.Value, error) {
		rule, setRule := m.Rrule()
		ex, setEx := m.Exdates()
		more, appendEx := m.AppendedExdates()
		rd, setRd := m.Rdates()
		start, setStart := m.StartsAt()
		end, setEnd := m.EndsAt()
		themeID, setTheme := m.MonthThemeID()
		community, setCommunity := m.CommunityID()
		touched := setRule || setEx || appendEx || setRd || setStart || setEnd || setTheme || setCommunity ||
			m.RruleCleared() || m.ExdatesCleared() || m.RdatesCleared()
		if !touched {
			return next.Mutate(ctx, m)
		}
		if m.Op().Is(ent.OpUpdate) {
			return nil, apperr.Invalid("rrule", "bulk updates of activity times and recurrence are not supported", "不支持批量修改活动时间和重复规则")
		}
		hasTheme := setTheme
		if m.Op().Is(ent.OpUpdateOne) {
			var err error
			load := func(set, cleared bool, f func() error) {
				if err == nil && !set && !cleared {
					err = f()
				}
			}
			load(setRule, m.RruleCleared(), func() (e error) { rule, e = m.OldRrule(ctx); return })
			load(setEx, m.ExdatesCleared(), func() (e error) { ex, e = m.OldExdates(ctx); return })
			load(setRd, m.RdatesCleared(), func() (e error) { rd, e = m.OldRdates(ctx); return })
			load(setStart, false, func() (e error) { start, e = m.OldStartsAt(ctx); return })
			load(setEnd, false, func() (e error) { end, e = m.OldEndsAt(ctx); return })
			load(setCommunity, false, func() (e error) { community, e = m.OldCommunityID(ctx); return })
			load(setTheme, m.MonthThemeIDCleared(), func() error {
				old, e := m.OldMonthThemeID(ctx)
				if old != nil {
					themeID, hasTheme = *old, true
				}
				return e
			})
			if err != nil {
				return nil, err
			}
		}
		if appendEx {
			ex = append(slices.Clip(ex), more...)
			m.SetExdates(ex)
		}
		ends, err := recurring.Check(recurring.Series{Rule: rule, Start: start, End: end, ExDates: ex, RDates: rd})
		if err != nil {
			return nil, err
		}
		if ends == nil {
			m.ClearSeriesEndsAt()
		} else {
			m.SetSeriesEndsAt(*ends)
		}
		if hasTheme {
			if err := checkTheme(ctx, m.Client(), themeID, rule, start, community); err != nil {
				return nil, err
			}
		}
		return next.Mutate(ctx, m)
	})
}

// checkTheme refuses a month's theme that is not the activity's.
func checkTheme(ctx context.Context, c *gen.Client, themeID int, rule string, start time.Time, community int) error {
	if rule != "" {
		return apperr.Invalid("monthThemeID", "a recurring activity spans months and belongs to no month's theme",
			"循环活动跨越多个月份，不归属于某个月度主题")
	}
	t, err := c.Theme.Get(ctx, themeID)
	if gen.IsNotFound(err) {
		return apperr.Invalid("monthThemeID", "no such theme", "没有这个主题")
	}
	if err != nil {
		return err
	}
	if month := start.In(timefmt.Local).Format("2006-01"); t.Month != month {
		return apperr.Invalid("monthThemeID", fmt.Sprintf("the theme is for %s, the activity starts in %s", t.Month, month),
			fmt.Sprintf("主题属于 %s，活动在 %s 开始", t.Month, month))
	}
	// The theme's region is the community or one of its ancestors.
	for id, depth := community, 0; depth < 10; depth++ {
		if id == t.RegionID {
			return nil
		}
		r, err := c.Region.Get(ctx, id)
		if err != nil {
			return err
		}
		if r.ParentID == nil {
			break
		}
		id = *r.ParentID
	}
	return apperr.Invalid("monthThemeID", "the theme belongs to another region: use a theme of the activity's community or a region above it",
		"该主题属于其他区域：请使用本社区或上级区域的主题")
}
