package limits

import (
	"bytes"
	"encoding/base64"

	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// MaxCursorBytes bounds the text of a connection cursor. The cursors this
// server hands out are an ID and at most one order value (a name, a time):
// well under this.
const MaxCursorBytes = 512

// maxCursorValues bounds the order values in one cursor (entgql writes one
// per orderBy term).
const maxCursorValues = 8

// checkCursor validates an after/before argument before entgql decodes it.
// entgql decodes the msgpack of a cursor into an untyped value, recursively
// and without bounds; here the cursor's size is capped and its shape is
// checked as the typed value it must be: a map of "i" (an integer ID) and
// optionally "v" (a scalar or a short flat list of scalars).
func checkCursor(v any) *gqlerror.Error {
	s, ok := v.(string)
	if !ok {
		return badCursor("a cursor is a string")
	}
	if len(s) > MaxCursorBytes {
		return badCursor("the cursor is longer than %d characters; use a cursor this server returned", MaxCursorBytes)
	}
	raw, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return badCursor("the cursor is not one this server returned")
	}
	if !validCursor(raw) {
		return badCursor("the cursor is not one this server returned")
	}
	return nil
}

func badCursor(format string, args ...any) *gqlerror.Error {
	return limitError("BAD_USER_INPUT", nil, format, args...)
}

func validCursor(raw []byte) bool {
	r := bytes.NewReader(raw)
	dec := msgpack.NewDecoder(r)
	n, err := dec.DecodeMapLen()
	if err != nil || n < 1 || n > 2 {
		return false
	}
	hasID := false
	for range n {
		key, err := dec.DecodeString()
		if err != nil {
			return false
		}
		switch key {
		case "i":
			if _, err := dec.DecodeInt64(); err != nil || hasID {
				return false
			}
			hasID = true
		case "v":
			if !scalarOrFlatList(dec) {
				return false
			}
		default:
			return false
		}
	}
	return hasID && r.Len() == 0
}

// scalarOrFlatList reads one order value: a scalar, or a list of at most
// maxCursorValues scalars. Nothing nests.
func scalarOrFlatList(dec *msgpack.Decoder) bool {
	code, err := dec.PeekCode()
	if err != nil {
		return false
	}
	if msgpcode.IsFixedArray(code) || code == msgpcode.Array16 || code == msgpcode.Array32 {
		n, err := dec.DecodeArrayLen()
		if err != nil || n > maxCursorValues {
			return false
		}
		for range n {
			if !scalar(dec) {
				return false
			}
		}
		return true
	}
	return scalar(dec)
}

func scalar(dec *msgpack.Decoder) bool {
	code, err := dec.PeekCode()
	if err != nil {
		return false
	}
	if msgpcode.IsFixedArray(code) || code == msgpcode.Array16 || code == msgpcode.Array32 ||
		msgpcode.IsFixedMap(code) || code == msgpcode.Map16 || code == msgpcode.Map32 {
		return false
	}
	_, err = dec.DecodeInterface()
	return err == nil
}
