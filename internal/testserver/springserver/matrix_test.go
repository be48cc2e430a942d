package springserver_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/testserver/springserver"
)

// matrixParallelism is how many cells of one JVM are checked at once. The cells are independent (own port, own
// counters, own sessions), so they need not wait for go test's -parallel slots.
const matrixParallelism = 8

// TestMatrix proves, with plain net/http and a hand-written client that knows each cell's configuration, that
// every cell of the configuration matrix behaves as its dimension values declare, on both Boot versions.
func TestMatrix(t *testing.T) {
	for _, version := range springserver.Versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			srv := springserver.Start(t, version, springserver.MatrixProfile)
			cells := srv.Cells()
			t.Run("selection", func(t *testing.T) { testMatrixSelection(t, cells) })
			began := time.Now()
			var wg sync.WaitGroup
			sem := make(chan struct{}, matrixParallelism)
			for _, cell := range cells {
				if cell.Variant != "" {
					// A variant cell is not what its dimension values alone declare; internal/springcheck
					// checks it through limpet.
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					t.Run(cell.Name, func(t *testing.T) { testCell(t, cell) })
				}()
			}
			wg.Wait()
			t.Logf("springserver: %s: %d cells checked in %v", version, len(cells), time.Since(began).Round(time.Millisecond))
			t.Run("expire all cells", func(t *testing.T) { testExpireAllCells(t, srv, cells) })
			if version == springserver.Boot3 {
				// One version suffices: the restart pins the cells' ports, whose names contain commas.
				t.Run("restart keeps the cells' ports", func(t *testing.T) { testMatrixRestart(t, srv, cells) })
			}
		})
	}
}

// testExpireAllCells: Server.ExpireAllCells ends the sessions of every cell at once.
func testExpireAllCells(t *testing.T, srv *springserver.Server, cells []springserver.Cell) {
	var clients []*client
	for _, cell := range cells {
		if cell.Login != springserver.LoginDefaultPage || len(clients) == 2 {
			continue
		}
		m := &cellTest{cell: cell}
		s := m.logIn(t, "user", "password", nil)
		m.loggedIn(t, s, "user")
		clients = append(clients, s.c)
	}
	if n := srv.ExpireAllCells(t); n < len(clients) {
		t.Fatalf("ExpireAllCells ended %d sessions, want at least %d", n, len(clients))
	}
	for _, c := range clients {
		if r := c.get("/api/me", jsonAccept); r.Status == http.StatusOK {
			t.Fatalf("a session survived ExpireAllCells: %v", r)
		}
	}
}

// testMatrixRestart: a restart binds every cell's port again.
func testMatrixRestart(t *testing.T, srv *springserver.Server, cells []springserver.Cell) {
	srv.Restart(t)
	after := srv.Cells()
	if len(after) != len(cells) {
		t.Fatalf("%d cells after the restart, %d before", len(after), len(cells))
	}
	for i, c := range after {
		if c.Name != cells[i].Name || c.URL != cells[i].URL {
			t.Fatalf("cell %d after the restart: %s at %s, before: %s at %s", i, c.Name, c.URL, cells[i].Name, cells[i].URL)
		}
	}
	m := &cellTest{cell: after[len(after)-1]}
	m.expect(t, "GET /api/me after the restart", newClient(t, m.cell.URL).get("/api/me", jsonAccept), m.entry())
}

// testMatrixSelection checks the served selection: enough cells, names that encode the dimension values, every value
// in several cells, and the set-ups of issue 11 present.
func testMatrixSelection(t *testing.T, cells []springserver.Cell) {
	if len(cells) < 48 {
		t.Fatalf("%d cells, want at least 48", len(cells))
	}
	count := map[string]int{}
	names := map[string]bool{}
	ports := map[int]bool{}
	variants := 0
	for _, c := range cells {
		if c.Variant != "" {
			want := "csrf=" + c.CSRF + ",handler=" + c.Handler + ",login=" + c.Login + ",fail=" + c.Failure +
				",expiry=" + c.Expiry + ",session=" + c.Session + ",variant=" + c.Variant
			if c.Name != want || names[c.Name] || ports[c.Port] || c.Port == 0 {
				t.Errorf("variant cell %q: name not %s, or duplicate name or port %d", c.Name, want, c.Port)
			}
			names[c.Name], ports[c.Port] = true, true
			variants++
			continue
		}
		if variants > 0 {
			t.Errorf("matrix cell %s after a variant cell: variants come last", c.Name)
		}
		want := "csrf=" + c.CSRF + ",handler=" + c.Handler + ",login=" + c.Login + ",fail=" + c.Failure +
			",expiry=" + c.Expiry + ",session=" + c.Session
		if c.Name != want {
			t.Errorf("cell name %q does not encode its values (%s)", c.Name, want)
		}
		if names[c.Name] || ports[c.Port] || c.Port == 0 {
			t.Errorf("cell %s: duplicate name or port %d", c.Name, c.Port)
		}
		names[c.Name], ports[c.Port] = true, true
		for _, v := range []string{"csrf=" + c.CSRF, "handler=" + c.Handler, "login=" + c.Login, "fail=" + c.Failure,
			"expiry=" + c.Expiry, "session=" + c.Session} {
			count[v]++
		}
	}
	all := []string{
		"csrf=session", "csrf=cookie-js", "csrf=cookie-http", "csrf=off",
		"handler=xor", "handler=plain", "handler=spa", "handler=none",
		"login=default-page", "login=custom-page", "login=processing-url", "login=json-body", "login=basic",
		"login=jwt-form", "login=jwt-json",
		"fail=error-param", "fail=custom-url", "fail=401", "fail=forward", "fail=challenge", "fail=400",
		"expiry=login-page", "expiry=401", "expiry=invalid-url", "expiry=csrf403", "expiry=none",
		"session=default", "session=remember-me", "session=max1", "session=new-session", "session=none",
	}
	for _, v := range all {
		if count[v] < 2 {
			t.Errorf("%s is in %d cells, want several", v, count[v])
		}
	}
	for _, name := range []string{
		"csrf=cookie-js,handler=xor,login=processing-url,fail=401,expiry=401,session=default",
		"csrf=cookie-js,handler=xor,login=json-body,fail=401,expiry=401,session=default",
		"csrf=session,handler=xor,login=custom-page,fail=custom-url,expiry=login-page,session=default",
		"csrf=session,handler=xor,login=processing-url,fail=401,expiry=csrf403,session=default",
		"csrf=session,handler=xor,login=default-page,fail=error-param,expiry=csrf403,session=default",
	} {
		if !names[name] {
			t.Errorf("cell %s is not served", name)
		}
	}
	t.Logf("%d cells; values: %v", len(cells), count)

	// interop/spring/README.md lists the served cells, in order.
	readme, err := os.ReadFile(filepath.Join("..", "..", "..", "interop", "spring", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	row := regexp.MustCompile(`(?m)^\| (\d+) \| ([a-z-]+) \| ([a-z]+) \| ([a-z-]+) \| ([a-z0-9-]+) \| ([a-z0-9-]+) \| ([a-z0-9-]+) \|$`)
	for _, m := range row.FindAllStringSubmatch(string(readme), -1) {
		listed = append(listed, "csrf="+m[2]+",handler="+m[3]+",login="+m[4]+",fail="+m[5]+",expiry="+m[6]+",session="+m[7])
	}
	var served []string
	for _, c := range cells {
		if c.Variant == "" {
			served = append(served, c.Name)
		}
	}
	if !slices.Equal(listed, served) {
		t.Errorf("interop/spring/README.md lists %d cells, the fixture serves %d; the table must list the served cells "+
			"in order:\n%s", len(listed), len(served), strings.Join(served, "\n"))
	}
}

// cellTest checks one cell. Its steps run one after another (they end all of the cell's sessions).
type cellTest struct {
	cell springserver.Cell
}

func testCell(t *testing.T, cell springserver.Cell) {
	m := &cellTest{cell: cell}
	t.Run("anonymous", m.anonymous)
	t.Run("login", m.login)
	t.Run("csrf", m.csrf)
	t.Run("wrong password", m.wrongPassword)
	t.Run("expiry before GET", m.expiryGet)
	t.Run("expiry before POST", m.expiryPost)
	switch cell.Session {
	case springserver.SessionRememberMe:
		t.Run("remember-me", m.rememberMe)
	case springserver.SessionMax1:
		t.Run("maximumSessions(1)", m.maxSessions)
	case springserver.SessionNew, springserver.SessionDefault:
		t.Run("session fixation", m.fixation)
	}
	if cell.JWT() {
		t.Run("token endpoint", m.tokenEndpoint)
	}
}

// answer is an expected response: status, Location (a path on the cell; "" for none) and, for 401, the
// WWW-Authenticate prefix ("" for none).
type answer struct {
	status    int
	location  string
	challenge string
}

var jsessionidInPath = regexp.MustCompile(`;jsessionid=[^?#]*`)

func (m *cellTest) expect(t *testing.T, what string, r result, want answer) {
	t.Helper()
	loc := jsessionidInPath.ReplaceAllString(r.Header.Get("Location"), "")
	ok := r.Status == want.status
	if want.location != "" {
		ok = ok && loc == m.cell.URL+want.location
	} else if r.Status/100 == 3 {
		ok = false
	}
	if www := r.Header.Get("WWW-Authenticate"); want.challenge != "" {
		ok = ok && strings.HasPrefix(www, want.challenge)
	} else if r.Status == http.StatusUnauthorized && www != "" {
		ok = false
	}
	if !ok {
		t.Fatalf("%s: want %d Location=%q WWW-Authenticate=%q..., got %v", what, want.status, want.location,
			want.challenge, r)
	}
}

// redirectEntry reports whether unauthenticated requests are redirected to the login page.
func (m *cellTest) redirectEntry() bool {
	return m.cell.HasLoginPage() && !(m.cell.Login == springserver.LoginCustomPage && m.cell.Expiry == springserver.Expiry401)
}

// entry is the answer to an unauthenticated request (the entry point).
func (m *cellTest) entry() answer {
	switch {
	case m.cell.Login == springserver.LoginBasic:
		return answer{status: 401, challenge: `Basic realm="Realm"`}
	case m.cell.JWT():
		return answer{status: 401, challenge: "Bearer"}
	case m.redirectEntry():
		return answer{status: 302, location: m.cell.LoginPage}
	default:
		return answer{status: 401}
	}
}

// errorPublic reports whether the cell permits /error, so that an error status reaches the client as such.
func (m *cellTest) errorPublic() bool { return m.cell.Expiry == springserver.ExpiryCSRF403 }

// csrfRejected is the answer to a request the CSRF filter refuses. The filter's 403 is a sendError whose error
// dispatch to /error is itself subject to the chain: without a login session behind it (and HTTP Basic is not
// looked at again in that dispatch) it gets the entry point's answer, unless /error is public. A token missing from
// the repository (not a wrong one) goes to invalidSessionUrl where one is set.
func (m *cellTest) csrfRejected(missing, loggedIn bool) answer {
	switch {
	case missing && m.cell.InvalidSessionURL != "":
		return answer{status: 302, location: m.cell.InvalidSessionURL}
	case m.errorPublic(), loggedIn && m.cell.Login != springserver.LoginBasic:
		return answer{status: 403}
	default:
		return m.entry()
	}
}

var userPattern = regexp.MustCompile(`<p id="user">user</p>`)

// anonymous: the unauthenticated answer, the login page (or its absence) and where its token is.
func (m *cellTest) anonymous(t *testing.T) {
	c := newClient(t, m.cell.URL)
	first := c.get("/api/me", jsonAccept)
	m.expect(t, "GET /api/me", first, m.entry())
	if m.cell.CSRFCookie != "" {
		// The SPA handler loads the token on every request, so the first answer writes the cookie; otherwise
		// the cookie repository's token is deferred until something needs it.
		if want := m.cell.Handler == springserver.HandlerSPA; (first.setCookie("XSRF-TOKEN") != nil) != want {
			t.Fatalf("first request: want an XSRF-TOKEN cookie %v, got %v", want, first)
		} else if want {
			m.checkCookie(t, first)
		}
	}
	m.expect(t, "GET / (browser)", c.get("/", htmlAccept), m.entry())
	if !m.cell.HasLoginPage() {
		// No page at /login. Where the login configurer permits /login, the 404 is a sendError whose error
		// dispatch gets the entry point's 401, unless /error is public.
		want := m.entry()
		if (m.cell.Login == springserver.LoginProcessingURL || m.cell.Login == springserver.LoginJSONBody) && m.errorPublic() {
			want = answer{status: 404}
		}
		m.expect(t, "GET /login", c.get("/login", htmlAccept), want)
		return
	}
	r := c.get(m.cell.LoginPage, htmlAccept)
	page, err := parseCSRF(strings.NewReader(r.Body))
	if err != nil || r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET %s: %v %v", m.cell.LoginPage, err, r)
	}
	if !slices.Contains(page.Forms, m.cell.LoginURL) || !strings.Contains(r.Body, `name="`+m.cell.UsernameField+`"`) ||
		!strings.Contains(r.Body, `name="`+m.cell.PasswordField+`"`) {
		t.Fatalf("login page: want a form to %s with fields %s, %s: %+v %v", m.cell.LoginURL, m.cell.UsernameField,
			m.cell.PasswordField, page, r)
	}
	if p := m.cell.RememberMeParameter; p != "" && !regexp.MustCompile(`name=["']`+p+`["']`).MatchString(r.Body) {
		t.Fatalf("login page: no %s checkbox: %v", p, r)
	}
	hidden, meta := page.Hidden["_csrf"], page.Meta["_csrf"]
	switch {
	case m.cell.CSRF == springserver.CSRFOff:
		if hidden != "" || meta != "" {
			t.Fatalf("CSRF off, yet the login page renders a token: %+v", page)
		}
	case m.cell.Login == springserver.LoginDefaultPage:
		// Spring's generated page renders the token as a hidden field whatever the repository.
		if hidden == "" || meta != "" {
			t.Fatalf("Spring's login page: want a hidden _csrf and no meta tag: %+v", page)
		}
	case m.cell.TokenInPages:
		if hidden == "" || meta != hidden || page.Meta["_csrf_header"] != m.cell.CSRFHeader {
			t.Fatalf("custom page: want the token as hidden field and meta tags (header %s): %+v", m.cell.CSRFHeader, page)
		}
	default:
		if hidden != "" || meta != "" {
			t.Fatalf("custom page of a %s cell: want no token in the page: %+v", m.cell.CSRF, page)
		}
	}
	if hidden != "" {
		m.checkTokenForm(t, hidden, c.cookie("XSRF-TOKEN"))
	}
	if m.cell.CSRFCookie != "" && m.cell.Handler != springserver.HandlerSPA {
		// Rendering the token loads it and so writes the cookie; a page without it leaves it deferred.
		if want := hidden != ""; (r.setCookie("XSRF-TOKEN") != nil) != want {
			t.Fatalf("login page: want an XSRF-TOKEN cookie %v, got %v", want, r)
		} else if want {
			m.checkCookie(t, r)
		}
	}
}

// checkTokenForm checks a rendered token against the handler: masked (96 base64url characters) by the XOR and SPA
// handlers, raw (a UUID, equal to the cookie on a cookie repository) by the plain one.
func (m *cellTest) checkTokenForm(t *testing.T, token, cookie string) {
	t.Helper()
	switch m.cell.Handler {
	case springserver.HandlerPlain:
		if !uuidPattern.MatchString(token) || (cookie != "" && token != cookie) {
			t.Fatalf("plain handler: want the raw token (the cookie %q), got %q", cookie, token)
		}
	default:
		raw, err := unmask(token)
		if !maskedTokenPattern.MatchString(token) || err != nil || !uuidPattern.MatchString(raw) ||
			(cookie != "" && raw != cookie) {
			t.Fatalf("%s handler: want a masked token (of the cookie %q), got %q (%q, %v)", m.cell.Handler, cookie,
				token, raw, err)
		}
	}
}

// checkCookie checks the XSRF-TOKEN cookie's attributes: a UUID, Path=/, HttpOnly as the repository says.
func (m *cellTest) checkCookie(t *testing.T, r result) {
	t.Helper()
	ck := r.setCookie("XSRF-TOKEN")
	wantHTTPOnly := m.cell.CSRF == springserver.CSRFCookieHTTP
	if ck == nil || !uuidPattern.MatchString(ck.Value) || ck.Path != "/" || ck.HttpOnly != wantHTTPOnly {
		t.Fatalf("XSRF-TOKEN: want a UUID, Path=/, HttpOnly=%v: %q", wantHTTPOnly, r.rawSetCookie("XSRF-TOKEN"))
	}
}

// paramToken and headerToken derive what to send from what the client has: a token rendered in a page and the
// XSRF-TOKEN cookie. The XOR handler takes a masked value anywhere (the page's, or the cookie masked by the client);
// the plain handler the raw value; the SPA handler the raw value in the header and a masked one as a parameter.
func (m *cellTest) paramToken(page, cookie string) string {
	switch {
	case page != "":
		return page
	case m.cell.Handler == springserver.HandlerPlain:
		return cookie
	default:
		return mask(cookie)
	}
}

func (m *cellTest) headerToken(page, cookie string) string {
	switch {
	case m.cell.Handler == springserver.HandlerSPA:
		return cookie
	case page != "":
		return page
	case m.cell.Handler == springserver.HandlerPlain:
		return cookie
	default:
		return mask(cookie)
	}
}

// session is a logged-in client of the cell.
type session struct {
	c     *client
	login result // the login answer
	posts int64  // login POSTs (or token requests) sent
}

// logIn logs in with the cell's mechanism, finding the CSRF token where the cell keeps it: in the login page, in
// the cookie, or, where the cookie's token is deferred and no page renders it, in the cookie that a first, refused
// POST brings (as a single-page application has to). It does not check the outcome.
func (m *cellTest) logIn(t *testing.T, user, password string, extra url.Values) session {
	t.Helper()
	return m.logInWith(t, newClient(t, m.cell.URL), user, password, extra)
}

// logInWith is logIn with a given client (and its cookies).
func (m *cellTest) logInWith(t *testing.T, c *client, user, password string, extra url.Values) session {
	t.Helper()
	s := session{c: c}
	switch m.cell.Login {
	case springserver.LoginBasic:
		c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
		s.login = c.get("/api/me", jsonAccept)
		return s
	case springserver.LoginJWTForm:
		s.login = c.do(http.MethodPost, m.cell.LoginURL, jsonAccept,
			url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}})
		s.posts++
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal([]byte(s.login.Body), &tok) == nil && tok.AccessToken != "" {
			c.auth = "Bearer " + tok.AccessToken
		}
		return s
	case springserver.LoginJWTJSON:
		body, _ := json.Marshal(map[string]string{"username": user, "password": password})
		s.login = c.send(http.MethodPost, m.cell.LoginURL, jsonAccept, "application/json", string(body))
		s.posts++
		var tok struct {
			Token string `json:"token"`
		}
		if json.Unmarshal([]byte(s.login.Body), &tok) == nil && tok.Token != "" {
			c.auth = "Bearer " + tok.Token
		}
		return s
	}

	var pageToken string
	if m.cell.HasLoginPage() {
		r := c.get(m.cell.LoginPage, htmlAccept)
		page, err := parseCSRF(strings.NewReader(r.Body))
		if err != nil || r.Status != http.StatusOK {
			t.Fatalf("GET %s: %v %v", m.cell.LoginPage, err, r)
		}
		pageToken = page.Hidden["_csrf"]
	} else {
		// What a client does first: ask for something, get the entry point's 401.
		m.expect(t, "GET /api/me", c.get("/api/me", jsonAccept), m.entry())
	}
	fields := map[string]string{m.cell.UsernameField: user, m.cell.PasswordField: password}
	post := func(header http.Header, param string) result {
		s.posts++
		h := http.Header{"Accept": htmlAccept["Accept"]}
		if !m.cell.HasLoginPage() {
			h = http.Header{"Accept": jsonAccept["Accept"]}
		}
		for k, v := range header {
			h[k] = v
		}
		if m.cell.LoginBody == "json" {
			body, _ := json.Marshal(fields)
			path := m.cell.LoginURL
			if param != "" {
				path += "?_csrf=" + url.QueryEscape(param)
			}
			return c.send(http.MethodPost, path, h, "application/json", string(body))
		}
		form := url.Values{}
		for k, v := range fields {
			form.Set(k, v)
		}
		for k, v := range extra {
			form[k] = v
		}
		if param != "" {
			form.Set("_csrf", param)
		}
		return c.do(http.MethodPost, m.cell.LoginURL, h, form)
	}
	if !m.cell.LoginCSRF {
		s.login = post(nil, "")
		return s
	}
	cookie := c.cookie("XSRF-TOKEN")
	if pageToken == "" && cookie == "" {
		r := post(nil, "")
		m.expect(t, "login POST without a token", r, m.csrfRejected(true, false))
		if r.setCookie("XSRF-TOKEN") == nil {
			t.Fatalf("the refused login POST brings no XSRF-TOKEN cookie: %v", r)
		}
		m.checkCookie(t, r)
		cookie = c.cookie("XSRF-TOKEN")
	}
	if m.cell.LoginBody == "json" {
		s.login = post(http.Header{m.cell.CSRFHeader: {m.headerToken(pageToken, cookie)}}, "")
	} else {
		s.login = post(nil, m.paramToken(pageToken, cookie))
	}
	return s
}

// loggedIn checks a login answer for success and the probe after it.
func (m *cellTest) loggedIn(t *testing.T, s session, user string) {
	t.Helper()
	r := s.login
	switch {
	case m.cell.Login == springserver.LoginBasic:
		if r.Status != http.StatusOK {
			t.Fatalf("Basic GET: want 200, got %v", r)
		}
	case m.cell.JWT():
		if r.Status != http.StatusOK || !strings.HasPrefix(s.c.auth, "Bearer ") {
			t.Fatalf("token request: want 200 with a token, got %v", r)
		}
	case m.cell.HasLoginPage():
		loc := r.Header.Get("Location")
		if r.Status != http.StatusFound || loc == "" || strings.HasPrefix(loc, m.cell.URL+m.cell.LoginPage) ||
			(m.cell.FailureURL != "" && strings.HasPrefix(loc, m.cell.URL+m.cell.FailureURL)) {
			t.Fatalf("login: want 302 away from the login page, got %v", r)
		}
	default:
		if r.Status != http.StatusOK || r.Body != `{"user":"`+user+`"}` {
			t.Fatalf("login: want 200 %s, got %v", `{"user":"`+user+`"}`, r)
		}
	}
	me := s.c.get("/api/me", jsonAccept)
	var body struct{ User, Cell string }
	if me.Status != http.StatusOK || json.Unmarshal([]byte(me.Body), &body) != nil || body.User != user ||
		body.Cell != m.cell.Name {
		t.Fatalf("probe: want 200 {user: %s, cell: %s}, got %v", user, m.cell.Name, me)
	}
}

func (m *cellTest) counters(t *testing.T) springserver.CellCounters {
	t.Helper()
	return m.cell.Counters(t)
}

// login: the cell's mechanism logs in; the pages and API answer; the counters saw one login.
func (m *cellTest) login(t *testing.T) {
	m.cell.ResetCounters(t)
	s := m.logIn(t, "user", "password", nil)
	m.loggedIn(t, s, "user")
	if r := s.c.get("/", htmlAccept); r.Status != http.StatusOK || !userPattern.MatchString(r.Body) {
		t.Fatalf("GET /: want the HTML page of user, got %v", r)
	}
	n := m.counters(t)
	wantPosts := s.posts
	if m.cell.Login == springserver.LoginBasic {
		wantPosts = 0
	}
	if n.LoginPosts != wantPosts || n.AuthFailure != 0 || n.AuthSuccess < 1 || n.Posts != 0 {
		t.Fatalf("counters after login: %+v, want %d login POSTs, no failure, a success", n, wantPosts)
	}
	if m.cell.JWT() && n.TokensIssued != 1 {
		t.Fatalf("counters: %+v, want 1 token issued", n)
	}
	if !m.cell.Stateless() && n.Sessions < 1 {
		t.Fatalf("counters: %+v, want a live session", n)
	}
}

// csrfTokens returns what a logged-in client finds after login: the token of the home page (if the cell renders
// one) and the cookie (after the page, which writes it when it renders the token).
func (m *cellTest) csrfTokens(t *testing.T, s session) (page, cookie string) {
	t.Helper()
	r := s.c.get("/", htmlAccept)
	p, err := parseCSRF(strings.NewReader(r.Body))
	if err != nil || r.Status != http.StatusOK {
		t.Fatalf("GET /: %v %v", err, r)
	}
	page = p.Hidden["_csrf"]
	if m.cell.TokenInPages {
		if page == "" || p.Meta["_csrf"] != page || p.Meta["_csrf_header"] != m.cell.CSRFHeader ||
			p.Meta["_csrf_parameter"] != "_csrf" {
			t.Fatalf("GET /: want the token as hidden field and meta tags (header %s): %+v", m.cell.CSRFHeader, p)
		}
	} else if page != "" || p.Meta["_csrf"] != "" {
		t.Fatalf("GET /: a %s cell's page renders a token: %+v", m.cell.CSRF, p)
	}
	return page, s.c.cookie("XSRF-TOKEN")
}

func (m *cellTest) postItem(c *client, key string, header http.Header, form url.Values) result {
	h := http.Header{"Accept": jsonAccept["Accept"]}
	for k, v := range header {
		h[k] = v
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("name", "limpet")
	return c.do(http.MethodPost, "/api/items?key="+key, h, form)
}

func (m *cellTest) postItemJSON(c *client, key string, header http.Header) result {
	h := http.Header{"Accept": jsonAccept["Accept"]}
	for k, v := range header {
		h[k] = v
	}
	return c.send(http.MethodPost, "/api/items", h, "application/json", `{"name":"limpet","key":"`+key+`"}`)
}

func (m *cellTest) wantCount(t *testing.T, key string, want int64) {
	t.Helper()
	if n := m.cell.Posts(t, key); n != want {
		t.Fatalf("POSTs counted with key %s: %d, want %d", key, n, want)
	}
}

// csrf: where the token is after login; a POST without it is refused and not executed; form and JSON POSTs with it
// are executed once each; the wrong form of the token is refused.
func (m *cellTest) csrf(t *testing.T) {
	s := m.logIn(t, "user", "password", nil)
	m.loggedIn(t, s, "user")
	c := s.c
	page, cookie := m.csrfTokens(t, s)
	switch m.cell.CSRF {
	case springserver.CSRFOff:
		if cookie != "" {
			t.Fatalf("CSRF off, yet an XSRF-TOKEN cookie: %q", cookie)
		}
		if r := m.postItem(c, "none", nil, nil); r.Status != http.StatusOK {
			t.Fatalf("POST without CSRF protection: want 200, got %v", r)
		}
		if r := m.postItemJSON(c, "none", nil); r.Status != http.StatusOK || !strings.Contains(r.Body, `"body":"json"`) {
			t.Fatalf("JSON POST without CSRF protection: want 200, got %v", r)
		}
		m.wantCount(t, "none", 2)
		return
	case springserver.CSRFSession:
		if cookie != "" {
			t.Fatalf("session repository, yet an XSRF-TOKEN cookie: %q", cookie)
		}
	case springserver.CSRFCookieHTTP:
		// Rendering the page loaded the token, so the cookie is there; the page token belongs to it.
		if cookie == "" {
			t.Fatal("cookie-http: no XSRF-TOKEN cookie after rendering a page")
		}
	case springserver.CSRFCookieJS:
		// The SPA handler loads the token on every request; the others leave it deferred after login (which
		// cleared the cookie) until a request needs it.
		if (cookie != "") != (m.cell.Handler == springserver.HandlerSPA) {
			t.Fatalf("cookie-js with the %s handler: XSRF-TOKEN after login is %q", m.cell.Handler, cookie)
		}
	}
	if page != "" {
		m.checkTokenForm(t, page, cookie)
	}

	// Without a token: refused, not executed. A deferred cookie token arrives with the refusal.
	r := m.postItem(c, "without", nil, nil)
	m.expect(t, "POST without a token", r, m.csrfRejected(cookie == "" && m.cell.CSRF != springserver.CSRFSession, true))
	m.wantCount(t, "without", 0)
	if m.cell.CSRFCookie != "" && cookie == "" {
		if r.setCookie("XSRF-TOKEN") == nil {
			t.Fatalf("the refused POST brings no XSRF-TOKEN cookie: %v", r)
		}
		m.checkCookie(t, r)
		cookie = c.cookie("XSRF-TOKEN")
	}

	// The wrong form of the token: refused.
	var wrong string
	switch {
	case m.cell.Handler == springserver.HandlerXOR && cookie != "":
		wrong = cookie // the raw cookie value, where a masked one is wanted
	case m.cell.Handler == springserver.HandlerSPA:
		wrong = mask(cookie) // a masked value in the header, compared raw
	case m.cell.Handler == springserver.HandlerPlain:
		wrong = mask(m.headerToken(page, cookie)) // masked, where the raw value is wanted
	}
	if wrong != "" {
		r := m.postItem(c, "wrong", http.Header{m.cell.CSRFHeader: {wrong}}, nil)
		m.expect(t, "POST with the wrong form of the token", r, m.csrfRejected(false, true))
		m.wantCount(t, "wrong", 0)
	}

	// With the token: a form POST (as a parameter) and a JSON POST (in the header) are each executed once.
	before := m.counters(t).Posts
	if r := m.postItem(c, "with", nil, url.Values{"_csrf": {m.paramToken(page, cookie)}}); r.Status != http.StatusOK ||
		!strings.Contains(r.Body, `"keyCount":1`) || !strings.Contains(r.Body, `"body":"form"`) {
		t.Fatalf("form POST with the token: want 200 keyCount 1, got %v", r)
	}
	if r := m.postItemJSON(c, "with", http.Header{m.cell.CSRFHeader: {m.headerToken(page, cookie)}}); r.Status != http.StatusOK ||
		!strings.Contains(r.Body, `"keyCount":2`) || !strings.Contains(r.Body, `"body":"json"`) {
		t.Fatalf("JSON POST with the token in %s: want 200 keyCount 2, got %v", m.cell.CSRFHeader, r)
	}
	m.wantCount(t, "with", 2)
	if n := m.counters(t).Posts; n != before+2 {
		t.Fatalf("cell POST count %d, want %d", n, before+2)
	}
}

// wrongPassword: one login attempt with a wrong password gets the cell's failure answer and counts one failure.
func (m *cellTest) wrongPassword(t *testing.T) {
	m.cell.ResetCounters(t)
	s := m.logIn(t, "user", "wrong", nil)
	r := s.login
	switch m.cell.Failure {
	case springserver.FailErrorParam, springserver.FailCustomURL:
		m.expect(t, "wrong password", r, answer{status: 302, location: m.cell.FailureURL})
	case springserver.Fail401:
		m.expect(t, "wrong password", r, answer{status: 401})
		if r.Body != `{"error":"bad credentials"}` {
			t.Fatalf("wrong password: body %q", r.Body)
		}
	case springserver.FailForward:
		m.wrongPasswordForward(t, r)
	case springserver.FailChallenge:
		m.expect(t, "wrong password", r, m.entry())
	case springserver.Fail400:
		m.expect(t, "wrong password", r, answer{status: 400})
		if !strings.Contains(r.Body, `"error":"invalid_grant"`) {
			t.Fatalf("wrong password: body %q", r.Body)
		}
	default:
		t.Fatalf("unknown failure %q", m.cell.Failure)
	}
	n := m.counters(t)
	wantPosts := s.posts
	if m.cell.Login == springserver.LoginBasic {
		wantPosts = 0
	}
	if n.LoginPosts != wantPosts || n.AuthFailure != 1 || n.AuthSuccess != 0 || n.TokensIssued != 0 {
		t.Fatalf("counters after a wrong password: %+v, want %d login POSTs, 1 failure, no success", n, wantPosts)
	}
	s.c.auth = ""
	m.expect(t, "probe after a wrong password", s.c.get("/api/me", jsonAccept), m.entry())
}

// wrongPasswordForward: failureForwardUrl forwards the login POST to the login page in the same response.
func (m *cellTest) wrongPasswordForward(t *testing.T, r result) {
	t.Helper()
	if m.cell.Login == springserver.LoginCustomPage {
		page, err := parseCSRF(strings.NewReader(r.Body))
		if r.Status != http.StatusOK || err != nil || !slices.Contains(page.Forms, m.cell.LoginURL) ||
			!strings.Contains(r.Body, `class="error"`) {
			t.Fatalf("wrong password: want 200 with the login page and its error, got %v", r)
		}
		return
	}
	// Spring's generated page answers GET only: the forwarded POST is not served by it.
	m.expect(t, "wrong password (forward to Spring's page)", r, answer{status: 302, location: m.cell.LoginPage})
}

// expiryGet: after every session of the cell ended, a GET gets the cell's expiry answer.
func (m *cellTest) expiryGet(t *testing.T) {
	s := m.logIn(t, "user", "password", nil)
	m.loggedIn(t, s, "user")
	expired := m.cell.ExpireAll(t)
	if !m.cell.Stateless() && expired < 1 {
		t.Fatalf("expire: %d sessions ended, want at least 1", expired)
	}
	r := s.c.get("/api/me", jsonAccept)
	switch {
	case m.cell.Login == springserver.LoginBasic:
		if r.Status != http.StatusOK {
			t.Fatalf("GET with Basic credentials after expiry: want 200, got %v", r)
		}
	case m.cell.JWT():
		m.expect(t, "GET after expiry", r, m.entry())
		if !strings.Contains(r.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Fatalf("GET with a revoked token: want invalid_token, got %v", r)
		}
	case m.cell.Expiry == springserver.ExpiryInvalidURL:
		m.expect(t, "GET after expiry", r, answer{status: 302, location: m.cell.InvalidSessionURL})
	default:
		m.expect(t, "GET after expiry", r, m.entry())
	}
}

// expiryPost: after every session of the cell ended, a POST with the token cached before gets the cell's expiry
// answer and is not executed.
func (m *cellTest) expiryPost(t *testing.T) {
	s := m.logIn(t, "user", "password", nil)
	m.loggedIn(t, s, "user")
	page, cookie := m.csrfTokens(t, s)
	var header http.Header
	if m.cell.CSRF != springserver.CSRFOff {
		if cookie == "" && page == "" {
			// A deferred cookie token: the first POST brings it.
			m.postItem(s.c, "prime", nil, nil)
			cookie = s.c.cookie("XSRF-TOKEN")
		}
		header = http.Header{m.cell.CSRFHeader: {m.headerToken(page, cookie)}}
	}
	if r := m.postItemJSON(s.c, "before", header); r.Status != http.StatusOK {
		t.Fatalf("POST before expiry: want 200, got %v", r)
	}
	m.cell.ExpireAll(t)
	r := m.postItemJSON(s.c, "after", header)
	executed := int64(0)
	switch {
	case m.cell.Login == springserver.LoginBasic && m.cell.CSRF != springserver.CSRFSession:
		// Nothing expired: the credentials come with the request, the token with the cookie.
		if r.Status != http.StatusOK {
			t.Fatalf("Basic POST after expiry: want 200, got %v", r)
		}
		executed = 1
	case m.cell.JWT():
		m.expect(t, "POST after expiry", r, m.entry())
	case m.cell.CSRF == springserver.CSRFSession:
		// The token died with the session: the CSRF filter refuses the POST before anything else.
		m.expect(t, "POST with the cached token after expiry", r, m.csrfRejected(true, false))
	case m.cell.Expiry == springserver.ExpiryInvalidURL:
		m.expect(t, "POST after expiry", r, answer{status: 302, location: m.cell.InvalidSessionURL})
	default:
		m.expect(t, "POST after expiry", r, m.entry())
	}
	m.wantCount(t, "after", executed)
}

// rememberMe: a login that asks for it gets the remember-me cookie, which logs in again after the session ended.
func (m *cellTest) rememberMe(t *testing.T) {
	p := m.cell.RememberMeParameter
	s := m.logIn(t, "user", "password", url.Values{p: {"on"}})
	m.loggedIn(t, s, "user")
	if ck := s.login.setCookie("remember-me"); ck == nil || ck.MaxAge != 1209600 || !ck.HttpOnly {
		t.Fatalf("login with %s=on: want a remember-me cookie (Max-Age 1209600, HttpOnly), got %v", p, s.login)
	}
	m.cell.ResetCounters(t)
	m.cell.ExpireAll(t)
	r := s.c.get("/api/me", jsonAccept)
	if r.Status != http.StatusOK || r.setCookie("JSESSIONID") == nil {
		t.Fatalf("after expiry the remember-me cookie should log in again: want 200 with a new session, got %v", r)
	}
	if n := m.counters(t); n.AuthSuccess != 1 || n.LoginPosts != 0 {
		t.Fatalf("counters after the remember-me login: %+v, want 1 success and no login POST", n)
	}
}

const sessionExpiredText = "This session has been expired (possibly due to multiple concurrent logins being " +
	"attempted as the same user)."

// maxSessions: a second login of the same user expires the first session, which is told so once.
func (m *cellTest) maxSessions(t *testing.T) {
	a := m.logIn(t, "alice", "password", nil)
	m.loggedIn(t, a, "alice")
	b := m.logIn(t, "alice", "password", nil)
	m.loggedIn(t, b, "alice")
	if r := a.c.get("/api/me", jsonAccept); r.Status != http.StatusOK || r.Body != sessionExpiredText {
		t.Fatalf("the first session after a second login: want 200 with the expiry text, got %v", r)
	}
	r := a.c.get("/api/me", jsonAccept)
	if m.cell.InvalidSessionURL != "" {
		m.expect(t, "the first session afterwards", r, answer{status: 302, location: m.cell.InvalidSessionURL})
	} else {
		m.expect(t, "the first session afterwards", r, m.entry())
	}
	if r := b.c.get("/api/me", jsonAccept); r.Status != http.StatusOK {
		t.Fatalf("the second session: want 200, got %v", r)
	}
}

// fixation: login changes the session id; changeSessionId keeps the session's attributes, newSession drops them.
func (m *cellTest) fixation(t *testing.T) {
	c := newClient(t, m.cell.URL)
	if r := c.do(http.MethodPost, "/test/session-attr?value=before-login", nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("set marker: %v", r)
	}
	before := c.cookie("JSESSIONID")
	s := m.logInWith(t, c, "user", "password", nil)
	m.loggedIn(t, s, "user")
	after := c.cookie("JSESSIONID")
	if before == "" || after == "" || after == before {
		t.Fatalf("login should change the session id: before %q, after %q", before, after)
	}
	r := c.get("/test/session-attr", nil)
	if m.cell.Session == springserver.SessionNew {
		if r.Status != http.StatusNotFound {
			t.Fatalf("newSession: the marker should be gone after login, got %v", r)
		}
	} else if r.Status != http.StatusOK || r.Body != "before-login" {
		t.Fatalf("changeSessionId: the marker should survive login, got %v", r)
	}
}

// tokenEndpoint: the endpoint takes only its own encoding, and tokens live TokenLifetime seconds.
func (m *cellTest) tokenEndpoint(t *testing.T) {
	c := newClient(t, m.cell.URL)
	if m.cell.Login == springserver.LoginJWTForm {
		r := c.send(http.MethodPost, m.cell.LoginURL, jsonAccept, "application/json", `{"username":"user","password":"password"}`)
		if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "invalid_request") {
			t.Fatalf("JSON to the form token endpoint: want 400 invalid_request, got %v", r)
		}
		r = c.do(http.MethodPost, m.cell.LoginURL, jsonAccept,
			url.Values{"grant_type": {"password"}, "username": {"user"}, "password": {"password"}})
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
		}
		if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &tok) != nil || tok.TokenType != "Bearer" ||
			tok.ExpiresIn != m.cell.TokenLifetime || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("token: want 200 Bearer expires_in %d, no-store, got %v", m.cell.TokenLifetime, r)
		}
		m.checkLifetime(t, tok.AccessToken)
		return
	}
	r := c.do(http.MethodPost, m.cell.LoginURL, jsonAccept, url.Values{"username": {"user"}, "password": {"password"}})
	if r.Status != http.StatusUnsupportedMediaType {
		t.Fatalf("a form to the JSON token endpoint: want 415, got %v", r)
	}
	r = c.send(http.MethodPost, m.cell.LoginURL, jsonAccept, "application/json", `{"username":"user","password":"password"}`)
	var tok struct {
		Token string `json:"token"`
	}
	if r.Status != http.StatusOK || json.Unmarshal([]byte(r.Body), &tok) != nil || tok.Token == "" {
		t.Fatalf("token: want 200 {token}, got %v", r)
	}
	m.checkLifetime(t, tok.Token)
}

func (m *cellTest) checkLifetime(t *testing.T, jwt string) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", jwt)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Sub      string `json:"sub"`
		Iat, Exp int64
	}
	if err != nil || json.Unmarshal(payload, &claims) != nil || claims.Sub != "user" ||
		claims.Exp-claims.Iat != int64(m.cell.TokenLifetime) {
		t.Fatalf("claims %s: want sub user and exp-iat = %d", payload, m.cell.TokenLifetime)
	}
}
