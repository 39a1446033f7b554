package stats

import (
	"context"
	"slices"

	"lifecircle/ent"
	"lifecircle/ent/publication"
	"lifecircle/ent/statcell"
	"lifecircle/internal/apperr"
)

// Read returns the latest publication of period and its cells for a region
// (all metrics when metrics is empty); a nil publication when none exists.
func Read(ctx context.Context, client *ent.Client, regionID int, period string, metrics []string) (*ent.Publication, []*ent.StatCell, error) {
	p, err := ParsePeriod(period)
	if err != nil {
		return nil, nil, apperr.BadInput("period", "%v", err)
	}
	for _, m := range metrics {
		if !slices.Contains(Metrics, m) {
			return nil, nil, apperr.BadInput("metrics", "unknown metric %q (known: %v)", m, Metrics)
		}
	}
	pub, err := client.Publication.Query().Where(publication.Period(p.String())).
		Order(ent.Desc(publication.FieldPublishedAt), ent.Desc(publication.FieldID)).First(ctx)
	if ent.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	q := client.StatCell.Query().Where(statcell.PublicationID(pub.ID), statcell.RegionID(regionID))
	if len(metrics) > 0 {
		q.Where(statcell.MetricIn(metrics...))
	}
	cells, err := q.Order(ent.Asc(statcell.FieldMetric), ent.Asc(statcell.FieldDimension)).All(ctx)
	return pub, cells, err
}
