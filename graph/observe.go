package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"lifecircle/internal/accesslog"
	"lifecircle/internal/limits"
	"lifecircle/internal/metrics"
	"lifecircle/internal/reqid"
)

// observer counts every GraphQL response in the server's metrics (by
// operation, outcome and error code) and notes its operation and cost for
// the access log. It is the outermost response interceptor, so it sees
// the response as the client will, refusals before execution included.
type observer struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = observer{}

func (observer) ExtensionName() string                   { return "Observer" }
func (observer) Validate(graphql.ExecutableSchema) error { return nil }
func (observer) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	start := graphql.GetStartTime(ctx)
	var name, opType string
	var cost limits.Cost
	hasCost := false
	if graphql.HasOperationContext(ctx) {
		rc := graphql.GetOperationContext(ctx)
		if !rc.Stats.OperationStart.IsZero() {
			start = rc.Stats.OperationStart
		}
		if rc.Operation != nil {
			name, opType = rc.Operation.Name, string(rc.Operation.Operation)
		}
		cost, hasCost = rc.Stats.GetExtension("cost").(limits.Cost)
	}
	outcome := "ok"
	if len(resp.Errors) > 0 {
		outcome = "error"
		if d := string(resp.Data); d != "" && d != "null" {
			outcome = "partial"
		}
	}
	m := metrics.From(ctx)
	var took time.Duration
	if !start.IsZero() {
		took = time.Since(start)
	}
	m.Operation(name, opType, outcome, took)
	codes := make([]string, 0, len(resp.Errors))
	for _, e := range resp.Errors {
		code, _ := e.Extensions["code"].(string)
		m.Error(code)
		codes = append(codes, code)
	}
	note := accesslog.Note(ctx)
	note.Operation(name, cost.Charged, hasCost)
	note.Errors(codes)
	return resp
}

// withRequestID puts the request's ID in every error's extensions, so a
// client can quote it and an operator find the request's log lines.
func withRequestID(present graphql.ErrorPresenterFunc) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		e := present(ctx, err)
		if id := reqid.FromContext(ctx); id != "" && e != nil {
			if e.Extensions == nil {
				e.Extensions = map[string]any{}
			}
			e.Extensions["requestId"] = id
		}
		return e
	}
}
