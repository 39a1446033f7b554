package limits

import (
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// MaxMergeWork bounds the field comparisons GraphQL validation makes for a
// document (see mergeWork): about 6 ms of gqlparser's time. Documents that
// real clients write need a few hundred.
const MaxMergeWork = 20_000

// checkMergeWork refuses a document whose validation would compare too many
// pairs of fields. The rule "overlapping fields can be merged" compares
// every two selections with the same response name in a selection set, and
// their sub-selections pairwise, recursively: 14,000 `__typename` in one
// set took gqlparser 40 s, 2,500 `categories { code }` 8 s. The estimate
// below follows the rule's comparisons, stopping as soon as it passes the
// bound, so it costs at most MaxMergeWork steps.
func checkMergeWork(query string) *gqlerror.Error {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, ParserTokenLimit)
	if err != nil {
		return nil // gqlgen reports the parse error
	}
	m := &mergeWork{frags: map[string]*ast.FragmentDefinition{}}
	for _, f := range doc.Fragments {
		m.frags[f.Name] = f
	}
	var sets func(ast.SelectionSet) bool
	sets = func(set ast.SelectionSet) bool {
		if !m.within(set) {
			return false
		}
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if len(s.SelectionSet) > 0 && !sets(s.SelectionSet) {
					return false
				}
			case *ast.InlineFragment:
				if !sets(s.SelectionSet) {
					return false
				}
			}
		}
		return true
	}
	ok := true
	for _, op := range doc.Operations {
		ok = ok && sets(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		ok = ok && sets(f.SelectionSet)
	}
	if !ok {
		return limitError("GRAPHQL_VALIDATION_FAILED", nil, "the document repeats the same fields too often to be checked (more than %d comparisons): give repeated selections distinct aliases or merge them", MaxMergeWork)
	}
	return nil
}

type mergeWork struct {
	frags map[string]*ast.FragmentDefinition
	steps int
}

func (m *mergeWork) step() bool {
	m.steps++
	return m.steps <= MaxMergeWork
}

// collect groups the fields of a set by response name, through inline
// fragments and fragment spreads, as the rule does.
func (m *mergeWork) collect(set ast.SelectionSet, into map[string][]*ast.Field, depth int) bool {
	if depth > 64 { // fragment cycles are refused by validation
		return true
	}
	for _, sel := range set {
		if !m.step() {
			return false
		}
		switch s := sel.(type) {
		case *ast.Field:
			name := s.Alias
			if name == "" {
				name = s.Name
			}
			into[name] = append(into[name], s)
		case *ast.InlineFragment:
			if !m.collect(s.SelectionSet, into, depth+1) {
				return false
			}
		case *ast.FragmentSpread:
			if f := m.frags[s.Name]; f != nil && !m.collect(f.SelectionSet, into, depth+1) {
				return false
			}
		}
	}
	return true
}

// within counts the comparisons inside one set.
func (m *mergeWork) within(set ast.SelectionSet) bool {
	groups := map[string][]*ast.Field{}
	if !m.collect(set, groups, 0) {
		return false
	}
	for _, fields := range groups {
		for i, a := range fields {
			for _, b := range fields[i+1:] {
				if !m.step() || !m.between(a.SelectionSet, b.SelectionSet) {
					return false
				}
			}
		}
	}
	return true
}

// between counts the comparisons of two sub-selections.
func (m *mergeWork) between(a, b ast.SelectionSet) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	ga, gb := map[string][]*ast.Field{}, map[string][]*ast.Field{}
	if !m.collect(a, ga, 0) || !m.collect(b, gb, 0) {
		return false
	}
	for name, fa := range ga {
		for _, x := range fa {
			for _, y := range gb[name] {
				if !m.step() || !m.between(x.SelectionSet, y.SelectionSet) {
					return false
				}
			}
		}
	}
	return true
}
