package walknet

import (
	"context"
	"fmt"

	"lifecircle/ent"
	"lifecircle/internal/auth/rule"
)

// Save stores g under name. Servers pick it up through the change log.
func Save(ctx context.Context, client *ent.Client, name string, g *Graph) (*ent.WalkNetwork, error) {
	data, err := g.Encode()
	if err != nil {
		return nil, err
	}
	ctx = rule.SystemContext(ctx)
	tx, err := client.Tx(ctx)
	if err != nil {
		return nil, fmt.Errorf("walknet: begin: %w", err)
	}
	row, err := tx.WalkNetwork.Create().SetName(name).
		SetMinLat(g.MinLat).SetMinLng(g.MinLng).SetMaxLat(g.MaxLat).SetMaxLng(g.MaxLng).
		SetNodeCount(g.Nodes()).SetEdgeCount(g.Edges()).SetGraph(data).Save(ctx)
	if err != nil {
		_ = tx.Rollback()
		return nil, fmt.Errorf("walknet: save: %w", err)
	}
	return row, tx.Commit()
}
