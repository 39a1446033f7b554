// Package timefmt fixes how lifecircle reads and writes times: RFC 3339 with
// an explicit offset, shown in China's civil time (Asia/Shanghai) whatever
// the database hands back.
package timefmt

import (
	"fmt"
	"io"
	"strconv"
	"time"
	_ "time/tzdata" // Asia/Shanghai even on machines without zoneinfo

	"github.com/99designs/gqlgen/graphql"

	"lifecircle/internal/apperr"
	"lifecircle/internal/inputs"
)

// Local is the time zone of the communities: China uses one civil time.
var Local = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// Format writes t in RFC 3339 in Local.
func Format(t time.Time) string { return t.In(Local).Format(time.RFC3339) }

// Append appends t as Format writes it to b.
func Append(b []byte, t time.Time) []byte { return t.In(Local).AppendFormat(b, time.RFC3339) }

// MarshalTime is the GraphQL marshaller of the Time scalar.
func MarshalTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(Format(t)))
	})
}

// UnmarshalTime is the GraphQL unmarshaller of the Time scalar: RFC 3339
// with an offset, so no time is ever read in a guessed zone, and within
// inputs.Earliest … inputs.Latest; fractions of a second are dropped.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, apperr.Invalid("", "a Time must be an RFC 3339 string such as 2024-07-01T09:00:00+08:00",
			"时间必须是 RFC 3339 字符串，如 2024-07-01T09:00:00+08:00")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if r := []rune(s); len(r) > 40 {
			s = string(r[:40]) + "…"
		}
		return time.Time{}, apperr.Invalid("", fmt.Sprintf("%q is not an RFC 3339 time with an offset, such as 2024-07-01T09:00:00+08:00", s),
			fmt.Sprintf("%q 不是带时区偏移的 RFC 3339 时间，如 2024-07-01T09:00:00+08:00", s))
	}
	if err := inputs.Time(t); err != nil {
		return time.Time{}, err
	}
	// Times are written to the second; keeping finer digits would store
	// an instant no answer could show.
	return t.Truncate(time.Second), nil
}
