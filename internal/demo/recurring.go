package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/facility"
	"lifecircle/ent/organization"
	"lifecircle/ent/region"
	"lifecircle/internal/timefmt"
)

// recurringRaw holds the months' themes and the recurring series the
// articles state (seed 003: the party day on the 15th of every month, and
// July's theme 党建引领小区治理).
//
//go:embed recurring.json
var recurringRaw []byte

type recurringData struct {
	Themes []struct {
		Community, Month, Title, Description, Source string
		Illustrative                                 []string
	}
	Series []struct {
		Community, Organizer, Venue, Title, Description, Category string
		TargetGroups                                              []string
		Rrule, Start, End, Source                                 string
		Capacity                                                  int
		Illustrative                                              []string
	}
}

// writeRecurring writes the themes and series, and links the dataset's
// activities of a theme's community and month whose free-text theme is the
// theme's title to the theme record.
func writeRecurring(ctx context.Context, c *ent.Client, sum *Summary) error {
	var d recurringData
	if err := json.Unmarshal(recurringRaw, &d); err != nil {
		return fmt.Errorf("demo: parse recurring.json: %w", err)
	}
	community := func(name string) (int, error) {
		return c.Region.Query().Where(region.Name(name), region.LevelEQ(region.LevelCommunity)).OnlyID(ctx)
	}
	for _, t := range d.Themes {
		cid, err := community(t.Community)
		if err != nil {
			return fmt.Errorf("demo: theme %s %s: %w", t.Community, t.Month, err)
		}
		th, err := c.Theme.Create().SetRegionID(cid).SetMonth(t.Month).SetTitle(t.Title).SetDescription(t.Description).
			SetSource(t.Source).SetIllustrative(t.Illustrative).Save(ctx)
		if err != nil {
			return fmt.Errorf("demo: theme %s %s: %w", t.Community, t.Month, err)
		}
		from, err := time.ParseInLocation("2006-01", t.Month, timefmt.Local)
		if err != nil {
			return err
		}
		linked, err := c.Activity.Query().Where(activity.CommunityID(cid), activity.Theme(t.Title),
			activity.StartsAtGTE(from), activity.StartsAtLT(from.AddDate(0, 1, 0))).IDs(ctx)
		if err != nil {
			return err
		}
		for _, id := range linked { // one by one: the theme is checked per activity
			if err := c.Activity.UpdateOneID(id).SetMonthThemeID(th.ID).Exec(ctx); err != nil {
				return fmt.Errorf("demo: link activity %d to theme %s: %w", id, t.Title, err)
			}
		}
	}
	for _, s := range d.Series {
		cid, err := community(s.Community)
		if err != nil {
			return fmt.Errorf("demo: series %s: %w", s.Title, err)
		}
		org, err := c.Organization.Query().Where(organization.Name(s.Organizer), organization.RegionID(cid)).OnlyID(ctx)
		if err != nil {
			return fmt.Errorf("demo: series %s: organizer: %w", s.Title, err)
		}
		venue, err := c.Facility.Query().Where(facility.Name(s.Venue), facility.CommunityID(cid)).OnlyID(ctx)
		if err != nil {
			return fmt.Errorf("demo: series %s: venue: %w", s.Title, err)
		}
		start, err := parseTime(s.Start)
		if err != nil {
			return err
		}
		end, err := parseTime(s.End)
		if err != nil {
			return err
		}
		if err := c.Activity.Create().SetTitle(s.Title).SetDescription(s.Description).
			SetCategory(activity.Category(s.Category)).SetTargetGroups(s.TargetGroups).
			SetCommunityID(cid).SetOrganizerID(org).SetVenueID(venue).SetRrule(s.Rrule).
			SetStartsAt(start).SetEndsAt(end).SetCapacity(s.Capacity).SetSource(s.Source).
			SetIllustrative(s.Illustrative).Exec(ctx); err != nil {
			return fmt.Errorf("demo: series %s: %w", s.Title, err)
		}
		sum.Activities++
	}
	return nil
}
