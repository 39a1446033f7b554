// Package gid encodes ent's integer IDs as opaque Relay global IDs.
//
// With ent's global-ID feature every type owns a range of 2^32 integers, so
// the integer alone names the type; the string form hides the integer so
// clients treat IDs as opaque and never build them.
package gid

import (
	"encoding/base64"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
)

const prefix = "lc:"

// Encode returns the global ID of an ent ID.
func Encode(id int) string { return string(Append(nil, id)) }

// Append appends the global ID of an ent ID to b.
func Append(b []byte, id int) []byte {
	var raw [32]byte
	return base64.RawURLEncoding.AppendEncode(b, strconv.AppendInt(append(raw[:0], prefix...), int64(id), 10))
}

// Decode parses a global ID. Only the spelling Encode writes is accepted
// (no leading zeros, sign or stray base64 bits), so each record has exactly
// one ID and an error can quote the ID a client sent as Encode(id).
func Decode(s string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(raw), prefix) {
		return 0, fmt.Errorf("%q is not a valid ID", truncate(s))
	}
	id, err := strconv.Atoi(string(raw[len(prefix):]))
	if err != nil || id <= 0 || Encode(id) != s {
		return 0, fmt.Errorf("%q is not a valid ID", truncate(s))
	}
	return id, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// MarshalID is the GraphQL marshaller of the ID scalar.
func MarshalID(id int) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(Encode(id)))
	})
}

// UnmarshalID is the GraphQL unmarshaller of the ID scalar.
func UnmarshalID(v any) (int, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("an ID must be a string")
	}
	return Decode(s)
}
