package opendata_test

import (
	"context"
	"encoding/csv"
	"net/http/httptest"
	"strings"
	"testing"

	"entgo.io/ent"

	gen "lifecircle/ent"
	"lifecircle/ent/facility"
	"lifecircle/internal/auth/rule"
	"lifecircle/internal/opendata"
	"lifecircle/internal/testenv"
)

// onlyPharmacies is the Facility policy with a query rule that filters
// rows, as a privacy filter rule would.
type onlyPharmacies struct{ ent.Policy }

func (p onlyPharmacies) EvalQuery(ctx context.Context, q ent.Query) error {
	if fq, ok := q.(*gen.FacilityQuery); ok {
		fq.Where(facility.CategoryEQ("pharmacy"))
	}
	return p.Policy.EvalQuery(ctx, q)
}

// The export reads rows into its own buffers, but through an ent query: the
// Facility privacy policy decides which rows it sees.
func TestExportRunsThePrivacyPolicy(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		client := testenv.Client(t, b)
		ctx := rule.SystemContext(context.Background())
		all := client.Facility.Query().CountX(ctx)
		pharmacies := client.Facility.Query().Where(facility.CategoryEQ("pharmacy")).CountX(ctx)
		if pharmacies == 0 || pharmacies == all {
			t.Fatalf("the demo data needs pharmacies and other facilities: %d of %d", pharmacies, all)
		}
		download := func() [][]string {
			rec := httptest.NewRecorder()
			opendata.Handler(client, "csv").ServeHTTP(rec, httptest.NewRequest("GET", "/open/facilities.csv", nil))
			rows, err := csv.NewReader(strings.NewReader(rec.Body.String())).ReadAll()
			if rec.Code != 200 || err != nil {
				t.Fatalf("download: %d %v", rec.Code, err)
			}
			return rows[1:]
		}
		if rows := download(); len(rows) != all {
			t.Fatalf("%d rows, want all %d", len(rows), all)
		}

		orig := facility.Policy
		facility.Policy = onlyPharmacies{orig}
		defer func() { facility.Policy = orig }()
		rows := download()
		if len(rows) != pharmacies {
			t.Errorf("%d rows under a policy that shows only the %d pharmacies", len(rows), pharmacies)
		}
		for _, r := range rows {
			if r[4] != "pharmacy" {
				t.Errorf("the policy hides %v", r)
			}
		}
	})
}
