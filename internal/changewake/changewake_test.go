package changewake

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestBumpWakesAndRaisesTheGeneration(t *testing.T) {
	w := New()
	g := w.Gen()
	ch := w.Changed()
	select {
	case <-ch:
		t.Fatal("woken before any bump")
	default:
	}
	w.Bump()
	select {
	case <-ch:
	case <-time.After(time.Second):
		t.Fatal("a bump did not wake the waiter")
	}
	if w.Gen() != g+1 {
		t.Errorf("generation %d after one bump from %d", w.Gen(), g)
	}
	w.Close()
	w.Close() // twice is fine
	select {
	case <-w.Done():
	default:
		t.Fatal("Done not closed by Close")
	}
}

// Poll bumps when the log's last entry moves, not while it stays, and goes
// on after an error.
func TestPollBumpsOnlyWhenTheLogMoves(t *testing.T) {
	w := New()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var latest atomic.Int64
	var failures atomic.Int32
	fail := atomic.Bool{}
	go Poll(ctx, w, 10*time.Millisecond, func(context.Context) (int64, error) {
		if fail.Load() {
			return 0, errors.New("database away")
		}
		return latest.Load(), nil
	}, func(error) { failures.Add(1) })
	waitGen := func(want uint64) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for w.Gen() < want {
			if time.Now().After(deadline) {
				t.Fatalf("generation %d, want %d", w.Gen(), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitGen(2) // the first reading
	time.Sleep(60 * time.Millisecond)
	if g := w.Gen(); g != 2 {
		t.Fatalf("bumped while the log stood still: generation %d", g)
	}
	fail.Store(true)
	time.Sleep(40 * time.Millisecond)
	if failures.Load() == 0 {
		t.Error("errors not reported")
	}
	fail.Store(false)
	latest.Store(7)
	waitGen(3)
}
