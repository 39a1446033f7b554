package limits

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeNotAllowed is the code of an operation outside the allow-list.
const CodeNotAllowed = "OPERATION_NOT_ALLOWED"

type publicKey struct{}

// Public marks a request as coming through the public endpoint, where the
// allow-list (when enabled) applies.
func Public(ctx context.Context) context.Context { return context.WithValue(ctx, publicKey{}, true) }

func isPublic(ctx context.Context) bool { v, _ := ctx.Value(publicKey{}).(bool); return v }

// AllowList, when it holds operations, lets the public endpoint run only
// those: by their text or by the sha256 of it (persisted-query style), so a
// client may send the hash alone.
type AllowList struct {
	byHash map[string]string
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = (*AllowList)(nil)

// LoadAllowList reads a JSON array of GraphQL documents.
func LoadAllowList(path string) (*AllowList, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("allow-list: %w", err)
	}
	var docs []string
	if err := json.Unmarshal(b, &docs); err != nil {
		return nil, fmt.Errorf("allow-list %s: want a JSON array of GraphQL documents: %w", path, err)
	}
	return NewAllowList(docs), nil
}

// NewAllowList allows docs.
func NewAllowList(docs []string) *AllowList {
	a := &AllowList{byHash: map[string]string{}}
	for _, d := range docs {
		a.byHash[hash(d)] = d
	}
	return a
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// ExtensionName implements graphql.HandlerExtension.
func (*AllowList) ExtensionName() string { return "AllowList" }

// Validate implements graphql.HandlerExtension.
func (*AllowList) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (a *AllowList) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if a == nil || len(a.byHash) == 0 || !isPublic(ctx) {
		return nil
	}
	h := ""
	if pq, ok := p.Extensions["persistedQuery"].(map[string]any); ok {
		h, _ = pq["sha256Hash"].(string)
	}
	if p.Query != "" {
		h = hash(p.Query)
	}
	doc, ok := a.byHash[h]
	if !ok {
		return &gqlerror.Error{Message: "this endpoint runs registered operations only; send one of them (or its sha256)",
			Extensions: map[string]any{"code": CodeNotAllowed}}
	}
	p.Query = doc
	delete(p.Extensions, "persistedQuery") // answered from the list, not the APQ cache
	return nil
}
