package limpet

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/limpet-http/limpet/internal/redact"
)

// ErrTooManyRedirects is returned (wrapped) when a request is redirected
// more often than its MaxRedirects allows.
var ErrTooManyRedirects = errors.New("limpet: too many redirects")

// StatusError is returned by Response.CheckStatus for a response whose
// status is not 2xx. It carries what a caller needs to decide what to do
// and what a person needs to see why.
type StatusError struct {
	// StatusCode and Status are the response's.
	StatusCode int
	Status     string
	// Method and URL are the final request's; the URL is redacted
	// (credentials and token-like query values are hidden).
	Method string
	URL    string
	// Body is the start of the response body, at most MaxErrorBody bytes.
	Body []byte
	// Header is the response's header.
	Header http.Header
}

// MaxErrorBody is the most of a response body a StatusError keeps.
const MaxErrorBody = 1024

// Error returns e.g. `limpet: POST http://host/api: 403 Forbidden: {"error":...}`,
// with the first 200 bytes of the body. Secrets in the URL and the body
// (tokens, passwords, by the rules of the debug log) are masked; the Body
// field keeps the bytes as they came.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("limpet: %s %s: %s", e.Method, redact.URLString(e.URL), e.Status)
	if len(e.Body) > 0 {
		if !utf8.Valid(e.Body) {
			return msg + fmt.Sprintf(" (%d bytes of body)", len(e.Body))
		}
		excerpt := redact.Body(e.Header.Get("Content-Type"), e.Body)
		if len(excerpt) > 200 {
			excerpt = append(excerpt[:200:200], "..."...)
		}
		msg += ": " + redact.Text(string(excerpt))
	}
	return msg
}
