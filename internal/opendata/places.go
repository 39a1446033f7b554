package opendata

import (
	"context"

	"lifecircle/ent"
	"lifecircle/ent/compound"
	"lifecircle/ent/grid"
	"lifecircle/ent/organization"
	"lifecircle/ent/region"
)

// A regionIndex names regions: every region's name, level and parent, read
// once per download (regions number in the thousands at most), so that a
// row can carry its community's, subdistrict's and district's names beside
// the community's ID without a query per row.
type regionIndex map[int]*ent.Region

func loadRegions(ctx context.Context, client *ent.Client) (regionIndex, error) {
	rs, err := client.Region.Query().Select(region.FieldID, region.FieldName, region.FieldLevel, region.FieldParentID).All(ctx)
	if err != nil {
		return nil, err
	}
	idx := make(regionIndex, len(rs))
	for _, r := range rs {
		idx[r.ID] = r
	}
	return idx, nil
}

func (idx regionIndex) name(id int) string {
	if r := idx[id]; r != nil {
		return r.Name
	}
	return ""
}

// place writes the cells of the places columns: the community's ID and
// name, then the names of the subdistrict and district above it.
func (idx regionIndex) place(r *record, communityID int) {
	r.id(communityID)
	var sub, dist string
	for id, hops := communityID, 0; hops < 8; hops++ { // a cycle cannot loop for ever
		rg := idx[id]
		if rg == nil {
			break
		}
		switch rg.Level {
		case region.LevelSubdistrict:
			sub = rg.Name
		case region.LevelDistrict:
			dist = rg.Name
		}
		if rg.ParentID == nil {
			break
		}
		id = *rg.ParentID
	}
	r.str(idx.name(communityID))
	r.str(sub)
	r.str(dist)
}

// withRegions reads the region index before the rows of a table.
func withRegions(client *ent.Client, rows func(idx regionIndex) func(context.Context, *record, func() error) error) func(context.Context, *record, func() error) error {
	return func(ctx context.Context, r *record, emit func() error) error {
		idx, err := loadRegions(ctx, client)
		if err != nil {
			return err
		}
		return rows(idx)(ctx, r, emit)
	}
}

func newTable(cols []Column, rows func(context.Context, *record, func() error) error) table {
	return table{columns: names(cols), kinds: kinds(cols), rows: rows}
}

// Compounds is the compounds dataset, located by their points.
func Compounds(client *ent.Client) table {
	return newTable(compoundColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.Compound, error) {
			return client.Compound.Query().Where(compound.IDGT(after)).Order(ent.Asc(compound.FieldID)).Limit(n).All(ctx)
		}, func(r *record, c *ent.Compound) int {
			r.id(c.ID)
			r.str(c.Name)
			r.integer(c.Households)
			r.boolean(c.PropertyManagement)
			r.float(c.Lat)
			r.float(c.Lng)
			r.boolean(c.Approximate)
			idx.place(r, c.CommunityID)
			r.timestamp(c.UpdatedAt)
			r.provenance(c.Source, c.Illustrative)
			r.place(c.Lat, c.Lng)
			return c.ID
		}))
	}))
}

// Grids is the grids dataset: names and numbers of grid workers, never
// who they are.
func Grids(client *ent.Client) table {
	return newTable(gridColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.Grid, error) {
			return client.Grid.Query().Where(grid.IDGT(after)).Order(ent.Asc(grid.FieldID)).Limit(n).All(ctx)
		}, func(r *record, g *ent.Grid) int {
			r.id(g.ID)
			r.str(g.Name)
			r.integer(g.FullTimeWorkers)
			r.integer(g.PartTimeWorkers)
			idx.place(r, g.CommunityID)
			r.timestamp(g.UpdatedAt)
			r.provenance(g.Source, g.Illustrative)
			return g.ID
		}))
	}))
}

// organizationKinds names the kinds of organisation in both languages.
var organizationKinds = map[organization.Kind][2]string{
	organization.KindPartyCommittee:     {"社区（大）党委或党总支", "Community party committee"},
	organization.KindPartyBranch:        {"小区党支部", "Party branch of a compound"},
	organization.KindPartyGroup:         {"楼栋党小组", "Party group of a building"},
	organization.KindPartyHousehold:     {"党员中心户", "Party-member household"},
	organization.KindCoBuildingUnit:     {"驻区单位或共建单位", "Co-building unit"},
	organization.KindSocialOrganization: {"社会组织", "Social organisation"},
	organization.KindVolunteerTeam:      {"志愿服务队", "Volunteer team"},
	organization.KindBusiness:           {"企业或商户", "Business"},
	organization.KindGovernmentOffice:   {"政府机关", "Government office"},
	organization.KindResidentsCommittee: {"居民委员会", "Residents' committee"},
}

// Organizations is the organisations dataset, with the names of the
// parent organisation, region and compound beside their IDs.
func Organizations(client *ent.Client) table {
	return newTable(organizationColumns, withRegions(client, func(idx regionIndex) func(context.Context, *record, func() error) error {
		return paged(entities(func(ctx context.Context, after, n int) ([]*ent.Organization, error) {
			return client.Organization.Query().Where(organization.IDGT(after)).Order(ent.Asc(organization.FieldID)).Limit(n).
				WithParent(func(q *ent.OrganizationQuery) { q.Select(organization.FieldName) }).
				WithCompound(func(q *ent.CompoundQuery) { q.Select(compound.FieldName) }).All(ctx)
		}, func(r *record, o *ent.Organization) int {
			r.id(o.ID)
			r.str(string(o.Kind))
			label := organizationKinds[o.Kind]
			r.str(label[0])
			r.str(label[1])
			r.str(o.Name)
			r.optionalID(o.ParentID)
			if p := o.Edges.Parent; p != nil {
				r.str(p.Name)
			} else {
				r.str("")
			}
			r.id(o.RegionID)
			r.str(idx.name(o.RegionID))
			if rg := idx[o.RegionID]; rg != nil {
				r.str(string(rg.Level))
			} else {
				r.str("")
			}
			r.optionalID(o.CompoundID)
			if c := o.Edges.Compound; c != nil {
				r.str(c.Name)
			} else {
				r.str("")
			}
			r.timestamp(o.UpdatedAt)
			r.provenance(o.Source, o.Illustrative)
			return o.ID
		}))
	}))
}
