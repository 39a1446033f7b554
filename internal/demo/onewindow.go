package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"lifecircle/ent"
	"lifecircle/ent/servicematter"
	"lifecircle/internal/i18n"
)

// OneWindowSource names the article the one-window demo data draws on.
const OneWindowSource = "seed 002: 党旗在基层一线高高飘扬丨党建引领绘就社区幸福底色"

// matterIllustrative lists what the article does not state about a demo
// matter: it names none of the 41 matters, so everything but the
// community and the area is invented.
var matterIllustrative = []string{"name", "names", "requiredDocuments", "processingDays", "bookable", "homeService", "onBehalf"}

//go:embed onewindow.json
var oneWindowRaw []byte

type oneWindowData struct {
	Matters []struct {
		Key, Community, Category, Name, NameEn string
		RequiredDocuments                      []string
		ProcessingDays                         int
		Bookable, HomeService, OnBehalf        bool
	}
	Slots []struct {
		Matter, StartsAt, EndsAt string
		Capacity                 int
	}
}

// writeOneWindow writes the one-window catalogue of 塔城路社区 and a few
// illustrative slots (internal/demo/onewindow.json).
func writeOneWindow(ctx context.Context, c *ent.Client, id ids) error {
	var d oneWindowData
	if err := json.Unmarshal(oneWindowRaw, &d); err != nil {
		return fmt.Errorf("demo: parse onewindow.json: %w", err)
	}
	matters := map[string]*ent.ServiceMatter{}
	for _, m := range d.Matters {
		comm, err := id.get(m.Community)
		if err != nil {
			return err
		}
		row, err := c.ServiceMatter.Create().SetCommunityID(comm).SetCategory(servicematter.Category(m.Category)).
			SetName(m.Name).SetNames([]i18n.Text{{Lang: "en", Value: m.NameEn}}).
			SetRequiredDocuments(m.RequiredDocuments).SetProcessingDays(m.ProcessingDays).
			SetBookable(m.Bookable).SetHomeService(m.HomeService).SetOnBehalf(m.OnBehalf).
			SetSource(OneWindowSource).SetIllustrative(matterIllustrative).Save(ctx)
		if err != nil {
			return fmt.Errorf("demo: matter %s: %w", m.Key, err)
		}
		matters[m.Key] = row
	}
	for _, sl := range d.Slots {
		m, ok := matters[sl.Matter]
		if !ok {
			return fmt.Errorf("demo: slot for unknown matter %q", sl.Matter)
		}
		start, err := parseTime(sl.StartsAt)
		if err != nil {
			return err
		}
		end, err := parseTime(sl.EndsAt)
		if err != nil {
			return err
		}
		if err := c.ServiceSlot.Create().SetMatterID(m.ID).SetCommunityID(m.CommunityID).SetStartsAt(start).
			SetEndsAt(end).SetCapacity(sl.Capacity).SetSource("illustrative").SetIllustrative([]string{"*"}).Exec(ctx); err != nil {
			return fmt.Errorf("demo: slot: %w", err)
		}
	}
	return nil
}
