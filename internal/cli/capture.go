package cli

import (
	"context"
	"errors"
	"net/http"
	"sync"
)

// errCaptured stops a request that --offline or --curl only shows.
var errCaptured = errors.New("the request was captured, not sent")

// errOffline stops any other request a Session would send meanwhile (a
// page fetched for a CSRF token, a login): with --offline nothing is sent.
var errOffline = errors.New("--offline: nothing is sent")

// capture is a Session middleware that keeps the request a Session would
// send, as it would send it (its default headers, cookies, credentials and
// CSRF token applied), instead of sending it. It is the innermost
// middleware: what it sees is what would go on the wire, less what the
// transport adds (Content-Length, Accept-Encoding). Safe for concurrent
// use.
type capture struct {
	method, url string // the request to capture

	mu  sync.Mutex
	req *http.Request // the captured request, nil until then
}

// middleware implements a limpet.Options.Middleware.
func (c *capture) middleware(http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			r.Body.Close()
		}
		if r.Method != c.method || r.URL.String() != c.url {
			return nil, errOffline
		}
		c.mu.Lock()
		if c.req == nil {
			c.req = r.Clone(context.Background())
			c.req.Body = nil
		}
		c.mu.Unlock()
		return nil, errCaptured
	})
}

// captured returns the request kept, or nil.
func (c *capture) captured() *http.Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.req
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

// RoundTrip implements http.RoundTripper.
func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
