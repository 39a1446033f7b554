package graph

import (
	"lifecircle/graph/model"
	"lifecircle/internal/cobuild"
)

// summaryModel is the GraphQL form of a community's three-lists aggregate.
func summaryModel(s *cobuild.Summary) *model.CoBuildingSummary {
	counts := func(l []cobuild.Count) []*model.CountByValue {
		out := make([]*model.CountByValue, len(l))
		for i, c := range l {
			out[i] = &model.CountByValue{Value: c.Value, Count: c.Count}
		}
		return out
	}
	return &model.CoBuildingSummary{
		Community:               s.Community,
		ResourcesByKind:         counts(s.ResourcesByKind),
		ResourcesByAvailability: counts(s.ResourcesByAvailability),
		ProjectsByStatus:        counts(s.ProjectsByStatus),
		SigningUnits:            s.SigningUnits,
		NeedsAnswered:           &model.ProtectedCount{Value: s.NeedsAnswered.Value, Suppressed: s.NeedsAnswered.Suppressed},
	}
}
