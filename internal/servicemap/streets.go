package servicemap

import (
	"context"

	"lifecircle/internal/walknet"
)

// Streets returns the walking network's streets in box, simplified, for
// drawing a base map without map tiles: from the most local imported
// network that overlaps the box, or none when no network was imported.
func (ix *Index) Streets(ctx context.Context, box walknet.Box, toleranceMeters float64, maxPoints int) ([][][2]float64, bool, error) {
	if err := ix.Sync(ctx); err != nil {
		return nil, false, err
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for _, g := range ix.networks { // smallest first
		if lines, truncated := g.Lines(box, toleranceMeters, maxPoints); len(lines) > 0 {
			return lines, truncated, nil
		}
	}
	return nil, false, nil
}
