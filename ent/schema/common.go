package schema

import (
	"regexp"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/schema"
	"github.com/vektah/gqlparser/v2/ast"

	"lifecircle/internal/gqldoc"
)

// doc joins the English and Chinese halves of a GraphQL description.
var doc = gqldoc.Doc

var (
	digitsOnly    = regexp.MustCompile(`^[0-9]+$`)
	periodPattern = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
)

// noInput keeps a one-to-many edge out of create and update inputs: a
// record is attached to its parent from the child's side (communityID,
// parentID, …), where the child's own privacy rules check the write.
var noInput = entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput)

// publicAnnotations exposes a public type: a Relay connection at the query
// root (described by query), create and update mutations for staff and
// admins. typ describes the type itself.
func publicAnnotations(typ, query string) []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(typ),
		entgql.QueryField().Description(query),
		entgql.RelayConnection(),
		entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()),
	}
}

// privateAnnotations exposes a type holding personal data: a connection at
// the query root for signed-in callers only (privacy policies then narrow
// what each sees), and nothing to filter or order by on personal values.
// typ describes the type, query the root field.
func privateAnnotations(rootField, typ, query string) []schema.Annotation {
	return []schema.Annotation{
		schema.Comment(typ),
		entgql.QueryField(rootField).Directives(membersOnly()).Description(query),
		entgql.RelayConnection(),
	}
}

// membersOnly is the @hasRole(role: MEMBER) directive on a field.
func membersOnly() entgql.Directive {
	return entgql.NewDirective("hasRole", &ast.Argument{
		Name:  "role",
		Value: &ast.Value{Raw: "MEMBER", Kind: ast.EnumValue},
	})
}
