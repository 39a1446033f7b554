// Package scalar holds lifecircle's marshallers of GraphQL's built-in Float
// and Int scalars (bound in gqlgen.yml). They refuse, for every argument,
// input field and variable at once, the values the spec's scalars cannot
// hold but Go's would: NaN and ±Infinity (which strconv.ParseFloat reads
// from the strings "NaN" and "Infinity"), and integers outside GraphQL's
// 32-bit Int.
package scalar

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"lifecircle/internal/apperr"
)

// MarshalFloat writes a finite float; a non-finite one is an error (JSON
// has no NaN), as gqlgen's own marshaller does.
func MarshalFloat(f float64) graphql.ContextMarshaler {
	return graphql.MarshalFloatContext(f)
}

// UnmarshalFloat reads a Float: a JSON number, an integer, or a numeric
// string, and refuses anything that is not a finite number.
func UnmarshalFloat(ctx context.Context, v any) (float64, error) {
	var f float64
	var err error
	switch v := v.(type) {
	case string:
		f, err = strconv.ParseFloat(v, 64)
	case json.Number:
		f, err = strconv.ParseFloat(string(v), 64)
	case int:
		f = float64(v)
	case int64:
		f = float64(v)
	case float64:
		f = v
	default:
		err = fmt.Errorf("%T", v)
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, NotFinite(v)
	}
	return f, nil
}

// NotFinite is the error of a Float input that is not a finite number.
func NotFinite(v any) *apperr.Error {
	return apperr.Invalid("",
		fmt.Sprintf("%s is not a finite number", show(v)),
		fmt.Sprintf("%s 不是有限的数值", show(v)))
}

// MarshalInt writes an int.
func MarshalInt(i int) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { _, _ = io.WriteString(w, strconv.Itoa(i)) })
}

// UnmarshalInt reads an Int and refuses values outside GraphQL's signed
// 32-bit range, which clients (JavaScript among them) cannot hold.
func UnmarshalInt(v any) (int, error) {
	var n int64
	var err error
	switch v := v.(type) {
	case string:
		n, err = strconv.ParseInt(v, 10, 64)
	case json.Number:
		n, err = strconv.ParseInt(string(v), 10, 64)
	case int:
		n = int64(v)
	case int64:
		n = v
	case float64:
		if v != math.Trunc(v) || math.Abs(v) > math.MaxInt32 {
			err = fmt.Errorf("not an int")
		}
		n = int64(v)
	default:
		err = fmt.Errorf("%T", v)
	}
	if err != nil || n < math.MinInt32 || n > math.MaxInt32 {
		return 0, apperr.Invalid("",
			fmt.Sprintf("%s is not an Int (a whole number from %d to %d)", show(v), math.MinInt32, math.MaxInt32),
			fmt.Sprintf("%s 不是 Int（%d 至 %d 之间的整数）", show(v), math.MinInt32, math.MaxInt32))
	}
	return int(n), nil
}

// show renders an input value for a message, cut short.
func show(v any) string {
	s := fmt.Sprint(v)
	if _, ok := v.(string); ok {
		s = strconv.Quote(s)
	}
	if r := []rune(s); len(r) > 40 {
		s = string(r[:40]) + "…"
	}
	return s
}
