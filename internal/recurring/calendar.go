package recurring

import (
	"context"
	"fmt"
	"sort"
	"time"

	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/sqljson"
	"github.com/99designs/gqlgen/graphql"

	"lifecircle/ent"
	"lifecircle/ent/activity"
	"lifecircle/ent/occurrencecount"
	"lifecircle/ent/predicate"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
)

// MaxSeries is the most activities one calendar expansion reads.
const MaxSeries = 2000

// ActivityOccurrence is the GraphQL ActivityOccurrence.
type ActivityOccurrence struct {
	Activity         *ent.Activity
	StartsAt, EndsAt time.Time
	Cancelled        bool
	RegisteredCount  int
}

// Of returns the series of an activity.
func Of(a *ent.Activity) Series {
	return Series{Rule: a.Rrule, Start: a.StartsAt, End: a.EndsAt, ExDates: a.Exdates, RDates: a.Rdates,
		CancelledWhole: a.Status == activity.StatusCancelled}
}

// Overlaps is the predicate of activities with an occurrence that may
// overlap [from, to): a one-off activity overlapping it, a series that
// starts before to and has not ended by from.
func Overlaps(from, to time.Time) predicate.Activity {
	return activity.And(activity.StartsAtLT(to), activity.Or(
		activity.And(activity.Or(activity.RruleIsNil(), activity.RruleEQ("")), activity.EndsAtGT(from)),
		activity.And(activity.RruleNEQ(""), activity.Or(activity.SeriesEndsAtIsNil(), activity.SeriesEndsAtGT(from))),
	))
}

// HasAny is a predicate on a JSON list-of-strings column: the list holds
// any of values. On PostgreSQL each test is jsonb containment (@>), which
// a GIN index on the column serves; on SQLite a json_each scan.
func HasAny(column string, values []string) func(*sql.Selector) {
	return func(s *sql.Selector) {
		if len(values) == 0 {
			s.Where(sql.False())
			return
		}
		ps := make([]*sql.Predicate, len(values))
		for i, v := range values {
			ps[i] = sqljson.ValueContains(column, v)
		}
		s.Where(sql.Or(ps...))
	}
}

// ForActivity expands one activity over [from, to).
func ForActivity(ctx context.Context, client *ent.Client, a *ent.Activity, from, to time.Time, first *int) ([]*ActivityOccurrence, error) {
	n, err := CheckRange(from, to, first)
	if err != nil {
		return nil, err
	}
	return expand(ctx, client, []*ent.Activity{a}, from, to, n)
}

// Calendar expands every activity the filter selects over [from, to),
// merged in time order (ties by activity), at most first occurrences.
// Two statements: the activities, and the per-occurrence counts.
func Calendar(ctx context.Context, client *ent.Client, from, to time.Time, where *ent.ActivityWhereInput, first *int) ([]*ActivityOccurrence, error) {
	n, err := CheckRange(from, to, first)
	if err != nil {
		return nil, err
	}
	q, err := collectActivity(ctx, client.Activity.Query().Where(Overlaps(from, to)))
	if err != nil {
		return nil, err
	}
	if where != nil {
		if q, err = where.Filter(q); err != nil {
			return nil, err
		}
	}
	acts, err := q.Order(ent.Asc(activity.FieldStartsAt), ent.Asc(activity.FieldID)).Limit(MaxSeries + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	if len(acts) > MaxSeries {
		return nil, apperr.Invalid("where", fmt.Sprintf("more than %d activities in the range: narrow the filter or the range", MaxSeries),
			fmt.Sprintf("区间内活动超过 %d 个：请缩小筛选条件或区间", MaxSeries))
	}
	return expand(ctx, client, acts, from, to, n)
}

// collectActivity eager-loads the unique edges the client selects inside
// the occurrences' activity (venue, community, organizer, monthTheme): one
// statement per edge, not one per activity.
func collectActivity(ctx context.Context, q *ent.ActivityQuery) (*ent.ActivityQuery, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !graphql.HasOperationContext(ctx) {
		return q, nil
	}
	op := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFields(op, fc.Field.Selections, nil) {
		if f.Name != "activity" {
			continue
		}
		for _, e := range graphql.CollectFields(op, f.Selections, nil) {
			switch e.Name {
			case "venue":
				q.WithVenue()
			case "community":
				q.WithCommunity()
			case "organizer":
				q.WithOrganizer()
			case "monthTheme":
				q.WithMonthTheme()
			}
		}
	}
	return q, nil
}

func expand(ctx context.Context, client *ent.Client, acts []*ent.Activity, from, to time.Time, n int) ([]*ActivityOccurrence, error) {
	var out []*ActivityOccurrence
	var series []int
	for _, a := range acts {
		occ, err := Between(Of(a), from, to, n)
		if err != nil {
			return nil, err
		}
		if a.Rrule != "" {
			series = append(series, a.ID)
		}
		for _, o := range occ {
			ao := &ActivityOccurrence{Activity: a, StartsAt: o.Start, EndsAt: o.End, Cancelled: o.Cancelled}
			if a.Rrule == "" {
				ao.RegisteredCount = a.RegisteredCount
			}
			out = append(out, ao)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].StartsAt.Equal(out[j].StartsAt) {
			return out[i].StartsAt.Before(out[j].StartsAt)
		}
		return out[i].Activity.ID < out[j].Activity.ID
	})
	if len(out) > n {
		out = out[:n]
	}
	if len(series) == 0 || len(out) == 0 {
		return out, nil
	}
	counts, err := client.OccurrenceCount.Query().Where(occurrencecount.ActivityIDIn(series...),
		occurrencecount.StartsAtGTE(out[0].StartsAt), occurrencecount.StartsAtLTE(out[len(out)-1].StartsAt)).
		All(rule.SystemContext(ctx))
	if err != nil {
		return nil, err
	}
	type key struct {
		id int
		at int64
	}
	m := make(map[key]int, len(counts))
	for _, c := range counts {
		m[key{c.ActivityID, c.StartsAt.Unix()}] = c.RegisteredCount
	}
	for _, o := range out {
		if o.Activity.Rrule != "" {
			o.RegisteredCount = m[key{o.Activity.ID, o.StartsAt.Unix()}]
		}
	}
	return out, nil
}

// CancelOccurrence cancels one occurrence of a recurring activity: its
// start joins the exception dates. The write goes through the activity's
// privacy policy (staff of its community, admins).
func CancelOccurrence(ctx context.Context, client *ent.Client, activityID int, at time.Time) (*ent.Activity, error) {
	a, err := client.Activity.Get(ctx, activityID)
	if err != nil {
		return nil, err
	}
	if a.Rrule == "" {
		return nil, apperr.Invalid("activityID", "the activity does not recur: cancel it as a whole (status CANCELLED)",
			"该活动不是循环活动：请取消整个活动（status 设为 CANCELLED）")
	}
	occurs, cancelled, err := Is(Of(a), at)
	if err != nil {
		return nil, err
	}
	if !occurs {
		return nil, apperr.Invalid("startsAt", "no occurrence of the activity starts then: see Activity.occurrences",
			"该活动在此时间没有开始的一次：请查看 Activity.occurrences")
	}
	if cancelled {
		return nil, apperr.New(apperr.CodeConflict, "the occurrence is already cancelled")
	}
	return client.Activity.UpdateOne(a).AppendExdates([]time.Time{at}).Save(ctx)
}
