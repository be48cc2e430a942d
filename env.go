package limpet

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Env is what an Authenticator may use of the Session it serves: sending
// its own requests (without the Authenticator: not prepared, checked,
// recovered or replayed), the cookie jar, the clock, the base URL, the
// logger, and telling the Session that the Authenticator's saved state
// changed. *Session implements it; an Authenticator gets it in Prepare and
// Recover and never needs the *Session itself.
//
// All methods are safe for concurrent use.
type Env interface {
	// Send sends r with the Session's cookies, defaults, transport and
	// redirect policy, but without its Authenticator. Requests sent from
	// Recover with its context belong to the recovery: new requests wait
	// for it, and answers to requests sent before it cannot overwrite the
	// cookies it sets.
	Send(ctx context.Context, r *Request) (*Response, error)
	// NewRequest builds the *http.Request Send would send for r.
	NewRequest(ctx context.Context, r *Request) (*http.Request, error)
	// BareClient returns an *http.Client that sends as Send does, for
	// libraries that take one (an OAuth2 token source, for example). Its
	// CheckRedirect may be replaced on the returned copy.
	BareClient() *http.Client
	// Jar returns the Session's cookie jar.
	Jar() http.CookieJar
	// Now returns the current time by the Session's clock.
	Now() time.Time
	// BaseURL returns a copy of the Session's base URL, or nil.
	BaseURL() *url.URL
	// Logger returns the Session's logger (one that discards, when the
	// Session has none).
	Logger() *slog.Logger
	// StateChanged tells the Session that the Authenticator's saved state
	// changed, so that autosave writes it.
	StateChanged()
}

var _ Env = (*Session)(nil)

// Send sends r without the Session's Authenticator (see Env.Send). Without
// an Authenticator it is Do.
func (s *Session) Send(ctx context.Context, r *Request) (*Response, error) {
	if ctx == nil {
		return s.Do(ctx, r)
	}
	return s.Do(s.own(ctx), r)
}

// own returns ctx marked as carrying the Authenticator's own requests: kept
// as it is when it already does, else in the generation of the request
// whose context it is (a token search from Prepare), else in the current
// generation.
func (s *Session) own(ctx context.Context) context.Context {
	st := s.authn
	if st == nil {
		return ctx
	}
	if ss := st.stateOf(ctx); ss != nil {
		if ss.own {
			return ctx
		}
		return st.ownContext(ctx, ss.gen)
	}
	return st.ownContext(ctx, st.gen.Load())
}

// BareClient returns an *http.Client that sends through the Session, as
// Client does, but never through its Authenticator (see Env.BareClient).
func (s *Session) BareClient() *http.Client {
	c := &http.Client{Transport: &ownTransport{s: s}, CheckRedirect: s.checkRedirect}
	if s.timeout > 0 {
		c.Timeout = s.timeout
	}
	return c
}

// ownTransport marks each request as the Authenticator's own and sends it
// with the Session's defaults.
type ownTransport struct{ s *Session }

func (t *ownTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := t.s.own(req.Context())
	if ctx != req.Context() {
		req = req.WithContext(ctx)
	}
	return t.s.public.RoundTrip(req)
}

// Now returns the current time (Env).
func (s *Session) Now() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// BaseURL returns a copy of Options.BaseURL, parsed, or nil (Env).
func (s *Session) BaseURL() *url.URL {
	if s.base == nil {
		return nil
	}
	u := *s.base
	return &u
}

// discardLogger is returned by Logger for a Session without one.
var discardLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// Logger returns Options.Logger, or a logger that discards (Env).
func (s *Session) Logger() *slog.Logger {
	if s.logger != nil {
		return s.logger
	}
	return discardLogger
}
