package schema

import (
	"fmt"
	"strings"

	"lifecircle/internal/apperr"
	"lifecircle/internal/taxonomy"
)

// errUnknownCategory refuses a category code; the GraphQL layer names the
// field from the ent field the validator belongs to.
func errUnknownCategory(code string) error {
	if r := []rune(code); len(r) > 40 {
		code = string(r[:40]) + "…"
	}
	return apperr.Invalid("",
		fmt.Sprintf("unknown category %q; valid codes: %s", code, strings.Join(taxonomy.Codes(), ", ")),
		fmt.Sprintf("未知的设施分类 %q；可用的分类代码见 categories 查询", code))
}
