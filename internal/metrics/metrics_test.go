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
