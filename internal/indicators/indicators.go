// Package indicators holds community-reported indicators: figures a
// community (or a higher region) reports in aggregate, such as "58
// micro-wishes lit" or "249 full-time grid workers". Staff submit one for
// their community, or for a region above it, with its source; an admin
// approves it (then it is public, as reported) or rejects it with a
// reason. They are not computed from records and carry no disclosure
// control: the published statistics (internal/stats) are those.
package indicators

import (
	"context"
	"strings"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/privacy"
	"lifecircle/ent/region"
	"lifecircle/ent/reportedindicator"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/auth/rule"
)

// Unit is what a key counts in.
type Unit string

// Units.
const (
	Wishes  Unit = "WISHES"
	Matters Unit = "MATTERS"
	Persons Unit = "PERSONS"
	Clues   Unit = "CLUES"
	Percent Unit = "PERCENT"
)

// Units maps each key to its one unit.
var Units = map[reportedindicator.Key]Unit{
	reportedindicator.KeyMicroWishesFulfilled:             Wishes,
	reportedindicator.KeyMattersResolved:                  Matters,
	reportedindicator.KeyEmployedPartyMembersReporting:    Persons,
	reportedindicator.KeyFullTimeGridWorkers:              Persons,
	reportedindicator.KeyPartTimeGridWorkers:              Persons,
	reportedindicator.KeyGovernanceCluesFromNewEmployment: Clues,
	reportedindicator.KeyOneWindowMattersHandled:          Matters,
	reportedindicator.KeyOneWindowCompletionRate:          Percent,
}

// UnitOf returns the unit of key.
func UnitOf(key reportedindicator.Key) Unit { return Units[key] }

// Input is an indicator to submit.
type Input struct {
	Key         reportedindicator.Key
	RegionID    int
	Value       int
	PeriodStart string
	PeriodEnd   string
	PeriodText  string
	Source      string
	Note        string
}

// Submit records an indicator for review. Staff submit for their
// community or a region above it (a subdistrict, district or city their
// community belongs to: some figures are reported there); admins for any
// region. The source is required.
func Submit(ctx context.Context, client *ent.Client, in Input) (*ent.ReportedIndicator, error) {
	v := auth.FromContext(ctx)
	if !v.IsStaff() && !v.IsAdmin() {
		return nil, apperr.New(apperr.CodeForbidden, "only staff and admins submit indicators")
	}
	if err := reportedindicator.KeyValidator(in.Key); err != nil {
		return nil, apperr.BadInput("key", "unknown key %q", in.Key)
	}
	if UnitOf(in.Key) == Percent && in.Value > 100 {
		return nil, apperr.Invalid("value", "a percentage is between 0 and 100", "百分数应在 0 到 100 之间")
	}
	if strings.TrimSpace(in.Source) == "" {
		return nil, apperr.Invalid("source", "say where the figure comes from (e.g. the report or article)", "请注明数值来源（如报告或文章）")
	}
	if in.PeriodStart != "" && in.PeriodStart > in.PeriodEnd {
		return nil, apperr.Invalid("periodStart", "the period starts after it ends", "期间的开始日期晚于结束日期")
	}
	sys := rule.SystemContext(ctx)
	if _, err := client.Region.Get(ctx, in.RegionID); err != nil {
		return nil, err
	}
	var community *int
	if v.IsStaff() {
		ok, err := isAncestorOrSelf(sys, client, in.RegionID, v.CommunityID)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, apperr.New(apperr.CodeForbidden, "staff submit indicators for their community or a region above it")
		}
		community = &v.CommunityID
	}
	r, err := client.ReportedIndicator.Create().SetKey(in.Key).SetRegionID(in.RegionID).SetValue(in.Value).
		SetPeriodStart(in.PeriodStart).SetPeriodEnd(in.PeriodEnd).SetPeriodText(in.PeriodText).
		SetSource(in.Source).SetNote(in.Note).SetNillableCommunityID(community).Save(ctx)
	if err != nil {
		return nil, err
	}
	return client.ReportedIndicator.Get(ctx, r.ID)
}

// isAncestorOrSelf reports whether region is community or one of the
// regions it belongs to.
func isAncestorOrSelf(ctx context.Context, client *ent.Client, regionID, community int) (bool, error) {
	for id, depth := community, 0; depth < 8; depth++ {
		if id == regionID {
			return true, nil
		}
		r, err := client.Region.Query().Where(region.ID(id)).Select(region.FieldParentID).Only(ctx)
		if err != nil {
			return false, err
		}
		if r.ParentID == nil {
			return false, nil
		}
		id = *r.ParentID
	}
	return false, nil
}

// Review approves (publishes) or rejects a submitted indicator. Admins
// only; a reason is required to reject. An indicator is reviewed once.
func Review(ctx context.Context, client *ent.Client, id int, approve bool, reason string) (*ent.ReportedIndicator, error) {
	if !auth.FromContext(ctx).IsAdmin() {
		return nil, apperr.New(apperr.CodeForbidden, "only admins approve or reject indicators")
	}
	if !approve && strings.TrimSpace(reason) == "" {
		return nil, apperr.Invalid("reason", "say why the indicator is rejected", "请说明驳回理由")
	}
	r, err := client.ReportedIndicator.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != reportedindicator.StatusSubmitted {
		return nil, apperr.New(apperr.CodeConflict, "the indicator was already reviewed (%s)", strings.ToLower(string(r.Status)))
	}
	u := client.ReportedIndicator.UpdateOne(r).SetReviewedAt(time.Now()).
		Where(reportedindicator.StatusEQ(reportedindicator.StatusSubmitted))
	if approve {
		u.SetStatus(reportedindicator.StatusApproved)
	} else {
		u.SetStatus(reportedindicator.StatusRejected).SetRejectReason(reason)
	}
	return u.Save(ctx)
}

// Policy is the policy of ReportedIndicator: anyone reads approved
// indicators; staff also their community's submitted and rejected ones;
// admins all. Staff create indicators of their community (Submit checks
// the region); admins create and review.
func Policy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{rule.AllowAdmin(), privacy.ReportedIndicatorQueryRuleFunc(func(ctx context.Context, q *ent.ReportedIndicatorQuery) error {
			approved := reportedindicator.StatusEQ(reportedindicator.StatusApproved)
			if v := auth.FromContext(ctx); v.IsStaff() {
				q.Where(reportedindicator.Or(approved, reportedindicator.CommunityID(v.CommunityID)))
			} else {
				q.Where(approved)
			}
			return privacy.Skip
		}), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{rule.AllowAdmin(), privacy.ReportedIndicatorMutationRuleFunc(func(ctx context.Context, m *ent.ReportedIndicatorMutation) error {
			v := auth.FromContext(ctx)
			community, ok := m.CommunityID()
			status, _ := m.Status()
			if m.Op().Is(ent.OpCreate) && v.IsStaff() && ok && community == v.CommunityID && status != reportedindicator.StatusApproved && status != reportedindicator.StatusRejected {
				return privacy.Allow
			}
			return privacy.Skip
		}), rule.DenyWrite()},
	}
}
