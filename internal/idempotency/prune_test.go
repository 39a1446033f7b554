package idempotency_test

import (
	"context"
	"testing"
	"time"

	"lifecircle/internal/auth/rule"
	"lifecircle/internal/idempotency"
	"lifecircle/internal/testenv"
)

// A pruned key is gone and a kept one stays: after Prune, the old key's
// retry is a new request, the recent key still finds its record.
func TestPruneDeletesOnlyOldKeys(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		client := testenv.Client(t, b)
		ctx := rule.SystemContext(context.Background())
		now := time.Now()
		for _, k := range []struct {
			key string
			at  time.Time
		}{{"old", now.Add(-48 * time.Hour)}, {"recent", now.Add(-time.Hour)}} {
			client.IdempotencyKey.Create().SetScope("token:1").SetKey(k.key).SetField("createFacility").
				SetRequestHash("h").SetResultID(1).SetCreatedAt(k.at).ExecX(ctx)
		}
		n, err := idempotency.Prune(ctx, client, now.Add(-24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("Prune = %d, %v; want 1 key pruned", n, err)
		}
		var keys []string
		for _, k := range client.IdempotencyKey.Query().AllX(ctx) {
			keys = append(keys, k.Key)
		}
		if len(keys) != 1 || keys[0] != "recent" {
			t.Fatalf("keys left = %v, want [recent]", keys)
		}
	})
}
