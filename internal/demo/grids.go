package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/compound"
	"lifecircle/ent/grid"
	"lifecircle/ent/gridworker"
	"lifecircle/ent/person"
	"lifecircle/ent/region"
	"lifecircle/ent/reportedindicator"
	"lifecircle/ent/servicerequest"
	"lifecircle/ent/visit"
)

//go:embed grids.json
var gridsRaw []byte

// gridsData is the demo's grid management (grids.json): which compounds
// each grid covers, illustrative grid workers and visits, and the figures
// the articles report, as approved indicators naming their article.
type gridsData struct {
	GridCompounds []struct {
		Community, Grid string
		Compounds       []string
	}
	GridWorkers []struct {
		Community, Grid, Person, Kind, Source string
		Illustrative                          []string
	}
	Visits []struct {
		Community, Grid, Compound, Building, Unit, Room string
		Person, Visitor, VisitedAt, Reason, Findings    string
		Source                                          string
		Illustrative                                    []string
		FollowUp                                        *struct{ Kind, Title string }
	}
	Regions []struct {
		Name, NameEn, Level, Parent string
		Lat, Lng                    float64
		Approximate                 bool
		provenance
	}
	Indicators []struct {
		Key, Region                                      string
		Value                                            int
		PeriodStart, PeriodEnd, PeriodText, Note, Source string
		Illustrative                                     []string
	}
}

// loadGrids writes grids.json in the demo's transaction (ctx is the system
// context), looking records up by name.
func loadGrids(ctx context.Context, c *ent.Client, sum *Summary) error {
	var d gridsData
	if err := json.Unmarshal(gridsRaw, &d); err != nil {
		return fmt.Errorf("demo: parse grids.json: %w", err)
	}
	community := func(name string) (int, error) {
		id, err := c.Region.Query().Where(region.Name(name), region.LevelEQ(region.LevelCommunity)).OnlyID(ctx)
		if err != nil {
			return 0, fmt.Errorf("demo: community %s: %w", name, err)
		}
		return id, nil
	}
	gridOf := func(comm int, name string) (*ent.Grid, error) {
		g, err := c.Grid.Query().Where(grid.CommunityID(comm), grid.Name(name)).Only(ctx)
		if err != nil {
			return nil, fmt.Errorf("demo: grid %s: %w", name, err)
		}
		return g, nil
	}
	personOf := func(comm int, name string) (int, error) {
		id, err := c.Person.Query().Where(person.CommunityID(comm), person.Name(name)).OnlyID(ctx)
		if err != nil {
			return 0, fmt.Errorf("demo: person %s: %w", name, err)
		}
		return id, nil
	}
	compoundOf := func(comm int, name string) (int, error) {
		id, err := c.Compound.Query().Where(compound.CommunityID(comm), compound.Name(name)).OnlyID(ctx)
		if err != nil {
			return 0, fmt.Errorf("demo: compound %s: %w", name, err)
		}
		return id, nil
	}
	for _, gc := range d.GridCompounds {
		comm, err := community(gc.Community)
		if err != nil {
			return err
		}
		g, err := gridOf(comm, gc.Grid)
		if err != nil {
			return err
		}
		ids := make([]int, 0, len(gc.Compounds))
		for _, name := range gc.Compounds {
			id, err := compoundOf(comm, name)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if err := c.Grid.UpdateOne(g).AddCompoundIDs(ids...).Exec(ctx); err != nil {
			return fmt.Errorf("demo: grid %s compounds: %w", gc.Grid, err)
		}
	}
	for _, w := range d.GridWorkers {
		comm, err := community(w.Community)
		if err != nil {
			return err
		}
		g, err := gridOf(comm, w.Grid)
		if err != nil {
			return err
		}
		p, err := personOf(comm, w.Person)
		if err != nil {
			return err
		}
		kind := gridworker.Kind(w.Kind)
		if err := c.GridWorker.Create().SetGridID(g.ID).SetPersonID(p).SetCommunityID(comm).SetKind(kind).
			SetSource(w.Source).SetIllustrative(w.Illustrative).Exec(ctx); err != nil {
			return fmt.Errorf("demo: grid worker %s: %w", w.Person, err)
		}
		u := c.Grid.UpdateOne(g)
		if kind == gridworker.KindFullTime {
			u.AddFullTimeWorkers(1)
		} else {
			u.AddPartTimeWorkers(1)
		}
		if err := u.Exec(ctx); err != nil {
			return fmt.Errorf("demo: grid %s counts: %w", w.Grid, err)
		}
	}
	for _, v := range d.Visits {
		comm, err := community(v.Community)
		if err != nil {
			return err
		}
		g, err := gridOf(comm, v.Grid)
		if err != nil {
			return err
		}
		visitor, err := personOf(comm, v.Visitor)
		if err != nil {
			return err
		}
		at, err := time.Parse(time.RFC3339, v.VisitedAt)
		if err != nil {
			return fmt.Errorf("demo: visit at %s: %w", v.VisitedAt, err)
		}
		cr := c.Visit.Create().SetCommunityID(comm).SetGridID(g.ID).SetVisitorID(visitor).SetVisitedAt(at).
			SetReason(visit.Reason(v.Reason)).SetBuilding(v.Building).SetUnit(v.Unit).SetRoom(v.Room).
			SetFindings(v.Findings).SetSource(v.Source).SetIllustrative(v.Illustrative)
		var compoundID *int
		if v.Compound != "" {
			id, err := compoundOf(comm, v.Compound)
			if err != nil {
				return err
			}
			compoundID = &id
			cr.SetCompoundID(id)
		}
		if v.Person != "" {
			id, err := personOf(comm, v.Person)
			if err != nil {
				return err
			}
			cr.SetPersonID(id)
		}
		if f := v.FollowUp; f != nil {
			// Submitted as the visitor would through logVisit: the grid
			// worker is the requester.
			r, err := c.ServiceRequest.Create().SetKind(servicerequest.Kind(f.Kind)).SetTitle(f.Title).
				SetCommunityID(comm).SetNillableCompoundID(compoundID).SetRequesterID(visitor).SetSubmittedAt(at).
				SetSource("illustrative").SetIllustrative([]string{"*"}).Save(ctx)
			if err != nil {
				return fmt.Errorf("demo: follow-up %s: %w", f.Title, err)
			}
			sum.Requests++
			cr.SetFollowUpRequestID(r.ID)
		}
		if err := cr.Exec(ctx); err != nil {
			return fmt.Errorf("demo: visit by %s: %w", v.Visitor, err)
		}
	}
	for _, r := range d.Regions {
		parent, err := c.Region.Query().Where(region.Name(r.Parent)).OnlyID(ctx)
		if err != nil {
			return fmt.Errorf("demo: region %s: %w", r.Parent, err)
		}
		if err := c.Region.Create().SetName(r.Name).SetNameEn(r.NameEn).SetLevel(levels[r.Level]).SetParentID(parent).
			SetLat(r.Lat).SetLng(r.Lng).SetApproximate(r.Approximate).
			SetSource(r.Source).SetIllustrative(r.Illustrative).Exec(ctx); err != nil {
			return fmt.Errorf("demo: region %s: %w", r.Name, err)
		}
		sum.Regions++
	}
	for _, in := range d.Indicators {
		reg, err := c.Region.Query().Where(region.Name(in.Region)).OnlyID(ctx)
		if err != nil {
			return fmt.Errorf("demo: indicator region %s: %w", in.Region, err)
		}
		if err := c.ReportedIndicator.Create().SetKey(reportedindicator.Key(in.Key)).SetRegionID(reg).SetValue(in.Value).
			SetPeriodStart(in.PeriodStart).SetPeriodEnd(in.PeriodEnd).SetPeriodText(in.PeriodText).SetNote(in.Note).
			SetSource(in.Source).SetIllustrative(in.Illustrative).
			SetStatus(reportedindicator.StatusApproved).SetReviewedAt(time.Now()).Exec(ctx); err != nil {
			return fmt.Errorf("demo: indicator %s: %w", in.Key, err)
		}
	}
	return nil
}
