package spring

import (
	"net/url"
	"strings"
)

// Defaults used where an Options field is left at its zero value. They are
// Spring Security's own defaults.
const (
	DefaultLoginPage       = "/login"
	DefaultUsernameParam   = "username"
	DefaultPasswordParam   = "password"
	DefaultRememberMeParam = "remember-me"
	DefaultLogoutURL       = "/logout"
	// DefaultProbe is the page requested after a login to confirm it:
	// Spring Security's default target after a successful login.
	DefaultProbe = "/"
	// DefaultSessionCookie is the servlet container's session cookie name.
	DefaultSessionCookie = "JSESSIONID"

	// DefaultCSRFCookie, DefaultCSRFCookieHeader: CookieCsrfTokenRepository.
	DefaultCSRFCookie       = "XSRF-TOKEN"
	DefaultCSRFCookieHeader = "X-XSRF-TOKEN"
	// DefaultCSRFHeader, DefaultCSRFParam: HttpSessionCsrfTokenRepository,
	// the default repository, and the parameter both repositories read.
	DefaultCSRFHeader = "X-CSRF-TOKEN"
	DefaultCSRFParam  = "_csrf"
	// DefaultCSRFPage is where a token is looked for after a login when no
	// cookie carries one: the landing page, which server-rendered
	// applications give the token as meta tags or a hidden input.
	DefaultCSRFPage = "/"
)

// DefaultExpiredMarkers start the body that Spring Security's
// ConcurrentSessionFilter answers, with status 200, on a session that a
// newer login of the same user expired (maximumSessions without expiredUrl).
var DefaultExpiredMarkers = []string{"This session has been expired"}

// DefaultRefusedMarkers are texts of a login failure page that say the
// credentials were right but the login was refused by a concurrent-session
// limit (maxSessionsPreventsLogin), as custom pages showing the exception's
// message do. Spring's generated page says "Invalid credentials" either way.
var DefaultRefusedMarkers = []string{"Maximum sessions of"}

// Options configures an Authenticator. The zero value fits an application
// that keeps Spring Security's defaults: the login page and form at
// /login, fields username and password, failures sent to /login?error,
// logout at /logout, and either CSRF repository.
//
// Paths are resolved against the Session's BaseURL; a Session without one
// needs an absolute LoginPage, and the other paths are resolved against it.
// Options is read once by the constructor; changing it afterwards has no
// effect.
type Options struct {
	// LoginPage is the page fetched before logging in, for its form and
	// its CSRF token (loginPage in Spring's configuration). "" means
	// DefaultLoginPage. Redirects to it mean the session is gone.
	LoginPage string
	// LoginURL is where the credentials are posted (loginProcessingUrl).
	// "" means the action of the login page's form, else LoginPage.
	LoginURL string
	// LoginJSON sends the credentials as a JSON object ({"username": ...,
	// "password": ...}, with UsernameParam and PasswordParam as member
	// names) instead of a form, as the JSON login filters of many REST back
	// ends read them; a CSRF token then goes in a header.
	LoginJSON bool
	// UsernameParam and PasswordParam name the credential fields. ""
	// means the login form's user and password inputs, else
	// DefaultUsernameParam and DefaultPasswordParam.
	UsernameParam, PasswordParam string
	// FailureURL is the redirect target that means the login failed
	// (failureUrl). "" means LoginPage + "?error".
	FailureURL string
	// Params are extra fields posted with the credentials.
	Params url.Values
	// RememberMe asks for a remember-me cookie: the login posts
	// RememberMeParam=on, and the cookie logs the session in again by
	// itself after the server session expires.
	RememberMe bool
	// RememberMeParam names the remember-me field and cookie; "" means
	// DefaultRememberMeParam.
	RememberMeParam string
	// Probe is a page requested after each login to confirm that the
	// server keeps the session: it must need a login and have no side
	// effect. "" means DefaultProbe ("/", where Spring sends a user after
	// login); an API endpoint that returns the current user is a better
	// choice where the home page is public.
	Probe string
	// LogoutURL is posted to by Logout; "" means DefaultLogoutURL.
	LogoutURL string
	// ExpiredURLs are further redirect targets that mean the session is
	// gone: the invalidSessionUrl or expiredUrl of the server's session
	// management, if it sets one. Only the path is compared.
	ExpiredURLs []string
	// ExpiredMarkers are texts that begin a 200 response meaning the
	// session was expired; nil means DefaultExpiredMarkers.
	ExpiredMarkers []string
	// RefusedMarkers are texts of the login failure page that mean the
	// login was refused by a concurrent-session limit; nil means
	// DefaultRefusedMarkers.
	RefusedMarkers []string
	// ForbiddenEntryPoint says that the application answers a request
	// without a session with 403, not with a 401 or a redirect to the login
	// page (Http403ForbiddenEntryPoint): a 403 may then mean that the
	// session is gone, or be an authorization refusal. Check takes a 403 for
	// a possibly expired session, and Recover asks the probe which before
	// logging in again; a 403 with the session alive is returned as it is.
	ForbiddenEntryPoint bool
	// SessionCookie names the session cookie that Logout removes when the
	// Session uses a cookie jar other than limpet's (limpet's jar loses
	// every session cookie of the server); "" means DefaultSessionCookie.
	SessionCookie string
	// CSRF configures CSRF tokens.
	CSRF CSRFOptions
}

// CSRFOptions configures how tokens are found and sent. The zero value
// handles both of Spring Security's repositories and its three request
// handlers (masking, plain and single-page-application).
type CSRFOptions struct {
	// Disabled sends no token: for servers with CSRF protection off.
	Disabled bool
	// Cookie names the cookie of CookieCsrfTokenRepository; "" means
	// DefaultCSRFCookie.
	Cookie string
	// CookieHeader is the header that carries the cookie's value; ""
	// means DefaultCSRFCookieHeader.
	CookieHeader string
	// Header is the header that carries a token found in a page, unless
	// the page names one (<meta name="_csrf_header">); "" means
	// DefaultCSRFHeader.
	Header string
	// Param is the form and query parameter that carries a token, unless
	// the page names one (<meta name="_csrf_parameter">); "" means
	// DefaultCSRFParam.
	Param string
	// Page is fetched for a token when no cookie carries one; "" means
	// DefaultCSRFPage. The login page is tried after it.
	Page string
	// Endpoint, when set, is fetched first for a token: a JSON object with
	// "token", and optionally "headerName" and "parameterName" (the shape
	// of Spring's CsrfToken), as single-page-application back ends offer.
	Endpoint string
}

// withDefaults returns o with every empty field set to its default.
func (o Options) withDefaults() Options {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.LoginPage, DefaultLoginPage)
	if o.FailureURL == "" {
		sep := "?"
		if strings.Contains(o.LoginPage, "?") {
			sep = "&"
		}
		o.FailureURL = o.LoginPage + sep + "error"
	}
	def(&o.RememberMeParam, DefaultRememberMeParam)
	def(&o.Probe, DefaultProbe)
	def(&o.LogoutURL, DefaultLogoutURL)
	def(&o.SessionCookie, DefaultSessionCookie)
	if o.ExpiredMarkers == nil {
		o.ExpiredMarkers = DefaultExpiredMarkers
	}
	if o.RefusedMarkers == nil {
		o.RefusedMarkers = DefaultRefusedMarkers
	}
	o.ExpiredURLs = append([]string(nil), o.ExpiredURLs...)
	o.Params = cloneValues(o.Params)
	c := &o.CSRF
	def(&c.Cookie, DefaultCSRFCookie)
	def(&c.CookieHeader, DefaultCSRFCookieHeader)
	def(&c.Header, DefaultCSRFHeader)
	def(&c.Param, DefaultCSRFParam)
	def(&c.Page, DefaultCSRFPage)
	return o
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
