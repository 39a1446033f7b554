package graph

import (
	"lifecircle/graph/model"
	"lifecircle/internal/people"
)

// derefBool is *b, false for nil.
func derefBool(b *bool) bool { return b != nil && *b }

// importReport turns people.Report into its GraphQL type.
func importReport(rep *people.Report) *model.PeopleImportReport {
	out := &model.PeopleImportReport{Written: rep.Written, DryRun: rep.DryRun, Accepted: rep.Accepted, Refused: rep.Refused,
		Rows: make([]*model.PeopleImportRow, len(rep.Rows))}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	for i, r := range rep.Rows {
		out.Rows[i] = &model.PeopleImportRow{Line: r.Line, Accepted: r.Accepted, Code: opt(r.Code), Column: opt(r.Column),
			Message: opt(r.Message), MessageZh: opt(r.MessageZh), Person: r.Person}
	}
	return out
}
