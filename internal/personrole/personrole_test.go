package personrole

import (
	"slices"
	"testing"
)

func TestNormalize(t *testing.T) {
	got, err := Normalize([]string{" Volunteer", "党员", "resident"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"resident", "volunteer", "party_member"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range [][]string{{"resident", "居民"}, {"mayor"}, {""}, {"volunteer", "volunteer"}} {
		if _, err := Normalize(bad); err == nil {
			t.Errorf("%q: accepted", bad)
		}
	}
	if got, err := Normalize(nil); err != nil || len(got) != 0 {
		t.Errorf("no roles: %v %v", got, err)
	}
}

func TestCheckIsStrict(t *testing.T) {
	if err := Check([]string{"Resident"}); err == nil {
		t.Error("Check accepted a role in the wrong case")
	}
	if err := Check(Known); err != nil {
		t.Error(err)
	}
}
