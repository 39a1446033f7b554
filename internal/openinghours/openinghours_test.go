package openinghours

import (
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestOpenAt(t *testing.T) {
	// 2024-07-01 is a Monday.
	cases := []struct {
		hours string
		at    string
		want  bool
	}{
		{"24/7", "2024-07-07T03:00:00+08:00", true},
		{"Mo-Fr 08:30-12:00,14:30-18:00", "2024-07-01T08:29:00+08:00", false},
		{"Mo-Fr 08:30-12:00,14:30-18:00", "2024-07-01T08:30:00+08:00", true},
		{"Mo-Fr 08:30-12:00,14:30-18:00", "2024-07-01T12:00:00+08:00", false},
		{"Mo-Fr 08:30-12:00,14:30-18:00", "2024-07-05T17:59:00+08:00", true},
		{"Mo-Fr 08:30-12:00,14:30-18:00", "2024-07-06T10:00:00+08:00", false},
		{"Mo-Su 06:30-20:00; Su off", "2024-07-07T10:00:00+08:00", false},
		{"Mo-Su 06:30-20:00; Su off", "2024-07-06T10:00:00+08:00", true},
		{"Sa-Mo 10:00-11:00", "2024-07-01T10:30:00+08:00", true}, // wrapping range includes Monday
		{"Sa-Mo 10:00-11:00", "2024-07-02T10:30:00+08:00", false},
		{"Mo 00:00-24:00", "2024-07-01T23:59:00+08:00", true},
		// 2024-07-01T02:00Z is 10:00 on Monday in Shanghai.
		{"Mo 09:00-11:00", "2024-07-01T02:00:00Z", true},
	}
	for _, c := range cases {
		s, err := Parse(c.hours)
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.hours, err)
		}
		if got := s.OpenAt(at(c.at)); got != c.want {
			t.Errorf("%q at %s: got %v, want %v", c.hours, c.at, got, c.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, bad := range []string{
		"", "always", "Mo-Fr", "Xx 08:00-09:00", "Mo 8:00-9:00", "Mo 09:00-08:00",
		"Mo 25:00-26:00", "Mo 10:00-10:00", "Mo 24:30-24:45", "Mo 10:00",
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q): want an error", bad)
		}
	}
}
