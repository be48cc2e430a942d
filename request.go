package limpet

import (
	"net/http"
	"net/url"
	"time"
)

// Request describes one request sent by Session.Do. Fields left at their
// zero value take the Session's defaults.
type Request struct {
	// Method defaults to GET.
	Method string
	// URL is absolute, or relative to Options.BaseURL.
	URL string
	// Header is merged over the Session's default headers: a key set here
	// replaces the default, and a key present with no values removes it.
	Header http.Header
	// Query is added to the URL's query (after any query in URL).
	Query url.Values
	// Body is the request body; nil sends none.
	Body Body
	// Auth replaces the Session's Auth for this request; NoAuth sends none.
	Auth Auth
	// Timeout replaces Options.Timeout (NoTimeout: none).
	Timeout time.Duration
	// MaxRedirects replaces Options.MaxRedirects (NoRedirects: none).
	MaxRedirects int
	// Proxy, when set, is the proxy URL for this request, over the
	// Session's proxy settings and the environment.
	Proxy string
}
