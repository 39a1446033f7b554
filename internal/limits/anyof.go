package limits

import (
	"strconv"

	"lifecircle/internal/apperr"
)

// MaxAnyOfValues bounds the values of an any-of list argument outside a
// where: filter (facilitiesNear's services and tags, the widget's, the
// facilityChanged subscription's). A facility holds at most 50 services and
// 50 tags; a client naming more than this many is asking a different
// question (use facilities(where:) or a download).
const MaxAnyOfValues = 20

// CheckAnyOf validates the values of the any-of list argument field: at most
// MaxAnyOfValues values (FILTER_LIMIT), each non-empty (BAD_USER_INPUT) and
// at most MaxFilterTextBytes long (FILTER_LIMIT), as in a where: filter.
func CheckAnyOf(field string, values []string) error {
	if len(values) > MaxAnyOfValues {
		return &apperr.Error{Code: CodeFilter, Field: field,
			Message:   "at most " + itoa(MaxAnyOfValues) + " values in " + field + ", got " + itoa(len(values)),
			MessageZh: field + " 最多 " + itoa(MaxAnyOfValues) + " 项，收到 " + itoa(len(values)) + " 项"}
	}
	for _, v := range values {
		if v == "" {
			return apperr.Invalid(field, "an empty value in "+field, field+" 中有空值")
		}
		if len(v) > MaxFilterTextBytes {
			return &apperr.Error{Code: CodeFilter, Field: field,
				Message:   "a value in " + field + " is at most " + itoa(MaxFilterTextBytes) + " bytes",
				MessageZh: field + " 中的每一项最多 " + itoa(MaxFilterTextBytes) + " 字节"}
		}
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }
