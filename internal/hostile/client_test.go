package hostile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// requestTimeout caps every request of the test: 5 times the bound of an
// answer (2 s). Today some attacks take far longer; the server is then
// restarted rather than waited for.
const requestTimeout = 10 * time.Second

// addresses hands out loopback source addresses, 127.0.0.2 upwards: the
// public rate limit is per client IP, so an attack sent from its own
// address is not refused for what the previous one was charged.
type addresses struct{ next int }

func (a *addresses) take() net.IP {
	i := a.next
	a.next++
	if i >= 250*250 {
		panic("out of loopback addresses")
	}
	return net.IPv4(127, 0, byte(i/250), byte(i%250+2))
}

// clientFrom returns an HTTP client whose connections come from ip.
func clientFrom(ip net.IP) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			DialContext:         d.DialContext,
			MaxIdleConnsPerHost: 8,
			DisableCompression:  true,
		},
	}
}

// request is what an attack POSTs: a JSON body to a path, plus headers.
// It is built before the clock starts.
type request struct {
	path   string // default /open/graphql
	header http.Header
	body   []byte
}

// result is what came back.
type result struct {
	status int
	size   int64         // bytes of the body
	wall   time.Duration // from sending to the last byte
	err    error         // no answer: a dropped connection or a timeout

	isJSON    bool
	truncated bool     // body larger than maxParsed: not parsed
	codes     []string // extensions.code of each error; "" for none
	hasData   bool     // data is present and not null
	data      json.RawMessage
	snippet   string // the body's start, for messages
}

// maxParsed bounds what the test keeps of a body to parse it; the rest is
// counted and dropped.
const maxParsed = 32 << 20

// send sends r to the server from client and reads the whole answer.
func send(ctx context.Context, client *http.Client, s *server, r request) result {
	path := r.path
	if path == "" {
		path = "/open/graphql"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url(path), bytes.NewReader(r.body))
	if err != nil {
		return result{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range r.header {
		req.Header[k] = v
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return result{err: err, wall: time.Since(start)}
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(resp.Body, maxParsed))
	rest, err2 := io.Copy(io.Discard, resp.Body)
	res := result{status: resp.StatusCode, size: n + rest, wall: time.Since(start), truncated: rest > 0}
	if err == nil {
		err = err2
	}
	if err != nil {
		res.err = fmt.Errorf("reading the body after %d bytes: %w", res.size, err)
		return res
	}
	res.snippet = snippet(buf.Bytes())
	if res.truncated {
		return res
	}
	var doc struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Extensions struct {
				Code any `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(buf.Bytes(), &doc) != nil {
		return res
	}
	res.isJSON = true
	res.data = doc.Data
	res.hasData = len(doc.Data) > 0 && string(doc.Data) != "null"
	for _, e := range doc.Errors {
		code, _ := e.Extensions.Code.(string)
		res.codes = append(res.codes, code)
	}
	return res
}

func snippet(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// code is the first error code of the result, "-" when there is none.
func (r result) code() string {
	if len(r.codes) == 0 {
		return "-"
	}
	return r.codes[0]
}

// summary describes the results of an attack of one or many requests:
// "200" or "401×6 429×994", and likewise for codes.
func summary(results []result) (status, codes string) {
	sc, cc := map[string]int{}, map[string]int{}
	for _, r := range results {
		s := fmt.Sprint(r.status)
		if r.err != nil {
			s = "no-answer"
		}
		sc[s]++
		cc[r.code()]++
	}
	return countList(sc), countList(cc)
}

func countList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 1 && m[keys[0]] == 1 {
		return keys[0]
	}
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, m[k])
	}
	return strings.Join(parts, " ")
}

// verdict says what is wrong with one answer to attack a, or nil. An
// acceptable answer is either
//   - a refusal: a JSON body whose errors all carry an extensions.code of
//     a.allow, with a status below 500, or
//   - when a.answer is set, a 2xx answer with data and no errors (that
//     a.check accepts, if set);
//
// never INTERNAL or TIMEOUT, never a body that is not JSON, never a dropped
// connection.
func verdict(a *attack, r result, allow []string) error {
	switch {
	case r.err != nil:
		return fmt.Errorf("no answer: %v", r.err)
	case r.truncated:
		if a.answer && r.status/100 == 2 {
			return nil // a huge answer; its size is judged by the memory bound
		}
		return fmt.Errorf("answered %d with %d bytes (not parsed), but it must be refused with %s", r.status, r.size, strings.Join(allow, " or "))
	case !r.isJSON:
		return fmt.Errorf("status %d with a body that is not a GraphQL JSON response: %q", r.status, r.snippet)
	}
	for _, c := range r.codes {
		switch {
		case c == "INTERNAL" || c == "TIMEOUT":
			return fmt.Errorf("status %d, error code %s: %s", r.status, c, r.snippet)
		case c == "":
			return fmt.Errorf("status %d, an error without extensions.code: %s", r.status, r.snippet)
		case !contains(allow, c):
			return fmt.Errorf("status %d, error code %s, want %s: %s", r.status, c, orNone(allow), r.snippet)
		}
	}
	if len(r.codes) > 0 {
		if r.status >= 500 {
			return fmt.Errorf("refused with %s but status %d", r.code(), r.status)
		}
		return nil
	}
	if r.status/100 != 2 || !r.hasData {
		return fmt.Errorf("status %d without errors nor data: %s", r.status, r.snippet)
	}
	if !a.answer {
		return fmt.Errorf("answered %d (%d bytes) but it must be refused with %s", r.status, r.size, orNone(allow))
	}
	if a.check != nil {
		return a.check(r)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func orNone(codes []string) string {
	if len(codes) == 0 {
		return "no error at all"
	}
	return strings.Join(codes, " or ")
}
