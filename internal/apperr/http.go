package apperr

import (
	"encoding/json"
	"net/http"

	"lifecircle/internal/reqid"
)

// CodeHeader carries the code of an error WriteHTTP wrote to the outermost
// middleware (internal/accesslog), which counts and logs it and removes
// the header before the response leaves the server.
const CodeHeader = "X-Lifecircle-Error-Code"

// WriteHTTP answers a request outside GraphQL execution (a refused body,
// token or download) in GraphQL's error shape: status, and one error with
// message and extensions.code (and extensions.field when e has one, and
// extensions.requestId: the X-Request-ID of the response).
func WriteHTTP(w http.ResponseWriter, status int, e *Error) {
	ext := map[string]any{"code": e.Code}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	if e.Reason != "" {
		ext["reason"] = e.Reason
	}
	if id := w.Header().Get(reqid.Header); id != "" {
		ext["requestId"] = id
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(CodeHeader, e.Code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": e.Message, "extensions": ext}}})
}
