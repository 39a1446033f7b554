package people

import (
	"slices"
	"testing"

	"lifecircle/internal/apperr"
)

func TestPhone(t *testing.T) {
	for in, want := range map[string]string{" 139 0000-1111 ": "139 0000-1111", "+86 13900001111": "+86 13900001111", "": "", "000-0000-0001": "000-0000-0001"} {
		if got, err := Phone(in); err != nil || got != want {
			t.Errorf("Phone(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"1234", "139abc00001", "13900001111+", "1-2-3", "123456789012345678901", "１３９００００１１１１"} {
		if _, err := Phone(bad); err == nil {
			t.Errorf("Phone(%q) accepted", bad)
		}
	}
}

func TestNameAndBirthYear(t *testing.T) {
	if n, err := Name(" 王小明\u200b "); err != nil || n != "王小明" {
		t.Errorf("Name: %q %v", n, err)
	}
	for _, bad := range []string{"", "   ", "\u200b"} {
		if _, err := Name(bad); err == nil {
			t.Errorf("Name(%q) accepted", bad)
		}
	}
	if err := BirthYear(1899); err == nil {
		t.Error("1899 accepted")
	}
	if err := BirthYear(3000); err == nil {
		t.Error("3000 accepted")
	}
	if err := BirthYear(1950); err != nil {
		t.Error(err)
	}
}

func TestCheckNewDefaultsToResident(t *testing.T) {
	v, err := checkNew(Input{Name: "甲"})
	if err != nil || !slices.Equal(v.roles, []string{"resident"}) {
		t.Errorf("%+v %v", v, err)
	}
	_, err = checkNew(Input{Name: "甲", Roles: []string{"volunteer", "志愿者"}})
	if e, ok := apperr.As(err); !ok || e.Field != "roles" {
		t.Errorf("duplicate role: %v", err)
	}
}

func TestReadHeader(t *testing.T) {
	col, names, err := readHeader([]string{" 姓名", "Phone", "出生年份", "角色", "teams"})
	if err != nil {
		t.Fatal(err)
	}
	if col["name"] != 0 || col["phone"] != 1 || col["birth_year"] != 2 || col["roles"] != 3 || col["teams"] != 4 || names["name"] != "姓名" {
		t.Errorf("%v %v", col, names)
	}
	for _, bad := range [][]string{{"phone"}, {"name", "id_number"}, {"name", "姓名"}} {
		if _, _, err := readHeader(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseRow(t *testing.T) {
	col := map[string]int{"name": 0, "birth_year": 1, "roles": 2, "teams": 3}
	teams := map[string]int{"助老队": 7, "党支部": 9}
	in, err := parseRow([]string{"甲", "1950", "居民；志愿者", "助老队; 党支部"}, col, teams)
	if err != nil {
		t.Fatal(err)
	}
	if *in.BirthYear != 1950 || !slices.Equal(in.Roles, []string{"居民", "志愿者"}) || !slices.Equal(in.TeamIDs, []int{7, 9}) {
		t.Errorf("%+v", in)
	}
	if _, err := parseRow([]string{"甲", "nineteen", "", ""}, col, teams); err == nil {
		t.Error("a year in words accepted")
	}
	_, err = parseRow([]string{"甲", "", "", "舞蹈队"}, col, teams)
	if e, ok := apperr.As(err); !ok || fieldColumn(e.Field) != "teams" {
		t.Errorf("unknown team: %v", err)
	}
	if _, err := checkRow(Input{Name: "甲", TeamIDs: []int{7, 7}}); err == nil {
		t.Error("a team named twice accepted")
	}
}
