package springserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MatrixProfile is the profile of the configuration matrix: one JVM whose connectors serve one security set-up
// (cell) each. Start it like any profile; its Server.URL is the control port and Server.Cells lists the cells.
const MatrixProfile = "matrix"

// Values of the matrix's CSRF dimension (Cell.CSRF): where the token is kept.
const (
	CSRFSession    = "session"     // HttpSessionCsrfTokenRepository; pages render a hidden _csrf field and meta tags
	CSRFCookieJS   = "cookie-js"   // CookieCsrfTokenRepository.withHttpOnlyFalse(); pages render no token
	CSRFCookieHTTP = "cookie-http" // new CookieCsrfTokenRepository() (HttpOnly); the token a page can use is in pages
	CSRFOff        = "off"         // csrf.disable()
)

// Values of the request handler dimension (Cell.Handler).
const (
	HandlerXOR   = "xor"   // XorCsrfTokenRequestAttributeHandler (the default): masked tokens in pages
	HandlerPlain = "plain" // CsrfTokenRequestAttributeHandler: the raw token everywhere
	HandlerSPA   = "spa"   // the single-page-application handler: raw token in the header, masked as a parameter
	HandlerNone  = "none"  // CSRF protection off
)

// Values of the login dimension (Cell.Login).
const (
	LoginDefaultPage   = "default-page"   // formLogin(withDefaults()): Spring's generated page at /login
	LoginCustomPage    = "custom-page"    // page /signin, processing URL /auth, fields email and pw
	LoginProcessingURL = "processing-url" // formLogin processing URL /api/login only, JSON success, 401 entry point
	LoginJSONBody      = "json-body"      // a filter reading {"username","password"} at /api/authenticate, 401 entry point
	LoginBasic         = "basic"          // httpBasic(withDefaults()) only
	LoginJWTForm       = "jwt-form"       // bearer JWTs from POST /oauth/token (form, grant_type=password, expires_in)
	LoginJWTJSON       = "jwt-json"       // bearer JWTs from POST /api/auth/token (JSON in, {"token"} out, exp claim)
)

// Values of the failure dimension (Cell.Failure): what a failed login answers.
const (
	FailErrorParam = "error-param" // redirect to the login page with ?error (Spring's default)
	FailCustomURL  = "custom-url"  // failureUrl(loginPage + "?failed")
	Fail401        = "401"         // a failure handler answering 401 {"error":"bad credentials"}
	FailForward    = "forward"     // failureForwardUrl(loginPage + "?error")
	FailChallenge  = "challenge"   // HTTP Basic's 401 with WWW-Authenticate
	Fail400        = "400"         // a token endpoint's 400 {"error":"invalid_grant"}
)

// Values of the expiry dimension (Cell.Expiry): what a request gets once its server session (or token) is gone.
const (
	ExpiryLoginPage  = "login-page"  // redirect to the login page (a CSRF rejection too, through the error dispatch)
	Expiry401        = "401"         // 401 (HttpStatusEntryPoint, Basic's challenge or a bearer invalid_token)
	ExpiryInvalidURL = "invalid-url" // invalidSessionUrl("/invalid")
	ExpiryCSRF403    = "csrf403"     // a POST with a cached token gets the CSRF filter's 403 (session repository, /error public)
	ExpiryNone       = "none"        // nothing expires (HTTP Basic without a session-held token)
)

// Values of the session dimension (Cell.Session).
const (
	SessionDefault    = "default"     // changeSessionId fixation protection, no concurrency limit
	SessionRememberMe = "remember-me" // rememberMe, parameter remember-me
	SessionMax1       = "max1"        // maximumSessions(1): a new login expires the older session
	SessionNew        = "new-session" // sessionFixation().newSession()
	SessionNone       = "none"        // no login session (HTTP Basic, bearer tokens)
)

// Values of Cell.Variant: how a variant cell differs from the matrix cell its dimension values describe (see
// interop/spring/README.md, "Variant cells"). The matrix cells have "".
const (
	VariantCSRFCookieNames    = "csrf-cookie-names"    // cookie repository: CSRF-TOKEN, X-CSRF-TOKEN, csrf_token
	VariantCSRFSessionNames   = "csrf-session-names"   // session repository: header X-XSRF-TOKEN, parameter csrf_token
	VariantCSRFEndpoint       = "csrf-endpoint"        // the token from GET /csrf as JSON; the login needs it
	VariantCSRFResponseHeader = "csrf-response-header" // the token in an X-CSRF-TOKEN response header; the login needs it
	VariantContextPath        = "context-path"         // under the servlet context path /app (cookie paths /app)
	VariantSessionCookie      = "session-cookie"       // the session cookie renamed APPSESSIONID
	VariantAuthPaths          = "auth-paths"           // page /auth/signin (email, password), /auth/perform_login
	VariantSuccess204         = "success-204"          // a login answered 204 No Content
	VariantFail403            = "fail-403"             // a failed login answered 403 {"message":"Bad credentials"}
	VariantEntry403           = "entry-403"            // Http403ForbiddenEntryPoint
	VariantFormAndBasic       = "form-and-basic"       // formLogin and httpBasic: the entry point depends on Accept
	VariantCSRFIgnoreAPI      = "csrf-ignore-api"      // csrf.ignoringRequestMatchers("/api/**")
	VariantFixationNone       = "fixation-none"        // sessionFixation().none()
	VariantRememberAlways     = "remember-always"      // rememberMe alwaysRemember(true)
)

// Cell is one security set-up of the configuration matrix, as the fixture describes it in its ready file; the Java
// matrix (interop/spring/common/.../Matrix.java) is the single source of truth. String fields that do not apply
// to the cell are empty.
type Cell struct {
	// Name encodes the dimension values, e.g.
	// "csrf=cookie-js,handler=xor,login=processing-url,fail=401,expiry=401,session=default".
	Name string `json:"name"`
	// URL is the cell's base URL, http://127.0.0.1:PORT (its own connector).
	URL  string `json:"-"`
	Port int    `json:"port"`

	CSRF    string `json:"csrf"`    // CSRFSession, CSRFCookieJS, CSRFCookieHTTP or CSRFOff
	Handler string `json:"handler"` // HandlerXOR, HandlerPlain, HandlerSPA or HandlerNone
	Login   string `json:"login"`   // LoginDefaultPage, LoginCustomPage, ...
	Failure string `json:"fail"`    // FailErrorParam, FailCustomURL, ...
	Expiry  string `json:"expiry"`  // ExpiryLoginPage, Expiry401, ...
	Session string `json:"session"` // SessionDefault, SessionRememberMe, ...

	LoginPage           string `json:"loginPage"`           // the login page path; "" when the cell has none
	LoginURL            string `json:"loginUrl"`            // where credentials go (form, JSON, token endpoint); "" for Basic
	LoginBody           string `json:"loginBody"`           // "form", "json" or "basic"
	UsernameField       string `json:"usernameField"`       // form or JSON field of the user name
	PasswordField       string `json:"passwordField"`       // form or JSON field of the password
	LoginCSRF           bool   `json:"loginCsrf"`           // whether the login POST needs a CSRF token
	FailureURL          string `json:"failureUrl"`          // where a failed login is redirected or forwarded
	InvalidSessionURL   string `json:"invalidSessionUrl"`   // invalidSessionUrl, if set
	RememberMeParameter string `json:"rememberMeParameter"` // the remember-me form parameter, if remember-me is on
	CSRFCookie          string `json:"csrfCookie"`          // "XSRF-TOKEN" for the cookie repositories
	CSRFHeader          string `json:"csrfHeader"`          // X-CSRF-TOKEN (session) or X-XSRF-TOKEN (cookie)
	CSRFParameter       string `json:"csrfParameter"`       // "_csrf" when CSRF protection is on
	TokenInPages        bool   `json:"tokenInPages"`        // whether the application's pages render the token
	TokenLifetime       int    `json:"tokenLifetime"`       // seconds a bearer token lives (JWT cells)

	// Variant is "" for a matrix cell; for a variant cell (served after the matrix cells, its name ending in
	// ",variant=ID") it says how the cell differs from the matrix cell of its dimension values (Variant...
	// constants). The fields above describe the variant cell itself.
	Variant       string `json:"variant"`
	ContextPath   string `json:"contextPath"`   // the application's context path ("" or e.g. "/app"); paths above are relative to it
	SessionCookie string `json:"sessionCookie"` // the server session's cookie (JSESSIONID unless renamed)
	EntryStatus   int    `json:"entryStatus"`   // the status of a status entry point: 401, or 403 (Http403ForbiddenEntryPoint)
}

// AppURL is the application's base URL: URL and the context path. The test-only endpoints are at URL.
func (c Cell) AppURL() string { return c.URL + c.ContextPath }

// HasLoginPage reports whether the cell has a login page a client can discover; a client of a cell without one
// must be told LoginURL.
func (c Cell) HasLoginPage() bool { return c.LoginPage != "" }

// JWT reports whether the cell is a JWT resource server (LoginJWTForm or LoginJWTJSON).
func (c Cell) JWT() bool { return c.Login == LoginJWTForm || c.Login == LoginJWTJSON }

// Stateless reports whether the cell keeps no login session (HTTP Basic, bearer tokens).
func (c Cell) Stateless() bool { return c.Session == SessionNone }

// CellCounters are a cell's counters, read outside its security.
type CellCounters struct {
	Posts        int64 `json:"posts"`        // executed POST /api/items (any body, any key)
	LoginPosts   int64 `json:"loginPosts"`   // POSTs that reached LoginURL, whatever their outcome
	AuthSuccess  int64 `json:"authSuccess"`  // successful authentications (logins, Basic requests, remember-me, ...)
	AuthFailure  int64 `json:"authFailure"`  // failed authentications (wrong password)
	RememberMe   int64 `json:"rememberMe"`   // successful authentications by a remember-me cookie (in AuthSuccess too)
	TokensIssued int64 `json:"tokensIssued"` // bearer tokens issued by the token endpoint
	Sessions     int64 `json:"sessions"`     // live server sessions created on the cell's port
}

// controlClient talks to the test-only endpoints; they need no cookies.
var controlClient = &http.Client{Timeout: 30 * time.Second}

func (c Cell) control(method, path string, query url.Values) (int, []byte, error) {
	u := c.URL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("springserver: %w", err)
	}
	resp, err := controlClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("springserver: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("springserver: %s %s: %w", method, path, err)
	}
	return resp.StatusCode, body, nil
}

func (c Cell) mustControl(t testing.TB, method, path string, query url.Values, want int) []byte {
	t.Helper()
	status, body, err := c.control(method, path, query)
	if err != nil {
		t.Fatalf("cell %s: %v", c.Name, err)
	}
	if status != want {
		t.Fatalf("cell %s: %s %s: status %d, want %d: %s", c.Name, method, path, status, want, body)
	}
	return body
}

// Counters reads the cell's counters (GET /test/cell/counters on the cell's port).
func (c Cell) Counters(t testing.TB) CellCounters {
	t.Helper()
	var n CellCounters
	if err := json.Unmarshal(c.mustControl(t, http.MethodGet, "/test/cell/counters", nil, http.StatusOK), &n); err != nil {
		t.Fatalf("cell %s: counters: %v", c.Name, err)
	}
	return n
}

// Posts returns how many POST /api/items with the key the cell executed.
func (c Cell) Posts(t testing.TB, key string) int64 {
	t.Helper()
	body := c.mustControl(t, http.MethodGet, "/test/cell/posts", url.Values{"key": {key}}, http.StatusOK)
	n, err := strconv.ParseInt(strings.TrimSpace(string(body)), 10, 64)
	if err != nil {
		t.Fatalf("cell %s: posts: %v", c.Name, err)
	}
	return n
}

// ExpireAll ends every server session of the cell and revokes every bearer token it issued so far, as a server
// restart or a session timeout would; it returns the number of sessions ended.
func (c Cell) ExpireAll(t testing.TB) int {
	t.Helper()
	var out struct {
		Expired int `json:"expired"`
	}
	if err := json.Unmarshal(c.mustControl(t, http.MethodPost, "/test/cell/expire", nil, http.StatusOK), &out); err != nil {
		t.Fatalf("cell %s: expire: %v", c.Name, err)
	}
	return out.Expired
}

// ResetCounters sets the cell's counters to zero.
func (c Cell) ResetCounters(t testing.TB) {
	t.Helper()
	c.mustControl(t, http.MethodPost, "/test/cell/reset", nil, http.StatusNoContent)
}

// Cells returns the cells of a matrix server (profile MatrixProfile) in matrix order, with their URLs; nil for
// other profiles.
func (s *Server) Cells() []Cell {
	info := s.proc.currentInfo()
	cells := make([]Cell, len(info.Cells))
	for i, c := range info.Cells {
		c.URL = "http://127.0.0.1:" + strconv.Itoa(c.Port)
		cells[i] = c
	}
	if len(cells) == 0 {
		return nil
	}
	return cells
}

// Cell returns the cell with the name, and whether there is one.
func (s *Server) Cell(name string) (Cell, bool) {
	for _, c := range s.Cells() {
		if c.Name == name {
			return c, true
		}
	}
	return Cell{}, false
}

// ExpireAllCells ends every server session of every cell of a matrix server and revokes every bearer token; it
// returns the number of sessions ended.
func (s *Server) ExpireAllCells(t testing.TB) int {
	t.Helper()
	c := Cell{Name: "(all)", URL: s.URL}
	var out struct {
		Expired int `json:"expired"`
	}
	if err := json.Unmarshal(c.mustControl(t, http.MethodPost, "/test/matrix/expire", nil, http.StatusOK), &out); err != nil {
		t.Fatalf("expire all cells: %v", err)
	}
	return out.Expired
}
