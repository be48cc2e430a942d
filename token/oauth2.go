package token

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/htmlform"
)

// withClient returns ctx carrying the HTTP client x/oauth2 sends token
// requests with: the Session's, without its Authenticator and without
// following redirects.
func withClient(ctx context.Context, s limpet.Env) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, httpClient(s))
}

// headerStyle returns style, or oauth2.AuthStyleInHeader when style asks
// for auto-detection: client_secret_basic, the default of Spring
// Authorization Server, is tried first and alone, so a wrong secret costs
// one request instead of two.
func headerStyle(style oauth2.AuthStyle) oauth2.AuthStyle {
	if style == oauth2.AuthStyleAutoDetect {
		return oauth2.AuthStyleInHeader
	}
	return style
}

// refreshWith exchanges cur's refresh token at the token endpoint of cfg.
// The new token keeps cur's refresh token when the server sends none.
func refreshWith(ctx context.Context, s limpet.Env, cfg *oauth2.Config, cur *oauth2.Token) (*oauth2.Token, error) {
	if cur.RefreshToken == "" {
		return nil, errNoRefresh
	}
	// A token without an access token is never valid, so the source
	// refreshes at once, whatever the expiry says.
	t, err := cfg.TokenSource(withClient(ctx, s), &oauth2.Token{RefreshToken: cur.RefreshToken}).Token()
	if err != nil {
		return nil, fmt.Errorf("token: refreshing at %s: %w", cfg.Endpoint.TokenURL, err)
	}
	return t, nil
}

// ClientCredentials returns an Authenticator for the OAuth 2.0 client
// credentials grant (RFC 6749 §4.4), through golang.org/x/oauth2's
// clientcredentials package. cfg is copied; its AuthStyle defaults to
// oauth2.AuthStyleInHeader, where x/oauth2 form-encodes the client id and
// secret before putting them in the Basic credentials, as RFC 6749 §2.3.1
// and Spring Authorization Server require (a secret such as "a+b:c" or
// one with "%" works only so). The token endpoint URL must be absolute.
//
// Such tokens have no refresh token: a token near its expiry, or one the
// server refused, is replaced by a new client credentials request.
func ClientCredentials(cfg *clientcredentials.Config, o Options) *Authenticator {
	g := &ccGrant{cfg: clientcredentials.Config{
		ClientID:       cfg.ClientID,
		ClientSecret:   cfg.ClientSecret,
		TokenURL:       cfg.TokenURL,
		Scopes:         append([]string(nil), cfg.Scopes...),
		EndpointParams: cloneValues(cfg.EndpointParams),
		AuthStyle:      headerStyle(cfg.AuthStyle),
	}}
	return newAuthenticator(g, o, "oauth2-client-credentials "+cfg.TokenURL+" "+cfg.ClientID)
}

type ccGrant struct{ cfg clientcredentials.Config }

func (g *ccGrant) obtain(ctx context.Context, s limpet.Env) (*oauth2.Token, error) {
	t, err := g.cfg.Token(withClient(ctx, s))
	if err != nil {
		return nil, fmt.Errorf("token: client credentials at %s: %w", g.cfg.TokenURL, err)
	}
	return t, nil
}

func (g *ccGrant) refresh(ctx context.Context, s limpet.Env, cur *oauth2.Token) (*oauth2.Token, error) {
	cfg := &oauth2.Config{ClientID: g.cfg.ClientID, ClientSecret: g.cfg.ClientSecret,
		Endpoint: oauth2.Endpoint{TokenURL: g.cfg.TokenURL, AuthStyle: g.cfg.AuthStyle}}
	return refreshWith(ctx, s, cfg, cur)
}

func (g *ccGrant) recipe() savedRecipe {
	return savedRecipe{URL: g.cfg.TokenURL, Flow: "oauth2-client-credentials", User: g.cfg.ClientID,
		Params: map[string]string{"client_id": g.cfg.ClientID, "scopes": strings.Join(g.cfg.Scopes, " ")}}
}

// Refreshing returns an Authenticator that starts from tok (obtained
// elsewhere: a command-line login, another program) and renews it with its
// refresh token at cfg's token endpoint. When the server refuses the
// refresh token (400 invalid_grant: expired or revoked) there is no way to
// log in again without the user: the error wraps ErrReauthenticate. A token
// restored from the session store replaces tok when it is newer.
func Refreshing(cfg *oauth2.Config, tok *oauth2.Token, o Options) *Authenticator {
	c := copyConfig(cfg)
	a := newAuthenticator(&refreshGrant{cfg: c}, o, "oauth2-refresh "+cfg.Endpoint.TokenURL+" "+cfg.ClientID)
	if tok != nil {
		a.set(tok)
		a.mu.Lock()
		a.seed = true // a token restored from the store is newer
		a.mu.Unlock()
	}
	return a
}

// ErrReauthenticate is wrapped by the error of an Authenticator made by
// Refreshing when its refresh token is refused and it has no other way to
// obtain a token.
var ErrReauthenticate = errors.New("token: the refresh token was refused; a new login is needed")

type refreshGrant struct{ cfg *oauth2.Config }

func (g *refreshGrant) obtain(context.Context, limpet.Env) (*oauth2.Token, error) {
	return nil, ErrReauthenticate
}

func (g *refreshGrant) refresh(ctx context.Context, s limpet.Env, cur *oauth2.Token) (*oauth2.Token, error) {
	return refreshWith(ctx, s, g.cfg, cur)
}

func (g *refreshGrant) recipe() savedRecipe {
	return savedRecipe{URL: g.cfg.Endpoint.TokenURL, Flow: "oauth2-refresh", User: g.cfg.ClientID,
		Params: map[string]string{"client_id": g.cfg.ClientID, "scopes": strings.Join(g.cfg.Scopes, " ")}}
}

// AuthCodeOptions configures AuthorizationCode.
type AuthCodeOptions struct {
	Options
	// UserField and PasswordField name the login form's inputs; empty
	// means the form's password input and the text input before it.
	UserField, PasswordField string
	// Login, when set, replaces the built-in form login: it is called when
	// the authorization endpoint shows or redirects to a login page, and
	// must sign the user in on s (with a spring.FormLogin, for example);
	// the flow then starts again at the authorization endpoint.
	Login func(ctx context.Context, s limpet.Env) error
	// AuthCodeOptions are added to the authorization request (an
	// audience, a prompt); PKCE and the state are always set.
	AuthCodeOptions []oauth2.AuthCodeOption
}

// ErrAuthorization is wrapped by the error returned when the authorization
// endpoint does not lead to a code: it redirected with an error, showed a
// page that is neither a login form nor a redirect (a consent page), or
// the login failed.
var ErrAuthorization = errors.New("token: authorization failed")

// maxAuthorizeHops bounds the redirects and form posts of one
// authorization.
const maxAuthorizeHops = 10

// AuthorizationCode returns an Authenticator for the OAuth 2.0
// authorization code grant with PKCE (RFC 7636, S256), driven without a
// browser: it requests cfg's authorization URL through the Session with
// redirects off, signs the user in when the server shows its login form
// (the form's hidden inputs, a CSRF token for example, are kept), follows
// the redirects back to the authorization endpoint, reads the code from
// the redirect to cfg.RedirectURL (which is never requested) and exchanges
// it, with the verifier, through x/oauth2. Consent pages are not
// supported: register the client without consent.
//
// The token is refreshed with its refresh token; when the server refuses
// that (invalid_grant: expired or revoked), the whole flow runs again.
// cfg's URLs must be absolute; its Endpoint.AuthStyle defaults to
// oauth2.AuthStyleInHeader, as in ClientCredentials. The password is kept
// in memory only.
func AuthorizationCode(cfg *oauth2.Config, user, password string, o AuthCodeOptions) *Authenticator {
	g := &codeGrant{cfg: copyConfig(cfg), user: user, password: password, o: o}
	return newAuthenticator(g, o.Options, "oauth2-authorization-code "+cfg.Endpoint.TokenURL+" "+cfg.ClientID)
}

type codeGrant struct {
	cfg            *oauth2.Config
	user, password string
	o              AuthCodeOptions
}

func (g *codeGrant) recipe() savedRecipe {
	return savedRecipe{URL: g.cfg.Endpoint.AuthURL, Flow: "oauth2-authorization-code", User: g.user,
		Params: map[string]string{"client_id": g.cfg.ClientID, "scopes": strings.Join(g.cfg.Scopes, " "),
			"redirect_uri": g.cfg.RedirectURL, "token_url": g.cfg.Endpoint.TokenURL}}
}

func (g *codeGrant) refresh(ctx context.Context, s limpet.Env, cur *oauth2.Token) (*oauth2.Token, error) {
	return refreshWith(ctx, s, g.cfg, cur)
}

func (g *codeGrant) obtain(ctx context.Context, s limpet.Env) (*oauth2.Token, error) {
	verifier := oauth2.GenerateVerifier()
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	state := base64.RawURLEncoding.EncodeToString(b)
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier)}, g.o.AuthCodeOptions...)
	code, err := g.authorize(ctx, s, g.cfg.AuthCodeURL(state, opts...), state)
	if err != nil {
		return nil, err
	}
	t, err := g.cfg.Exchange(withClient(ctx, s), code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("token: exchanging the code at %s: %w", g.cfg.Endpoint.TokenURL, err)
	}
	return t, nil
}

// authorize walks from the authorization URL to the redirect that carries
// the code, logging in on the way.
func (g *codeGrant) authorize(ctx context.Context, s limpet.Env, authURL, state string) (string, error) {
	redirect, err := url.Parse(g.cfg.RedirectURL)
	if err != nil {
		return "", fmt.Errorf("token: redirect URL %q: %w", g.cfg.RedirectURL, err)
	}
	hc := httpClient(s)
	next, err := url.Parse(authURL)
	if err != nil || !next.IsAbs() {
		return "", fmt.Errorf("token: authorization URL %q is not absolute", authURL)
	}
	method, form := http.MethodGet, url.Values(nil)
	loggedIn := false
	for hop := 0; hop < maxAuthorizeHops; hop++ {
		resp, body, err := send(ctx, hc, method, next, form)
		if err != nil {
			return "", err
		}
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			loc, err := resp.Location()
			if err != nil {
				return "", fmt.Errorf("%w: %s from %s without a usable Location: %v", ErrAuthorization, resp.Status, next.Redacted(), err)
			}
			if sameEndpoint(loc, redirect) {
				return codeFrom(loc, state)
			}
			if loc.Scheme != "http" && loc.Scheme != "https" {
				return "", fmt.Errorf("%w: redirected to %s", ErrAuthorization, loc.Redacted())
			}
			next, method, form = loc, http.MethodGet, nil
			continue
		case resp.StatusCode != http.StatusOK:
			return "", fmt.Errorf("%w: %s %s answered %s%s", ErrAuthorization, method, next.Redacted(), resp.Status, excerpt(body))
		}
		page, _ := htmlform.Parse(bytes.NewReader(body))
		f, ok := page.LoginForm()
		if !ok {
			return "", fmt.Errorf("%w: %s %s showed a page that is neither a login form nor a redirect (title %q); a consent page is not supported",
				ErrAuthorization, method, next.Redacted(), page.Title)
		}
		if loggedIn {
			return "", fmt.Errorf("%w: the login as %q was refused (the login form came back)", ErrAuthorization, g.user)
		}
		loggedIn = true
		if g.o.Login != nil {
			if err := g.o.Login(ctx, s); err != nil {
				return "", fmt.Errorf("%w: logging in: %w", ErrAuthorization, err)
			}
			next, method, form = mustParse(authURL), http.MethodGet, nil
			continue
		}
		action, err := f.ResolveAction(resp.Request.URL)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrAuthorization, err)
		}
		values, err := fillLogin(f, g.o.UserField, g.o.PasswordField, g.user, g.password)
		if err != nil {
			return "", err
		}
		next, method, form = action, f.Method, values
		if method != http.MethodPost {
			method = http.MethodGet
		}
	}
	return "", fmt.Errorf("%w: more than %d redirects and forms without reaching %s", ErrAuthorization, maxAuthorizeHops, redirect.Redacted())
}

// fillLogin returns the values a login form submits with the credentials.
func fillLogin(f htmlform.Form, userField, passwordField, user, password string) (url.Values, error) {
	if passwordField == "" {
		in, _ := f.Password()
		passwordField = in.Name
	}
	if userField == "" {
		var ok bool
		if userField, ok = f.UserField(); !ok {
			return nil, fmt.Errorf("%w: the login form has no user name input (set UserField)", ErrAuthorization)
		}
	}
	v := f.Values()
	v.Set(userField, user)
	v.Set(passwordField, password)
	return v, nil
}

// send sends one request of the authorization walk and reads its body.
func send(ctx context.Context, hc *http.Client, method string, u *url.URL, form url.Values) (*http.Response, []byte, error) {
	var body io.Reader
	if form != nil {
		if method == http.MethodGet {
			u2 := *u
			u2.RawQuery = form.Encode()
			u = &u2
		} else {
			body = strings.NewReader(form.Encode())
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, nil, fmt.Errorf("token: authorization request: %w", err)
	}
	req.Header.Set("Accept", "text/html")
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("token: authorization: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, htmlform.MaxSize))
	if err != nil {
		return nil, nil, fmt.Errorf("token: authorization: reading %s: %w", u.Redacted(), err)
	}
	return resp, data, nil
}

// sameEndpoint reports whether u points at the redirect URI (scheme, host
// and path; the query is the server's).
func sameEndpoint(u, redirect *url.URL) bool {
	return strings.EqualFold(u.Scheme, redirect.Scheme) && strings.EqualFold(u.Host, redirect.Host) &&
		strings.TrimSuffix(u.Path, "/") == strings.TrimSuffix(redirect.Path, "/")
}

// codeFrom reads the code from the redirect to the client, checking the
// state.
func codeFrom(loc *url.URL, state string) (string, error) {
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		msg := e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		return "", fmt.Errorf("%w: the server answered %s", ErrAuthorization, msg)
	}
	if q.Get("state") != state {
		return "", fmt.Errorf("%w: the redirect's state does not match the request's", ErrAuthorization)
	}
	code := q.Get("code")
	if code == "" {
		return "", fmt.Errorf("%w: the redirect to the client carries no code", ErrAuthorization)
	}
	return code, nil
}

func copyConfig(c *oauth2.Config) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		Endpoint: oauth2.Endpoint{AuthURL: c.Endpoint.AuthURL, DeviceAuthURL: c.Endpoint.DeviceAuthURL,
			TokenURL: c.Endpoint.TokenURL, AuthStyle: headerStyle(c.Endpoint.AuthStyle)},
		RedirectURL: c.RedirectURL,
		Scopes:      append([]string(nil), c.Scopes...),
	}
}

func cloneValues(v url.Values) url.Values {
	if v == nil {
		return nil
	}
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func mustParse(s string) *url.URL {
	u, _ := url.Parse(s) // checked by the caller before
	return u
}
