// Package stats publishes the anonymised monthly statistics of the needs
// list and activities: it computes raw tables per community from the
// private rows, rolls them up the region hierarchy (from raw data), protects
// every table (the 10-5 rule with secondary suppression, or differential
// privacy), and stores the result as an immutable publication. The public
// reads publications only, never raw rows.
package stats

import (
	"context"
	"fmt"
	"slices"
	"time"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/appointment"
	"lifecircle/ent/person"
	"lifecircle/ent/region"
	"lifecircle/ent/registration"
	"lifecircle/ent/servicerequest"
	"lifecircle/ent/serviceslot"
	"lifecircle/ent/visit"
	"lifecircle/internal/timefmt"
)

// Metrics published for each region and month.
const (
	RequestsSubmitted    = "requests_submitted"     // by kind and by "status:…" now; "" is the total
	RequestsCompleted    = "requests_completed"     // resolved or confirmed in the month, by kind
	MicroWishesFulfilled = "micro_wishes_fulfilled" // micro-wishes resolved or confirmed in the month
	CompletionRate       = "completion_rate"        // percent: completed / submitted
	MedianDaysToResolve  = "median_days_to_resolve" // of requests resolved in the month
	ActivitiesHeld       = "activities_held"        // completed activities that started in the month
	Registrations        = "registrations"          // by "age:…" band and "group:…" target group
	ActiveVolunteers     = "active_volunteers"      // distinct people who claimed a request
	// The one-window counter (internal/onewindow), by the month of the
	// appointment's slot: matters taken on by an officer (in progress or
	// served), those served, and served / taken on in percent.
	OneWindowHandled        = "onewindow_matters_handled"
	OneWindowServed         = "onewindow_matters_served"
	OneWindowCompletionRate = "onewindow_completion_rate"
	Visits                  = "visits" // door-knocking, condolence… visits made in the month, by reason (internal/grids)
)

// Metrics lists every metric.
var Metrics = []string{RequestsSubmitted, RequestsCompleted, MicroWishesFulfilled, CompletionRate,
	MedianDaysToResolve, ActivitiesHeld, Registrations, ActiveVolunteers,
	OneWindowHandled, OneWindowServed, OneWindowCompletionRate, Visits}

// cell names a figure within a region's table.
type cell struct{ metric, dim string }

// contribution is one person's share of one cell (for bounding under
// differential privacy): how many units they add.
type contribution map[int]int64 // person → count

// raw holds the unprotected figures of one region.
type raw struct {
	counts    map[cell]int64
	people    map[cell]contribution // per-person contributions, communities only
	durations []float64             // days to resolve
	volunteer map[int]bool          // distinct claimers
}

func newRaw() *raw {
	return &raw{counts: map[cell]int64{}, people: map[cell]contribution{}, volunteer: map[int]bool{}}
}

func (r *raw) add(c cell, personID int, n int64) {
	r.counts[c] += n
	if personID != 0 {
		if r.people[c] == nil {
			r.people[c] = contribution{}
		}
		r.people[c][personID] += n
	}
}

// Period is a calendar month in Asia/Shanghai.
type Period struct{ Year, Month int }

// ParsePeriod reads "YYYY-MM".
func ParsePeriod(s string) (Period, error) {
	t, err := time.ParseInLocation("2006-01", s, timefmt.Local)
	if err != nil || len(s) != 7 {
		return Period{}, fmt.Errorf("period %q: want a calendar month, YYYY-MM", s)
	}
	return Period{t.Year(), int(t.Month())}, nil
}

func (p Period) String() string { return fmt.Sprintf("%04d-%02d", p.Year, p.Month) }

// Bounds returns the month's start and the next month's start.
func (p Period) Bounds() (time.Time, time.Time) {
	start := time.Date(p.Year, time.Month(p.Month), 1, 0, 0, 0, 0, timefmt.Local)
	return start, start.AddDate(0, 1, 0)
}

// Previous returns the month before.
func (p Period) Previous() Period {
	s, _ := p.Bounds()
	t := s.AddDate(0, -1, 0)
	return Period{t.Year(), int(t.Month())}
}

// PeriodOf returns the month of t.
func PeriodOf(t time.Time) Period {
	t = t.In(timefmt.Local)
	return Period{t.Year(), int(t.Month())}
}

// hierarchy maps each region to its parent.
type hierarchy struct {
	parent map[int]int
	level  map[int]region.Level
}

// ancestors returns id and every region above it.
func (h hierarchy) ancestors(id int) []int {
	out := []int{id}
	seen := map[int]bool{id: true}
	for p, ok := h.parent[id]; ok && !seen[p]; p, ok = h.parent[p] {
		out = append(out, p)
		seen[p] = true
	}
	return out
}

func loadHierarchy(ctx context.Context, c *ent.Client) (hierarchy, error) {
	rows, err := c.Region.Query().Select(region.FieldID, region.FieldParentID, region.FieldLevel).All(ctx)
	if err != nil {
		return hierarchy{}, fmt.Errorf("stats: regions: %w", err)
	}
	h := hierarchy{parent: map[int]int{}, level: map[int]region.Level{}}
	for _, r := range rows {
		h.level[r.ID] = r.Level
		if r.ParentID != nil {
			h.parent[r.ID] = *r.ParentID
		}
	}
	return h, nil
}

func ageBand(birthYear *int, at time.Time) string {
	if birthYear == nil {
		return "age:unknown"
	}
	switch age := at.Year() - *birthYear; {
	case age < 18:
		return "age:0-17"
	case age < 60:
		return "age:18-59"
	}
	return "age:60+"
}

// collect computes the raw tables of every region for p. Roll-ups are
// computed from raw rows (each row counted once in each ancestor), never
// from protected figures.
func collect(ctx context.Context, c *ent.Client, p Period) (map[int]*raw, hierarchy, error) {
	h, err := loadHierarchy(ctx, c)
	if err != nil {
		return nil, h, err
	}
	tables := map[int]*raw{}
	at := func(id int) *raw {
		t, ok := tables[id]
		if !ok {
			t = newRaw()
			tables[id] = t
		}
		return t
	}
	// Every community has a table, even an empty one: fixed partitions.
	for id, lvl := range h.level {
		if lvl == region.LevelCommunity {
			for _, a := range h.ancestors(id) {
				at(a)
			}
		}
	}
	start, end := p.Bounds()
	in := func(t *time.Time) bool { return t != nil && !t.Before(start) && t.Before(end) }

	reqs, err := c.ServiceRequest.Query().
		Where(servicerequest.Or(
			servicerequest.And(servicerequest.SubmittedAtGTE(start), servicerequest.SubmittedAtLT(end)),
			servicerequest.And(servicerequest.ResolvedAtGTE(start), servicerequest.ResolvedAtLT(end)),
			servicerequest.And(servicerequest.ConfirmedAtGTE(start), servicerequest.ConfirmedAtLT(end)),
			servicerequest.And(servicerequest.ClaimedAtGTE(start), servicerequest.ClaimedAtLT(end)),
		)).
		Select(servicerequest.FieldKind, servicerequest.FieldStatus, servicerequest.FieldCommunityID, servicerequest.FieldRequesterID,
			servicerequest.FieldClaimedByID, servicerequest.FieldSubmittedAt, servicerequest.FieldClaimedAt,
			servicerequest.FieldResolvedAt, servicerequest.FieldConfirmedAt).All(ctx)
	if err != nil {
		return nil, h, fmt.Errorf("stats: requests: %w", err)
	}
	for _, r := range reqs {
		kind := string(r.Kind)
		submitted := in(&r.SubmittedAt)
		// Completed in the month: resolved in it, or confirmed in it without
		// an earlier resolution (so a request counts once).
		completed := in(r.ResolvedAt) || (r.ResolvedAt == nil && in(r.ConfirmedAt))
		for i, a := range h.ancestors(r.CommunityID) {
			t := at(a)
			who := 0 // per-person shares are kept for communities only (differential privacy noises those)
			if i == 0 && r.RequesterID != nil {
				// A request detached by erasure counts, with no one's share.
				who = *r.RequesterID
			}
			if submitted {
				t.add(cell{RequestsSubmitted, kind}, who, 1)
				t.add(cell{RequestsSubmitted, "status:" + string(r.Status)}, who, 1)
				t.add(cell{RequestsSubmitted, ""}, who, 1)
			}
			if completed {
				t.add(cell{RequestsCompleted, kind}, who, 1)
				t.add(cell{RequestsCompleted, ""}, who, 1)
				if r.Kind == servicerequest.KindMicroWish {
					t.add(cell{MicroWishesFulfilled, ""}, who, 1)
				}
				if r.ResolvedAt != nil {
					t.durations = append(t.durations, r.ResolvedAt.Sub(r.SubmittedAt).Hours()/24)
				}
			}
			if r.ClaimedByID != nil && in(r.ClaimedAt) {
				t.volunteer[*r.ClaimedByID] = true
			}
		}
	}

	acts, err := c.Activity.Query().
		Where(activity.StartsAtGTE(start), activity.StartsAtLT(end)).
		Select(activity.FieldID, activity.FieldCommunityID, activity.FieldStatus, activity.FieldTargetGroups).All(ctx)
	if err != nil {
		return nil, h, fmt.Errorf("stats: activities: %w", err)
	}
	groups := map[int][]string{}
	actCommunity := map[int]int{}
	home := map[int]int{} // person → the one community their registrations count in, for bounding
	var actIDs []int
	for _, a := range acts {
		groups[a.ID] = a.TargetGroups
		actCommunity[a.ID] = a.CommunityID
		actIDs = append(actIDs, a.ID)
		if a.Status == activity.StatusCompleted {
			for _, r := range h.ancestors(a.CommunityID) {
				at(r).counts[cell{ActivitiesHeld, ""}]++
			}
		}
	}
	for len(actIDs) > 0 {
		n := min(len(actIDs), 5000)
		regs, err := c.Registration.Query().
			Where(registration.ActivityIDIn(actIDs[:n]...), registration.StatusEQ(registration.StatusRegistered)).
			Select(registration.FieldActivityID, registration.FieldPersonID).All(ctx)
		if err != nil {
			return nil, h, fmt.Errorf("stats: registrations: %w", err)
		}
		ids := map[int]bool{}
		for _, r := range regs {
			if r.PersonID != nil { // nil: detached by erasure
				ids[*r.PersonID] = true
			}
		}
		births := map[int]*int{}
		keys := make([]int, 0, len(ids))
		for id := range ids {
			keys = append(keys, id)
		}
		for len(keys) > 0 {
			m := min(len(keys), 5000)
			ps, err := c.Person.Query().Where(person.IDIn(keys[:m]...)).Select(person.FieldID, person.FieldBirthYear).All(ctx)
			if err != nil {
				return nil, h, fmt.Errorf("stats: people: %w", err)
			}
			for _, p := range ps {
				births[p.ID] = p.BirthYear
			}
			keys = keys[m:]
		}
		for _, r := range regs {
			// A registration detached by erasure counts, in the unknown
			// age band, with no one's share.
			pid := 0
			if r.PersonID != nil {
				pid = *r.PersonID
			}
			band := ageBand(births[pid], start)
			// Under differential privacy a person may add to one
			// community's cells only: the first they registered in.
			comm := actCommunity[r.ActivityID]
			if first, ok := home[pid]; pid != 0 && !ok {
				home[pid] = comm
			} else if pid != 0 && first != comm {
				for _, a := range h.ancestors(comm) { // counted, but with no per-person share
					t := at(a)
					t.counts[cell{Registrations, ""}]++
					t.counts[cell{Registrations, band}]++
					for _, g := range groups[r.ActivityID] {
						t.counts[cell{Registrations, "group:" + g}]++
					}
				}
				continue
			}
			for i, a := range h.ancestors(actCommunity[r.ActivityID]) {
				t := at(a)
				who := pid
				if i > 0 {
					who = 0
				}
				t.add(cell{Registrations, ""}, who, 1)
				t.add(cell{Registrations, band}, who, 1)
				for _, g := range groups[r.ActivityID] {
					t.add(cell{Registrations, "group:" + g}, who, 1)
				}
			}
		}
		actIDs = actIDs[n:]
	}
	if err := collectOneWindow(ctx, c, start, end, h, at); err != nil {
		return nil, h, err
	}
	visits, err := c.Visit.Query().Where(visit.VisitedAtGTE(start), visit.VisitedAtLT(end)).
		Select(visit.FieldCommunityID, visit.FieldReason, visit.FieldPersonID).All(ctx)
	if err != nil {
		return nil, h, fmt.Errorf("stats: visits: %w", err)
	}
	for _, v := range visits {
		for i, a := range h.ancestors(v.CommunityID) {
			who := 0 // the person visited is the one a count could single out
			if i == 0 && v.PersonID != nil {
				who = *v.PersonID
			}
			at(a).add(cell{Visits, ""}, who, 1)
			at(a).add(cell{Visits, string(v.Reason)}, who, 1)
		}
	}
	for id, t := range tables {
		t.counts[cell{ActiveVolunteers, ""}] = int64(len(t.volunteer))
		if h.level[id] != region.LevelCommunity {
			continue
		}
		for id := range t.volunteer {
			if t.people[cell{ActiveVolunteers, ""}] == nil {
				t.people[cell{ActiveVolunteers, ""}] = contribution{}
			}
			t.people[cell{ActiveVolunteers, ""}][id] = 1
		}
	}
	return tables, h, nil
}

// collectOneWindow counts the one-window matters whose slot starts in
// [start, end): taken on (in progress or served) and served, each in the
// community and its ancestors, with the resident's share kept for the
// community (differential privacy bounds it).
func collectOneWindow(ctx context.Context, c *ent.Client, start, end time.Time, h hierarchy, at func(int) *raw) error {
	apps, err := c.Appointment.Query().
		Where(appointment.StatusIn(appointment.StatusInProgress, appointment.StatusServed),
			appointment.HasSlotWith(serviceslot.StartsAtGTE(start), serviceslot.StartsAtLT(end))).
		Select(appointment.FieldCommunityID, appointment.FieldPersonID, appointment.FieldStatus).All(ctx)
	if err != nil {
		return fmt.Errorf("stats: appointments: %w", err)
	}
	for _, a := range apps {
		for i, r := range h.ancestors(a.CommunityID) {
			who := 0
			if i == 0 && a.PersonID != nil { // nil: detached by erasure, counted with no one's share
				who = *a.PersonID
			}
			t := at(r)
			t.add(cell{OneWindowHandled, ""}, who, 1)
			if a.Status == appointment.StatusServed {
				t.add(cell{OneWindowServed, ""}, who, 1)
			}
		}
	}
	return nil
}

// dims lists the breakdowns each metric always has, so that every table has
// the same cells (zeros included): a missing cell would itself say something.
func dims(metric string) []string {
	switch metric {
	case RequestsSubmitted, RequestsCompleted:
		out := []string{""}
		for _, k := range []servicerequest.Kind{servicerequest.KindMicroWish, servicerequest.KindServiceNeed,
			servicerequest.KindRepair, servicerequest.KindComplaint, servicerequest.KindGovernanceClue} {
			out = append(out, string(k))
		}
		if metric == RequestsSubmitted {
			for _, st := range []servicerequest.Status{servicerequest.StatusSubmitted, servicerequest.StatusDispatched,
				servicerequest.StatusClaimed, servicerequest.StatusResolved, servicerequest.StatusConfirmed, servicerequest.StatusRejected} {
				out = append(out, "status:"+string(st))
			}
		}
		return out
	case Visits:
		out := []string{""}
		for _, r := range []visit.Reason{visit.ReasonDoorKnocking, visit.ReasonCondolence, visit.ReasonInformationCollection,
			visit.ReasonPolicyPublicity, visit.ReasonSafetyPatrol, visit.ReasonMediation, visit.ReasonFollowUp, visit.ReasonOther} {
			out = append(out, string(r))
		}
		return out
	case Registrations:
		out := []string{"", "age:0-17", "age:18-59", "age:60+", "age:unknown"}
		for _, g := range TargetGroups {
			out = append(out, "group:"+g)
		}
		return out
	}
	return []string{""}
}

// TargetGroups are the activity target groups registrations break down by.
var TargetGroups = []string{"elderly", "children", "families", "youth", "new_employment_workers", "party_members", "residents", "disabled"}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
