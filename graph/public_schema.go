package graph

import (
	"bytes"
	"slices"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"
)

// The schema clients see, and its SDL file. The schema files also hold
// directives for the server alone (gqlgen's @goModel and @goField, and
// @hasRole, which the generated code runs): clients cannot use them, so
// they are not in the schema the server validates and introspects with,
// nor in the downloadable SDL. Introspection and /open/schema.graphql are
// built from the same schema, so they cannot drift apart.
var public = sync.OnceValues(buildPublic)

// PublicSchema is the schema the server validates and answers
// introspection with: the full schema without server-only directives.
func PublicSchema() *ast.Schema { s, _ := public(); return s }

// PublicSDL is PublicSchema as an SDL file, descriptions included, with the
// built-in directives introspection advertises (@skip, @include,
// @deprecated, @specifiedBy, @oneOf and @defer).
func PublicSDL() []byte { _, sdl := public(); return sdl }

// serverOnly reports whether d is a directive for the server alone: defined
// by the schema files (not the GraphQL prelude) and placed only in the
// schema, never in an operation.
func serverOnly(d *ast.DirectiveDefinition) bool {
	if d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn {
		return false
	}
	for _, l := range d.Locations {
		switch l {
		case ast.LocationQuery, ast.LocationMutation, ast.LocationSubscription, ast.LocationField,
			ast.LocationFragmentDefinition, ast.LocationFragmentSpread, ast.LocationInlineFragment,
			ast.LocationVariableDefinition:
			return false
		}
	}
	return true
}

func buildPublic() (*ast.Schema, []byte) {
	full := parsedSchema
	drop := map[string]bool{}
	for name, d := range full.Directives {
		if serverOnly(d) {
			drop[name] = true
		}
	}
	keep := func(list ast.DirectiveList) ast.DirectiveList {
		return slices.DeleteFunc(list, func(d *ast.Directive) bool { return drop[d.Name] })
	}

	// Print the full schema, parse the text into a fresh document, take the
	// server-only directives out of it, and load what is left as a schema:
	// parsedSchema itself is not touched.
	var buf bytes.Buffer
	formatter.NewFormatter(&buf).FormatSchema(full)
	doc, err := parser.ParseSchema(&ast.Source{Name: "schema.graphql", Input: buf.String()})
	if err != nil {
		panic("graph: reparse the schema: " + err.Error())
	}
	doc.Directives = slices.DeleteFunc(doc.Directives, func(d *ast.DirectiveDefinition) bool { return drop[d.Name] })
	for _, s := range append(append(ast.SchemaDefinitionList{}, doc.Schema...), doc.SchemaExtension...) {
		s.Directives = keep(s.Directives)
	}
	for _, def := range append(append(ast.DefinitionList{}, doc.Definitions...), doc.Extensions...) {
		def.Directives = keep(def.Directives)
		for _, f := range def.Fields {
			f.Directives = keep(f.Directives)
			for _, a := range f.Arguments {
				a.Directives = keep(a.Directives)
			}
		}
		for _, v := range def.EnumValues {
			v.Directives = keep(v.Directives)
		}
	}
	for _, d := range doc.Directives {
		for _, a := range d.Arguments {
			a.Directives = keep(a.Directives)
		}
	}
	buf.Reset()
	formatter.NewFormatter(&buf).FormatSchemaDocument(doc)
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: buf.String()})
	if gerr != nil {
		panic("graph: load the public schema: " + gerr.Error())
	}

	// The file: the schema, then the built-in directives (the formatter
	// leaves them out, but introspection lists them and a client building
	// the schema from the file needs @defer and @oneOf).
	buf.Reset()
	formatter.NewFormatter(&buf).FormatSchema(schema)
	var builtins []string
	for name, d := range schema.Directives {
		if d.Position != nil && d.Position.Src != nil && d.Position.Src.BuiltIn {
			builtins = append(builtins, name)
		}
	}
	slices.Sort(builtins)
	var defs ast.SchemaDocument
	for _, name := range builtins {
		d := *schema.Directives[name]
		d.Position = nil
		defs.Directives = append(defs.Directives, &d)
	}
	formatter.NewFormatter(&buf).FormatSchemaDocument(&defs)
	return schema, buf.Bytes()
}
