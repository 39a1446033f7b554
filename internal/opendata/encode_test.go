package opendata

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"testing"
)

// Cells that exercise every rule of CSV quoting, formula neutralising and
// JSON escaping.
var trickyCells = []string{
	"", "plain", "文亭巷社区", "a,b", `say "hi"`, "line\nbreak", "cr\rlf\r\n", "\r", "\n", " leading space",
	"\u00a0nbsp", "\u3000ideographic space", "\tTab", "=SUM(A1)", "+86 10", "-1.5", "@home", "=a,b", "-\"q\"",
	`\.`, `\.x`, "'", "<b>&amp;</b>", "\u2028\u2029", "bad \xff utf8", "\x00\x01\x1f\x7f", `back\slash`,
	"\xe6\x96", "trailing\n",
}

// appendCSV writes what encoding/csv's Writer writes, except that records
// end in CRLF while a cell's own line breaks stay as they are (the Writer's
// UseCRLF would turn an LF inside a cell into CRLF).
func TestAppendCSVMatchesEncodingCSV(t *testing.T) {
	var want []byte
	var got []byte
	for _, row := range [][]string{trickyCells, {"one"}, {"", ""}, {"x", "=y", "z"}} {
		neutralised := make([]string, len(row))
		var r record
		for i, c := range row {
			neutralised[i] = neutralise(c)
			r.str(c)
		}
		var line bytes.Buffer
		cw := csv.NewWriter(&line)
		if err := cw.Write(neutralised); err != nil {
			t.Fatal(err)
		}
		cw.Flush()
		want = append(append(want, bytes.TrimSuffix(line.Bytes(), []byte("\n"))...), '\r', '\n')
		got = appendCSV(got, &r)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("appendCSV:\n got %q\nwant %q", got, want)
	}
}

// A strict parser reads back exactly the values written, line feeds inside
// cells included. (encoding/csv reads a CRLF inside a quoted cell as LF, so
// values with CRLF are left out here.)
func TestCSVReadsBackExactly(t *testing.T) {
	values := []string{"line\nbreak", "\n", "trailing\n", "two\n\nbreaks", "lone\rcr", "a,b\nc", `q"\n"`, "plain", "", "文亭巷\n社区"}
	var out []byte
	var r record
	for _, v := range values {
		r.str(v)
	}
	out = appendCSV(out, &r)
	out = appendCSV(out, &r)
	cr := csv.NewReader(bytes.NewReader(out))
	cr.FieldsPerRecord = len(values)
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("read back %q: %v", out, err)
	}
	if len(rows) != 2 {
		t.Fatalf("%d records, want 2: %q", len(rows), out)
	}
	for _, row := range rows {
		for i, v := range values {
			if row[i] != v {
				t.Errorf("cell %d reads back as %q, want %q", i, row[i], v)
			}
		}
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	cells := append([]string{}, trickyCells...)
	for b := range 256 {
		cells = append(cells, string([]byte{byte(b)}), "x"+string([]byte{byte(b)})+"y")
	}
	for _, c := range cells {
		for _, html := range []bool{true, false} {
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(html)
			if err := enc.Encode(c); err != nil {
				t.Fatal(err)
			}
			if got := appendJSONString(nil, []byte(c), html); !bytes.Equal(append(got, '\n'), want.Bytes()) {
				t.Errorf("appendJSONString(%q, %v) = %s, want %s", c, html, got, want.Bytes())
			}
		}
	}
	for _, f := range []float64{0, 1, -1, 34.30051, 108.8, 1e-7, -1e-7, 1e-6, 1e20, 1e21, 123456789.125, math.SmallestNonzeroFloat64, math.MaxFloat64} {
		want, _ := json.Marshal(f)
		if got := appendJSONFloat(nil, f); !bytes.Equal(got, want) {
			t.Errorf("appendJSONFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

func TestJSONObjectMatchesEncodingJSON(t *testing.T) {
	columns := []string{"name", "id", "b<&>", "a", "zeta"}
	var r record
	m := map[string]string{}
	for i, c := range columns {
		r.str(trickyCells[i+3])
		m[c] = trickyCells[i+3]
	}
	for _, html := range []bool{true, false} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(m)
		if got := append(appendJSONObject(nil, jsonFields(columns, nil, html), &r, html), '\n'); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("html %v:\n got %s\nwant %s", html, got, want.Bytes())
		}
	}
}

// Typed columns: numbers and booleans as themselves, empty cells (and NaN or
// ±Inf, which JSON cannot hold) as null; the same bytes as encoding/json
// writes for the values.
func TestTypedJSONObjectMatchesEncodingJSON(t *testing.T) {
	columns := []string{"name", "lat", "lng", "approximate", "code", "capacity"}
	kinds := map[string]kind{"lat": number, "lng": number, "approximate": boolean, "capacity": number}
	type row struct {
		fill func(r *record)
		want map[string]any
	}
	for _, tc := range []row{
		{func(r *record) {
			r.str("a<b")
			r.float(36.6245)
			r.float(-101.5)
			r.boolean(true)
			r.str("")
			r.integer(0)
		},
			map[string]any{"name": "a<b", "lat": 36.6245, "lng": -101.5, "approximate": true, "code": nil, "capacity": 0}},
		{func(r *record) {
			r.str("")
			r.float(math.NaN())
			r.float(math.Inf(-1))
			r.boolean(false)
			r.str("x")
			r.str("")
		},
			map[string]any{"name": nil, "lat": nil, "lng": nil, "approximate": false, "code": "x", "capacity": nil}},
	} {
		var r record
		tc.fill(&r)
		want, _ := json.Marshal(tc.want)
		if got := appendJSONObject(nil, jsonFields(columns, kinds, true), &r, true); !bytes.Equal(got, want) {
			t.Errorf("\n got %s\nwant %s", got, want)
		}
	}
}
