// Package grids is community grid management: the grid workers assigned to
// each grid (full-time or part-time) and the visit log of door-knocking
// (敲门行动) and condolence (走访慰问) visits. Who serves a grid and whom
// they visited is personal data (see WorkerPolicy and VisitPolicy); the
// public sees each grid's compounds and worker counts, and monthly visit
// counts through the statistics.
package grids

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/compound"
	"lifecircle/ent/grid"
	"lifecircle/ent/gridworker"
	"lifecircle/ent/person"
	"lifecircle/ent/servicerequest"
	"lifecircle/ent/visit"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/workflow"
)

// Role is the person role a grid worker holds (internal/personrole).
const Role = "grid_worker"

// countDelta moves a grid's derived worker count of kind by n, as one
// atomic UPDATE … SET x = x + n, in the caller's transaction.
func countDelta(ctx context.Context, client *ent.Client, gridID int, kind gridworker.Kind, n int) error {
	u := client.Grid.UpdateOneID(gridID)
	if kind == gridworker.KindFullTime {
		u.AddFullTimeWorkers(n)
	} else {
		u.AddPartTimeWorkers(n)
	}
	return u.Exec(rule.SystemContext(ctx))
}

// Assign makes a person of the grid's community who holds the grid_worker
// role a worker of the grid, of kind; assigning them again with another
// kind changes the kind. Staff of the community and admins only.
func Assign(ctx context.Context, client *ent.Client, gridID, personID int, kind gridworker.Kind) (*ent.GridWorker, error) {
	v := auth.FromContext(ctx)
	if err := gridworker.KindValidator(kind); err != nil {
		return nil, apperr.BadInput("kind", "unknown kind %q", kind)
	}
	g, err := client.Grid.Get(ctx, gridID)
	if err != nil {
		return nil, err
	}
	if !v.Manages(g.CommunityID) {
		return nil, apperr.New(apperr.CodeForbidden, "only staff of the grid's community assign its workers")
	}
	sys := rule.SystemContext(ctx)
	p, err := client.Person.Query().Where(person.ID(personID), person.CommunityID(g.CommunityID)).Only(sys)
	if ent.IsNotFound(err) {
		return nil, apperr.Invalid("personID", "no such person in the grid's community", "该网格所属社区没有此人")
	}
	if err != nil {
		return nil, err
	}
	if p.DeactivatedAt != nil {
		return nil, apperr.New(apperr.CodeForbidden, "the person is deactivated: reactivate them before assigning them")
	}
	if !slices.Contains(p.Roles, Role) {
		return nil, apperr.Invalid("personID", "the person does not hold the grid_worker role: add the role first", "此人没有网格员（grid_worker）角色：请先添加该角色")
	}
	old, err := client.GridWorker.Query().Where(gridworker.GridID(gridID), gridworker.PersonID(personID)).Only(ctx)
	switch {
	case err == nil && old.Kind == kind:
		return nil, apperr.New(apperr.CodeConflict, "the person is already a %s worker of this grid", strings.ToLower(string(kind)))
	case err == nil:
		if err := countDelta(ctx, client, gridID, old.Kind, -1); err != nil {
			return nil, err
		}
		if err := countDelta(ctx, client, gridID, kind, 1); err != nil {
			return nil, err
		}
		return client.GridWorker.UpdateOne(old).SetKind(kind).Save(ctx)
	case !ent.IsNotFound(err):
		return nil, err
	}
	a, err := client.GridWorker.Create().SetGridID(gridID).SetPersonID(personID).SetCommunityID(g.CommunityID).SetKind(kind).Save(ctx)
	if err != nil {
		return nil, err
	}
	if err := countDelta(ctx, client, gridID, kind, 1); err != nil {
		return nil, err
	}
	return a, nil
}

// Unassign ends an assignment. Staff of the community and admins only; a
// grid worker sees their assignment but cannot end it.
func Unassign(ctx context.Context, client *ent.Client, id int) error {
	a, err := client.GridWorker.Get(ctx, id)
	if err != nil {
		return err
	}
	if !auth.FromContext(ctx).Manages(a.CommunityID) {
		return apperr.New(apperr.CodeForbidden, "only staff of the grid's community end an assignment")
	}
	if err := client.GridWorker.DeleteOneID(id).Exec(ctx); err != nil {
		return err
	}
	return countDelta(ctx, client, a.GridID, a.Kind, -1)
}

// FollowUp is the need a visit opens, through the needs list's workflow.
type FollowUp struct {
	Kind        servicerequest.Kind
	Title       string
	Description string
}

// VisitInput is a visit to log.
type VisitInput struct {
	Reason     visit.Reason
	VisitedAt  *time.Time
	VisitorID  *int // staff and admins: who visited; a grid worker: themselves (or nil)
	GridID     *int
	CompoundID *int
	Building   string
	Unit       string
	Room       string
	PersonID   *int // the person visited, if known
	Findings   string
	FollowUp   *FollowUp
}

// household is the household's address as text, for the follow-up need
// (shown to a volunteer only once they claim it).
func (in VisitInput) household(compoundName string) string {
	parts := []string{}
	for _, s := range []string{compoundName, in.Building, in.Unit, in.Room} {
		if s = strings.TrimSpace(s); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// LogVisit records a visit. A grid worker (a person holding the
// grid_worker role) logs their own visits in their community; staff log
// visits of their community naming the visitor (a person of it); admins
// any. The grid, compound and person visited must belong to the
// community. A follow-up need is submitted through the workflow: by the
// grid worker, or by staff on behalf of the person visited.
func LogVisit(ctx context.Context, client *ent.Client, in VisitInput) (*ent.Visit, error) {
	v := auth.FromContext(ctx)
	sys := rule.SystemContext(ctx)
	var visitorID int
	switch {
	case v.IsPerson():
		if in.VisitorID != nil && *in.VisitorID != v.PersonID {
			return nil, apperr.New(apperr.CodeForbidden, "a grid worker logs their own visits only")
		}
		me, err := client.Person.Query().Where(person.ID(v.PersonID)).Only(sys)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(me.Roles, Role) {
			return nil, apperr.New(apperr.CodeForbidden, "only grid workers (and staff) log visits")
		}
		visitorID = me.ID
	case v.IsStaff() || v.IsAdmin():
		if in.VisitorID == nil {
			return nil, apperr.Invalid("visitorID", "say who visited", "请指明走访人")
		}
		visitorID = *in.VisitorID
	default:
		return nil, apperr.New(apperr.CodeUnauthenticated, "sign in to log a visit")
	}
	visitor, err := client.Person.Query().Where(person.ID(visitorID)).Only(sys)
	if ent.IsNotFound(err) || err == nil && v.IsStaff() && visitor.CommunityID != v.CommunityID {
		return nil, apperr.Invalid("visitorID", "no such person in your community", "本社区没有此人")
	}
	if err != nil {
		return nil, err
	}
	if visitor.DeactivatedAt != nil {
		return nil, apperr.New(apperr.CodeForbidden, "the visitor is deactivated")
	}
	community := visitor.CommunityID
	if err := visit.ReasonValidator(in.Reason); err != nil {
		return nil, apperr.BadInput("reason", "unknown reason %q", in.Reason)
	}
	at := time.Now()
	if in.VisitedAt != nil {
		if in.VisitedAt.After(at.Add(5 * time.Minute)) {
			return nil, apperr.Invalid("visitedAt", "a visit cannot be logged before it happens", "不能登记尚未发生的走访")
		}
		at = *in.VisitedAt
	}
	// What the visit points at must be of the community. A reference that
	// is missing or of another community is refused the same way.
	compoundName := ""
	if in.GridID != nil {
		ok, err := client.Grid.Query().Where(grid.ID(*in.GridID), grid.CommunityID(community)).Exist(sys)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.Invalid("gridID", "no such grid in the visitor's community", "走访人所在社区没有该网格")
		}
	}
	if in.CompoundID != nil {
		c, err := client.Compound.Query().Where(compound.ID(*in.CompoundID), compound.CommunityID(community)).Only(sys)
		if ent.IsNotFound(err) {
			return nil, apperr.Invalid("compoundID", "no such compound in the visitor's community", "走访人所在社区没有该小区")
		}
		if err != nil {
			return nil, err
		}
		compoundName = c.Name
	}
	if in.PersonID != nil {
		ok, err := client.Person.Query().Where(person.ID(*in.PersonID), person.CommunityID(community)).Exist(sys)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.Invalid("personID", "no such person in the visitor's community", "走访人所在社区没有此人")
		}
	}
	if in.PersonID == nil && in.CompoundID == nil && strings.TrimSpace(in.Building+in.Unit+in.Room) == "" {
		return nil, apperr.Invalid("personID", "say whom the visit was to: a person, or a compound, building, unit or room",
			"请指明走访对象：人员，或小区、楼栋、单元、门牌")
	}
	var followUp *int
	if f := in.FollowUp; f != nil {
		sub := workflow.SubmitInput{Kind: f.Kind, Title: f.Title, Description: f.Description,
			Address: in.household(compoundName), CompoundID: in.CompoundID}
		if !v.IsPerson() {
			if in.PersonID == nil {
				return nil, apperr.Invalid("personID", "staff open a follow-up need on behalf of the person visited: name them",
					"工作人员代被走访人提出后续需求：请指明被走访人")
			}
			sub.OnBehalfOf = in.PersonID
		}
		r, err := workflow.Submit(ctx, client, sub)
		if err != nil {
			return nil, fmt.Errorf("followUp: %w", err)
		}
		followUp = &r.ID
	}
	row, err := client.Visit.Create().SetReason(in.Reason).SetVisitedAt(at).SetCommunityID(community).
		SetVisitorID(visitorID).SetNillableGridID(in.GridID).SetNillableCompoundID(in.CompoundID).SetNillablePersonID(in.PersonID).
		SetBuilding(in.Building).SetUnit(in.Unit).SetRoom(in.Room).SetFindings(in.Findings).
		SetNillableFollowUpRequestID(followUp).Save(ctx)
	if err != nil {
		return nil, err
	}
	return client.Visit.Get(ctx, row.ID)
}

// Erase is the part of erasing a person's data (internal/erasure, under
// its context) that concerns grids: visits to the person lose the person
// and the household (address and findings), keeping their reason, date,
// grid and compound for the counts; their assignments as a grid worker
// end (their roles are cleared), and the grids' counts follow. Visits
// they made stay in the community's log without a visitor.
func Erase(ctx context.Context, client *ent.Client, personID int) error {
	if err := client.Visit.Update().Where(visit.PersonID(personID)).
		ClearPersonID().ClearBuilding().ClearUnit().ClearRoom().ClearFindings().Exec(ctx); err != nil {
		return fmt.Errorf("visits: %w", err)
	}
	// The visits they made stay in the community's log (what was found
	// is about the household), no longer naming them as the visitor.
	if err := client.Visit.Update().Where(visit.VisitorID(personID)).ClearVisitorID().Exec(ctx); err != nil {
		return fmt.Errorf("visits made: %w", err)
	}
	as, err := client.GridWorker.Query().Where(gridworker.PersonID(personID)).All(ctx)
	if err != nil {
		return err
	}
	for _, a := range as {
		if err := client.GridWorker.DeleteOne(a).Exec(ctx); err != nil {
			return fmt.Errorf("grid assignments: %w", err)
		}
		if err := countDelta(ctx, client, a.GridID, a.Kind, -1); err != nil {
			return err
		}
	}
	return nil
}
