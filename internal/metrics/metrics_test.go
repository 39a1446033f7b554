package metrics

import (
	"fmt"
	"strings"
	"testing"
)

func TestOperationLabel(t *testing.T) {
	m := New()
	for _, c := range []struct {
		name  string
		hasOp bool
		want  string
	}{
		{"", false, NoOperation},
		{"Regions", false, NoOperation},
		{"", true, Anonymous},
		{"Regions", true, "Regions"},
		{strings.Repeat("x", MaxOperationName), true, strings.Repeat("x", MaxOperationName)},
		{strings.Repeat("x", MaxOperationName+1), true, OtherLabel},
		{"bad name", true, OtherLabel},
		{"9lives", true, OtherLabel},
		{Anonymous, true, OtherLabel}, // a named operation cannot pass for an unnamed one
		{NoOperation, true, OtherLabel},
	} {
		if got := m.OperationLabel(c.name, c.hasOp); got != c.want {
			t.Errorf("OperationLabel(%q, %v) = %q, want %q", c.name, c.hasOp, got, c.want)
		}
	}
	// Two were admitted above; fill the rest, then no more.
	for i := 0; i < MaxOperationNames-2; i++ {
		if got := m.OperationLabel(fmt.Sprintf("Op%d", i), true); got != fmt.Sprintf("Op%d", i) {
			t.Fatalf("name %d refused before the bound: %q", i, got)
		}
	}
	if got := m.OperationLabel("OneTooMany", true); got != OtherLabel {
		t.Errorf("past the bound: %q", got)
	}
	if got := m.OperationLabel("Regions", true); got != "Regions" {
		t.Errorf("a name admitted before the bound stays: %q", got)
	}
}

func TestNilMetricsDoNothing(t *testing.T) {
	var m *Metrics
	m.Request("/graphql", "POST", 200, 0)
	m.Operation("Q", "query", "ok", 0)
	m.Error("INTERNAL")
	m.Charged(BudgetPublic, 10, true)
	m.CacheLookup(CacheAPQ, true)
	m.PublicationCheck(true, nil)
	m.WatchDB("primary", nil)
	m.WatchServiceMap(nil)
	m.RequestStarted()()
	if got := m.OperationLabel("Q", true); got != "Q" {
		t.Errorf("nil OperationLabel = %q", got)
	}
}

// Error codes a resolver or library could make up are bounded too.
func TestErrorCodesAreBounded(t *testing.T) {
	m := New()
	m.Error("")
	m.Error("lower_case")
	m.Error(strings.Repeat("A", 49))
	for i := 0; i < MaxErrorCodes+10; i++ {
		m.Error(fmt.Sprintf("CODE_%d", i))
	}
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != "lifecircle_errors_total" {
			continue
		}
		for _, s := range f.Metric {
			codes[s.Label[0].GetValue()] = s.Counter.GetValue()
		}
	}
	if len(codes) != MaxErrorCodes+2 || codes["UNKNOWN"] != 1 || codes["OTHER"] != 2+10 {
		t.Errorf("%d code labels (want %d, UNKNOWN 1, OTHER 12): UNKNOWN %v, OTHER %v", len(codes), MaxErrorCodes+2, codes["UNKNOWN"], codes["OTHER"])
	}
}
