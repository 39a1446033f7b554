package limits

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestByteLRUIsBoundedInBytes(t *testing.T) {
	ctx := context.Background()
	c := NewByteLRU(10_000, 2_000, func(k, v string) int { return len(k) + len(v) })
	big := strings.Repeat("x", 1_000)
	for i := range 100 {
		c.Add(ctx, fmt.Sprint(i), big)
		if c.Bytes() > 10_000 {
			t.Fatalf("after %d entries the cache holds %d bytes", i+1, c.Bytes())
		}
	}
	if _, ok := c.Get(ctx, "0"); ok {
		t.Error("the oldest entry should have been evicted")
	}
	if v, ok := c.Get(ctx, "99"); !ok || v != big {
		t.Error("the newest entry is missing")
	}
	c.Add(ctx, "huge", strings.Repeat("y", 5_000))
	if _, ok := c.Get(ctx, "huge"); ok {
		t.Error("an entry over maxEntry must not be kept")
	}
	// The cache holds nine such entries; a recently read one outlives the
	// eight added after it.
	c.Get(ctx, "91")
	for i := range 8 {
		c.Add(ctx, fmt.Sprint("new", i), big)
	}
	if _, ok := c.Get(ctx, "91"); !ok {
		t.Error("a recently read entry was evicted before older ones")
	}
}
