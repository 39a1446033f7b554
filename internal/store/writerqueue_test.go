package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lifecircle/internal/auth/rule"
	"lifecircle/internal/store"
)

// SQLite writers take turns in the order they asked, however long the
// turn ahead of them: one queued behind a transaction that outlasts
// SQLite's busy_timeout (10 s) still gets its turn, and a writer that
// gives up leaves the queue without taking one. Left to SQLite, waiters
// poll and whichever polls first wins: the order below would be any, and
// the writers would fail with SQLITE_BUSY after 10 s.
func TestSQLiteWritersTakeTurnsInOrder(t *testing.T) {
	t.Parallel()
	ctx := rule.SystemContext(context.Background())
	st, err := store.Open(ctx, store.Options{URL: "sqlite:" + filepath.Join(t.TempDir(), "queue.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Client.Close()

	first, err := st.Client.Tx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := first.Region.Delete().Exec(ctx); err != nil { // a write: the lock is held
		t.Fatal(err)
	}
	start := time.Now()

	// One gives up while waiting.
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if tx, err := st.Client.Tx(short); !errors.Is(err, context.DeadlineExceeded) {
		if tx != nil {
			_ = tx.Rollback()
		}
		t.Fatalf("a writer whose request ended while it waited: %v, want context.DeadlineExceeded", err)
	}

	// Five queue up, 200 ms apart.
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := st.Client.Tx(ctx)
			if err != nil {
				t.Errorf("writer %d after %s: %v", i, time.Since(start).Round(time.Millisecond), err)
				return
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			if _, err := tx.Region.Delete().Exec(ctx); err != nil {
				t.Error(err)
			}
			if err := tx.Commit(); err != nil {
				t.Error(err)
			}
		}()
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(11*time.Second - time.Since(start))
	if err := first.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(order) != 5 || order[0] != 0 || order[1] != 1 || order[2] != 2 || order[3] != 3 || order[4] != 4 {
		t.Errorf("writers took their turns in the order %v, want [0 1 2 3 4]", order)
	}
}
