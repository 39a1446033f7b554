package schema

import (
	"fmt"
	"strings"

	"lifecircle/internal/taxonomy"
)

func errUnknownCategory(code string) error {
	return fmt.Errorf("unknown category %q; valid codes: %s", code, strings.Join(taxonomy.Codes(), ", "))
}
