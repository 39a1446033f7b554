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
// with an offset, so no time is ever read in a guessed zone.
func UnmarshalTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("a Time must be an RFC 3339 string such as 2024-07-01T09:00:00+08:00")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time with an offset, such as 2024-07-01T09:00:00+08:00", s)
	}
	return t, nil
}
