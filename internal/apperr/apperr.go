// Package apperr defines the errors lifecircle shows to clients, each with a
// stable code that the GraphQL layer puts in extensions.code.
package apperr

import (
	"errors"
	"fmt"
)

// Codes carried in extensions.code.
const (
	CodeBadInput        = "BAD_USER_INPUT"
	CodeNotFound        = "NOT_FOUND"
	CodeForbidden       = "FORBIDDEN"
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeConflict        = "CONFLICT"
	CodeInternal        = "INTERNAL"
	CodePageSize        = "PAGE_SIZE_LIMIT"
	// CodeUnavailable: the database cannot serve right now (HTTP 503 with
	// Retry-After); the request may be retried as it is.
	CodeUnavailable = "UNAVAILABLE"
)

// Error is an error safe to show to a client.
type Error struct {
	Code    string
	Field   string // the input field at fault, if any
	Message string
	// MessageZh is Message in Simplified Chinese, for the community staff
	// who read validation errors in forms (extensions.messageZh).
	MessageZh string
	// Reason refines Code for clients that act on it (extensions.reason),
	// e.g. TOKEN_EXPIRED or IDENTITY_NOT_LINKED under UNAUTHENTICATED.
	Reason string
}

func (e *Error) Error() string { return e.Message }

// BadInput is a validation failure of field.
func BadInput(field, format string, args ...any) *Error {
	return &Error{Code: CodeBadInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Invalid is a validation failure of field with its message in English
// and in Chinese. field may be left empty for the GraphQL layer to fill in
// from where the value was read.
func Invalid(field, en, zh string) *Error {
	return &Error{Code: CodeBadInput, Field: field, Message: en, MessageZh: zh}
}

// New returns an error with code and message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// As returns the *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
