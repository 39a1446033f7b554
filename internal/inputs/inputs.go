// Package inputs holds the rules every written value obeys, whatever path
// it comes by (GraphQL, the command line, the demo loader): free text is
// trimmed of invisible characters and refused when nothing visible is left,
// lists are bounded, times lie in a sane range. The ent schema applies them
// in hooks and field validators; the GraphQL layer reports a refusal as
// BAD_USER_INPUT with extensions.field and a Chinese message.
package inputs

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"lifecircle/internal/apperr"
)

// Bounds of list fields (tags, services, target groups).
const (
	MaxListItems = 50  // items in one list
	MaxItemBytes = 200 // UTF-8 bytes of one item
)

// Earliest and Latest bound every time written or read as input: the
// founding of the People's Republic to the end of this century, in China's
// civil time. (Before 1901 Asia/Shanghai has a local-mean-time offset of
// +08:05:43, which RFC 3339 cannot write, so such times would not round-trip.)
var (
	Earliest = time.Date(1949, 1, 1, 0, 0, 0, 0, beijing)
	Latest   = time.Date(2100, 12, 31, 23, 59, 59, 999999999, beijing)
)

// beijing is China Standard Time; on both bounds Asia/Shanghai is +08:00.
var beijing = time.FixedZone("CST", 8*3600)

// Time refuses a time outside Earliest … Latest.
func Time(t time.Time) error {
	if t.Before(Earliest) || t.After(Latest) {
		return apperr.Invalid("",
			fmt.Sprintf("%s is outside the supported range 1949-01-01 to 2100-12-31", t.Format(time.RFC3339)),
			fmt.Sprintf("%s 超出支持的时间范围（1949-01-01 至 2100-12-31）", t.Format(time.RFC3339)))
	}
	return nil
}

// Text normalises free text: it trims invisible characters (spaces,
// zero-width and other format characters) from both ends and refuses
// text that is not valid UTF-8, holds control characters other than tab
// and line breaks, or has nothing visible at all. The empty string stays
// empty (required fields refuse it with their own validator).
func Text(s string) (string, error) {
	if s == "" {
		return s, nil
	}
	if !utf8.ValidString(s) {
		return "", apperr.Invalid("", "the text is not valid UTF-8", "文本不是有效的 UTF-8")
	}
	for _, r := range s {
		if isControl(r) {
			return "", apperr.Invalid("",
				fmt.Sprintf("the text holds a control character (U+%04X)", r),
				fmt.Sprintf("文本含有控制字符（U+%04X）", r))
		}
	}
	t := strings.TrimFunc(s, Invisible)
	if t == "" {
		return "", apperr.Invalid("",
			"the text has no visible characters (only spaces or invisible characters)",
			"文本没有可见字符（只有空格或不可见字符）")
	}
	return t, nil
}

// List normalises each item as Text does and refuses empty items, more
// than MaxListItems items and items over MaxItemBytes bytes.
func List(items []string) ([]string, error) {
	if err := CheckList(items); err != nil {
		return nil, err
	}
	out := make([]string, len(items))
	for i, s := range items {
		t, err := Text(s)
		if err != nil {
			return nil, err
		}
		if t == "" {
			return nil, apperr.Invalid("", "a list item is empty", "列表中有空项")
		}
		out[i] = t
	}
	return out, nil
}

// CheckList refuses a list over the bounds (the field validator of list
// fields: ent runs it on every write).
func CheckList(items []string) error {
	if len(items) > MaxListItems {
		return apperr.Invalid("",
			fmt.Sprintf("at most %d items, got %d", MaxListItems, len(items)),
			fmt.Sprintf("最多 %d 项，收到 %d 项", MaxListItems, len(items)))
	}
	for _, s := range items {
		if len(s) > MaxItemBytes {
			return apperr.Invalid("",
				fmt.Sprintf("an item is %d bytes long; at most %d", len(s), MaxItemBytes),
				fmt.Sprintf("有一项长 %d 字节，最多 %d 字节", len(s), MaxItemBytes))
		}
	}
	return nil
}

// Invisible reports whether r shows nothing: white space, format
// characters (zero-width space and joiners, byte-order mark, direction
// marks), control characters, and the fillers that render blank.
func Invisible(r rune) bool {
	switch r {
	case '\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800', '\u180E':
		return true
	}
	return unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || !unicode.IsPrint(r)
}

// isControl reports a control character other than tab, LF and CR.
func isControl(r rune) bool {
	return unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r'
}

// GraphQLName is the GraphQL name of an ent field: opening_hours is
// openingHours, community_id is communityID.
func GraphQLName(name string) string {
	parts := strings.Split(name, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] == "id" {
			parts[i] = "ID"
		} else if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// OnField returns err, if it is an *apperr.Error without a field, as a copy
// naming the ent field name (in its GraphQL spelling).
func OnField(err error, name string) error {
	if e, ok := apperr.As(err); ok && e.Field == "" {
		c := *e
		c.Field = GraphQLName(name)
		return &c
	}
	return err
}
