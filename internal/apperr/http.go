package apperr

import (
	"encoding/json"
	"net/http"
)

// WriteHTTP answers a request outside GraphQL execution (a refused body,
// token or download) in GraphQL's error shape: status, and one error with
// message and extensions.code (and extensions.field when e has one).
func WriteHTTP(w http.ResponseWriter, status int, e *Error) {
	ext := map[string]any{"code": e.Code}
	if e.Field != "" {
		ext["field"] = e.Field
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": e.Message, "extensions": ext}}})
}
