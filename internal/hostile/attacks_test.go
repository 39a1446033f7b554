package hostile

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"lifecircle/internal/testenv"
)

// Codes of the refusals the attacks expect.
const (
	badInput         = "BAD_USER_INPUT"
	tooLarge         = "REQUEST_TOO_LARGE"
	costLimit        = "COST_LIMIT"
	depthLimit       = "DEPTH_LIMIT"
	validationFailed = "GRAPHQL_VALIDATION_FAILED"
	filterLimit      = "FILTER_LIMIT"
	unauthenticated  = "UNAUTHENTICATED"
	rateLimited      = "RATE_LIMITED"
	invalidPage      = "INVALID_PAGINATION"
)

// attack is one hostile request, or a burst of them sent one after the
// other from one address.
type attack struct {
	name string
	// requests sent one after the other (default 1); build makes the i-th.
	requests int
	build    func(i int) request
	// allow: the codes of an acceptable refusal; answer: whether a 2xx
	// answer with data and no error is acceptable too (check, when set,
	// inspects it). See verdict.
	allow  []string
	answer bool
	check  func(result) error
	// cpu bounds the server CPU of all the requests (default 100 ms
	// each); rss its memory growth over them (default 20 MB).
	cpu time.Duration
	rss int64
	// all, when set, judges the results of all the requests together.
	all func([]result) error
}

// attacks returns every attack, in the order they run.
func attacks() []*attack {
	return []*attack{
		// 4 (first: it keeps memory without using much CPU, which a heap
		// already grown by the other attacks would hide). 30 different
		// 1 MB comments around { __typename }, each registered as an
		// automatic persisted query: the server must keep none of them.
		{name: "big-comment-apq-x30", requests: 30, build: bigCommentAPQ,
			allow: []string{tooLarge}, answer: true, check: hasPath("__typename")},

		// 1. A cursor is msgpack in base64, decoded recursively: a valid
		// envelope {"i": 1, "v": [[[…1…]]]} whose value nests ~675,000
		// one-element arrays (0x91) takes seconds and hundreds of MB of
		// stack to decode, and 8 aliases decode it 8 times. Its base64 is
		// ~0.9 MB, so the body stays under the 1 MiB body limit and the
		// cursor really reaches the decoder.
		{name: "deep-cursor", build: single(gql(
			`query($a: Cursor){`+aliases(8, func(i int) string {
				return fmt.Sprintf(" a%d: regions(first: 1, after: $a){ totalCount }", i)
			})+" }",
			`{"a":`+jsonString(deepCursor(675000))+`}`)),
			allow: []string{badInput, tooLarge}},
		// A cursor that is not one must be refused as bad input: "hello"
		// (not msgpack), and the msgpack map {"x": "hello"}, which the
		// decoder accepts today as a zero cursor.
		{name: "garbage-cursor", build: single(gql(regionsAfter,
			`{"a":`+jsonString(base64.RawStdEncoding.EncodeToString([]byte("hello")))+`}`)),
			allow: []string{badInput}},
		{name: "garbage-cursor-decodable", build: single(gql(regionsAfter,
			`{"a":`+jsonString(base64.RawStdEncoding.EncodeToString(
				[]byte{0x81, 0xa1, 'x', 0xa5, 'h', 'e', 'l', 'l', 'o'}))+`}`)),
			allow: []string{badInput}},

		// 2. Introspection is free of cost, but its answer is not:
		// every alias repeats the whole schema.
		{name: "introspection-100-aliases", build: single(gql(introspectionAliases(100), "")),
			allow: []string{costLimit, validationFailed}},
		{name: "introspection-400-aliases", build: single(gql(introspectionAliases(400), "")),
			allow: []string{costLimit, validationFailed}},
		// What GraphiQL and every client generator send must still work.
		// It is an honest request with a 450 KB answer, not an attack:
		// 50-110 ms of server CPU here today (the most on a fresh
		// process), too close to 100 ms for a bound, so its own is 250 ms.
		{name: "full-introspection", build: single(gql(testenv.IntrospectionQuery, "")),
			answer: true, check: hasPath("__schema", "types"), cpu: 250 * time.Millisecond},

		// 3. Each fragment spreads the next twice: 2^24 leaves.
		{name: "fragment-bomb", build: single(gql(fragmentBomb(24), "")),
			allow: []string{costLimit, depthLimit, validationFailed}},

		// 5. Filters whose size is the attacker's choice.
		{name: "where-not-9000-deep", build: single(gql(facilitiesWhere,
			`{"w":`+strings.Repeat(`{"not":`, 9000)+`{"name":"x"}`+strings.Repeat("}", 9000)+`}`)),
			allow: []string{filterLimit, badInput, tooLarge}},
		{name: "where-or-25000", build: single(gql(facilitiesWhere,
			`{"w":{"or":[`+predicates(25000)+`]}}`)),
			allow: []string{filterLimit, badInput, tooLarge}},
		{name: "where-and-or-27000", build: single(gql(facilitiesWhere,
			`{"w":`+andOr(3, 30)+`}`)),
			allow: []string{filterLimit, badInput, tooLarge}},
		{name: "where-like-500KB", build: single(gql(facilitiesWhere,
			`{"w":{"nameContains":`+jsonString(strings.Repeat("%_", 250000))+`}}`)),
			allow: []string{filterLimit, badInput, tooLarge}},

		// 6. Relation filters nest joins: 6 levels is an attack, 2 is
		// what a real client sends (facilities of a subdistrict).
		{name: "relation-filter-6-deep", build: single(gql(`{ facilities(first: 1, where: {hasCommunityWith: {hasFacilitiesWith: {hasCommunityWith: {hasFacilitiesWith: {hasCommunityWith: {hasFacilitiesWith: {name: "x"}}}}}}}) { totalCount } }`, "")),
			allow: []string{filterLimit}},
		{name: "relation-filter-2-deep", build: single(gql(`{ facilities(first: 1, where: {hasCommunityWith: {hasParentWith: {name: "文汇路街道"}}}) { totalCount } }`, "")),
			answer: true, check: positive("facilities", "totalCount")},

		// 7. Guessing tokens on the app endpoint: after the first few
		// failures the address is rate limited, and the lookups are cheap.
		{name: "wrong-bearer-x1000", requests: 1000, build: wrongBearer,
			allow: []string{unauthenticated, rateLimited}, cpu: time.Second, all: mostlyRateLimited(50)},

		// 8. A query any anonymous caller may send.
		{name: "publications", build: single(gql(`{ publications(first: 5){ totalCount } }`, "")),
			answer: true, check: hasPath("publications", "totalCount")},

		// 9. Both first and last: a client mistake with its own code.
		{name: "first-and-last", build: single(gql(`{ regions(first: 1, last: 1){ totalCount } }`, "")),
			allow: []string{invalidPage}},
	}
}

// normalQuery is what an ordinary client asks; it must work before and
// after the attacks.
var normalQuery = attack{name: "normal-query",
	build:  single(gql(`{ regions(first: 5){ edges { node { name } } } }`, "")),
	answer: true, check: fiveRegions}

const regionsAfter = `query($a: Cursor){ regions(first: 1, after: $a){ totalCount } }`

const facilitiesWhere = `query($w: FacilityWhereInput){ facilities(first: 1, where: $w){ totalCount } }`

// gql is a POST body of query and variables (raw JSON, or "" for none).
func gql(query, variables string) request {
	body := `{"query":` + jsonString(query)
	if variables != "" {
		body += `,"variables":` + variables
	}
	return request{body: []byte(body + "}")}
}

func single(r request) func(int) request { return func(int) request { return r } }

func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func aliases(n int, f func(i int) string) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(f(i))
	}
	return b.String()
}

// deepCursor is an entgql cursor {"i": 1, "v": <depth nested arrays>} in
// msgpack and base64 without padding, as the server makes them.
func deepCursor(depth int) string {
	raw := []byte{0x82, 0xa1, 'i', 0x01, 0xa1, 'v'} // fixmap of 2: "i": 1, "v": …
	raw = append(raw, bytes.Repeat([]byte{0x91}, depth)...)
	raw = append(raw, 0x01)
	return base64.RawStdEncoding.EncodeToString(raw)
}

// introspectionAliases asks for every type's fields, arguments and input
// fields n times over (~3.6 KB for 100).
func introspectionAliases(n int) string {
	return "{\n" + aliases(n, func(i int) string {
		return fmt.Sprintf("  a%d: __schema { types { ...T } }\n", i)
	}) + `}
fragment T on __Type { name kind fields(includeDeprecated: true) { name type { ...R } args { name type { ...R } } } inputFields { name type { ...R } } enumValues { name } }
fragment R on __Type { name kind ofType { name kind ofType { name kind ofType { name kind } } } }`
}

// fragmentBomb: F0 spreads F1 twice, F1 spreads F2 twice, …, and the last
// selects a connection: (2^levels) × the leaf, in about 1 KB. Spreading
// the same fragment twice is legal GraphQL.
func fragmentBomb(levels int) string {
	var b strings.Builder
	b.WriteString("query { ...F0 }\n")
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename regions(first: 1){ totalCount } }\n", levels)
	return b.String()
}

// bigCommentAPQ is the i-th query of a 1 MB comment (different each time)
// and { __typename }, with its APQ hash.
func bigCommentAPQ(i int) request {
	comment := fmt.Sprintf("# %06d ", i) + strings.Repeat("x", 1_000_000) + "\n"
	query := comment + "{ __typename }"
	sum := sha256.Sum256([]byte(query))
	return request{body: []byte(`{"query":` + jsonString(query) +
		`,"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}}`)}
}

// predicates is n different {"name": …} filters, comma separated.
func predicates(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf(`{"name":"n%d"}`, i)
	}
	return strings.Join(parts, ",")
}

// andOr nests and/or alternately, width wide and levels deep: width^levels
// leaf predicates.
func andOr(levels, width int) string {
	if levels == 0 {
		return `{"name":"x"}`
	}
	op := "and"
	if levels%2 == 0 {
		op = "or"
	}
	inner := andOr(levels-1, width)
	parts := make([]string, width)
	for i := range parts {
		parts[i] = inner
	}
	return `{"` + op + `":[` + strings.Join(parts, ",") + `]}`
}

func wrongBearer(i int) request {
	r := gql(`{ __typename }`, "")
	r.path = "/graphql"
	r.header = http.Header{"Authorization": {fmt.Sprintf("Bearer wrong-%d", i)}}
	return r
}

// mostlyRateLimited: of the answers, at most first are not 429
// RATE_LIMITED. "After the first few" leaves the limiter's burst to the
// server; first is the most any sensible burst allows.
func mostlyRateLimited(first int) func([]result) error {
	return func(results []result) error {
		other := 0
		for _, r := range results {
			if r.status != http.StatusTooManyRequests || r.code() != rateLimited {
				other++
			}
		}
		if other > first {
			return fmt.Errorf("%d of %d answers are not 429 %s; at most %d may be", other, len(results), rateLimited, first)
		}
		return nil
	}
}

// lookup follows path in the response's data.
func lookup(r result, path ...string) (any, error) {
	var v any
	if err := json.Unmarshal(r.data, &v); err != nil {
		return nil, fmt.Errorf("data: %v", err)
	}
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok || m[p] == nil {
			return nil, fmt.Errorf("no data.%s in %s", strings.Join(path, "."), snippet(r.data))
		}
		v = m[p]
	}
	return v, nil
}

func hasPath(path ...string) func(result) error {
	return func(r result) error {
		_, err := lookup(r, path...)
		return err
	}
}

func positive(path ...string) func(result) error {
	return func(r result) error {
		v, err := lookup(r, path...)
		if err != nil {
			return err
		}
		if n, _ := v.(float64); n <= 0 {
			return fmt.Errorf("data.%s = %v, want > 0", strings.Join(path, "."), v)
		}
		return nil
	}
}

func fiveRegions(r result) error {
	v, err := lookup(r, "regions", "edges")
	if err != nil {
		return err
	}
	edges, _ := v.([]any)
	if len(edges) != 5 {
		return fmt.Errorf("%d regions, want 5: %s", len(edges), snippet(r.data))
	}
	for _, e := range edges {
		node, _ := e.(map[string]any)["node"].(map[string]any)
		if name, _ := node["name"].(string); name == "" {
			return fmt.Errorf("a region without a name: %s", snippet(r.data))
		}
	}
	return nil
}
