package limits

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator/core"
)

// Introspection is answered from the schema in memory, without SQL, but its
// answer can still be made huge (aliases of types, fields of fields). The
// schema is static, so the checker counts exactly how many values an
// operation's introspection will answer, stopping once past the bound.
const (
	// MaxIntrospectionValues bounds the values one operation's
	// introspection answers: about three times the standard full
	// introspection query of this schema (about 21,000: 460 KB of JSON).
	MaxIntrospectionValues = 60_000
	// IntrospectionValuesPerPoint: introspection is charged one point per
	// this many values (the full introspection query costs a few hundred).
	IntrospectionValuesPerPoint = 100
)

// introspect costs an __schema or __type field.
func (a *analysis) introspect(f *ast.Field) (tally, *gqlerror.Error) {
	if a.c.schema == nil {
		return tally{cost: 1}, nil
	}
	before := a.introspection
	ic := &introCounter{a: a, schema: a.c.schema, n: a.introspection}
	switch f.Name {
	case "__schema":
		ic.n++
		ic.object(f.SelectionSet, schemaSubject{})
	case "__type":
		ic.n++
		name, _ := f.ArgumentMap(a.vars)["name"].(string)
		if def := a.c.schema.Types[name]; def != nil {
			ic.object(f.SelectionSet, typeSubject{def: def})
		}
	}
	a.introspection = ic.n
	if ic.n > MaxIntrospectionValues {
		return tally{}, limitError(CodeCost, f.Position, "the introspection in this query would answer more than %d values; ask for the schema once (or download /open/schema.graphql)", MaxIntrospectionValues)
	}
	n := a.introspection - before
	return tally{cost: 1 + n/IntrospectionValuesPerPoint}, nil
}

// The things introspection describes.
type (
	schemaSubject struct{}
	typeSubject   struct {
		def *ast.Definition
		ref *ast.Type
	}
	fieldSubject     struct{ def *ast.FieldDefinition }
	inputSubject     struct{ t *ast.Type }
	enumValueSubject struct{}
	directiveSubject struct{ def *ast.DirectiveDefinition }
)

// introCounter walks a selection over the schema as gqlgen's introspection
// resolvers would, counting one per value. It walks fragments as often as
// they are spread, but every step counts at least one value, so it stops
// after at most MaxIntrospectionValues steps.
type introCounter struct {
	a      *analysis
	schema *ast.Schema
	n      int
}

func (c *introCounter) over() bool { return c.n > MaxIntrospectionValues }

// object counts the fields selected on one object.
func (c *introCounter) object(set ast.SelectionSet, subj any) {
	for _, sel := range set {
		if c.over() {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			c.n++
			c.field(s, subj)
		case *ast.InlineFragment:
			c.n++
			c.object(s.SelectionSet, subj)
		case *ast.FragmentSpread:
			c.n++
			if s.Definition != nil {
				c.object(s.Definition.SelectionSet, subj)
			}
		}
	}
}

// list counts a list of objects.
func (c *introCounter) list(set ast.SelectionSet, items []any) {
	for _, it := range items {
		if c.over() {
			return
		}
		c.n++
		c.object(set, it)
	}
}

func (c *introCounter) field(f *ast.Field, subj any) {
	set := f.SelectionSet
	switch s := subj.(type) {
	case schemaSubject:
		switch f.Name {
		case "types":
			items := make([]any, 0, len(c.schema.Types))
			for _, def := range c.schema.Types {
				items = append(items, typeSubject{def: def})
			}
			c.list(set, items)
		case "queryType":
			c.named(set, c.schema.Query)
		case "mutationType":
			c.named(set, c.schema.Mutation)
		case "subscriptionType":
			c.named(set, c.schema.Subscription)
		case "directives":
			items := make([]any, 0, len(c.schema.Directives))
			for _, d := range c.schema.Directives {
				items = append(items, directiveSubject{def: d})
			}
			c.list(set, items)
		}
	case typeSubject:
		c.typeField(f, s)
	case fieldSubject:
		switch f.Name {
		case "args":
			c.inputs(set, s.def.Arguments)
		case "type":
			c.object(set, typeOf(c.schema, s.def.Type))
		}
	case inputSubject:
		if f.Name == "type" {
			c.object(set, typeOf(c.schema, s.t))
		}
	case directiveSubject:
		switch f.Name {
		case "args":
			c.inputs(set, s.def.Arguments)
		case "locations":
			c.n += len(s.def.Locations)
		}
	}
}

func (c *introCounter) typeField(f *ast.Field, s typeSubject) {
	set := f.SelectionSet
	if s.ref != nil {
		// A wrapper (list or non-null): only ofType leads on.
		if f.Name == "ofType" {
			c.object(set, unwrap(c.schema, s.ref))
		}
		return
	}
	def := s.def
	if def == nil {
		return
	}
	switch f.Name {
	case "fields":
		if def.Kind == ast.Object || def.Kind == ast.Interface {
			items := make([]any, 0, len(def.Fields))
			for _, fd := range def.Fields {
				items = append(items, fieldSubject{def: fd})
			}
			c.list(set, items)
		}
	case "inputFields":
		if def.Kind == ast.InputObject {
			items := make([]any, 0, len(def.Fields))
			for _, fd := range def.Fields {
				items = append(items, inputSubject{t: fd.Type})
			}
			c.list(set, items)
		}
	case "interfaces":
		items := make([]any, 0, len(def.Interfaces))
		for _, name := range def.Interfaces {
			if d := c.schema.Types[name]; d != nil {
				items = append(items, typeSubject{def: d})
			}
		}
		c.list(set, items)
	case "possibleTypes":
		if def.Kind == ast.Interface || def.Kind == ast.Union {
			var items []any
			for _, d := range c.schema.GetPossibleTypes(def) {
				items = append(items, typeSubject{def: d})
			}
			c.list(set, items)
		}
	case "enumValues":
		items := make([]any, len(def.EnumValues))
		for i := range items {
			items[i] = enumValueSubject{}
		}
		c.list(set, items)
	}
}

func (c *introCounter) inputs(set ast.SelectionSet, args ast.ArgumentDefinitionList) {
	items := make([]any, 0, len(args))
	for _, a := range args {
		items = append(items, inputSubject{t: a.Type})
	}
	c.list(set, items)
}

func (c *introCounter) named(set ast.SelectionSet, def *ast.Definition) {
	if def != nil {
		c.object(set, typeSubject{def: def})
	}
}

// typeOf is the __Type of a type reference: a wrapper or a named type.
func typeOf(schema *ast.Schema, t *ast.Type) any {
	if t.NonNull || t.Elem != nil {
		return typeSubject{ref: t}
	}
	return typeSubject{def: schema.Types[t.NamedType]}
}

// unwrap is a wrapper's ofType.
func unwrap(schema *ast.Schema, t *ast.Type) any {
	if t.NonNull {
		inner := *t
		inner.NonNull = false
		return typeOf(schema, &inner)
	}
	return typeOf(schema, t.Elem)
}

// IntrospectionDepthRule replaces gqlparser's MaxIntrospectionDepth rule,
// which revisits a fragment at every spread (exponential in a chain of
// fragments each spreading the next twice). It refuses the same documents
// — lists of types three deep inside __schema or __type — remembering each
// fragment's answer per depth.
func IntrospectionDepthRule() (string, core.RuleFunc) {
	const maxListsDepth = 3
	return "MaxIntrospectionDepth", func(observers *core.Events, addError core.AddErrFunc) {
		type key struct {
			name  string
			depth int
		}
		memo := map[key]bool{}
		var set func(ast.SelectionSet, int) bool
		field := func(f *ast.Field, depth int) bool {
			switch f.Name {
			case "fields", "interfaces", "possibleTypes", "inputFields":
				depth++
				if depth >= maxListsDepth {
					return true
				}
			}
			return set(f.SelectionSet, depth)
		}
		set = func(s ast.SelectionSet, depth int) bool {
			for _, sel := range s {
				switch x := sel.(type) {
				case *ast.Field:
					if field(x, depth) {
						return true
					}
				case *ast.InlineFragment:
					if set(x.SelectionSet, depth) {
						return true
					}
				case *ast.FragmentSpread:
					if x.Definition == nil {
						continue
					}
					k := key{x.Name, depth}
					seen, ok := memo[k]
					if !ok {
						memo[k] = false // a cycle ends here; NoFragmentCycles reports it
						seen = set(x.Definition.SelectionSet, depth)
						memo[k] = seen
					}
					if seen {
						return true
					}
				}
			}
			return false
		}
		observers.OnField(func(_ *core.Walker, f *ast.Field) {
			if (f.Name == "__schema" || f.Name == "__type") && field(f, 0) {
				addError(core.Message(`Maximum introspection depth exceeded`), core.At(f.Position))
			}
		})
	}
}
