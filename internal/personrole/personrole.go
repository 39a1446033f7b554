// Package personrole is the set of roles a person holds in their community
// (a party member may also be a volunteer and a grid worker). It imports
// no generated code, so the ent schema validates roles with it.
package personrole

import (
	"fmt"
	"slices"
	"strings"

	"lifecircle/internal/apperr"
)

// Known are the roles, in their canonical order.
var Known = []string{"resident", "volunteer", "party_member", "grid_worker"}

// aliases are the Chinese names staff type at the counter (and in CSV files).
var aliases = map[string]string{
	"居民": "resident", "志愿者": "volunteer", "党员": "party_member", "网格员": "grid_worker",
}

// Check refuses a role list with an unknown role or the same role twice.
func Check(roles []string) error {
	seen := make(map[string]bool, len(roles))
	for _, r := range roles {
		if !slices.Contains(Known, r) {
			return apperr.Invalid("roles",
				fmt.Sprintf("unknown role %q: roles are %s", r, strings.Join(Known, ", ")),
				fmt.Sprintf("未知角色 %q：角色为 %s", r, strings.Join(Known, "、")))
		}
		if seen[r] {
			return apperr.Invalid("roles",
				fmt.Sprintf("role %q is given twice: roles are a set", r),
				fmt.Sprintf("角色 %q 重复：每个角色只能出现一次", r))
		}
		seen[r] = true
	}
	return nil
}

// Normalize returns roles in canonical order after Check, each role
// given by its name (in any case) or its Chinese name; surrounding spaces
// are ignored. Duplicates are refused, not merged: a list that names a
// role twice is a typing mistake worth reporting.
func Normalize(roles []string) ([]string, error) {
	out := make([]string, 0, len(roles))
	for _, r := range roles {
		r = strings.TrimSpace(r)
		if a, ok := aliases[r]; ok {
			r = a
		} else {
			r = strings.ToLower(r)
		}
		out = append(out, r)
	}
	if err := Check(out); err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(Known, a) - slices.Index(Known, b) })
	return out, nil
}
