package limpet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
// Logging in is a recovery like the others, from NoSession: the Session
// asks for it on Session.Login, and an Authenticator that sends no
// credentials before it is asked waits for the server's first refusal.
// Pieces (a login kind, a CSRF strategy) combine with Chain.
//
// The Session calls Recover one at a time, never concurrently with itself
// (nor with Session.Exclusive); Prepare and Check may be called from many
// goroutines at once. An Authenticator does not get the *Session: it gets
// an Env, whose Send sends its own requests (not prepared, checked or
// replayed).
//
// While Recover runs, the Session keeps the session its: other requests
// wait before they are prepared (and one prepared just before waits, and
// is prepared again, rather than leave with the half-made session), and
// answers to requests sent before the recovery began do not change the
// cookie jar: a server that met an expired session in them sets a new,
// anonymous session cookie, which would replace the one the login builds.
// Their verdicts still count: a request whose answer shows the session gone
// is replayed after the login that started since, with no login of its
// own. Requests that Prepare sends with Env.Send are not held (they would
// wait for a login that may wait for Prepare's own locks).
//
// Replay rules: after a recovery a request is sent again when its body can
// be sent again (Request bodies can; an *http.Request needs GetBody) and it
// is idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) or the verdict says
// it never ran (Verdict.NotExecuted). A request gets at most two recoveries:
// the second only of another kind than the first, or for a CSRF token once
// more (a token found, then the form the server takes; a CSRF refusal that
// turned out to be an expired session), never a second login for the same
// refusal; after that the error wraps ErrNotRecovered. A Recover that finds
// nothing to recover returns ErrAnswerStands, and the response is returned
// as it is. The same rules hold for requests sent through Client (the
// Session as an http.RoundTripper).
//
// An Authenticator that also implements StateSaver has its state saved with
// the session (Options.Store).
type Authenticator interface {
	// Prepare adds what req needs before it is sent (it is called again
	// for a replay, after a recovery). req belongs to the Session: Prepare
	// may change its header, URL and body (keeping GetBody consistent).
	Prepare(env Env, req *http.Request) error
	// Check classifies the response to req (after redirects).
	Check(req *http.Request, resp *Response) Verdict
	// Recover brings the session back after Check returned v, or logs in
	// for v.Kind NoSession: it logs in (again), refreshes a token or
	// fetches a CSRF token, as v says. A login that fails returns a
	// *LoginError.
	Recover(ctx context.Context, env Env, v Verdict) error
}

// SessionBinder is implemented by Authenticators that want their Session's
// Env before its first request, for example to renew a token restored from
// the store ahead of its expiry. New calls BindSession once, after loading
// the saved state.
type SessionBinder interface {
	BindSession(env Env)
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
	// NoSession: the Session has not logged in yet; Session.Login asks
	// for a login with this kind.
	NoSession
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
	case NoSession:
		return "no session"
	}
	return fmt.Sprintf("VerdictKind(%d)", int(k))
}

// Verdict is an Authenticator's reading of a response.
type Verdict struct {
	Kind VerdictKind
	// NotExecuted reports that the response proves the request never
	// reached the application: a security filter rejected it before any
	// handler ran (a 401 from an authentication entry point, the entry
	// point's redirect to the login page, a CSRF 403), and it is the
	// request's own answer, not one reached through the application's
	// redirects. Only then is a non-idempotent request (POST, PATCH)
	// replayed after a recovery. An answer that merely names the login page
	// (a handler that ran, then ended the session and redirected there)
	// proves nothing: when in doubt, an Authenticator leaves it false.
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

// ErrAnswerStands is returned (wrapped) by an Authenticator's Recover when
// it finds there was nothing to recover: the response Check doubted is the
// server's real answer (a 403 that looked like a CSRF rejection, but the
// session and its token are alive). The Session then returns that response
// as it is, with no error, and remembers no failure.
var ErrAnswerStands = errors.New("limpet: the answer stands")

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

// authState is the Session's side of its Authenticator: one login or
// recovery at a time (single flight), the session's generation, the hold
// on new requests while a login runs, and a guard against retrying a
// recovery that just failed.
//
// How a login keeps its session: each login, recovery or Exclusive starts
// a new generation (begin) and ends it (end). Between the two, requests
// that are not the Authenticator's own wait (admit), so nothing leaves with
// the half-made session of the login. A request is prepared in the
// generation it was admitted in, and its cookies are attached in that same
// generation or not at all: when a login started in between, it is stopped
// before it leaves (errReplaced) and prepared again after the login. An
// answer to a request sent in an older generation is stale: its
// Set-Cookie headers never reach the jar (a servlet container answers a
// request that carried an expired session with a new, anonymous session
// cookie, which would replace the login's own). Its verdict still counts:
// when it shows the session gone, the request is replayed once the login
// that started since has ended, without a login of its own.
type authState struct {
	a      Authenticator
	logger *slog.Logger

	mu       sync.Mutex // held while logging in, recovering or running Exclusive; guards the fields below it
	okGen    uint64     // the generation of the last successful login or recovery
	failGen  uint64
	failErr  error
	failAt   time.Time
	hasFail  bool
	cooldown time.Duration

	stateMu sync.RWMutex  // write: starting or ending a generation; read: attaching or storing cookies, adopting a save
	gen     atomic.Uint64 // incremented (under stateMu) when a login, recovery or Exclusive starts
	held    chan struct{} // non-nil while one runs, closed when it ends; guarded by stateMu

	// loginFailed is set when a login (Login, or a recovery that logs in)
	// fails, and cleared when one succeeds; it changes only inside a
	// generation. While it is set, the session is not saved (see
	// persistence.save): it holds what the failed login left (a login
	// page's anonymous cookies), not a login.
	loginFailed atomic.Bool
}

// failed reports whether the last login failed and none succeeded since.
func (st *authState) failed() bool { return st != nil && st.loginFailed.Load() }

// isLoginFailure reports whether err, the failure of a recovery from v,
// is a failed login: the recovery was one (NoSession, SessionExpired,
// TokenExpired), or it became one (a CSRF recovery that found the session
// gone and could not log in).
func isLoginFailure(v Verdict, err error) bool {
	switch v.Kind {
	case NoSession, SessionExpired, TokenExpired:
		return true
	}
	var le *LoginError
	return errors.As(err, &le)
}

// RecoveryCooldown is how long a failed login or recovery is remembered:
// requests that need a recovery meanwhile get the same error at once,
// instead of each trying to log in with credentials that just failed.
const RecoveryCooldown = 5 * time.Second

// maxReplaced bounds how often one request is stopped before it leaves
// because a login started after it was prepared; after that it waits for
// the login and goes with the new session as it was prepared.
const maxReplaced = 3

// errReplaced stops a request, prepared before a login started, from
// leaving with cookies of the new session: sendWithAuth prepares it again.
var errReplaced = errors.New("limpet: a login started after the request was prepared")

// sendKey carries a *sendState in the context of a request that the
// Session sends with its Authenticator's help, or that the Authenticator
// sends itself.
type sendKey struct{}

// sendState is what the Session's layers know of a request it sends.
type sendState struct {
	st  *authState
	gen uint64 // the generation the request was prepared in
	// own marks the Authenticator's own requests (Login, Recover,
	// Exclusive): not prepared, checked or held.
	own bool
	// nested marks a request sent with a context that already carried a
	// sendState of the Session, such as one an Authenticator sends from
	// Prepare: it is not held (the login may be waiting for a lock its
	// sender holds).
	nested bool
	// replaceable: it may be stopped before it leaves, and prepared again
	// (its body can be sent again, and maxReplaced is not reached).
	replaceable bool
	// wire is set while the Session sends it (its attempts and redirects),
	// not while it is prepared or checked.
	wire atomic.Bool
	// jarless is set by SendWithoutJar: the request goes without the jar's
	// cookies and its answers' cookies stay out of the jar.
	jarless atomic.Bool
}

// SendWithoutJar marks req, a request an Authenticator's Prepare is
// preparing, to be sent without the jar's cookies, and its answers (its
// redirects included) to leave the jar as it was. It is for a request that
// carries its own credentials (HTTP Basic on a stateless API path of a site
// whose other paths use a login session): sending the session cookie there
// lets the server change that session (Spring Security's session fixation
// protection gives it a new id), which fails the site's requests in flight
// with the old one. It has no effect on a request the Session does not
// send through its Authenticator. It is safe for concurrent use.
func SendWithoutJar(req *http.Request) {
	if ss, _ := req.Context().Value(sendKey{}).(*sendState); ss != nil {
		ss.jarless.Store(true)
	}
}

// jarless reports whether the request sent with ctx was marked by
// SendWithoutJar.
func (st *authState) jarless(ctx context.Context) bool {
	ss := st.stateOf(ctx)
	return ss != nil && ss.jarless.Load()
}

// sendContext is the context of a request the Session sends with its
// Authenticator's help: the caller's context and the request's sendState
// in one allocation (a context.WithValue and a sendState would be two).
type sendContext struct {
	context.Context
	ss sendState
}

// Value returns the request's *sendState for sendKey, and asks the
// caller's context otherwise.
func (c *sendContext) Value(key any) any {
	if _, ok := key.(sendKey); ok {
		return &c.ss
	}
	return c.Context.Value(key)
}

// stateOf returns the sendState of this Session in ctx, or nil.
func (st *authState) stateOf(ctx context.Context) *sendState {
	if st == nil {
		return nil
	}
	ss, _ := ctx.Value(sendKey{}).(*sendState)
	if ss == nil || ss.st != st {
		return nil
	}
	return ss
}

// ownContext returns the context for the Authenticator's own requests in
// generation g.
func (st *authState) ownContext(ctx context.Context, g uint64) context.Context {
	return context.WithValue(ctx, sendKey{}, &sendState{st: st, gen: g, own: true})
}

// begin starts a generation: from now on new requests wait, and answers
// to requests sent before are stale. st.mu is held.
func (st *authState) begin() uint64 {
	st.stateMu.Lock()
	defer st.stateMu.Unlock()
	st.held = make(chan struct{})
	return st.gen.Add(1)
}

// end lets waiting requests go. st.mu is held.
func (st *authState) end() {
	st.stateMu.Lock()
	defer st.stateMu.Unlock()
	close(st.held)
	st.held = nil
}

// admit waits until no login, recovery or Exclusive runs, and returns the
// generation to prepare a request in.
func (st *authState) admit(ctx context.Context) (uint64, error) {
	for logged := false; ; logged = true {
		st.stateMu.RLock()
		g, held := st.gen.Load(), st.held
		st.stateMu.RUnlock()
		if held == nil {
			return g, nil
		}
		if err := st.wait(ctx, held, logged); err != nil {
			return 0, err
		}
	}
}

// idle waits until no login, recovery or Exclusive runs, and returns the
// generation, for unchanged.
func (st *authState) idle(ctx context.Context) (uint64, error) {
	for logged := false; ; {
		st.stateMu.RLock()
		g, held := st.gen.Load(), st.held
		st.stateMu.RUnlock()
		if held == nil {
			return g, nil
		}
		if !logged && st.logger != nil {
			st.logger.DebugContext(ctx, "limpet: saving the session waits for the login in progress")
		}
		logged = true
		if err := st.wait(ctx, held, true); err != nil {
			return 0, err
		}
	}
}

// unchanged runs f unless a login, recovery or Exclusive started since
// generation g; none starts while f runs. It reports whether f ran.
func (st *authState) unchanged(g uint64, f func()) bool {
	st.stateMu.RLock()
	defer st.stateMu.RUnlock()
	if st.held != nil || st.gen.Load() != g {
		return false
	}
	f()
	return true
}

// wait waits for held to be closed, or ctx to end.
func (st *authState) wait(ctx context.Context, held <-chan struct{}, logged bool) error {
	if !logged && st.logger != nil {
		st.logger.DebugContext(ctx, "limpet: waiting for the login in progress")
	}
	select {
	case <-held:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// attach adds the jar's cookies to req (with add) unless a login started
// since the request was prepared: then the request is either stopped
// (errReplaced: its first attempt, when it can be prepared again) or,
// for a redirect or a body that cannot be sent again, made to wait for the
// login and sent with the new session. The Authenticator's own requests,
// nested ones and those not being sent by the Session go at once.
func (st *authState) attach(req *http.Request, add func(*http.Request)) error {
	ss := st.stateOf(req.Context())
	if ss == nil || ss.own || ss.nested || !ss.wire.Load() {
		add(req)
		return nil
	}
	first := req.Response == nil // not a redirect
	for logged := false; ; logged = true {
		st.stateMu.RLock()
		held, moved := st.held, st.gen.Load() != ss.gen
		if held == nil && !(moved && first && ss.replaceable) {
			add(req) // under the read lock: no login starts while the jar is read
			st.stateMu.RUnlock()
			return nil
		}
		st.stateMu.RUnlock()
		if first && ss.replaceable {
			return errReplaced
		}
		if err := st.wait(req.Context(), held, logged); err != nil {
			return err
		}
	}
}

// store runs f, which puts the cookies of the answer to a request sent
// with ctx into the jar, unless the answer is stale: it belongs to a
// generation that a login, recovery or Exclusive has since replaced, and
// its cookies must not overwrite the ones the new generation set. No
// generation starts while f runs (else an answer found fresh could be
// stored after a whole login had run meanwhile, replacing its session).
func (st *authState) store(ctx context.Context, f func()) {
	if st == nil {
		f()
		return
	}
	st.stateMu.RLock()
	defer st.stateMu.RUnlock()
	if ss := st.stateOf(ctx); ss != nil && st.gen.Load() > ss.gen {
		return
	}
	f()
}

// bypassing reports whether ctx belongs to the own requests of s's
// Authenticator.
func (s *Session) bypassing(ctx context.Context) bool {
	ss := s.authn.stateOf(ctx)
	return ss != nil && ss.own
}

// Login logs the Session in with its Authenticator now, instead of on the
// first request that needs it. Requests started meanwhile wait for it. It
// returns an *AuthError on failure, and nil without an Authenticator.
func (s *Session) Login(ctx context.Context) error {
	if s.authn == nil {
		return nil
	}
	st := s.authn
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.run(ctx, func(ctx context.Context, g uint64) error {
		err := st.a.Recover(ctx, s, Verdict{Kind: NoSession, Reason: "login"})
		if err == nil {
			st.okGen, st.hasFail = g, false
		}
		st.loginFailed.Store(err != nil)
		return err
	}); err != nil {
		return &AuthError{Op: "login", Err: err}
	}
	s.StateChanged()
	return nil
}

// run runs f in a new generation, with the context for the
// Authenticator's own requests; st.mu is held.
func (st *authState) run(ctx context.Context, f func(ctx context.Context, g uint64) error) error {
	g := st.begin()
	defer st.end()
	return f(st.ownContext(ctx, g), g)
}

// Exclusive runs f as the Session runs a login: never at the same time as
// a login, a recovery or another Exclusive; requests started meanwhile
// wait until f returns, and the cookies that answers to requests sent
// before set are ignored. The requests f sends through the Session with
// the context it gets are the Authenticator's own: not prepared, checked
// or replayed. An Authenticator's logout runs this way. f must not call
// Login. Without an Authenticator, f just runs.
func (s *Session) Exclusive(ctx context.Context, f func(ctx context.Context) error) error {
	if s.authn == nil {
		return f(ctx)
	}
	st := s.authn
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.run(ctx, func(ctx context.Context, _ uint64) error { return f(ctx) })
}

// StateChanged tells the Session that its Authenticator's saved state (a
// token, a CSRF token) changed, so that autosave writes it.
func (s *Session) StateChanged() {
	if s.persist != nil {
		s.persist.markDirty()
	}
}

// recover runs the Authenticator's recovery for a request prepared in
// generation g, unless a login or recovery succeeded since: then the
// request is only replayed. It reports whether this call recovered.
func (s *Session) recover(ctx context.Context, g uint64, v Verdict) (bool, error) {
	st := s.authn
	st.mu.Lock()
	defer st.mu.Unlock()
	cur := st.gen.Load()
	if st.hasFail && st.failGen == cur && time.Since(st.failAt) < st.cooldown {
		return false, st.failErr
	}
	if cur != g && st.okGen == cur {
		return false, nil
	}
	adopted := false
	if err := st.run(ctx, func(ctx context.Context, g uint64) error {
		// fleet.go: across processes, one login; an adopted one is not ours.
		var err error
		adopted, err = s.recoverShared(ctx, func() error { return st.a.Recover(ctx, s, v) })
		if errors.Is(err, ErrAnswerStands) {
			st.okGen = g // the session is as it was
		} else if err != nil {
			st.hasFail, st.failGen, st.failErr, st.failAt = true, g, err, time.Now()
			if isLoginFailure(v, err) {
				st.loginFailed.Store(true)
			}
		} else {
			st.hasFail, st.okGen = false, g
			st.loginFailed.Store(false)
		}
		return err
	}); err != nil {
		return false, err
	}
	s.StateChanged()
	return !adopted, nil
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
	ctx := req.Context()
	parent := st.stateOf(ctx)
	nested := parent != nil
	// req belongs to the Session (built by NewRequest, or a copy made by
	// DoHTTP or RoundTrip) and is never sent itself: each attempt is a
	// copy with a header of its own (the layers below add cookies and
	// credentials in place; Prepare a token), so req's stays pristine. The
	// first attempt takes req's URL (Prepare may put a token in its
	// query), later ones a copy of it as it was.
	pristineURL := *req.URL
	first := true
	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	body := req.Body // the first attempt's; later ones open their own
	var rec *Recovery
	second := false        // a second recovery was made (at most one more than the first)
	var earlier []Recovery // recoveries before rec
	for replaced := 0; ; {
		var g uint64
		if nested {
			g = parent.gen // its answers are as stale as its parent's
		} else {
			var err error
			if g, err = st.admit(ctx); err != nil {
				closeReader(body)
				return fail(err)
			}
		}
		sc := &sendContext{Context: ctx, ss: sendState{st: st, gen: g, nested: nested, replaceable: replayable && replaced < maxReplaced}}
		ss := &sc.ss
		r := req.WithContext(sc) // a shallow copy
		if !first {
			u := pristineURL
			r.URL = &u
		}
		first = false
		r.Header = req.Header.Clone()
		switch {
		case body != nil:
			r.Body, body = body, nil
		case req.GetBody != nil:
			b, err := req.GetBody()
			if err != nil {
				return fail(fmt.Errorf("limpet: replaying request body: %w", err))
			}
			r.Body = b
		}
		if err := st.a.Prepare(s, r); err != nil {
			closeBody(r)
			return fail(fmt.Errorf("limpet: preparing request: %w", err))
		}
		ss.wire.Store(true)
		resp, err := s.roundTrip(r)
		ss.wire.Store(false)
		if errors.Is(err, errReplaced) {
			replaced++
			continue
		}
		if err != nil {
			return fail(err)
		}
		v := st.a.Check(r, resp)
		if v.Kind == OK {
			if rec != nil {
				resp.Recoveries = append(append(resp.Recoveries, earlier...), *rec)
			}
			return resp.withCancel(cancel), nil
		}
		if rec != nil && (second || v.Kind == rec.Verdict.Kind && v.Kind != CSRFRejected) {
			drain(resp.Body)
			return fail(&AuthError{Op: "recover", Verdict: v, Err: ErrNotRecovered})
		}
		if rec != nil {
			// A second recovery, of another kind or for a CSRF token in
			// another form (a token found, then its placement learned; a
			// CSRF refusal that turned out to be an expired session),
			// never a second login for the same refusal.
			earlier = append(earlier, *rec)
			second = true
		}
		rec = &Recovery{Verdict: v}
		recovered, err := s.recover(ctx, g, v)
		if errors.Is(err, ErrAnswerStands) {
			resp.Recoveries = append(resp.Recoveries, earlier...)
			return resp.withCancel(cancel), nil
		}
		if err != nil {
			drain(resp.Body)
			return fail(&AuthError{Op: "recover", Verdict: v, Err: err})
		}
		rec.Recovered = recovered
		if !(idempotent(r.Method) || v.NotExecuted) || !replayable {
			resp.Recoveries = append(append(resp.Recoveries, earlier...), *rec)
			return resp.withCancel(cancel), nil
		}
		drain(resp.Body)
		rec.Replayed = true // the loop sends it again, prepared in the new generation
	}
}

// closeReader closes a request body that will not be sent.
func closeReader(body io.ReadCloser) {
	if body != nil {
		body.Close()
	}
}
