package limits

import (
	"bytes"
	"io"
	"net/http"

	"lifecircle/internal/apperr"
)

// CodeTooLarge is the code of a refused oversized request body.
const CodeTooLarge = "REQUEST_TOO_LARGE"

// MaxBody refuses request bodies over max bytes with 413 and a GraphQL
// error, before the GraphQL layer reads them (gqlgen reads bodies whole).
func MaxBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > max {
			tooLarge(w, max)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
		r.Body.Close()
		if err != nil {
			http.Error(w, "could not read the request body", http.StatusBadRequest)
			return
		}
		if int64(len(body)) > max {
			tooLarge(w, max)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, max int64) {
	apperr.WriteHTTP(w, http.StatusRequestEntityTooLarge, apperr.New(CodeTooLarge, "the request body is larger than %d bytes", max))
}
