package people

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"lifecircle/ent"
	"lifecircle/ent/organization"
	"lifecircle/ent/person"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth/rule"
)

// Bounds of one import.
const (
	MaxImportBytes = 512 << 10
	MaxImportRows  = 2000
)

// CodeDuplicate refuses a row whose name and phone are already in the
// community, or earlier in the file.
const CodeDuplicate = "DUPLICATE"

// CodeImportTooLarge refuses a whole file over MaxImportBytes or
// MaxImportRows.
const CodeImportTooLarge = "IMPORT_TOO_LARGE"

// columns maps the headers a file may use, in English or Chinese, to the
// column they name.
var columns = map[string]string{
	"name": "name", "姓名": "name",
	"phone": "phone", "电话": "phone", "手机": "phone", "联系电话": "phone",
	"birth_year": "birth_year", "birthyear": "birth_year", "出生年份": "birth_year",
	"roles": "roles", "角色": "roles",
	"teams": "teams", "组织": "teams", "队伍": "teams",
}

// Row is what an import did with one data row.
type Row struct {
	// Line is the row's line: the header is line 1.
	Line     int
	Accepted bool
	// Code, Column, Message and MessageZh say why a row was refused;
	// Column is the header as the file spells it.
	Code, Column, Message, MessageZh string
	// Person is the person written (nil in a dry run or when nothing was).
	Person *ent.Person
}

// Report is the outcome of an import.
type Report struct {
	Written, DryRun   bool
	Accepted, Refused int
	Rows              []Row
}

// Import reads people from a CSV file into a community (see
// communityOf) and writes them all, or none if any row is refused or
// dryRun is set. client must be a transaction's client: a write that fails
// half-way returns the error, and the caller's rollback undoes the rows
// already written.
//
// The file is UTF-8, with or without a byte-order mark; the first line is
// the header. Rows whose cells are all blank are skipped.
func Import(ctx context.Context, client *ent.Client, communityID *int, data string, dryRun bool) (*Report, error) {
	if len(data) > MaxImportBytes {
		return nil, apperr.New(CodeImportTooLarge, "the file is %d bytes; at most %d (%d KiB) per import: split it", len(data), MaxImportBytes, MaxImportBytes>>10)
	}
	community, err := communityOf(ctx, client, communityID)
	if err != nil {
		return nil, err
	}
	data = strings.TrimPrefix(data, "\uFEFF")
	r := csv.NewReader(strings.NewReader(data))
	r.FieldsPerRecord = -1 // rows of different lengths are reported per row
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, apperr.Invalid("csv", "the file is empty: the first line names the columns", "文件为空：第一行应为列名")
	}
	if err != nil {
		return nil, apperr.Invalid("csv", "the header line is not valid CSV: "+err.Error(), "表头不是有效的 CSV："+err.Error())
	}
	col, names, err := readHeader(header)
	if err != nil {
		return nil, err
	}
	teams, err := teamsByName(ctx, client, community)
	if err != nil {
		return nil, err
	}
	existing, err := existingKeys(ctx, client, community)
	if err != nil {
		return nil, err
	}
	rep := &Report{DryRun: dryRun}
	type accepted struct {
		in Input
		v  checked
	}
	var good []accepted
	seen := map[string]int{} // name+phone → line
	for {
		cells, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			rep.refuse(Row{Line: line, Code: apperr.CodeBadInput, Message: "not valid CSV: " + err.Error(), MessageZh: "不是有效的 CSV：" + err.Error()})
			break // the reader cannot resynchronise after a quoting error: the rest is not read
		}
		line, _ := r.FieldPos(0)
		if isBlank(cells) {
			continue
		}
		if len(rep.Rows) >= MaxImportRows {
			return nil, apperr.New(CodeImportTooLarge, "more than %d rows; at most %d per import: split the file", MaxImportRows, MaxImportRows)
		}
		if len(cells) != len(header) {
			rep.refuse(Row{Line: line, Code: apperr.CodeBadInput,
				Message:   fmt.Sprintf("the row has %d cells, the header %d", len(cells), len(header)),
				MessageZh: fmt.Sprintf("该行有 %d 个单元格，表头有 %d 个", len(cells), len(header))})
			continue
		}
		var v checked
		in, colErr := parseRow(cells, col, teams)
		if colErr == nil {
			if v, colErr = checkRow(in); colErr == nil {
				if v.phone != "" {
					key := v.name + "\x00" + v.phone
					if first, ok := seen[key]; ok {
						rep.refuse(Row{Line: line, Code: CodeDuplicate, Column: names["name"],
							Message:   fmt.Sprintf("the same name and phone as line %d", first),
							MessageZh: fmt.Sprintf("姓名和电话与第 %d 行相同", first)})
						continue
					}
					seen[key] = line
					if existing[key] {
						rep.refuse(Row{Line: line, Code: CodeDuplicate, Column: names["name"],
							Message:   "a person with this name and phone is already registered in the community",
							MessageZh: "本社区已登记了姓名和电话相同的人员"})
						continue
					}
				}
			}
		}
		if colErr != nil {
			e, ok := apperr.As(colErr)
			if !ok {
				return nil, colErr
			}
			rep.refuse(Row{Line: line, Code: e.Code, Column: names[fieldColumn(e.Field)], Message: e.Message, MessageZh: e.MessageZh})
			continue
		}
		good = append(good, accepted{in, v})
		rep.Rows = append(rep.Rows, Row{Line: line, Accepted: true})
		rep.Accepted++
	}
	if len(rep.Rows) == 0 {
		return nil, apperr.Invalid("csv", "the file has a header but no people", "文件只有表头，没有人员")
	}
	if rep.Refused > 0 || dryRun {
		return rep, nil
	}
	for k, a := range good { // every row is accepted here: one for one
		p, err := write(ctx, client, community, a.v, a.in)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", rep.Rows[k].Line, err)
		}
		rep.Rows[k].Person = p
	}
	rep.Written = true
	return rep, nil
}

func (rep *Report) refuse(r Row) {
	rep.Rows = append(rep.Rows, r)
	rep.Refused++
}

// readHeader maps column names to their index. It refuses unknown and
// repeated columns, and a header without a name column. names gives the
// header as the file spells it, by column.
func readHeader(header []string) (col map[string]int, names map[string]string, err error) {
	col, names = map[string]int{}, map[string]string{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		c, ok := columns[strings.ToLower(h)]
		if !ok {
			return nil, nil, apperr.Invalid("csv",
				fmt.Sprintf("unknown column %q: the columns are name, phone, birth_year, roles and teams (or 姓名, 电话, 出生年份, 角色, 组织)", h),
				fmt.Sprintf("未知列 %q：列名为 name、phone、birth_year、roles、teams（或 姓名、电话、出生年份、角色、组织）", h))
		}
		if _, dup := col[c]; dup {
			return nil, nil, apperr.Invalid("csv", fmt.Sprintf("column %q appears twice", h), fmt.Sprintf("列 %q 重复", h))
		}
		col[c], names[c] = i, h
	}
	if _, ok := col["name"]; !ok {
		return nil, nil, apperr.Invalid("csv", "the header has no name column (name or 姓名)", "表头缺少姓名列（name 或 姓名）")
	}
	return col, names, nil
}

// fieldColumn maps an input field named in an error to its column.
func fieldColumn(field string) string {
	switch field {
	case "birthYear":
		return "birth_year"
	case "teamIDs":
		return "teams"
	}
	return field
}

// splitList splits a cell of several values: by ; (or the full-width ；).
func splitList(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseRow turns a row's cells into an Input; teams maps the community's
// team names to their IDs.
func parseRow(cells []string, col map[string]int, teams map[string]int) (Input, error) {
	cell := func(c string) string {
		if i, ok := col[c]; ok {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	in := Input{Name: cell("name"), Roles: splitList(cell("roles"))}
	if p := cell("phone"); p != "" {
		in.Phone = &p
	}
	if y := cell("birth_year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil {
			return in, apperr.Invalid("birthYear", fmt.Sprintf("%q is not a year", y), fmt.Sprintf("%q 不是年份", y))
		}
		in.BirthYear = &n
	}
	for _, name := range splitList(cell("teams")) {
		id, ok := teams[name]
		if !ok {
			return in, apperr.Invalid("teamIDs",
				fmt.Sprintf("no volunteer team or party organisation named %q in the community", name),
				fmt.Sprintf("本社区没有名为 %q 的志愿服务队或党组织", name))
		}
		in.TeamIDs = append(in.TeamIDs, id)
	}
	return in, nil
}

// checkRow checks a row's values, and that it names no team twice.
func checkRow(in Input) (checked, error) {
	v, err := checkNew(in)
	if err != nil {
		return v, err
	}
	seen := map[int]bool{}
	for _, id := range in.TeamIDs {
		if seen[id] {
			return v, apperr.Invalid("teamIDs", "a team is named twice", "组织重复")
		}
		seen[id] = true
	}
	return v, nil
}

// teamsByName maps the names of the community's teams to their IDs.
func teamsByName(ctx context.Context, client *ent.Client, community int) (map[string]int, error) {
	orgs, err := client.Organization.Query().
		Where(organization.RegionID(community), organization.KindIn(rule.TeamKinds...)).All(rule.SystemContext(ctx))
	if err != nil {
		return nil, err
	}
	m := make(map[string]int, len(orgs))
	for _, o := range orgs {
		m[o.Name] = o.ID
	}
	return m, nil
}

// existingKeys returns name+phone of the people of the community with a
// phone, to refuse a row registered before (such as an import sent twice).
// Read under the system context: the keys never leave this package.
func existingKeys(ctx context.Context, client *ent.Client, community int) (map[string]bool, error) {
	ps, err := client.Person.Query().Where(person.CommunityID(community), person.PhoneNEQ("")).
		Select(person.FieldName, person.FieldPhone).All(rule.SystemContext(ctx))
	if err != nil {
		return nil, err
	}
	m := make(map[string]bool, len(ps))
	for _, p := range ps {
		m[p.Name+"\x00"+p.Phone] = true
	}
	return m, nil
}
