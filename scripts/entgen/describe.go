package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"

	"lifecircle/internal/gqldoc"
	"lifecircle/internal/limits"
)

// describe is entgql's schema hook: it documents, in English and Chinese,
// what ent schemas have no place to document and what entgql generates
// without a description or in English only.
//
//   - Object types take their description from the ent schema's
//     schema.Comment annotation (entgql does not read it).
//   - Enum types of enum fields take the field's comment; their values
//     take the field's gqldoc.EnumValues annotation.
//   - Everything generated from names — IDs, connections, edges, orders,
//     where-input predicates, create and update inputs, Node, PageInfo,
//     Cursor, Time and the gqlgen directives — is described mechanically
//     from the names. Input fields reuse the description of the object
//     field of the same name.
//
// Object fields, edges and the root query fields keep the descriptions
// their ent schema gives them (field and edge comments, QueryField
// descriptions); where a schema gives none, the description stays empty,
// and the SDL test of internal/server names it.
func describe(g *gen.Graph, s *ast.Schema) error {
	for _, n := range g.Nodes {
		if err := describeNode(n, s); err != nil {
			return fmt.Errorf("describe %s: %w", n.Name, err)
		}
	}
	for _, def := range s.Types {
		for _, f := range def.Fields {
			describeConnectionArgs(f)
		}
	}
	describeShared(s)
	return nil
}

// doc joins the English and Chinese halves of a description.
var doc = gqldoc.Doc

var (
	camel    = gen.Funcs["camel"].(func(string) string)
	pascal   = gen.Funcs["pascal"].(func(string) string)
	singular = gen.Funcs["singular"].(func(string) string)
	snake    = gen.Funcs["snake"].(func(string) string)
)

// Descriptions shared by every type.
var (
	idDoc = doc("The record's global ID: opaque and unique across all types. Pass it to `node` to fetch the record again.",
		"记录的全局 ID：不透明，在所有类型中唯一。可传给 `node` 重新获取该记录。")
	notDoc = doc("Matches when the given filter does not.", "给定的筛选条件不匹配时匹配。")
	andDoc = doc("Matches when every given filter matches.", "所有给定的筛选条件都匹配时匹配。")
	orDoc  = doc("Matches when at least one given filter matches.", "至少一个给定的筛选条件匹配时匹配。")
)

func describeNode(n *gen.Type, s *ast.Schema) error {
	name := n.Name
	obj := s.Types[name]
	if obj != nil {
		var c struct{ Text string }
		if err := decode(n.Annotations["Comment"], &c); err != nil {
			return err
		}
		if c.Text != "" {
			obj.Description = c.Text
		}
		if id := obj.Fields.ForName("id"); id != nil {
			id.Description = idDoc
		}
		// entgql drops the comment of an edge it turns into a connection.
		for _, e := range n.Edges {
			if f := obj.Fields.ForName(camel(e.Name)); f != nil && f.Description == "" {
				f.Description = e.Comment()
			}
		}
	}
	fields := append([]*gen.Field{n.ID}, n.Fields...)

	// Enum types of enum fields, and their values.
	for _, f := range n.Fields {
		if !f.IsEnum() {
			continue
		}
		enum := enumOf(s, obj, n, f)
		if enum == nil {
			continue
		}
		if f.Comment() != "" {
			enum.Description = f.Comment()
		}
		var values gqldoc.EnumValues
		if err := decode(f.Annotations[gqldoc.AnnotationName], &values); err != nil {
			return err
		}
		for _, v := range enum.EnumValues {
			if d := values[v.Name]; d != "" {
				v.Description = d
			}
		}
	}

	// Connections and their edges.
	if def := s.Types[name+"Connection"]; def != nil {
		def.Description = doc(fmt.Sprintf("A page of `%s` records (a Relay connection).", name),
			fmt.Sprintf("`%s` 记录的一页（Relay 连接）。", name))
		describeFields(def, map[string]string{
			"edges": doc("The records of the page, each with its cursor.", "本页的记录，各带游标。"),
			"pageInfo": doc("Where the page lies: whether more records follow or precede it, and the cursors to read on.",
				"本页的位置：前后是否还有记录，以及继续读取所用的游标。"),
			"totalCount": doc("How many records match, on all pages together.", "所有页中符合条件的记录总数。"),
		})
	}
	if def := s.Types[name+"Edge"]; def != nil {
		def.Description = doc(fmt.Sprintf("A `%s` record in a page, with its cursor.", name),
			fmt.Sprintf("页中的一条 `%s` 记录及其游标。", name))
		describeFields(def, map[string]string{
			"node":   doc("The record.", "该记录。"),
			"cursor": doc("The record's position: pass it as `after` or `before` to read on from here.", "该记录的位置：作为 `after` 或 `before` 传入，可从此处继续读取。"),
		})
	}

	// Orders.
	if def := s.Types[name+"Order"]; def != nil {
		def.Description = doc(fmt.Sprintf("How to order `%s` records.", name), fmt.Sprintf("`%s` 记录的排序方式。", name))
		describeFields(def, map[string]string{
			"direction": doc("Ascending or descending.", "升序或降序。"),
			"field":     doc("The property to order by.", "排序所依据的属性。"),
		})
	}
	if def := s.Types[name+"OrderField"]; def != nil {
		def.Description = doc(fmt.Sprintf("Properties `%s` records can be ordered by.", name),
			fmt.Sprintf("`%s` 记录可用于排序的属性。", name))
		terms, err := orderTerms(n)
		if err != nil {
			return err
		}
		for _, v := range def.EnumValues {
			if d := terms[v.Name]; d != "" {
				v.Description = d
			}
		}
	}

	// Filters.
	if def := s.Types[name+"WhereInput"]; def != nil {
		def.Description = doc(fmt.Sprintf("A filter on `%s` records: a record matches when every predicate given holds.", name),
			fmt.Sprintf("`%s` 记录的筛选条件：满足所给全部条件的记录才匹配。", name))
		preds := map[string]string{"not": notDoc, "and": andDoc, "or": orDoc}
		for _, f := range fields {
			for _, op := range f.Ops() {
				pred := camel(f.Name + "_" + op.Name())
				if op == gen.EQ {
					pred = camel(f.Name)
				}
				preds[pred] = predicateDoc(camel(f.Name), op)
			}
		}
		for _, e := range n.Edges {
			edge := camel(e.Name)
			preds[camel("has_"+e.Name)] = doc(
				fmt.Sprintf("True matches records with any `%s`; false, records with none.", edge),
				fmt.Sprintf("为 true 时匹配有 `%s` 的记录；为 false 时匹配没有的记录。", edge))
			preds[camel("has_"+e.Name+"_with")] = doc(
				fmt.Sprintf("Matches records with a `%s` that matches every given filter.", edge),
				fmt.Sprintf("匹配有满足所有给定筛选条件的 `%s` 的记录。", edge))
		}
		describeFields(def, preds)
	}

	// Create and update inputs.
	if def := s.Types["Create"+name+"Input"]; def != nil {
		def.Description = doc(fmt.Sprintf("The values of a new `%s` record.", name), fmt.Sprintf("新建 `%s` 记录的各项值。", name))
		describeInputFields(def, obj, n)
	}
	if def := s.Types["Update"+name+"Input"]; def != nil {
		def.Description = doc(fmt.Sprintf("Changes to a `%s` record: only the fields given change.", name),
			fmt.Sprintf("对 `%s` 记录的修改：只修改给出的字段。", name))
		describeInputFields(def, obj, n)
	}
	return nil
}

// enumOf returns the enum type of an enum field: the type of the object
// field, or entgql's default name.
func enumOf(s *ast.Schema, obj *ast.Definition, n *gen.Type, f *gen.Field) *ast.Definition {
	name := n.Name + f.StructField()
	if obj != nil {
		if of := obj.Fields.ForName(camel(f.Name)); of != nil {
			name = of.Type.Name()
		}
	}
	if def := s.Types[name]; def != nil && def.Kind == ast.Enum {
		return def
	}
	return nil
}

// orderTerms describes the values of a type's order-field enum: entgql's
// OrderField annotation on fields (order by the value) and edges (order by
// the number of neighbours).
func orderTerms(n *gen.Type) (map[string]string, error) {
	terms := map[string]string{}
	key := entgql.Annotation{}.Name()
	var ant struct{ OrderField string }
	for _, f := range n.Fields {
		ant.OrderField = ""
		if err := decode(f.Annotations[key], &ant); err != nil {
			return nil, err
		}
		if ant.OrderField != "" {
			terms[ant.OrderField] = doc(fmt.Sprintf("By `%s`.", camel(f.Name)), fmt.Sprintf("按 `%s` 排序。", camel(f.Name)))
		}
	}
	for _, e := range n.Edges {
		ant.OrderField = ""
		if err := decode(e.Annotations[key], &ant); err != nil {
			return nil, err
		}
		if ant.OrderField != "" && !e.Unique {
			terms[ant.OrderField] = doc(fmt.Sprintf("By the number of `%s`.", camel(e.Name)), fmt.Sprintf("按 `%s` 的数量排序。", camel(e.Name)))
		}
	}
	return terms, nil
}

// predicateDoc describes a where-input predicate on field by op.
func predicateDoc(field string, op gen.Op) string {
	f := "`" + field + "`"
	var en, zh string
	switch op.Name() {
	case "EQ":
		en, zh = "equals the value", "等于该值"
	case "NEQ":
		en, zh = "does not equal the value", "不等于该值"
	case "In":
		en, zh = "is one of the values", "是所给值之一"
	case "NotIn":
		en, zh = "is none of the values", "不是所给值中的任何一个"
	case "GT":
		en, zh = "is greater (later) than the value", "大于（晚于）该值"
	case "GTE":
		en, zh = "is greater (later) than or equal to the value", "大于（晚于）或等于该值"
	case "LT":
		en, zh = "is less (earlier) than the value", "小于（早于）该值"
	case "LTE":
		en, zh = "is less (earlier) than or equal to the value", "小于（早于）或等于该值"
	case "Contains":
		en, zh = "contains the value", "包含该值"
	case "HasPrefix":
		en, zh = "starts with the value", "以该值开头"
	case "HasSuffix":
		en, zh = "ends with the value", "以该值结尾"
	case "EqualFold":
		en, zh = "equals the value, ignoring case", "在忽略大小写时等于该值"
	case "ContainsFold":
		en, zh = "contains the value, ignoring case", "在忽略大小写时包含该值"
	case "IsNil":
		return doc(fmt.Sprintf("When true, matches records whose %s is null.", f), fmt.Sprintf("为 true 时匹配 %s 为空的记录。", f))
	case "NotNil":
		return doc(fmt.Sprintf("When true, matches records whose %s is not null.", f), fmt.Sprintf("为 true 时匹配 %s 不为空的记录。", f))
	default:
		return ""
	}
	return doc(fmt.Sprintf("Matches when %s %s.", f, en), fmt.Sprintf("%s %s时匹配。", f, zh))
}

// describeInputFields describes the fields of a create or update input:
// as the object field of the same name, or, for the fields entgql derives
// from n's fields and edges (clear, append, edge IDs), from the names.
func describeInputFields(def, obj *ast.Definition, n *gen.Type) {
	derived := map[string]string{}
	for _, f := range n.Fields {
		name := camel(f.Name)
		derived["clear"+f.StructField()] = doc(fmt.Sprintf("True clears `%s`.", name), fmt.Sprintf("为 true 时清空 `%s`。", name))
		derived["append"+f.StructField()] = doc(fmt.Sprintf("Values to append to `%s`.", name), fmt.Sprintf("追加到 `%s` 的值。", name))
	}
	for _, e := range n.Edges {
		name, one := camel(e.Name), singular(e.Name)
		derived[camel(snake(e.MutationClear()))] = doc(fmt.Sprintf("True clears `%s`.", name), fmt.Sprintf("为 true 时清空 `%s`。", name))
		if e.Unique {
			derived[name+"ID"] = doc(fmt.Sprintf("The ID of the `%s`.", name), fmt.Sprintf("`%s` 的 ID。", name))
			continue
		}
		derived[camel(one)+"IDs"] = doc(fmt.Sprintf("The IDs of the `%s`.", name), fmt.Sprintf("`%s` 的 ID。", name))
		derived["add"+pascal(one)+"IDs"] = doc(fmt.Sprintf("IDs to add to `%s`.", name), fmt.Sprintf("要添加到 `%s` 的 ID。", name))
		derived["remove"+pascal(one)+"IDs"] = doc(fmt.Sprintf("IDs to remove from `%s`.", name), fmt.Sprintf("要从 `%s` 中移除的 ID。", name))
	}
	for _, f := range def.Fields {
		if obj != nil {
			if of := obj.Fields.ForName(f.Name); of != nil && of.Description != "" {
				f.Description = of.Description
				continue
			}
		}
		if d := derived[f.Name]; d != "" {
			f.Description = d
		}
	}
}

// describeConnectionArgs describes the pagination, order and filter
// arguments of a connection field.
func describeConnectionArgs(f *ast.FieldDefinition) {
	node, ok := strings.CutSuffix(f.Type.Name(), "Connection")
	if !ok || f.Arguments.ForName("first") == nil {
		return
	}
	args := map[string]string{
		"after": doc("Returns the records after this cursor.", "返回该游标之后的记录。"),
		"first": doc(fmt.Sprintf("Returns the first _n_ records, at most %d; %d when neither first nor last is given.", limits.MaxPageSize, limits.DefaultPageSize),
			fmt.Sprintf("返回前 n 条记录，最多 %d 条；first 和 last 都未给出时为 %d 条。", limits.MaxPageSize, limits.DefaultPageSize)),
		"before":  doc("Returns the records before this cursor.", "返回该游标之前的记录。"),
		"last":    doc(fmt.Sprintf("Returns the last _n_ records, at most %d.", limits.MaxPageSize), fmt.Sprintf("返回最后 n 条记录，最多 %d 条。", limits.MaxPageSize)),
		"orderBy": doc(fmt.Sprintf("How to order the `%s` records.", node), fmt.Sprintf("`%s` 记录的排序方式。", node)),
		"where":   doc(fmt.Sprintf("Which `%s` records to return.", node), fmt.Sprintf("要返回哪些 `%s` 记录。", node)),
	}
	for _, a := range f.Arguments {
		if d := args[a.Name]; d != "" {
			a.Description = d
		}
	}
}

// describeShared describes the Relay types, the order direction, the Time
// scalar, the root node fields and gqlgen's directives.
func describeShared(s *ast.Schema) {
	if def := s.Types["Node"]; def != nil {
		def.Description = doc("A record with a global ID (Relay Global Object Identification): `node` and `nodes` fetch any record by its ID.",
			"带全局 ID 的记录（Relay 全局对象标识）：`node` 和 `nodes` 可按 ID 获取任意记录。")
		describeFields(def, map[string]string{"id": idDoc})
	}
	if def := s.Types["PageInfo"]; def != nil {
		def.Description = doc("Where a page lies in a connection (Relay).", "某一页在连接中的位置（Relay）。")
		describeFields(def, map[string]string{
			"hasNextPage":     doc("Whether more records follow the page.", "本页之后是否还有记录。"),
			"hasPreviousPage": doc("Whether records precede the page.", "本页之前是否还有记录。"),
			"startCursor":     doc("The cursor of the page's first record: pass it as `before` to read backwards.", "本页第一条记录的游标：作为 `before` 传入可向前读取。"),
			"endCursor":       doc("The cursor of the page's last record: pass it as `after` to read on.", "本页最后一条记录的游标：作为 `after` 传入可继续向后读取。"),
		})
	}
	if def := s.Types["Cursor"]; def != nil {
		def.Description = doc("An opaque position in a connection (Relay): take it from a page, never build it.",
			"连接中的不透明位置（Relay）：从返回的页中获取，不要自行构造。")
	}
	if def := s.Types["OrderDirection"]; def != nil {
		def.Description = doc("The direction of an ordering.", "排序方向。")
		for _, v := range def.EnumValues {
			switch v.Name {
			case "ASC":
				v.Description = doc("Ascending: smallest, earliest or first in order first.", "升序：最小、最早或排在最前的在前。")
			case "DESC":
				v.Description = doc("Descending: largest, latest or last in order first.", "降序：最大、最晚或排在最后的在前。")
			}
		}
	}
	if def := s.Types["Time"]; def != nil {
		def.Description = doc("An instant as an RFC 3339 string with an offset, such as 2024-07-01T09:00:00+08:00. "+
			"Times are returned in China's civil time (Asia/Shanghai).",
			"RFC 3339 格式、带时区偏移的时间字符串，如 2024-07-01T09:00:00+08:00。返回的时间均为中国标准时间（Asia/Shanghai）。")
	}
	if q := s.Types["Query"]; q != nil {
		q.Description = doc("Everything the API can read.", "API 可以读取的全部内容。")
		if f := q.Fields.ForName("node"); f != nil {
			f.Description = doc("Fetches a record of any type by its global ID.", "按全局 ID 获取任意类型的记录。")
			describeArgs(f, map[string]string{"id": doc("The record's global ID.", "记录的全局 ID。")})
		}
		if f := q.Fields.ForName("nodes"); f != nil {
			f.Description = doc(fmt.Sprintf("Fetches records of any type by their global IDs (at most %d), in the order of the IDs.", limits.MaxPageSize),
				fmt.Sprintf("按全局 ID 获取任意类型的多条记录（最多 %d 个 ID），顺序与 ID 相同。", limits.MaxPageSize))
			describeArgs(f, map[string]string{"ids": doc("The records' global IDs.", "各记录的全局 ID。")})
		}
	}
	describeDirective(s, "goField",
		doc("A code-generation hint for gqlgen: which Go struct field or resolver serves the field. It has no effect on queries.",
			"供 gqlgen 代码生成使用的提示：由哪个 Go 结构体字段或解析器提供该字段。对查询没有影响。"),
		map[string]string{
			"forceResolver": doc("Resolve the field with a resolver function.", "用解析函数解析该字段。"),
			"name":          doc("The Go struct field that holds the value.", "保存该值的 Go 结构体字段。"),
			"omittable":     doc("Tell an omitted input value from an explicit null.", "区分省略的输入值和显式的 null。"),
		})
	describeDirective(s, "goModel",
		doc("A code-generation hint for gqlgen: the Go type that models the GraphQL type. It has no effect on queries.",
			"供 gqlgen 代码生成使用的提示：表示该 GraphQL 类型的 Go 类型。对查询没有影响。"),
		map[string]string{
			"model":         doc("The Go type, as import path and name.", "Go 类型（导入路径加类型名）。"),
			"models":        doc("Several Go types that can model the type.", "可以表示该类型的多个 Go 类型。"),
			"forceGenerate": doc("Generate the Go type even when one is bound.", "即使已绑定 Go 类型，也生成该类型。"),
		})
}

// describeDirective replaces a directive definition with a described copy
// (entgql shares its definitions between runs).
func describeDirective(s *ast.Schema, name, desc string, args map[string]string) {
	d := s.Directives[name]
	if d == nil {
		return
	}
	c := *d
	c.Description = desc
	c.Arguments = make(ast.ArgumentDefinitionList, len(d.Arguments))
	for i, a := range d.Arguments {
		ac := *a
		if args[a.Name] != "" {
			ac.Description = args[a.Name]
		}
		c.Arguments[i] = &ac
	}
	s.Directives[name] = &c
}

// describeFields sets the description of the fields docs names.
func describeFields(def *ast.Definition, docs map[string]string) {
	for _, f := range def.Fields {
		if d := docs[f.Name]; d != "" {
			f.Description = d
		}
	}
}

// describeArgs sets the description of the arguments docs names.
func describeArgs(f *ast.FieldDefinition, docs map[string]string) {
	for _, a := range f.Arguments {
		if d := docs[a.Name]; d != "" {
			a.Description = d
		}
	}
}

// decode reads an annotation, as ent serialises it, into v.
func decode(annotation any, v any) error {
	if annotation == nil {
		return nil
	}
	b, err := json.Marshal(annotation)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
