// Package demo loads the demo dataset: the nine communities of the seed
// articles with their regions, compounds, grids, organisations, facilities
// and activities, plus obviously fictional people and requests. Every
// record carries its provenance: the article that states it (source) and
// the fields no article states (illustrative). Coordinates are approximate
// and flagged so; phones are in the fictional range 000-0000-xxxx.
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
	"lifecircle/ent/registration"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/i18n"
)

//go:embed demo.json
var raw []byte

// Summary counts what Load wrote, from every file of the demo data
// (demo.json, and the regions, series and follow-up requests of
// grids.json and recurring.json): the totals the API then answers.
type Summary struct {
	Loaded                                   bool // false when the data was already there
	Regions, Compounds, Grids, Organizations int
	Facilities, Activities, People, Requests int
	Registrations                            int
}

// marker is a region that exists once the demo data is loaded.
const markerName = "文亭巷社区"

// Load writes the demo dataset in one transaction unless it is already
// there, so running it twice changes nothing.
func Load(ctx context.Context, client *ent.Client) (Summary, error) {
	ctx = rule.SystemContext(ctx)
	var d dataset
	if err := json.Unmarshal(raw, &d); err != nil {
		return Summary{}, fmt.Errorf("demo: parse dataset: %w", err)
	}
	exists, err := client.Region.Query().
		Where(region.Name(markerName), region.LevelEQ(region.LevelCommunity)).Exist(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: check for existing data: %w", err)
	}
	if exists {
		return Summary{}, nil
	}
	tx, err := client.Tx(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("demo: begin: %w", err)
	}
	s, err := d.write(ctx, tx.Client())
	if err == nil {
		err = writeCobuild(ctx, tx.Client()) // the three lists (cobuild.go)
	}
	if err == nil {
		err = writeRecurring(ctx, tx.Client(), &s) // recurring.go: themes and recurring series
	}
	if err == nil {
		err = loadGrids(ctx, tx.Client(), &s) // grids.json: grid management and reported indicators
	}
	if err != nil {
		_ = tx.Rollback()
		return Summary{}, err
	}
	if err := tx.Commit(); err != nil {
		return Summary{}, fmt.Errorf("demo: commit: %w", err)
	}
	s.Loaded = true
	return s, nil
}

type dataset struct {
	Regions []struct {
		Key, Level, Name, NameEn, Code, Parent string
		Lat, Lng                               float64
		Approximate                            bool
		provenance
	}
	Compounds []struct {
		Key, Community, Name string
		Lat, Lng             float64
		Households           int
		PropertyManagement   bool
		Approximate          bool
		provenance
	}
	Grids []struct {
		Key, Community, Name string
		provenance
	}
	Organizations []struct {
		Key, Kind, Name, Parent, Region, Compound string
		provenance
	}
	Facilities []facilityRow
	Activities []struct {
		Key, Title, Description, Theme, Category string
		TargetGroups                             []string
		Organizer, Venue, Community              string
		Start, End                               string
		Capacity                                 int
		Status                                   string
		provenance
	}
	People []struct {
		Key, Name, Phone string
		BirthYear        int
		Roles            []string
		Community        string
		// Teams are the volunteer teams and party organisations the
		// person belongs to (their dispatched requests are theirs to see).
		Teams []string
		provenance
	}
	Registrations   []struct{ Person, Activity string }
	ServiceRequests []requestRow
}

type facilityRow struct {
	Key                                      string
	Name                                     map[string]string
	Category                                 string
	Tags, Services                           []string
	Lat, Lng                                 float64
	Address, Phone, OpeningHours, Wheelchair string
	Operator, Community, Compound, Parent    string
	Status, VerifiedAt                       string
	Approximate                              bool
	provenance
}

type requestRow struct {
	Key, Kind, Title, Description, Category string
	Requester, Community, Compound, Status  string
	DispatchedTo, ClaimedBy                 string
	SubmittedAt, DispatchedAt, ClaimedAt    string
	ResolvedAt, ConfirmedAt, RejectedAt     string
	Satisfaction                            int
	provenance
}

// provenance is where a record of the dataset comes from: Source names
// the article that states it ("seed 00N: <title>"), or "illustrative" for
// a record no article states; Illustrative lists the GraphQL names of the
// fields no article states, "*" for a wholly invented record. Both are
// written into the record itself, so the API shows them.
type provenance struct {
	Source       string
	Illustrative []string
}

// ids maps dataset keys to database IDs.
type ids map[string]int

func (m ids) get(key string) (int, error) {
	id, ok := m[key]
	if !ok {
		return 0, fmt.Errorf("demo: unknown key %q", key)
	}
	return id, nil
}

func (m ids) opt(key string) (*int, error) {
	if key == "" {
		return nil, nil
	}
	id, err := m.get(key)
	return &id, err
}

var levels = map[string]region.Level{
	"city": region.LevelCity, "district": region.LevelDistrict,
	"subdistrict": region.LevelSubdistrict, "community": region.LevelCommunity,
}

func (d *dataset) write(ctx context.Context, c *ent.Client) (s Summary, err error) {
	id := ids{}
	// Regions parent-first: one pass per level.
	for _, lvl := range []string{"city", "district", "subdistrict", "community"} {
		for _, r := range d.Regions {
			if r.Level != lvl {
				continue
			}
			parent, err := id.opt(r.Parent)
			if err != nil {
				return s, err
			}
			cr := c.Region.Create().SetLevel(levels[r.Level]).SetName(r.Name).SetNameEn(r.NameEn).
				SetLat(r.Lat).SetLng(r.Lng).SetApproximate(r.Approximate).SetNillableParentID(parent).
				SetSource(r.Source).SetIllustrative(r.Illustrative)
			if r.Code != "" {
				cr.SetCode(r.Code)
			}
			row, err := cr.Save(ctx)
			if err != nil {
				return s, fmt.Errorf("demo: region %s: %w", r.Key, err)
			}
			id[r.Key] = row.ID
			s.Regions++
		}
	}
	for _, x := range d.Compounds {
		comm, err := id.get(x.Community)
		if err != nil {
			return s, err
		}
		row, err := c.Compound.Create().SetName(x.Name).SetCommunityID(comm).SetLat(x.Lat).SetLng(x.Lng).
			SetHouseholds(x.Households).SetPropertyManagement(x.PropertyManagement).SetApproximate(x.Approximate).
			SetSource(x.Source).SetIllustrative(x.Illustrative).Save(ctx)
		if err != nil {
			return s, fmt.Errorf("demo: compound %s: %w", x.Key, err)
		}
		id[x.Key] = row.ID
		s.Compounds++
	}
	for _, g := range d.Grids {
		comm, err := id.get(g.Community)
		if err != nil {
			return s, err
		}
		// Worker counts are derived from assignments (grids.json).
		if _, err := c.Grid.Create().SetName(g.Name).SetCommunityID(comm).
			SetSource(g.Source).SetIllustrative(g.Illustrative).Save(ctx); err != nil {
			return s, fmt.Errorf("demo: grid %s: %w", g.Key, err)
		}
		s.Grids++
	}
	// Organisations parent-first: repeat passes until every one is written.
	for pending := len(d.Organizations); pending > 0; {
		progress := false
		for _, o := range d.Organizations {
			if _, done := id[o.Key]; done {
				continue
			}
			if _, ready := id[o.Parent]; o.Parent != "" && !ready {
				continue
			}
			reg, err := id.get(o.Region)
			if err != nil {
				return s, err
			}
			parent, _ := id.opt(o.Parent)
			comp, err := id.opt(o.Compound)
			if err != nil {
				return s, err
			}
			row, err := c.Organization.Create().SetKind(organization.Kind(upper(o.Kind))).SetName(o.Name).
				SetRegionID(reg).SetNillableParentID(parent).SetNillableCompoundID(comp).
				SetSource(o.Source).SetIllustrative(o.Illustrative).Save(ctx)
			if err != nil {
				return s, fmt.Errorf("demo: organisation %s: %w", o.Key, err)
			}
			id[o.Key] = row.ID
			s.Organizations++
			pending--
			progress = true
		}
		if !progress {
			return s, fmt.Errorf("demo: organisations have unknown or cyclic parents")
		}
	}
	// Facilities: centres before their function rooms.
	for _, withParent := range []bool{false, true} {
		for _, f := range d.Facilities {
			if (f.Parent != "") != withParent {
				continue
			}
			if err := writeFacility(ctx, c, id, f); err != nil {
				return s, err
			}
			s.Facilities++
		}
	}
	for _, a := range d.Activities {
		comm, err := id.get(a.Community)
		if err != nil {
			return s, err
		}
		org, err := id.opt(a.Organizer)
		if err != nil {
			return s, err
		}
		venue, err := id.opt(a.Venue)
		if err != nil {
			return s, err
		}
		start, err := parseTime(a.Start)
		if err != nil {
			return s, err
		}
		end, err := parseTime(a.End)
		if err != nil {
			return s, err
		}
		ca := c.Activity.Create().SetTitle(a.Title).SetDescription(a.Description).SetTheme(a.Theme).
			SetCategory(activity.Category(upper(a.Category))).SetTargetGroups(a.TargetGroups).
			SetCommunityID(comm).SetNillableOrganizerID(org).SetNillableVenueID(venue).
			SetStartsAt(start).SetEndsAt(end).SetStatus(activity.Status(upper(a.Status))).
			SetSource(a.Source).SetIllustrative(a.Illustrative)
		if a.Capacity > 0 {
			ca.SetCapacity(a.Capacity)
		}
		row, err := ca.Save(ctx)
		if err != nil {
			return s, fmt.Errorf("demo: activity %s: %w", a.Key, err)
		}
		id[a.Key] = row.ID
		s.Activities++
	}
	for _, p := range d.People {
		comm, err := id.get(p.Community)
		if err != nil {
			return s, err
		}
		cp := c.Person.Create().SetName(p.Name).SetPhone(p.Phone).SetRoles(p.Roles).SetCommunityID(comm).
			SetSource(p.Source).SetIllustrative(p.Illustrative)
		if p.BirthYear > 0 {
			cp.SetBirthYear(p.BirthYear)
		}
		for _, t := range p.Teams {
			oid, err := id.get(t)
			if err != nil {
				return s, err
			}
			cp.AddTeamIDs(oid)
		}
		row, err := cp.Save(ctx)
		if err != nil {
			return s, fmt.Errorf("demo: person %s: %w", p.Key, err)
		}
		id[p.Key] = row.ID
		s.People++
	}
	for _, r := range d.Registrations {
		pid, err := id.get(r.Person)
		if err != nil {
			return s, err
		}
		aid, err := id.get(r.Activity)
		if err != nil {
			return s, err
		}
		act, err := c.Activity.Get(ctx, aid)
		if err != nil {
			return s, err
		}
		if _, err := c.Registration.Create().SetPersonID(pid).SetActivityID(aid).
			SetCommunityID(act.CommunityID).SetStatus(registration.StatusRegistered).Save(ctx); err != nil {
			return s, fmt.Errorf("demo: registration: %w", err)
		}
		if err := c.Activity.UpdateOneID(aid).AddRegisteredCount(1).Exec(ctx); err != nil {
			return s, err
		}
		s.Registrations++
	}
	for _, r := range d.ServiceRequests {
		if err := writeRequest(ctx, c, id, r); err != nil {
			return s, fmt.Errorf("demo: request %s: %w", r.Key, err)
		}
		s.Requests++
	}
	return s, writeOneWindow(ctx, c, id)
}

func writeFacility(ctx context.Context, c *ent.Client, id ids, f facilityRow) error {
	comm, err := id.get(f.Community)
	if err != nil {
		return err
	}
	comp, err := id.opt(f.Compound)
	if err != nil {
		return err
	}
	op, err := id.opt(f.Operator)
	if err != nil {
		return err
	}
	parent, err := id.opt(f.Parent)
	if err != nil {
		return err
	}
	var names []i18n.Text
	for _, lang := range i18n.Languages {
		if v := f.Name[lang]; v != "" {
			names = append(names, i18n.Text{Lang: lang, Value: v})
		}
	}
	cf := c.Facility.Create().SetName(f.Name[i18n.Default]).SetNames(names).SetCategory(f.Category).
		SetTags(f.Tags).SetServices(f.Services).SetLat(f.Lat).SetLng(f.Lng).SetApproximate(f.Approximate).
		SetAddress(f.Address).SetPhone(f.Phone).SetOpeningHours(f.OpeningHours).
		SetWheelchair(facility.Wheelchair(upper(f.Wheelchair))).SetStatus(facility.Status(upper(f.Status))).
		SetSource(f.Source).SetIllustrative(f.Illustrative).SetCommunityID(comm).SetNillableCompoundID(comp).
		SetNillableOperatorID(op).SetNillableParentID(parent)
	if f.VerifiedAt != "" {
		t, err := parseTime(f.VerifiedAt)
		if err != nil {
			return err
		}
		cf.SetVerifiedAt(t)
	}
	row, err := cf.Save(ctx)
	if err != nil {
		return fmt.Errorf("demo: facility %s: %w", f.Key, err)
	}
	id[f.Key] = row.ID
	return nil
}

func writeRequest(ctx context.Context, c *ent.Client, id ids, r requestRow) error {
	comm, err := id.get(r.Community)
	if err != nil {
		return err
	}
	req, err := id.get(r.Requester)
	if err != nil {
		return err
	}
	comp, err := id.opt(r.Compound)
	if err != nil {
		return err
	}
	to, err := id.opt(r.DispatchedTo)
	if err != nil {
		return err
	}
	by, err := id.opt(r.ClaimedBy)
	if err != nil {
		return err
	}
	submitted, err := parseTime(r.SubmittedAt)
	if err != nil {
		return err
	}
	cr := c.ServiceRequest.Create().SetKind(servicerequest.Kind(upper(r.Kind))).SetTitle(r.Title).
		SetDescription(r.Description).SetCategory(r.Category).SetStatus(servicerequest.Status(upper(r.Status))).
		SetSubmittedAt(submitted).SetCommunityID(comm).SetNillableCompoundID(comp).SetRequesterID(req).
		SetNillableDispatchedToID(to).SetNillableClaimedByID(by).SetSource(r.Source).SetIllustrative(r.Illustrative)
	for _, t := range []struct {
		raw string
		set func(time.Time) *ent.ServiceRequestCreate
	}{
		{r.DispatchedAt, cr.SetDispatchedAt}, {r.ClaimedAt, cr.SetClaimedAt}, {r.ResolvedAt, cr.SetResolvedAt},
		{r.ConfirmedAt, cr.SetConfirmedAt}, {r.RejectedAt, cr.SetRejectedAt},
	} {
		if t.raw == "" {
			continue
		}
		v, err := parseTime(t.raw)
		if err != nil {
			return err
		}
		t.set(v)
	}
	if r.Satisfaction > 0 {
		cr.SetSatisfaction(r.Satisfaction)
	}
	return cr.Exec(ctx)
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return t, fmt.Errorf("demo: time %q: %w", s, err)
	}
	return t, nil
}

// upper turns a dataset value such as "party_branch" into the enum value
// "PARTY_BRANCH".
func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
