// Package limits bounds what one GraphQL request may ask for and what it
// costs the server, before any SQL runs: page sizes, depth, filters,
// cursors, introspection, document caches and per-client rate budgets.
package limits

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// Page sizes of connections.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Codes of the rejections in this package.
const (
	CodePageSize = "PAGE_SIZE_LIMIT"
	CodeDepth    = "DEPTH_LIMIT"
)

// isConnection reports whether def is a paginated connection field.
func isConnection(def *ast.FieldDefinition) bool {
	return def != nil && def.Arguments.ForName("first") != nil && strings.HasSuffix(def.Type.Name(), "Connection")
}

// DefaultFirstRule is a validation rule that gives every connection field
// without first or last an explicit first: DefaultPageSize.
//
// It edits the document rather than resolver arguments because entgql's
// eager loading reads nested connection arguments from the document: only
// there does the default reach every SQL LIMIT. It runs during validation,
// on a freshly parsed document, before gqlgen caches it, so no two requests
// ever edit the same document.
func DefaultFirstRule() (string, core.RuleFunc) {
	return "DefaultConnectionFirst", func(observers *core.Events, _ core.AddErrFunc) {
		observers.OnField(func(_ *core.Walker, field *ast.Field) {
			if !isConnection(field.Definition) {
				return
			}
			if field.Arguments.ForName("first") != nil || field.Arguments.ForName("last") != nil {
				return
			}
			def := field.Definition.Arguments.ForName("first")
			field.Arguments = append(field.Arguments, &ast.Argument{
				Name:     "first",
				Position: field.Position,
				Value: &ast.Value{
					Kind:         ast.IntValue,
					Raw:          strconv.Itoa(DefaultPageSize),
					Position:     field.Position,
					ExpectedType: def.Type,
				},
			})
		})
	}
}

func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.ContainsRune(x, 0)
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) || hasNUL(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// checkPage validates a connection's page size and returns it. args are
// the field's arguments with variables applied.
func checkPage(f *ast.Field, args map[string]any) (int, *gqlerror.Error) {
	first, last := args["first"], args["last"]
	if first == nil && last == nil {
		return 0, limitError(CodePageSize, f.Position, "%s needs first or last (at most %d)", f.Alias, MaxPageSize)
	}
	if first != nil && last != nil {
		return 0, limitError(CodePagination, f.Position, "%s: pass first (with after) or last (with before), not both", f.Alias)
	}
	size := 0
	for _, name := range []string{"first", "last"} {
		if n, ok := toInt(args[name]); ok {
			if n > MaxPageSize {
				return 0, limitError(CodePageSize, f.Position, "%s asks for %s: %d; the most one page holds is %d (use after/before to page on)", f.Alias, name, n, MaxPageSize)
			}
			size = max(size, int(n))
		}
	}
	return size, nil
}

func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func limitError(code string, pos *ast.Position, format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	if pos != nil {
		err.Locations = []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
	}
	err.Extensions = map[string]any{"code": code}
	return err
}
