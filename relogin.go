package limpet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/limpet-http/limpet/internal/redact"
)

// Authenticator logs a Session in to a server that keeps a login session
// (a form login, a token endpoint), prepares each request (a CSRF token, a
// bearer token), and tells from a response that the server needs the
// client to recover: log in again, refresh a token, fetch a new CSRF token.
//
// The Session calls Login and Recover one at a time, never concurrently
// with each other; Prepare and Check may be called from many goroutines at
// once. Requests that Login and Recover send through the Session are not
// prepared, checked or replayed. Implementations live in packages such as
// spring; an Authenticator that also implements StateSaver has its state
// saved with the session (Options.Store).
type Authenticator interface {
	// Login establishes an authenticated session.
	Login(ctx context.Context, s *Session) error
	// Recover brings the session back after Check returned v: it logs in
	// again, refreshes a token or fetches a CSRF token, as v says.
	Recover(ctx context.Context, s *Session, v Verdict) error
	// Prepare adds what req needs before it is sent (it is called again
	// for a replay, after a recovery). req belongs to the Session: Prepare
	// may change its header, URL and body (keeping GetBody consistent).
	Prepare(req *http.Request) error
	// Check classifies the response to req (after redirects).
	Check(req *http.Request, resp *Response) Verdict
}

// SessionBinder is implemented by Authenticators that want their Session
// before its first request, for example to renew a token restored from the
// store ahead of its expiry. New calls BindSession once, after loading the
// saved state.
type SessionBinder interface {
	BindSession(s *Session)
}

// VerdictKind says what a response means for the session.
type VerdictKind int

// Verdict kinds.
const (
	// OK: nothing to recover.
	OK VerdictKind = iota
	// SessionExpired: the server does not know the session (any more):
	// log in again.
	SessionExpired
	// CSRFRejected: the server refused the request's CSRF token; the
	// session may still be valid.
	CSRFRejected
	// TokenExpired: a bearer token was refused as expired or invalid.
	TokenExpired
)

// String returns the kind's name.
func (k VerdictKind) String() string {
	switch k {
	case OK:
		return "ok"
	case SessionExpired:
		return "session expired"
	case CSRFRejected:
		return "CSRF token rejected"
	case TokenExpired:
		return "token expired"
	}
	return fmt.Sprintf("VerdictKind(%d)", int(k))
}

// Verdict is an Authenticator's reading of a response.
type Verdict struct {
	Kind VerdictKind
	// NotExecuted reports that the response proves the request never
	// reached the application: a security filter rejected it (a 401, a
	// redirect to the login page, a CSRF 403). Only then is a
	// non-idempotent request (POST, PATCH) replayed after a recovery.
	NotExecuted bool
	// Reason says what showed it, for errors and logs ("302 to /login").
	Reason string
}

// Recovery records a recovery made while sending one request.
type Recovery struct {
	// Verdict is what the response that triggered it showed.
	Verdict Verdict
	// Recovered is false when another goroutine had already recovered
	// the session from the same condition and this request only waited.
	Recovered bool
	// Replayed reports that the request was sent again afterwards.
	Replayed bool
}

// ErrNotRecovered is wrapped by the *AuthError returned when a request is
// still refused after the session was recovered once.
var ErrNotRecovered = errors.New("limpet: still refused after logging in again")

// AuthError is returned by Do when an Authenticator could not log in or
// recover the session. It wraps the underlying error (for example the
// spring package's bad-credentials error, or ErrNotRecovered).
type AuthError struct {
	// Op is "login" or "recover".
	Op string
	// Verdict is what triggered the recovery, when Op is "recover".
	Verdict Verdict
	// Err is the cause.
	Err error
}

// Error describes the failure, with secrets (a token in a redirect URL, a
// password in a quoted body) masked.
func (e *AuthError) Error() string {
	if e.Op == "recover" {
		return redact.Text(fmt.Sprintf("limpet: recovering the session (%s: %s): %v", e.Verdict.Kind, e.Verdict.Reason, e.Err))
	}
	return redact.Text(fmt.Sprintf("limpet: %s: %v", e.Op, e.Err))
}

// Unwrap returns the cause.
func (e *AuthError) Unwrap() error { return e.Err }

// authState is the Session's side of its Authenticator: single-flight
// recovery, and a guard against retrying a recovery that just failed.
type authState struct {
	a   Authenticator
	gen atomic.Uint64 // incremented by every successful login or recovery

	mu       sync.Mutex // held while logging in or recovering; guards failGen, failErr, failAt
	failGen  uint64
	failErr  error
	failAt   time.Time
	hasFail  bool
	cooldown time.Duration
}

// RecoveryCooldown is how long a failed login or recovery is remembered:
// requests that need a recovery meanwhile get the same error at once,
// instead of each trying to log in with credentials that just failed.
const RecoveryCooldown = 5 * time.Second

type authBypassKey struct{}

// authGenKey carries, in a request's context, the login generation the
// request was sent under.
type authGenKey struct{}

// staleResponse reports whether a response to a request sent with ctx
// belongs to a session that a newer login has replaced: its cookies must
// not overwrite the ones that login set (a late answer to a request that
// met the expired session carries a fresh, anonymous session cookie).
func (s *Session) staleResponse(ctx context.Context) bool {
	if s.authn == nil {
		return false
	}
	g, ok := ctx.Value(authGenKey{}).(uint64)
	return ok && s.authn.gen.Load() > g
}

// bypassing reports whether ctx belongs to an Authenticator's own requests.
func bypassing(ctx context.Context) bool { return ctx.Value(authBypassKey{}) != nil }

// Login logs the Session in with its Authenticator now, instead of on the
// first request that needs it. It returns an *AuthError on failure, and
// nil without an Authenticator.
func (s *Session) Login(ctx context.Context) error {
	if s.authn == nil {
		return nil
	}
	st := s.authn
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.a.Login(context.WithValue(ctx, authBypassKey{}, true), s); err != nil {
		return &AuthError{Op: "login", Err: err}
	}
	st.gen.Add(1)
	st.hasFail = false
	s.StateChanged()
	return nil
}

// StateChanged tells the Session that its Authenticator's saved state (a
// token, a CSRF token) changed, so that autosave writes it.
func (s *Session) StateChanged() {
	if s.persist != nil {
		s.persist.markDirty()
	}
}

// recover runs the Authenticator's recovery unless another goroutine
// already recovered since gen. It reports whether this call recovered.
func (s *Session) recover(ctx context.Context, gen uint64, v Verdict) (bool, error) {
	st := s.authn
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.gen.Load() != gen {
		return false, nil
	}
	if st.hasFail && st.failGen == gen && time.Since(st.failAt) < st.cooldown {
		return false, st.failErr
	}
	err := st.a.Recover(context.WithValue(ctx, authBypassKey{}, true), s, v)
	if err != nil {
		st.hasFail, st.failGen, st.failErr, st.failAt = true, gen, err, time.Now()
		return false, err
	}
	st.hasFail = false
	st.gen.Add(1)
	s.StateChanged()
	return true, nil
}

// idempotent reports whether a method may be sent twice without harm.
func idempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// sendWithAuth sends req, prepared by the Authenticator, and recovers and
// replays once when the response shows that the session needs it.
func (s *Session) sendWithAuth(req *http.Request, cancel context.CancelFunc) (*Response, error) {
	st := s.authn
	fail := func(err error) (*Response, error) {
		if cancel != nil {
			cancel()
		}
		return nil, err
	}
	pristine := req.Header.Clone() // layers below add cookies and credentials in place
	gen := st.gen.Load()
	req = req.WithContext(context.WithValue(req.Context(), authGenKey{}, gen))
	if err := st.a.Prepare(req); err != nil {
		return fail(fmt.Errorf("limpet: preparing request: %w", err))
	}
	resp, err := s.roundTrip(req)
	if err != nil {
		return fail(err)
	}
	v := st.a.Check(req, resp)
	if v.Kind == OK {
		return resp.withCancel(cancel), nil
	}
	rec := Recovery{Verdict: v}
	recovered, err := s.recover(req.Context(), gen, v)
	if err != nil {
		drain(resp.Body)
		return fail(&AuthError{Op: "recover", Verdict: v, Err: err})
	}
	rec.Recovered = recovered
	canReplay := (idempotent(req.Method) || v.NotExecuted) && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil)
	if !canReplay {
		resp.Recoveries = append(resp.Recoveries, rec)
		return resp.withCancel(cancel), nil
	}
	drain(resp.Body)
	again := req.Clone(context.WithValue(req.Context(), authGenKey{}, st.gen.Load()))
	again.Header = pristine
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return fail(fmt.Errorf("limpet: replaying request body: %w", err))
		}
		again.Body = body
	}
	if err := st.a.Prepare(again); err != nil {
		return fail(fmt.Errorf("limpet: preparing replay: %w", err))
	}
	resp2, err := s.roundTrip(again)
	if err != nil {
		return fail(err)
	}
	rec.Replayed = true
	if v2 := st.a.Check(again, resp2); v2.Kind != OK {
		drain(resp2.Body)
		return fail(&AuthError{Op: "recover", Verdict: v2, Err: ErrNotRecovered})
	}
	resp2.Recoveries = append(resp2.Recoveries, rec)
	return resp2.withCancel(cancel), nil
}
