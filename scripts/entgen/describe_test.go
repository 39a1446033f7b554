package main

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc/gen"
	"entgo.io/ent/entc/load"
	entschema "entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"github.com/vektah/gqlparser/v2/ast"

	"lifecircle/internal/gqldoc"
)

// shopSchema builds, through entgql and the describe hook, the GraphQL
// schema of two small ent types: a Shop with a name, an enum status, an
// optional note, tags and an owner; and the Owner with its shops.
func shopSchema(t *testing.T) *ast.Schema {
	t.Helper()
	ants := func(a ...entschema.Annotation) map[string]any {
		m := map[string]any{}
		for _, x := range a {
			if prev, ok := m[x.Name()].(entschema.Merger); ok {
				x = prev.Merge(x)
			}
			m[x.Name()] = x
		}
		return m
	}
	public := func(typ string) map[string]any {
		return ants(entschema.Comment(typ), entgql.QueryField().Description(doc("Shops.", "商店。")),
			entgql.RelayConnection(), entgql.Mutations(entgql.MutationCreate(), entgql.MutationUpdate()))
	}
	shop := &load.Schema{
		Name: "Shop",
		Fields: []*load.Field{
			{Name: "name", Info: &field.TypeInfo{Type: field.TypeString}, Comment: doc("Name.", "名称。"),
				Annotations: ants(entgql.OrderField("NAME"))},
			{Name: "status", Info: &field.TypeInfo{Type: field.TypeEnum}, Comment: doc("Whether it is open.", "是否营业。"),
				Enums: []struct{ N, V string }{{"Open", "OPEN"}, {"Closed", "CLOSED"}},
				Annotations: ants(gqldoc.EnumValues{
					"OPEN":   doc("Open.", "营业中。"),
					"CLOSED": doc("Closed.", "已关闭。"),
				})},
			{Name: "note", Info: &field.TypeInfo{Type: field.TypeString}, Optional: true, Nillable: true,
				Comment: doc("A note.", "备注。")},
			{Name: "tags", Info: &field.TypeInfo{Type: field.TypeJSON, Ident: "[]string", RType: &field.RType{Kind: reflect.Slice, Ident: "[]string"}}, Optional: true,
				Comment: doc("Tags.", "标签。")},
			{Name: "owner_id", Info: &field.TypeInfo{Type: field.TypeInt}, Optional: true, Nillable: true,
				Comment: doc("ID of the owner.", "店主的 ID。")},
		},
		Edges: []*load.Edge{
			{Name: "owner", Type: "Owner", RefName: "shops", Inverse: true, Unique: true, Field: "owner_id",
				Comment: doc("The owner.", "店主。")},
		},
		Annotations: public(doc("A shop.", "商店。")),
	}
	owner := &load.Schema{
		Name: "Owner",
		Fields: []*load.Field{
			{Name: "name", Info: &field.TypeInfo{Type: field.TypeString}, Comment: doc("Name.", "姓名。")},
		},
		Edges: []*load.Edge{
			{Name: "shops", Type: "Shop", Comment: doc("The owner's shops.", "店主的商店。"),
				Annotations: ants(entgql.RelayConnection(), entgql.OrderField("SHOPS_COUNT"))},
		},
		Annotations: public(doc("A shop owner.", "店主。")),
	}
	storage, err := gen.NewStorage("sql")
	if err != nil {
		t.Fatal(err)
	}
	g, err := gen.NewGraph(&gen.Config{Package: "example.com/ent", Storage: storage}, shop, owner)
	if err != nil {
		t.Fatal(err)
	}
	ex, err := entgql.NewExtension(entgql.WithSchemaGenerator(), entgql.WithWhereInputs(true), entgql.WithSchemaHook(describe))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ex.BuildSchema(g)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var englishWord = regexp.MustCompile(`[A-Za-z]{2,}`)

func bilingual(desc string) bool {
	return strings.IndexFunc(desc, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0 &&
		englishWord.MatchString(regexp.MustCompile("`[^`]*`").ReplaceAllString(desc, "")) &&
		strings.Contains(desc, "\n\n")
}

// Every type, field, argument, enum value and directive entgql generates
// comes out described in English and Chinese.
func TestDescribeLeavesNothingUndescribed(t *testing.T) {
	s := shopSchema(t)
	var missing []string
	check := func(item, desc string) {
		if !bilingual(desc) {
			missing = append(missing, item+": "+desc)
		}
	}
	for name, def := range s.Types {
		check(name, def.Description)
		for _, f := range def.Fields {
			check(name+"."+f.Name, f.Description)
			for _, a := range f.Arguments {
				check(name+"."+f.Name+"("+a.Name+":)", a.Description)
			}
		}
		for _, v := range def.EnumValues {
			check(name+"."+v.Name, v.Description)
		}
	}
	for name, d := range s.Directives {
		check("@"+name, d.Description)
		for _, a := range d.Arguments {
			check("@"+name+"("+a.Name+":)", a.Description)
		}
	}
	if len(missing) > 0 {
		t.Errorf("undescribed:\n%s", strings.Join(missing, "\n"))
	}
}

func TestDescribeTexts(t *testing.T) {
	s := shopSchema(t)
	field := func(typ, name string) string {
		t.Helper()
		def := s.Types[typ]
		if def == nil || def.Fields.ForName(name) == nil {
			t.Fatalf("%s.%s is not in the schema", typ, name)
		}
		return def.Fields.ForName(name).Description
	}
	value := func(typ, name string) string {
		t.Helper()
		v := s.Types[typ].EnumValues.ForName(name)
		if v == nil {
			t.Fatalf("%s.%s is not in the schema", typ, name)
		}
		return v.Description
	}
	for _, c := range []struct{ got, want string }{
		// From the ent schema: type comment, field comments, enum values,
		// the comment of an edge entgql turns into a connection.
		{s.Types["Shop"].Description, "A shop.\n\n商店。"},
		{field("Shop", "name"), "Name.\n\n名称。"},
		{s.Types["ShopStatus"].Description, "Whether it is open.\n\n是否营业。"},
		{value("ShopStatus", "CLOSED"), "Closed.\n\n已关闭。"},
		{field("Owner", "shops"), "The owner's shops.\n\n店主的商店。"},
		// Mechanical, from the names.
		{field("Shop", "id"), idDoc},
		{field("ShopWhereInput", "nameContains"), "Matches when `name` contains the value.\n\n`name` 包含该值时匹配。"},
		{field("ShopWhereInput", "noteIsNil"), "When true, matches records whose `note` is null.\n\n为 true 时匹配 `note` 为空的记录。"},
		{field("ShopWhereInput", "ownerIDIn"), "Matches when `ownerID` is one of the values.\n\n`ownerID` 是所给值之一时匹配。"},
		{field("ShopWhereInput", "hasOwnerWith"), "Matches records with a `owner` that matches every given filter.\n\n匹配有满足所有给定筛选条件的 `owner` 的记录。"},
		{value("ShopOrderField", "NAME"), "By `name`.\n\n按 `name` 排序。"},
		{value("OwnerOrderField", "SHOPS_COUNT"), "By the number of `shops`.\n\n按 `shops` 的数量排序。"},
		{field("UpdateShopInput", "clearNote"), "True clears `note`.\n\n为 true 时清空 `note`。"},
		{field("UpdateShopInput", "appendTags"), "Values to append to `tags`.\n\n追加到 `tags` 的值。"},
		{field("CreateOwnerInput", "shopIDs"), "The IDs of the `shops`.\n\n`shops` 的 ID。"},
		{field("UpdateOwnerInput", "removeShopIDs"), "IDs to remove from `shops`.\n\n要从 `shops` 中移除的 ID。"},
		// Input fields reuse the object field's description.
		{field("CreateShopInput", "name"), "Name.\n\n名称。"},
		{field("CreateShopInput", "ownerID"), "ID of the owner.\n\n店主的 ID。"},
		// Query fields keep the ent schema's description.
		{field("Query", "shops"), "Shops.\n\n商店。"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if first := s.Types["Query"].Fields.ForName("shops").Arguments.ForName("first"); !strings.Contains(first.Description, "100") {
		t.Errorf("first: %q", first.Description)
	}
}
