package limpet

import (
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"
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

// Error returns e.g. `limpet: POST http://host/api: 403 Forbidden: {"error":...}`.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("limpet: %s %s: %s", e.Method, e.URL, e.Status)
	if len(e.Body) > 0 {
		excerpt := e.Body
		if !utf8.Valid(excerpt) {
			return msg + fmt.Sprintf(" (%d bytes of body)", len(e.Body))
		}
		if len(excerpt) > 200 {
			excerpt = append(excerpt[:200:200], "..."...)
		}
		msg += ": " + string(excerpt)
	}
	return msg
}
