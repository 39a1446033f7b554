package replica

import (
	"testing"
	"time"
)

func TestParseLSN(t *testing.T) {
	for in, want := range map[string]uint64{"0/0": 0, "0/16B3748": 0x16B3748, "1/0": 1 << 32, "A/FF": 0xA<<32 | 0xFF} {
		if got, err := parseLSN(in); err != nil || got != want {
			t.Errorf("parseLSN(%q) = %x, %v; want %x", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x/1", "16B3748"} {
		if _, err := parseLSN(in); err == nil {
			t.Errorf("parseLSN(%q): want an error", in)
		}
	}
}

// The lag is the age of the newest primary position the replica reached.
func TestLag(t *testing.T) {
	r := &Router{opts: Options{MaxLag: 10 * time.Second, Interval: time.Second}}
	t0 := time.Unix(1_000_000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	steps := []struct {
		now              int
		primary, replica uint64
		want             time.Duration
	}{
		{0, 100, 100, 0},               // caught up
		{1, 100, 100, 0},               // idle primary: no lag
		{2, 200, 100, 1 * time.Second}, // behind: the position of t=1 was reached
		{3, 300, 100, 2 * time.Second},
		{4, 300, 300, 0},
		{5, 400, 250, 3 * time.Second}, // reached t=2's 200, not t=3's 300
	}
	for _, s := range steps {
		if got := r.lag(at(s.now), s.primary, s.replica); got != s.want {
			t.Errorf("t=%d primary %d replica %d: lag %v, want %v", s.now, s.primary, s.replica, got, s.want)
		}
	}
	// Behind every position kept: at least the age of the oldest.
	r2 := &Router{opts: Options{MaxLag: time.Second, Interval: time.Second}}
	for i := range 10 {
		r2.lag(at(i), uint64(1000+i), 1)
	}
	if got := r2.lag(at(10), 2000, 1); got < 3*time.Second {
		t.Errorf("replica behind every sample: lag %v, want at least the window (3 s)", got)
	}
	if n := len(r2.samples); n > 5 {
		t.Errorf("%d samples kept for a 1 s bound, want a few", n)
	}
}

func TestStatusWithoutReplica(t *testing.T) {
	var r *Router
	if s := r.Status(); s.Configured || s.Serving {
		t.Errorf("no replica: %+v", s)
	}
}
