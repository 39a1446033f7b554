// Package gqldoc carries GraphQL documentation that ent schemas have no
// place for to the schema hook of scripts/entgen, which writes it into
// schema/ent.graphql.
//
// Descriptions are bilingual: English, a blank line, then Simplified
// Chinese.
package gqldoc

// Doc joins the English and Chinese halves of a description.
func Doc(en, zh string) string { return en + "\n\n" + zh }

// EnumValues documents the GraphQL values of an ent enum field, by value:
//
//	field.Enum("status").NamedValues(...).
//		Annotations(gqldoc.EnumValues{"OPEN": gqldoc.Doc("Open.", "开放。")})
type EnumValues map[string]string

// AnnotationName is the key of EnumValues in an ent field's annotations.
const AnnotationName = "GQLEnumValues"

// Name implements ent's schema.Annotation.
func (EnumValues) Name() string { return AnnotationName }
