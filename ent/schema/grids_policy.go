//go:build !bootstrap

package schema

import (
	"entgo.io/ent"

	"lifecircle/internal/grids"
	"lifecircle/internal/indicators"
)

// Policy of the GridWorker: see grids.WorkerPolicy.
func (GridWorker) Policy() ent.Policy { return grids.WorkerPolicy() }

// Policy of the Visit: see grids.VisitPolicy.
func (Visit) Policy() ent.Policy { return grids.VisitPolicy() }

// Hooks of the Visit: normalised input.
func (Visit) Hooks() []ent.Hook { return []ent.Hook{normaliseInput} }

// Policy of the ReportedIndicator: see indicators.Policy.
func (ReportedIndicator) Policy() ent.Policy { return indicators.Policy() }

// Hooks of the ReportedIndicator: normalised input; the change feed does
// not carry them (the open-data download does).
func (ReportedIndicator) Hooks() []ent.Hook { return []ent.Hook{normaliseInput} }
