package recurring

import (
	"testing"
	"time"

	"lifecircle/internal/apperr"
	"lifecircle/internal/timefmt"
)

// A bounded series ends with its last occurrence; an unbounded one has no
// end; exception dates show as cancelled; bad rules are BAD_USER_INPUT.
func TestSeries(t *testing.T) {
	start := time.Date(2030, 1, 15, 9, 0, 0, 0, timefmt.Local)
	s := Series{Rule: "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3", Start: start, End: start.Add(2 * time.Hour),
		ExDates: []time.Time{start.AddDate(0, 1, 0)}}
	end, err := Check(s)
	if err != nil || end == nil || !end.Equal(time.Date(2030, 3, 15, 11, 0, 0, 0, timefmt.Local)) {
		t.Fatalf("end %v, %v", end, err)
	}
	occ, err := Between(s, start.AddDate(-1, 0, 0), start.AddDate(1, 0, 0), 10)
	if err != nil || len(occ) != 3 || occ[0].Cancelled || !occ[1].Cancelled || occ[2].Cancelled {
		t.Fatalf("occurrences %+v, %v", occ, err)
	}
	s.Rule = "FREQ=MONTHLY;BYMONTHDAY=15"
	if end, err := Check(s); err != nil || end != nil {
		t.Errorf("unbounded: %v, %v", end, err)
	}
	// An occurrence that overlaps from (started before, ends after) counts.
	if occ, _ := Between(s, start.Add(time.Hour), start.Add(90*time.Minute), 10); len(occ) != 1 {
		t.Errorf("overlap: %+v", occ)
	}
	for _, bad := range []string{"FREQ=SOMETIMES", "FREQ=MINUTELY", "FREQ=DAILY;BYHOUR=9", "COUNT=3", "FREQ=DAILY;COUNT=1001"} {
		if e, ok := apperr.As(ValidateRule(bad)); !ok || e.Code != apperr.CodeBadInput {
			t.Errorf("%s: %v", bad, ValidateRule(bad))
		}
	}
	if _, err := CheckRange(start, start.AddDate(2, 0, 0), nil); err == nil {
		t.Error("a two-year range was accepted")
	}
}
