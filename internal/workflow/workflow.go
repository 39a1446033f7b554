// Package workflow runs the needs list: residents order, the community
// dispatches, volunteers take the order (群众点单、社区派单、党员接单).
//
// Every transition is decided here in plain Go (who may do what, from which
// status), written with a conditional UPDATE (status and version in the
// WHERE clause, so of two racing claims exactly one changes a row), and
// appended to the request's history in the same transaction.
package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/compound"
	"lifecircle/ent/organization"
	"lifecircle/ent/person"
	"lifecircle/ent/requestevent"
	"lifecircle/ent/servicerequest"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/inputs"
)

// CodeInvalidTransition is the code of a refused transition.
const CodeInvalidTransition = "INVALID_TRANSITION"

// Action is a step of the workflow.
type Action = requestevent.Action

// step is one transition: the statuses it leaves from and the one it reaches.
type step struct {
	from []servicerequest.Status
	to   servicerequest.Status
}

var steps = map[Action]step{
	requestevent.ActionDispatch: {[]servicerequest.Status{servicerequest.StatusSubmitted}, servicerequest.StatusDispatched},
	requestevent.ActionClaim:    {[]servicerequest.Status{servicerequest.StatusDispatched}, servicerequest.StatusClaimed},
	requestevent.ActionResolve:  {[]servicerequest.Status{servicerequest.StatusClaimed}, servicerequest.StatusResolved},
	requestevent.ActionConfirm:  {[]servicerequest.Status{servicerequest.StatusResolved}, servicerequest.StatusConfirmed},
	requestevent.ActionReopen:   {[]servicerequest.Status{servicerequest.StatusResolved}, servicerequest.StatusDispatched},
	requestevent.ActionReject:   {[]servicerequest.Status{servicerequest.StatusSubmitted, servicerequest.StatusDispatched}, servicerequest.StatusRejected},
}

// Args are what a transition may carry.
type Args struct {
	OrganizationID  int    // dispatch: the organisation or volunteer team
	Note            string // resolve: what was done; reopen, reject: why
	Satisfaction    int    // confirm: 1–5
	ExpectedVersion *int   // optimistic concurrency: refuse if the request moved on
}

// may reports whether v may take action on r.
func may(v auth.Viewer, a Action, r *ent.ServiceRequest) bool {
	staff := v.Manages(r.CommunityID)
	requester := v.IsPerson() && r.RequesterID != nil && v.PersonID == *r.RequesterID
	claimer := v.IsVolunteer() && r.ClaimedByID != nil && *r.ClaimedByID == v.PersonID
	switch a {
	case requestevent.ActionDispatch, requestevent.ActionReject:
		return staff
	case requestevent.ActionClaim:
		return v.IsVolunteer() && v.CommunityID == r.CommunityID && (r.RequesterID == nil || v.PersonID != *r.RequesterID)
	case requestevent.ActionResolve:
		return claimer || staff
	case requestevent.ActionConfirm, requestevent.ActionReopen:
		return requester || v.IsAdmin()
	}
	return false
}

// Transition moves request id by action for viewer v. client is the
// transaction's client.
func Transition(ctx context.Context, client *ent.Client, id int, a Action, args Args) (*ent.ServiceRequest, error) {
	v := auth.FromContext(ctx)
	sys := rule.SystemContext(ctx)
	st, ok := steps[a]
	if !ok {
		return nil, fmt.Errorf("workflow: unknown action %s", a)
	}
	// A note of spaces is no note (the hooks would refuse it under the
	// stored field's name, not the argument's).
	args.Note = strings.TrimFunc(args.Note, inputs.Invisible)
	r, err := client.ServiceRequest.Get(ctx, id) // under the viewer's privacy: unseen is not found
	if err != nil {
		if ent.IsNotFound(err) && a == requestevent.ActionClaim && lostClaim(ctx, client, v, id) {
			return nil, apperr.New(CodeInvalidTransition, "the request is no longer open to claim (another volunteer claimed it first, or it moved on); reload the list")
		}
		return nil, err
	}
	if !may(v, a, r) {
		return nil, apperr.New(apperr.CodeForbidden, "you may not %s this request", verb(a))
	}
	if a == requestevent.ActionClaim { // however the volunteer signed in
		gone, err := client.Person.Query().Where(person.ID(v.PersonID), person.DeactivatedAtNotNil()).Exist(sys)
		if err != nil {
			return nil, err
		}
		if gone {
			return nil, apperr.New(apperr.CodeForbidden, "you are deactivated and may not claim requests")
		}
	}
	if !slices.Contains(st.from, r.Status) {
		return nil, apperr.New(CodeInvalidTransition, "cannot %s a request that is %s", verb(a), r.Status)
	}
	if args.ExpectedVersion != nil && *args.ExpectedVersion != r.Version {
		return nil, apperr.New(apperr.CodeConflict, "the request changed since you read it (version %d, now %d); reload and try again", *args.ExpectedVersion, r.Version)
	}
	now := time.Now()
	u := client.ServiceRequest.Update().
		Where(servicerequest.ID(id), servicerequest.StatusEQ(r.Status), servicerequest.Version(r.Version)).
		SetStatus(st.to).AddVersion(1)
	switch a {
	case requestevent.ActionDispatch:
		org, err := client.Organization.Query().Where(organization.ID(args.OrganizationID), organization.RegionID(r.CommunityID)).Only(sys)
		if ent.IsNotFound(err) {
			return nil, apperr.Invalid("organizationID", "dispatch to an organisation or team of the request's community", "请派给本需求所在社区的组织或志愿队")
		}
		if err != nil {
			return nil, err
		}
		// Only a team's members see what is dispatched to it: a team
		// without an active member would hide the request from everyone.
		if rule.IsTeam(org.Kind) {
			ok, err := org.QueryMembers().Where(person.DeactivatedAtIsNil()).Exist(sys)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, apperr.Invalid("organizationID", "the team has no active members to see the request: add members first",
					"该队伍没有在用的成员，无人能看到该需求：请先添加成员")
			}
		}
		u.SetDispatchedToID(args.OrganizationID).SetDispatchedAt(now)
	case requestevent.ActionClaim:
		u.SetClaimedByID(v.PersonID).SetClaimedAt(now)
	case requestevent.ActionResolve:
		if args.Note == "" {
			return nil, apperr.Invalid("note", "say what was done", "请说明做了什么")
		}
		u.SetResolutionNote(args.Note).SetResolvedAt(now)
	case requestevent.ActionConfirm:
		if args.Satisfaction < 1 || args.Satisfaction > 5 {
			return nil, apperr.Invalid("satisfaction", fmt.Sprintf("satisfaction is 1 to 5, got %d", args.Satisfaction), fmt.Sprintf("满意度为 1 至 5，收到 %d", args.Satisfaction))
		}
		u.SetSatisfaction(args.Satisfaction).SetConfirmedAt(now)
	case requestevent.ActionReopen:
		if args.Note == "" {
			return nil, apperr.Invalid("reason", "say why the request is reopened", "请说明重新打开的原因")
		}
		// Back to the dispatched organisation, open to claim again.
		u.ClearClaimedByID().ClearClaimedAt().ClearResolvedAt()
	case requestevent.ActionReject:
		if args.Note == "" {
			return nil, apperr.Invalid("reason", "give the resident a reason", "请向居民说明原因")
		}
		u.SetRejectReason(args.Note).SetRejectedAt(now)
	}
	n, err := u.Save(sys)
	if err != nil {
		return nil, err
	}
	if n == 0 { // someone else moved it between our read and our write
		return nil, apperr.New(CodeInvalidTransition, "the request was changed by someone else (for example, already claimed); reload it")
	}
	if err := record(sys, client, r, a, r.Status, st.to, args.Note, v); err != nil {
		return nil, err
	}
	return client.ServiceRequest.Get(ctx, id)
}

// lostClaim reports whether a volunteer's claim of a request they cannot
// see failed because another volunteer claimed it first: the request was
// dispatched in the volunteer's community, so it was on their list to claim
// until the winner's claim hid it. A request the volunteer could never see
// (of another community, or dispatched to a team they are not in) stays
// NOT_FOUND.
func lostClaim(ctx context.Context, client *ent.Client, v auth.Viewer, id int) bool {
	if !v.IsVolunteer() {
		return false
	}
	ok, err := client.ServiceRequest.Query().
		Where(servicerequest.ID(id), servicerequest.CommunityID(v.CommunityID), servicerequest.DispatchedAtNotNil(),
			servicerequest.Or(servicerequest.DispatchedToIDIsNil(),
				servicerequest.HasDispatchedToWith(organization.Or(organization.KindNotIn(rule.TeamKinds...),
					organization.HasMembersWith(person.ID(v.PersonID)))))).
		Exist(rule.SystemContext(ctx))
	return err == nil && ok
}

func record(ctx context.Context, client *ent.Client, r *ent.ServiceRequest, a Action, from, to servicerequest.Status, note string, v auth.Viewer) error {
	c := client.RequestEvent.Create().SetRequestID(r.ID).SetCommunityID(r.CommunityID).SetAction(a).
		SetToStatus(string(to)).SetActorRole(string(v.Role)).SetNote(note)
	if from != "" {
		c.SetFromStatus(string(from))
	}
	if v.PersonID != 0 {
		c.SetActorID(v.PersonID)
	}
	if err := c.Exec(ctx); err != nil {
		return fmt.Errorf("workflow: history: %w", err)
	}
	return nil
}

func verb(a Action) string {
	switch a {
	case requestevent.ActionDispatch:
		return "dispatch"
	case requestevent.ActionClaim:
		return "claim"
	case requestevent.ActionResolve:
		return "resolve"
	case requestevent.ActionConfirm:
		return "confirm"
	case requestevent.ActionReopen:
		return "reopen"
	case requestevent.ActionReject:
		return "reject"
	}
	return string(a)
}

// SubmitInput is a new request.
type SubmitInput struct {
	Kind        servicerequest.Kind
	Title       string
	Description string
	Category    string
	Address     string
	CompoundID  *int
	// OnBehalfOf is the resident staff submit for at the one-window counter.
	OnBehalfOf *int
}

// Submit posts a request for the viewer (or, for staff, on a resident's
// behalf). A retried submit is recognised by its idempotency key, before
// Submit runs (see internal/idempotency).
func Submit(ctx context.Context, client *ent.Client, in SubmitInput) (*ent.ServiceRequest, error) {
	v := auth.FromContext(ctx)
	sys := rule.SystemContext(ctx)
	var requester *ent.Person
	var err error
	switch {
	case in.OnBehalfOf != nil && (v.IsStaff() || v.IsAdmin()):
		requester, err = residentFor(ctx, client, v, *in.OnBehalfOf)
		if errors.Is(err, errNotResident) {
			return nil, apperr.BadInput("onBehalfOf", "%v", err)
		}
	case in.OnBehalfOf != nil:
		return nil, apperr.New(apperr.CodeForbidden, "only staff submit on someone's behalf")
	case v.IsPerson():
		requester, err = client.Person.Query().Where(person.ID(v.PersonID)).Only(sys)
	default:
		return nil, apperr.Invalid("onBehalfOf", "staff must say which resident the request is for", "工作人员须指明为哪位居民提交")
	}
	if err != nil {
		return nil, err
	}
	if in.CompoundID != nil {
		ok, err := client.Compound.Query().Where(compound.ID(*in.CompoundID), compound.CommunityID(requester.CommunityID)).Exist(sys)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.Invalid("compoundID", "the compound is not in the resident's community", "该小区不在居民所在社区")
		}
	}
	c := client.ServiceRequest.Create().SetKind(in.Kind).SetTitle(in.Title).SetDescription(in.Description).
		SetCategory(in.Category).SetAddress(in.Address).SetNillableCompoundID(in.CompoundID).
		SetCommunityID(requester.CommunityID).SetRequesterID(requester.ID).SetSubmittedAt(time.Now())
	r, err := c.Save(sys)
	if err != nil {
		return nil, err
	}
	if err := record(sys, client, r, requestevent.ActionSubmit, "", servicerequest.StatusSubmitted, "", v); err != nil {
		return nil, err
	}
	return client.ServiceRequest.Get(ctx, r.ID)
}

// Reward records the reward that closes a governance clue's loop
// (discover → handle → feed back → reward 发现—处置—反馈—激励): staff of the
// community, once the clue is resolved or confirmed. The status stays; the
// history gains the step.
func Reward(ctx context.Context, client *ent.Client, id int, note string) (*ent.ServiceRequest, error) {
	v := auth.FromContext(ctx)
	r, err := client.ServiceRequest.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !v.Manages(r.CommunityID) {
		return nil, apperr.New(apperr.CodeForbidden, "only staff of the community reward a clue")
	}
	if r.Kind != servicerequest.KindGovernanceClue {
		return nil, apperr.New(CodeInvalidTransition, "only governance clues are rewarded")
	}
	if r.Status != servicerequest.StatusResolved && r.Status != servicerequest.StatusConfirmed {
		return nil, apperr.New(CodeInvalidTransition, "a clue is rewarded once it is resolved (it is %s)", r.Status)
	}
	if note == "" {
		return nil, apperr.Invalid("note", "say what the reward is", "请说明奖励内容")
	}
	if err := record(rule.SystemContext(ctx), client, r, requestevent.ActionReward, r.Status, r.Status, note, v); err != nil {
		return nil, err
	}
	return r, nil
}
