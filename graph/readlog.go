package graph

import (
	"context"
	"log/slog"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"

	"lifecircle/ent"
	"lifecircle/internal/apperr"
	"lifecircle/internal/auth"
	"lifecircle/internal/datalog"
	"lifecircle/internal/erasure"
)

// readLog records the personal data staff, volunteers and admins read
// through an operation (internal/datalog): notePersonalRead notes each
// personal field resolved with a value, and at the end of the operation —
// after a mutation's transaction committed — the notes are written in one
// INSERT. If they cannot be written, the response is withheld: no
// unrecorded read reaches the client.
type readLog struct{ client *ent.Client }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = readLog{}

func (readLog) ExtensionName() string                   { return "PersonalDataReadLog" }
func (readLog) Validate(graphql.ExecutableSchema) error { return nil }

func (l readLog) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	v := auth.FromContext(ctx)
	if !datalog.Logged(v) || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	ctx, c := datalog.WithCollector(ctx, operationName(graphql.GetOperationContext(ctx)))
	rsp := next(ctx)
	if err := c.Flush(ctx, l.client, v); err != nil {
		slog.ErrorContext(ctx, "graphql: personal-data reading log", "err", err)
		graphql.AddError(ctx, apperr.New(apperr.CodeInternal, "the read could not be recorded in the personal-data reading log; nothing was returned"))
		return errorResponse(ctx)
	}
	return rsp
}

// operationName is "query Name: root, fields" (or "mutation …").
func operationName(oc *graphql.OperationContext) string {
	if oc == nil || oc.Operation == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(string(oc.Operation.Operation))
	if oc.Operation.Name != "" {
		b.WriteString(" " + oc.Operation.Name)
	}
	for i, f := range graphql.CollectFields(oc, oc.Operation.SelectionSet, nil) {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
	}
	return b.String()
}

// notePersonalRead notes the field of ctx if it is a personal one
// (Person.name, phone and birthYear, ServiceRequest.address) that resolved
// to a value, res, with the person it belongs to, in the operation's
// collector (if it has one); aroundFields calls it for every field. It
// looks at the field's object before the context's collector: most fields
// are no personal ones, and a context lookup walks the field's chain of
// contexts.
func notePersonalRead(ctx context.Context, res any) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Parent == nil || (fc.Object != "Person" && fc.Object != "ServiceRequest") || isNil(res) {
		return
	}
	c := datalog.From(ctx)
	if c == nil {
		return
	}
	switch fc.Object {
	case "Person":
		switch fc.Field.Name {
		case datalog.Name, datalog.Phone, datalog.BirthYear:
			// An erased person's record holds nothing personal.
			if p := parent[ent.Person](fc); p != nil && !erasure.IsErased(p) {
				c.Note(p.ID, fc.Field.Name)
			}
		}
	case "ServiceRequest":
		if fc.Field.Name == datalog.Address {
			if r := parent[ent.ServiceRequest](fc); r != nil && r.RequesterID != nil {
				c.Note(*r.RequesterID, datalog.Address)
			}
		}
	}
}

// parent is the object whose field fc resolves.
func parent[T any](fc *graphql.FieldContext) *T {
	switch o := fc.Parent.Result.(type) {
	case *T:
		return o
	case **T:
		if o != nil {
			return *o
		}
	}
	return nil
}

func isNil(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case *string:
		return x == nil
	case *int:
		return x == nil
	}
	return false
}

// newestFirst orders the reading log.
var newestFirst = &ent.PersonalDataAccessOrder{Direction: entgql.OrderDirectionDesc, Field: ent.PersonalDataAccessOrderFieldAt}

// adminOnly is id for admins, nil for anyone else: a person sees who read
// their data by role and community, not by token or person.
func adminOnly(ctx context.Context, id *int) *int {
	if auth.FromContext(ctx).IsAdmin() {
		return id
	}
	return nil
}
