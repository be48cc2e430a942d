package login

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store"
)

// BasicStateOwner is the key of AnswerBasic's state in
// store.Snapshot.State: the path prefixes where requests carry HTTP Basic
// credentials.
const BasicStateOwner = "login/basic"

// basicStateVersion is the layout version of AnswerBasic's state.
const basicStateVersion = 1

// basicState is AnswerBasic's state as saved.
type basicState struct {
	// Prefixes are origin and path prefix, ending in "/", as
	// "https://host/api/".
	Prefixes []string `json:"prefixes"`
}

// challengeReason starts the Reason of the verdicts AnswerBasic gives.
const challengeReason = "401 Basic challenge"

// AnswerBasic returns an Authenticator that adds HTTP Basic, with the same
// credentials, to inner (a login that holds a server session: a form, a
// processing URL, a JSON-body login) for the paths where the application
// asks for Basic instead. Spring Security applications often have two
// filter chains: one ordered first for "/api/**" with httpBasic (stateless,
// CSRF off), one with formLogin for the rest; the session of the form login
// then means nothing under /api/, whose requests get 401 with
// "WWW-Authenticate: Basic".
//
// Such a 401 to a request of the login's origin (origin, or the Session's
// base URL when origin is empty), as the request's own answer, proves the
// request never ran. When the session of inner is still alive (a GET of the
// application's root, without Basic, is not refused), AnswerBasic checks
// the credentials against the challenged URL with one HEAD request (a
// wrong password is a *limpet.LoginError with ErrBadCredentials naming the
// URL, sent once), remembers the prefix (origin, the application's root
// and the challenged path's first segment after it, as "/api/"), and the
// Session replays the request (a POST too) with Basic. Later requests under
// a remembered prefix carry Basic up front. When the session is gone,
// inner logs in again, as for any expired session. Basic is never sent to
// another origin.
//
// The remembered prefixes are saved under BasicStateOwner, beside inner's
// own state, so that another process sends Basic up front too. The
// credentials are fetched once, when Basic is first needed. It is safe for
// concurrent use.
func AnswerBasic(inner limpet.Authenticator, creds limpet.Credentials, origin string) limpet.Authenticator {
	return &basicPaths{inner: inner, creds: creds, origin: origin, root: "/",
		wanted: map[string]bool{}, pending: map[string]*url.URL{}}
}

type basicPaths struct {
	inner limpet.Authenticator
	creds limpet.Credentials

	mu      sync.Mutex // guards the fields below
	origin  string     // "scheme://host[:port]" the credentials are for; "" until known
	root    string     // the application's root path, ending in "/"
	wanted  map[string]bool
	pending map[string]*url.URL // challenged prefixes, with a URL under each, for Recover
	updated time.Time
	user    string
	header  string // the Authorization value, once the credentials were fetched
}

func (b *basicPaths) String() string { return fmt.Sprintf("login.AnswerBasic(%v)", b.inner) }

// key returns the prefix u falls under, or "" when u is not of the
// credentials' origin or is the application's root itself.
func (b *basicPaths) key(u *url.URL) string {
	b.mu.Lock()
	origin, root := b.origin, b.root
	b.mu.Unlock()
	if origin == "" || u.Host == "" || originOf(u) != origin {
		return ""
	}
	path := u.EscapedPath()
	if !strings.HasPrefix(path, root) {
		return ""
	}
	seg, _, _ := strings.Cut(path[len(root):], "/")
	if seg == "" {
		return ""
	}
	return origin + root + seg + "/"
}

// bind learns the origin and the root from the Session's base URL.
func (b *basicPaths) bind(env limpet.Env) {
	base := env.BaseURL()
	if base == nil || base.Host == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.origin == "" {
		b.origin = originOf(base)
	}
	if b.origin == originOf(base) {
		root := base.EscapedPath()
		if !strings.HasSuffix(root, "/") {
			root += "/"
		}
		b.root = root
	}
}

// BindSession implements limpet.SessionBinder.
func (b *basicPaths) BindSession(env limpet.Env) {
	b.bind(env)
	if sb, ok := b.inner.(limpet.SessionBinder); ok {
		sb.BindSession(env)
	}
}

// credentials returns the Authorization value, fetching the credentials
// the first time.
func (b *basicPaths) credentials(ctx context.Context) (user, header string, err error) {
	b.mu.Lock()
	user, header = b.user, b.header
	b.mu.Unlock()
	if header != "" {
		return user, header, nil
	}
	user, pw, err := b.creds.Get(ctx)
	if err != nil {
		return "", "", fmt.Errorf("login: credentials for HTTP Basic: %w", err)
	}
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, pw)
	header = r.Header.Get("Authorization")
	b.mu.Lock()
	b.user, b.header = user, header
	b.mu.Unlock()
	return user, header, nil
}

// Prepare implements limpet.Authenticator: inner's, then Basic under a
// remembered prefix.
func (b *basicPaths) Prepare(env limpet.Env, req *http.Request) error {
	if err := b.inner.Prepare(env, req); err != nil {
		return err
	}
	b.mu.Lock()
	none := len(b.wanted) == 0
	b.mu.Unlock()
	if none || req.Header.Get("Authorization") != "" {
		return nil
	}
	k := b.key(req.URL)
	b.mu.Lock()
	want := k != "" && b.wanted[k]
	b.mu.Unlock()
	if !want {
		return nil
	}
	_, h, err := b.credentials(req.Context())
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", h)
	// The request authenticates on its own: the login's session cookie
	// stays out of it (a server that sees it may give that session a new
	// id, which fails the site's requests in flight with the old one), and
	// a session the answer starts stays out of the jar.
	limpet.SendWithoutJar(req)
	return nil
}

// basicChallenge returns the realm of a Basic challenge among the values
// of WWW-Authenticate, and whether there is one.
func basicChallenge(values []string) (string, bool) {
	for _, v := range values {
		v = strings.TrimSpace(v)
		scheme, params, _ := strings.Cut(v, " ")
		if !strings.EqualFold(scheme, "Basic") {
			continue
		}
		realm := ""
		if _, r, ok := strings.Cut(params, "realm="); ok {
			realm, _, _ = strings.Cut(strings.TrimPrefix(r, `"`), `"`)
		}
		return realm, true
	}
	return "", false
}

// Check implements limpet.Authenticator: a Basic challenge of the
// credentials' origin, as the request's own answer, asks for Basic there;
// inner checks everything else.
func (b *basicPaths) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	if resp != nil && resp.Response != nil && resp.StatusCode == http.StatusUnauthorized && len(resp.History) == 0 {
		if realm, ok := basicChallenge(resp.Header.Values("WWW-Authenticate")); ok {
			if k := b.key(req.URL); k != "" {
				u := *req.URL
				u.RawQuery, u.Fragment, u.User = "", "", nil
				b.mu.Lock()
				b.pending[k] = &u
				b.mu.Unlock()
				return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: true,
					Reason: fmt.Sprintf("%s (realm %q) to %s %s", challengeReason, realm, req.Method, u.Path)}
			}
		}
	}
	return b.inner.Check(req, resp)
}

// Recover implements limpet.Authenticator. For a Basic challenge it looks
// whether inner's session is alive: then Basic is wanted under the
// challenged prefixes (the credentials checked once there); else inner logs
// in again.
func (b *basicPaths) Recover(ctx context.Context, env limpet.Env, v limpet.Verdict) error {
	b.bind(env)
	if !strings.HasPrefix(v.Reason, challengeReason) {
		return b.inner.Recover(ctx, env, v)
	}
	b.mu.Lock()
	pending := b.pending
	b.pending = map[string]*url.URL{}
	origin, root := b.origin, b.root
	b.mu.Unlock()
	alive, err := b.alive(ctx, env, origin+root)
	if err != nil {
		return err
	}
	if !alive {
		v.Reason += "; the session is gone"
		if err := b.inner.Recover(ctx, env, v); err != nil {
			return err
		}
		// Logged in again: the prefixes that still challenge want Basic.
		for k, u := range pending {
			if still, err := b.challenged(ctx, env, u); err != nil {
				return err
			} else if !still {
				delete(pending, k)
			}
		}
	}
	if len(pending) == 0 {
		return nil
	}
	user, h, err := b.credentials(ctx)
	if err != nil {
		return err
	}
	for k, u := range pending {
		r := &limpet.Request{Method: http.MethodHead, URL: u.String(), MaxRedirects: limpet.NoRedirects,
			Auth: headerValue(h)}
		resp, err := env.Send(ctx, r)
		if err != nil {
			return fmt.Errorf("login: checking HTTP Basic credentials at %s: %w", u.Redacted(), err)
		}
		resp.Close()
		if resp.StatusCode == http.StatusUnauthorized {
			return &limpet.LoginError{Pkg: "login", Reason: limpet.ErrBadCredentials, User: user, URL: u.String(),
				Status: resp.StatusCode, Detail: "HTTP Basic credentials refused"}
		}
		b.mu.Lock()
		b.wanted[k] = true
		b.mu.Unlock()
	}
	b.mu.Lock()
	b.updated = env.Now()
	b.mu.Unlock()
	env.StateChanged()
	return nil
}

// alive reports whether a GET of root, without Basic, is answered as to a
// live session of inner.
func (b *basicPaths) alive(ctx context.Context, env limpet.Env, root string) (bool, error) {
	r := &limpet.Request{URL: root, MaxRedirects: limpet.NoRedirects, Auth: limpet.NoAuth,
		Header: http.Header{"Accept": {"text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"}}}
	resp, err := env.Send(ctx, r)
	if err != nil {
		return false, fmt.Errorf("login: looking whether the session is alive at %s: %w", root, err)
	}
	defer resp.Close()
	if resp.StatusCode >= 300 {
		return false, nil
	}
	return b.inner.Check(resp.Request, resp).Kind == limpet.OK, nil
}

// challenged reports whether a HEAD of u, with the session and without
// Basic, is answered with a Basic challenge.
func (b *basicPaths) challenged(ctx context.Context, env limpet.Env, u *url.URL) (bool, error) {
	r := &limpet.Request{Method: http.MethodHead, URL: u.String(), MaxRedirects: limpet.NoRedirects, Auth: limpet.NoAuth}
	resp, err := env.Send(ctx, r)
	if err != nil {
		return false, fmt.Errorf("login: looking at %s: %w", u.Redacted(), err)
	}
	resp.Close()
	_, basic := basicChallenge(resp.Header.Values("WWW-Authenticate"))
	return resp.StatusCode == http.StatusUnauthorized && basic, nil
}

// headerValue is an Auth that sets a fixed Authorization value.
type headerValue string

func (h headerValue) RoundTrip(req *http.Request, next http.RoundTripper) (*http.Response, error) {
	req.Header.Set("Authorization", string(h))
	return next.RoundTrip(req)
}

func (headerValue) String() string { return "Basic [redacted]" }

// SaveState implements limpet.StateSaver: inner's state, and the prefixes.
func (b *basicPaths) SaveState(s *store.Snapshot) {
	if ss, ok := b.inner.(limpet.StateSaver); ok {
		ss.SaveState(s)
	}
	b.mu.Lock()
	var st basicState
	for k := range b.wanted {
		st.Prefixes = append(st.Prefixes, k)
	}
	updated := b.updated
	b.mu.Unlock()
	if len(st.Prefixes) == 0 {
		return
	}
	slices.Sort(st.Prefixes)
	_ = s.SetState(BasicStateOwner, basicStateVersion, updated, st)
}

// LoadState implements limpet.StateSaver: inner's state, and the prefixes
// saved (added to those known).
func (b *basicPaths) LoadState(s store.Snapshot) {
	if ss, ok := b.inner.(limpet.StateSaver); ok {
		ss.LoadState(s)
	}
	st, found := s.LookupState(BasicStateOwner)
	if !found || st.Version != basicStateVersion {
		return
	}
	var saved basicState
	if json.Unmarshal(st.Data, &saved) != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range saved.Prefixes {
		if u, err := url.Parse(p); err == nil && u.Host != "" && strings.HasSuffix(p, "/") {
			b.wanted[p] = true
		}
	}
	if st.Updated.After(b.updated) {
		b.updated = st.Updated
	}
}
