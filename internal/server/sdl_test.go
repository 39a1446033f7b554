package server_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"lifecircle/internal/server"
	"lifecircle/internal/testenv"
)

// builtinSDL are definitions of the GraphQL specification (and gqlgen's
// prelude) that the schema does not document itself.
var builtinSDL = map[string]bool{
	"String": true, "Int": true, "Float": true, "Boolean": true, "ID": true,
	"@skip": true, "@include": true, "@deprecated": true, "@specifiedBy": true, "@oneOf": true, "@defer": true,
}

var (
	inBackticks = regexp.MustCompile("`[^`]*`")
	englishWord = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// bilingual reports whether a description has both an English word (outside
// code spans) and a Chinese character.
func bilingual(desc string) bool {
	hasHan := strings.IndexFunc(desc, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	return hasHan && englishWord.MatchString(inBackticks.ReplaceAllString(desc, ""))
}

// The downloadable schema documents every public type, field, argument,
// input field, enum value, scalar and directive in English and Chinese.
func TestSchemaDescriptionsAreBilingual(t *testing.T) {
	s := testenv.StartServer(t, testenv.Backends()[0].Open(t, testenv.Options{NoDemo: true}), server.Options{})
	res, body := get(t, s, "/open/schema.graphql", nil, nil)
	if res.StatusCode != 200 {
		t.Fatalf("GET /open/schema.graphql: %d", res.StatusCode)
	}
	doc, err := parser.ParseSchema(&ast.Source{Name: "schema.graphql", Input: body})
	if err != nil {
		t.Fatalf("parse the downloaded schema: %v", err)
	}

	var checked int
	var missing []string
	check := func(item, desc string) {
		checked++
		if !bilingual(desc) {
			missing = append(missing, item)
		}
	}
	args := func(owner string, list ast.ArgumentDefinitionList) {
		for _, a := range list {
			check(owner+"("+a.Name+":)", a.Description)
		}
	}
	defs := append(append(ast.DefinitionList{}, doc.Definitions...), doc.Extensions...)
	for _, def := range defs {
		if strings.HasPrefix(def.Name, "__") || builtinSDL[def.Name] {
			continue
		}
		check(def.Name, def.Description)
		for _, f := range def.Fields {
			check(def.Name+"."+f.Name, f.Description)
			args(def.Name+"."+f.Name, f.Arguments)
		}
		for _, v := range def.EnumValues {
			check(def.Name+"."+v.Name, v.Description)
		}
	}
	for _, d := range doc.Directives {
		if strings.HasPrefix(d.Name, "__") || builtinSDL["@"+d.Name] {
			continue
		}
		check("@"+d.Name, d.Description)
		args("@"+d.Name, d.Arguments)
	}
	if checked < 100 {
		t.Fatalf("only %d items found in the downloaded schema: %.300s", checked, body)
	}
	if len(missing) > 0 {
		t.Fatalf("%d of %d schema items lack an English and Chinese description:\n%s",
			len(missing), checked, strings.Join(missing, "\n"))
	}
	t.Logf("%d schema items described in English and Chinese", checked)
}

// The downloadable SDL is the schema introspection shows: graphql-js builds
// one schema from the file and one from the standard introspection query on
// each endpoint and finds no difference in any type, field, argument, enum
// value, directive, type reference, default, deprecation or description.
func TestSDLFileEqualsIntrospection(t *testing.T) {
	testenv.Each(t, func(t *testing.T, b testenv.Backend) {
		s := testenv.StartServer(t, b.Open(t, testenv.Options{NoDemo: true}), server.Options{})
		out := runContractScript(t, "sdl-diff.mjs", s.URL+"/open/schema.graphql", s.URL+"/open/graphql", s.URL+"/graphql")
		t.Log(out)
	})
}

// Directives for the server alone (gqlgen's build directives, @hasRole) are
// neither in the file nor in introspection.
func TestSDLFileHasNoServerDirectives(t *testing.T) {
	s := testenv.StartServer(t, testenv.Backends()[0].Open(t, testenv.Options{NoDemo: true}), server.Options{})
	_, body := get(t, s, "/open/schema.graphql", nil, nil)
	for _, d := range []string{"@goModel", "@goField", "@hasRole"} {
		if strings.Contains(body, d) {
			t.Errorf("the SDL file ships %s", d)
		}
	}
	if !strings.Contains(body, "directive @defer(") {
		t.Error("the SDL file lacks @defer, which introspection advertises")
	}
	var d struct {
		Schema struct{ Directives []struct{ Name string } } `json:"__schema"`
	}
	s.Query(t, "", `{ __schema { directives { name } } }`, nil).Decode(t, &d)
	for _, x := range d.Schema.Directives {
		if x.Name == "goModel" || x.Name == "goField" || x.Name == "hasRole" {
			t.Errorf("introspection advertises @%s", x.Name)
		}
	}
}
