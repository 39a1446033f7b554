package live

import (
	"context"
	"fmt"

	"lifecircle/ent"
	"lifecircle/ent/change"
	"lifecircle/internal/auth/rule"
)

// ChangesSource is the name of the change log of public records.
const ChangesSource = "changes"

// Changes is the change log of public records (ent's Change) as a Source.
type Changes struct{ Client *ent.Client }

// Name is ChangesSource.
func (Changes) Name() string { return ChangesSource }

// Read returns the entries after the position after.
func (c Changes) Read(ctx context.Context, after, limit int) ([]Event, error) {
	rows, err := c.Client.Change.Query().Where(change.IDGT(after)).
		Order(ent.Asc(change.FieldID)).Limit(limit).All(rule.SystemContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("live: the change log: %w", err)
	}
	out := make([]Event, len(rows))
	for i, r := range rows {
		out[i] = Event{Seq: r.ID, Entity: r.Entity, ID: r.EntityID, Op: string(r.Op), At: r.At}
	}
	return out, nil
}

// Latest is the ID of the last entry.
func (c Changes) Latest(ctx context.Context) (int, error) {
	r, err := c.Client.Change.Query().Order(ent.Desc(change.FieldID)).Select(change.FieldID).First(rule.SystemContext(ctx))
	if ent.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("live: the change log: %w", err)
	}
	return r.ID, nil
}
