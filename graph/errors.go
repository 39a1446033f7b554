package graph

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"lifecircle/ent"
	"lifecircle/ent/privacy"
	"lifecircle/internal/apperr"
	"lifecircle/internal/inputs"
	"lifecircle/internal/outage"
)

// resolverError marks an error a resolver returned, so the presenter can
// tell it from the errors gqlgen builds itself (argument parsing,
// validation), which are safe to show: gqlgen wraps both the same way.
type resolverError struct{ err error }

func (e resolverError) Error() string { return e.err.Error() }
func (e resolverError) Unwrap() error { return e.err }

// aroundFields is the handler's one field middleware: it tags every
// resolver error (resolverError) and notes the personal fields read
// (notePersonalRead). One function rather than two middlewares: every
// field of every response goes through it (a page of 50 facilities has
// hundreds of fields), and each middleware gqlgen chains costs a closure
// and a call per field.
func aroundFields(ctx context.Context, next graphql.Resolver) (any, error) {
	res, err := next(ctx)
	if err != nil {
		return res, resolverError{err}
	}
	notePersonalRead(ctx, res)
	return res, nil
}

// presentError gives every error a stable extensions.code and a message a
// person can act on, and never lets SQL, driver messages or stack traces
// reach a client: unknown errors are logged and shown as INTERNAL.
func presentError(ctx context.Context, err error) *gqlerror.Error {
	gqlErr := graphql.DefaultErrorPresenter(ctx, err)
	code, msg := classify(ctx, err)
	if code == "" {
		// An error gqlgen or entgql built itself (argument parsing,
		// validation, pagination arguments): safe to show as it is.
		if gqlErr.Extensions == nil || gqlErr.Extensions["code"] == nil {
			setCode(gqlErr, apperr.CodeBadInput)
			if gqlErr.Err != nil { // a scalar refused an argument or input field (e.g. a malformed ID)
				field, zh := inputDetails(err, gqlErr.Path)
				if field != "" {
					gqlErr.Extensions["field"] = field
				}
				gqlErr.Extensions["messageZh"] = zh
			}
		}
		return gqlErr
	}
	switch code {
	case apperr.CodeInternal:
		slog.ErrorContext(ctx, "graphql: internal error", "path", gqlErr.Path.String(), "err", err)
	case CodeCancelled:
		slog.DebugContext(ctx, "graphql: request cancelled by the client", "path", gqlErr.Path.String(), "err", err)
	case apperr.CodeUnavailable:
		slog.WarnContext(ctx, "graphql: database unavailable", "path", gqlErr.Path.String(), "err", err)
	}
	gqlErr.Message = msg
	gqlErr.Extensions = nil
	setCode(gqlErr, code)
	if code == apperr.CodeBadInput {
		field, zh := inputDetails(err, gqlErr.Path)
		if field != "" {
			gqlErr.Extensions["field"] = field
			if !strings.HasPrefix(msg, field+": ") {
				gqlErr.Message = field + ": " + msg
			}
		}
		gqlErr.Extensions["messageZh"] = zh
	} else if e, ok := apperr.As(err); ok && e.Field != "" {
		gqlErr.Extensions["field"] = e.Field
	}
	if e, ok := apperr.As(err); ok && e.Reason != "" {
		gqlErr.Extensions["reason"] = e.Reason
	}
	return gqlErr
}

// inputDetails names the input field a BAD_USER_INPUT error is about and
// gives its Chinese message: from the error itself, else from the ent
// field whose validator refused the value, else (a scalar refusing an
// argument, input field or variable) from the path it was read at.
func inputDetails(err error, path ast.Path) (field, zh string) {
	if e, ok := apperr.As(err); ok {
		field, zh = e.Field, e.MessageZh
	}
	var ve *ent.ValidationError
	if errors.As(err, &ve) {
		if field == "" {
			field = inputs.GraphQLName(ve.Name)
		}
		if zh == "" {
			zh = validationZh(ve)
		}
	}
	var re resolverError
	if field == "" && !errors.As(err, &re) {
		for i := len(path) - 1; i >= 0; i-- {
			if name, ok := path[i].(ast.PathName); ok {
				field = string(name)
				break
			}
		}
	}
	if zh == "" {
		zh = "输入无效"
		if field != "" {
			zh = "字段 " + field + " 的输入无效"
		}
	}
	return field, zh
}

// entValidations are the messages of ent's built-in validators, by the
// end of ent's own text, in English and Chinese.
var entValidations = []struct{ suffix, en, zh string }{
	{"value is less than the required length", ": must not be empty", " 不能为空"},
	{"value is greater than the required length", ": too long (see the bounds of free text in the README)", " 过长"},
	{"value out of range", ": out of range", " 超出允许范围"},
	{"value does not match validation", ": wrong format", " 格式不正确"},
}

// validationEn says what ent's built-in validators refused, by field.
func validationEn(ve *ent.ValidationError) string {
	f, s := inputs.GraphQLName(ve.Name), ve.Error()
	for _, v := range entValidations {
		if strings.HasSuffix(s, v.suffix) {
			return f + v.en
		}
	}
	return strings.TrimPrefix(s, "ent: ")
}

// validationZh translates the messages of ent's built-in validators.
func validationZh(ve *ent.ValidationError) string {
	f, s := inputs.GraphQLName(ve.Name), ve.Error()
	for _, v := range entValidations {
		if strings.HasSuffix(s, v.suffix) {
			return f + v.zh
		}
	}
	return "字段 " + f + " 的输入无效"
}

// CodeCancelled is the code of a request its client gave up on (the
// connection closed): nobody reads the answer, and it is no server error.
const CodeCancelled = "CANCELLED"

// classify maps err to a code and message; "" for errors gqlgen made.
func classify(ctx context.Context, err error) (code, msg string) {
	if e, ok := apperr.As(err); ok {
		return e.Code, e.Message
	}
	var re resolverError
	var te txError
	if errors.As(err, &re) || errors.As(err, &te) {
		// The database's own failures, in one place (internal/outage):
		// nothing of the driver's text is shown.
		if errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled) {
			return CodeCancelled, "the request was cancelled"
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return "TIMEOUT", "the request took too long and was stopped"
		}
		if outage.StatementTimeout(err) {
			return "TIMEOUT", "a database statement ran longer than the server allows and was stopped; narrow the request or retry later"
		}
		if outage.Note(ctx, err) {
			return apperr.CodeUnavailable, outage.Message
		}
		if te.err != nil {
			return apperr.CodeInternal, "internal error"
		}
	}
	var ve *ent.ValidationError
	switch {
	case errors.As(err, &ve):
		return apperr.CodeBadInput, validationEn(ve)
	case ent.IsNotFound(err):
		return apperr.CodeNotFound, "not found"
	case ent.IsConstraintError(err):
		if isForeignKey(err) {
			return apperr.CodeBadInput, "a referenced record does not exist"
		}
		return apperr.CodeConflict, "the change conflicts with an existing record (a unique value is already taken)"
	case errors.Is(err, privacy.Deny):
		return apperr.CodeForbidden, "not allowed"
	case errors.Is(err, context.DeadlineExceeded):
		return "TIMEOUT", "the request took too long and was stopped"
	}
	if !errors.As(err, &re) {
		return "", "" // built by gqlgen: arguments, validation
	}
	// A resolver may pass on an error entgql built for the client, with
	// its own code (e.g. pagination arguments).
	var gqlErr *gqlerror.Error
	if errors.As(re.err, &gqlErr) && gqlErr.Extensions["code"] != nil {
		c, _ := gqlErr.Extensions["code"].(string)
		return c, gqlErr.Message
	}
	return apperr.CodeInternal, "internal error"
}

func isForeignKey(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "foreign key")
}

func setCode(e *gqlerror.Error, code string) {
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	e.Extensions["code"] = code
}

// recoverPanic turns a panic in a resolver into an INTERNAL error and a log
// line with the stack; the client sees neither the value nor the stack.
func recoverPanic(ctx context.Context, p any) error {
	slog.ErrorContext(ctx, "graphql: panic in resolver", "panic", p, "stack", string(debug.Stack()))
	return apperr.New(apperr.CodeInternal, "internal error")
}
