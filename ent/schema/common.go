package schema

import (
	"regexp"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/schema"
	"github.com/vektah/gqlparser/v2/ast"
)

var digitsOnly = regexp.MustCompile(`^[0-9]+$`)

// noInput keeps a one-to-many edge out of create and update inputs: a
// record is attached to its parent from the child's side (communityID,
// parentID, …), where the child's own privacy rules check the write.
var noInput = entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)

// publicAnnotations exposes a public type: a Relay connection at the query
// root, create and update mutations for staff and admins.
func publicAnnotations() []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// privateAnnotations exposes a type holding personal data: a connection at
// the query root for staff and admins only, and nothing to filter or order
// by, so cursors and filters cannot become oracles on personal values.
func privateAnnotations(rootField string) []schema.Annotation {
	return []schema.Annotation{
		entgql.QueryField(rootField).Directives(staffOnly()),
		entgql.RelayConnection(),
	}
}

// staffOnly is the @hasRole(role: STAFF) directive on a field.
func staffOnly() entgql.Directive {
	return entgql.NewDirective("hasRole", &ast.Argument{
		Name:  "role",
		Value: &ast.Value{Raw: "STAFF", Kind: ast.EnumValue},
	})
}
