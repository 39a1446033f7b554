package limits

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// The cost walk visits each fragment once. Fragments F0…F39, each
// spreading the next twice, ending in __typename (which costs nothing, so
// the cost limit never stops the walk), have 2^40 leaves: walked at every
// spread, this would not finish.
func TestCostWalkVisitsEachFragmentOnce(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Input: "type Query { a: Int }"})
	var doc strings.Builder
	doc.WriteString("{ ...F0 }\n")
	for i := range 40 {
		fmt.Fprintf(&doc, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	doc.WriteString("fragment F40 on Query { __typename }\n")
	q, errs := gqlparser.LoadQuery(schema, doc.String())
	if errs != nil {
		t.Fatal(errs)
	}
	c := &Checker{MaxDepth: 12, MaxCost: 25000, schema: schema}
	rc := &graphql.OperationContext{RawQuery: doc.String(), Doc: q, Operation: q.Operations[0]}
	start := time.Now()
	if err := c.MutateOperationContext(context.Background(), rc); err != nil {
		t.Fatalf("a cheap document was refused: %v", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("costing took %v", took)
	}
	// Only __typename, free: the cost is the document's size, a point a KiB.
	if cost, want := rc.Stats.GetExtension("cost").(Cost), doc.Len()/1024; cost.Requested != want {
		t.Errorf("the document costs %d, want %d", cost.Requested, want)
	}
}
