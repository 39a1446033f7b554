// Package cobuild holds the resource list 资源清单 and the project list
// 项目清单 of the three lists (三张清单, seed 001): what organisations and
// co-building units offer a community, the co-building projects they sign
// with it, and the private matches of needs to the resources and projects
// that answer them. Privacy is in the ent policies (ent/schema/cobuild*.go,
// rule.PrivateCommunityWrites); this package holds the operations the
// GraphQL resolvers call and the public aggregate.
package cobuild

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/cobuildingproject"
	"lifecircle/ent/needmatch"
	"lifecircle/ent/projectsigning"
	"lifecircle/ent/region"
	"lifecircle/ent/resource"
	"lifecircle/ent/resourcecontact"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/stats"
)

// Contact is the contact person of a resource.
type Contact struct {
	Name         string
	Phone, Note  *string
	Source       string
	Illustrative []string
}

// SetContact sets or replaces the contact person of a resource. The
// privacy policy of ResourceContact lets only admins and staff of the
// resource's community write it.
func SetContact(ctx context.Context, c *ent.Client, resourceID int, in Contact) (*ent.Resource, error) {
	res, err := c.Resource.Get(ctx, resourceID)
	if err != nil {
		return nil, err
	}
	old, err := c.ResourceContact.Query().Where(resourcecontact.ResourceID(resourceID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		_, err = c.ResourceContact.Create().SetResourceID(resourceID).SetCommunityID(res.CommunityID).
			SetName(in.Name).SetPhone(deref(in.Phone)).SetNote(deref(in.Note)).
			SetSource(in.Source).SetIllustrative(in.Illustrative).Save(ctx)
	case err == nil:
		_, err = c.ResourceContact.UpdateOne(old).SetName(in.Name).SetPhone(deref(in.Phone)).SetNote(deref(in.Note)).
			SetSource(in.Source).SetIllustrative(in.Illustrative).Save(ctx)
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// AddUnit records that an organisation signed a project. Signing twice is
// a CONFLICT.
func AddUnit(ctx context.Context, c *ent.Client, projectID, organizationID int, signedOn *time.Time) (*ent.CoBuildingProject, error) {
	p, err := c.CoBuildingProject.Get(ctx, projectID)
	if err != nil {
		return nil, err
	}
	exists, err := c.ProjectSigning.Query().Where(projectsigning.ProjectID(projectID), projectsigning.OrganizationID(organizationID)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if exists {
		return nil, apperr.New(apperr.CodeConflict, "this unit has already signed this project")
	}
	if _, err := c.ProjectSigning.Create().SetProjectID(projectID).SetOrganizationID(organizationID).
		SetCommunityID(p.CommunityID).SetNillableSignedOn(signedOn).Save(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// RemoveUnit removes an organisation's signature from a project.
func RemoveUnit(ctx context.Context, c *ent.Client, projectID, organizationID int) (*ent.CoBuildingProject, error) {
	p, err := c.CoBuildingProject.Get(ctx, projectID)
	if err != nil {
		return nil, err
	}
	s, err := c.ProjectSigning.Query().Where(projectsigning.ProjectID(projectID), projectsigning.OrganizationID(organizationID)).Only(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.ProjectSigning.DeleteOne(s).Exec(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Update is a progress update of a project.
type Update struct {
	Date    time.Time
	Text    string
	Percent *int
}

// AddUpdate adds a dated progress update to a project.
func AddUpdate(ctx context.Context, c *ent.Client, projectID int, in Update) (*ent.ProjectUpdate, error) {
	p, err := c.CoBuildingProject.Get(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return c.ProjectUpdate.Create().SetProjectID(projectID).SetCommunityID(p.CommunityID).
		SetDate(in.Date).SetText(in.Text).SetNillablePercent(in.Percent).Save(ctx)
}

// Match is a need to match to a resource or project.
type Match struct {
	RequestID             int
	ResourceID, ProjectID *int
	Note                  string
}

// MatchNeed links a need to the resource or project that answers it,
// recording who matched it (the caller's token or person) and when. The
// need is read as the caller: one they may not see is NOT_FOUND.
func MatchNeed(ctx context.Context, c *ent.Client, in Match) (*ent.NeedMatch, error) {
	if in.ResourceID == nil && in.ProjectID == nil {
		return nil, apperr.Invalid("resourceID", "name the resource or the project that answers the need (or both)",
			"请指定回应该需求的资源或共建项目（或两者）")
	}
	req, err := c.ServiceRequest.Get(ctx, in.RequestID)
	if err != nil {
		return nil, err
	}
	v := auth.FromContext(ctx)
	m := c.NeedMatch.Create().SetRequestID(req.ID).SetCommunityID(req.CommunityID).
		SetNillableResourceID(in.ResourceID).SetNillableProjectID(in.ProjectID).
		SetMatchedAt(time.Now()).SetNote(in.Note)
	if v.TokenID != 0 {
		m.SetMatchedByTokenID(v.TokenID)
	}
	if v.PersonID != 0 {
		m.SetMatchedByPersonID(v.PersonID)
	}
	return m.Save(ctx)
}

// Count is the number of records with one value of a grouping.
type Count struct {
	Value string
	Count int
}

// Protected is a count under disclosure control.
type Protected struct {
	Value      *int
	Suppressed bool
}

// Summary is the public aggregate of a community's three lists.
type Summary struct {
	Community               *ent.Region
	ResourcesByKind         []Count
	ResourcesByAvailability []Count
	ProjectsByStatus        []Count
	SigningUnits            int
	NeedsAnswered           Protected
}

// Protect applies the 10-5 rule of the published statistics
// (internal/stats) to one count: zero stays zero, 1 to 9 are withheld,
// the rest rounded to the nearest 5. Only one needs figure per community
// is published, so no other figure can give a withheld one away.
func Protect(n int) Protected {
	switch {
	case n == 0:
		return Protected{Value: &n}
	case n < stats.Threshold:
		return Protected{Suppressed: true}
	}
	r := int(math.Round(float64(n)/stats.Base) * stats.Base)
	return Protected{Value: &r}
}

// Summarise computes the public aggregate of a community's three lists in
// five statements. The needs count reads the private matches under the
// system context: only the protected count leaves this function.
func Summarise(ctx context.Context, c *ent.Client, communityID int) (*Summary, error) {
	comm, err := c.Region.Get(ctx, communityID)
	if err != nil {
		return nil, err
	}
	if comm.Level != region.LevelCommunity {
		return nil, apperr.Invalid("communityID", "not a community", "不是社区")
	}
	s := &Summary{Community: comm}
	var rows []struct {
		Kind         string `json:"kind"`
		Availability string `json:"availability"`
		Count        int    `json:"count"`
	}
	if err := c.Resource.Query().Where(resource.CommunityID(communityID)).
		GroupBy(resource.FieldKind, resource.FieldAvailability).Aggregate(ent.Count()).Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("cobuild: count resources: %w", err)
	}
	kinds, avail := map[string]int{}, map[string]int{}
	for _, r := range rows {
		avail[r.Availability] += r.Count
		if r.Availability != string(resource.AvailabilityWithdrawn) {
			kinds[r.Kind] += r.Count
		}
	}
	s.ResourcesByKind, s.ResourcesByAvailability = sorted(kinds), sorted(avail)
	var prow []struct {
		Status string `json:"status"`
		Count  int    `json:"count"`
	}
	if err := c.CoBuildingProject.Query().Where(cobuildingproject.CommunityID(communityID)).
		GroupBy(cobuildingproject.FieldStatus).Aggregate(ent.Count()).Scan(ctx, &prow); err != nil {
		return nil, fmt.Errorf("cobuild: count projects: %w", err)
	}
	status := map[string]int{}
	for _, r := range prow {
		status[r.Status] = r.Count
	}
	s.ProjectsByStatus = sorted(status)
	units, err := c.ProjectSigning.Query().Where(projectsigning.CommunityID(communityID)).
		Unique(true).Select(projectsigning.FieldOrganizationID).Ints(ctx)
	if err != nil {
		return nil, fmt.Errorf("cobuild: count units: %w", err)
	}
	s.SigningUnits = len(units)
	needs, err := c.NeedMatch.Query().Where(needmatch.CommunityID(communityID)).
		Unique(true).Select(needmatch.FieldRequestID).Ints(rule.SystemContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("cobuild: count needs answered: %w", err)
	}
	s.NeedsAnswered = Protect(len(needs))
	return s, nil
}

func sorted(m map[string]int) []Count {
	out := make([]Count, 0, len(m))
	for v, n := range m {
		out = append(out, Count{v, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
