package taxonomy

import "testing"

func TestTable(t *testing.T) {
	for _, c := range All() {
		if c.Code == "" || c.Labels.ZhHans == "" || c.Labels.ZhHant == "" || c.Labels.En == "" || c.Group == "" {
			t.Errorf("%q: every category needs a code, three labels and a group", c.Code)
		}
		if c.Standard != (c.Tier != TierNone) {
			t.Errorf("%q: standard rows have a tier, project rows none", c.Code)
		}
		if !Valid(c.Code) {
			t.Errorf("%q: not found by Valid", c.Code)
		}
	}
	if Valid("spaceport") {
		t.Error("unknown code accepted")
	}
	k, _ := Lookup("kindergarten")
	if k.Tier != Tier5 || !k.Required || k.ServiceRadiusMeters != 300 || k.Tier.Minutes() != 5 {
		t.Errorf("kindergarten: %+v", k)
	}
}
