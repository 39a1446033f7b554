package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"lifecircle/ent"
	"lifecircle/ent/cobuildingproject"
	"lifecircle/ent/facility"
	"lifecircle/ent/organization"
	"lifecircle/ent/region"
	"lifecircle/ent/resource"
)

// cobuildRaw is the resource list and the seven co-building projects of
// 北大社区 (seed 001). Records and fields the article does not state are
// listed in each record's illustrative field.
//
//go:embed cobuild.json
var cobuildRaw []byte

type cobuildData struct {
	Community string
	Projects  []struct {
		Title, Goals, Status string
		provenance
		Units []struct {
			Organization, SignedOn string
			provenance
		}
		Updates []struct {
			Date, Text string
			Percent    *int
			provenance
		}
	}
	Resources []struct {
		Kind, Title, Description, Provider, Facility, Hours, Project string
		provenance
		Contact *struct {
			Name, Phone, Note string
			provenance
		}
	}
}

// writeCobuild writes the three lists' demo records (internal/cobuild)
// with the client of Load's transaction, looking up the community,
// organisations and facilities the main dataset wrote by name.
func writeCobuild(ctx context.Context, c *ent.Client) error {
	var d cobuildData
	if err := json.Unmarshal(cobuildRaw, &d); err != nil {
		return fmt.Errorf("demo: parse cobuild.json: %w", err)
	}
	comm, err := c.Region.Query().Where(region.Name(d.Community), region.LevelEQ(region.LevelCommunity)).OnlyID(ctx)
	if err != nil {
		return fmt.Errorf("demo: cobuild community %s: %w", d.Community, err)
	}
	org := func(name string) (int, error) {
		id, err := c.Organization.Query().Where(organization.Name(name), organization.RegionID(comm)).OnlyID(ctx)
		if err != nil {
			return 0, fmt.Errorf("demo: cobuild organisation %s: %w", name, err)
		}
		return id, nil
	}
	for _, p := range d.Projects {
		cp := c.CoBuildingProject.Create().SetCommunityID(comm).SetTitle(p.Title).SetGoals(p.Goals).
			SetSource(p.Source).SetIllustrative(p.Illustrative)
		if p.Status != "" {
			cp.SetStatus(cobuildingproject.Status(p.Status))
		}
		row, err := cp.Save(ctx)
		if err != nil {
			return fmt.Errorf("demo: project %s: %w", p.Title, err)
		}
		for _, u := range p.Units {
			oid, err := org(u.Organization)
			if err != nil {
				return err
			}
			cs := c.ProjectSigning.Create().SetProjectID(row.ID).SetOrganizationID(oid).SetCommunityID(comm).
				SetSource(u.Source).SetIllustrative(u.Illustrative)
			if u.SignedOn != "" {
				t, err := parseTime(u.SignedOn)
				if err != nil {
					return err
				}
				cs.SetSignedOn(t)
			}
			if err := cs.Exec(ctx); err != nil {
				return fmt.Errorf("demo: project %s signed by %s: %w", p.Title, u.Organization, err)
			}
		}
		for _, u := range p.Updates {
			t, err := parseTime(u.Date)
			if err != nil {
				return err
			}
			if err := c.ProjectUpdate.Create().SetProjectID(row.ID).SetCommunityID(comm).SetDate(t).SetText(u.Text).
				SetNillablePercent(u.Percent).SetSource(u.Source).SetIllustrative(u.Illustrative).Exec(ctx); err != nil {
				return fmt.Errorf("demo: update of project %s: %w", p.Title, err)
			}
		}
	}
	for _, r := range d.Resources {
		pid, err := org(r.Provider)
		if err != nil {
			return err
		}
		cr := c.Resource.Create().SetCommunityID(comm).SetKind(resource.Kind(r.Kind)).SetTitle(r.Title).
			SetDescription(r.Description).SetHours(r.Hours).SetProviderID(pid).
			SetSource(r.Source).SetIllustrative(r.Illustrative)
		if r.Facility != "" {
			fid, err := c.Facility.Query().Where(facility.Name(r.Facility), facility.CommunityID(comm)).OnlyID(ctx)
			if err != nil {
				return fmt.Errorf("demo: facility %s: %w", r.Facility, err)
			}
			cr.SetFacilityID(fid)
		}
		if r.Project != "" {
			prj, err := c.CoBuildingProject.Query().Where(cobuildingproject.Title(r.Project), cobuildingproject.CommunityID(comm)).OnlyID(ctx)
			if err != nil {
				return fmt.Errorf("demo: project %s: %w", r.Project, err)
			}
			cr.SetProjectID(prj)
		}
		row, err := cr.Save(ctx)
		if err != nil {
			return fmt.Errorf("demo: resource %s: %w", r.Title, err)
		}
		if k := r.Contact; k != nil {
			if err := c.ResourceContact.Create().SetResourceID(row.ID).SetCommunityID(comm).SetName(k.Name).
				SetPhone(k.Phone).SetNote(k.Note).SetSource(k.Source).SetIllustrative(k.Illustrative).Exec(ctx); err != nil {
				return fmt.Errorf("demo: contact of resource %s: %w", r.Title, err)
			}
		}
	}
	return nil
}
