package spring_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/spring"
)

var (
	htmlAccept = http.Header{"Accept": {"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}}
	jsonAccept = http.Header{"Accept": {"application/json"}}
	xhr        = http.Header{"X-Requested-With": {"XMLHttpRequest"}}

	maskedToken = regexp.MustCompile(`^[A-Za-z0-9_-]{96}$`)
	uuidToken   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// TestDefaultChain drives the scenarios of interop/spring/README.md that run on Spring Boot's own default chain (form
// login and HTTP Basic, session CSRF): S1-S5, S7, S8, S11-S13, S20 (short TTL), X1 and X2, with the client doing
// what a user of the package would. The scenarios of one version run in order on one shared JVM; S13 restarts it,
// so it runs last.
func TestDefaultChain(t *testing.T) {
	t.Parallel()
	for _, version := range springserver.Versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			f := start(t, version, "default")
			steps := []struct {
				name string
				run  func(*testing.T, *fixture)
			}{
				{"S1 login with the page's masked token", testS1},
				{"S2 unauthenticated answers lead to one login", testS2},
				{"S3 saved request", testS3},
				{"S4 bad credentials", testS4},
				{"S5 login token lost with its session", testS5},
				{"S7 POST without a token", testS7},
				{"S8 token from before the login", testS8},
				{"S11 logout", testS11},
				{"logout of a session already gone", testLogoutGone},
				{"S12 expired session then POST", testS12},
				{"a POST that ran, then ended the session", testHandlerEndedSession},
				{"S20 session TTL", testS20TTL},
				{"X1 32 goroutines on an expired session", testX1},
				{"X2 persisted session in a new Session", testX2},
				{"HTTP Basic with CSRF", testBasic},
				{"HTTP Basic with a wrong password", testBasicWrongPassword},
				{"CSRF only, with the Session's Basic credentials", testCSRFOnly},
				{"CSRF token endpoint", testCSRFEndpoint},
				{"S13 server restart", testS13},
			}
			for _, st := range steps {
				if !t.Run(st.name, func(t *testing.T) { st.run(t, f.with(t)) }) && st.name[:3] == "S13" {
					t.Log(f.LogTail(40))
				}
			}
		})
	}
}

// with returns f reporting to t.
func (f *fixture) with(t testing.TB) *fixture { return &fixture{Server: f.Server, t: t} }

// captured records the requests and responses a Session sends and receives for one path and method.
type captured struct {
	method, path string
	mu           sync.Mutex
	bodies       []string
	headers      []http.Header
	responses    []*http.Response
}

func (c *captured) onRequest(req *http.Request) error {
	if req.Method != c.method || req.URL.Path != c.path {
		return nil
	}
	body := ""
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return err
		}
		body = readAll(rc)
		rc.Close()
	}
	c.mu.Lock()
	c.bodies = append(c.bodies, body)
	c.headers = append(c.headers, req.Header.Clone())
	c.mu.Unlock()
	return nil
}

func (c *captured) onResponse(resp *http.Response) error {
	if resp.Request.Method != c.method || resp.Request.URL.Path != c.path {
		return nil
	}
	c.mu.Lock()
	c.responses = append(c.responses, &http.Response{StatusCode: resp.StatusCode, Header: resp.Header.Clone()})
	c.mu.Unlock()
	return nil
}

func (c *captured) hook(o *limpet.Options) {
	o.OnRequest = append(o.OnRequest, c.onRequest)
	o.OnResponse = append(o.OnResponse, c.onResponse)
}

func (c *captured) last(t testing.TB) *http.Response {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.responses) == 0 {
		t.Fatalf("no response to %s %s", c.method, c.path)
	}
	return c.responses[len(c.responses)-1]
}

// setCookies returns the values a response sets for name, in order.
func setCookies(resp *http.Response, name string) []string {
	var out []string
	for _, c := range resp.Cookies() {
		if c.Name == name {
			out = append(out, c.Value)
		}
	}
	return out
}

// jarCookie returns the limpet jar's cookie name of s, if any.
func jarCookie(s *limpet.Session, name string) (jar.Cookie, bool) {
	for _, c := range s.Jar().(*jar.Jar).All() {
		if c.Name == name {
			return c, true
		}
	}
	return jar.Cookie{}, false
}

// deleteJarCookie removes the cookie name from the jar of s, as a lost or expired cookie would be.
func deleteJarCookie(t testing.TB, s *limpet.Session, name string) string {
	t.Helper()
	c, ok := jarCookie(s, name)
	if !ok {
		t.Fatalf("no %s cookie in the jar", name)
	}
	s.Jar().(*jar.Jar).Delete(c.Key())
	return c.Value
}

// recovered checks that resp went through exactly one recovery of the given kind and was replayed.
func recovered(t testing.TB, resp *limpet.Response, kind limpet.VerdictKind) {
	t.Helper()
	if len(resp.Recoveries) != 1 || resp.Recoveries[0].Verdict.Kind != kind || !resp.Recoveries[0].Replayed {
		t.Fatalf("want one %s recovery and a replay, got %+v", kind, resp.Recoveries)
	}
}

func mustLogin(t testing.TB, s *limpet.Session) {
	t.Helper()
	if err := s.Login(context.Background()); err != nil {
		t.Fatalf("login: %v", err)
	}
}

func testS1(t *testing.T, f *fixture) {
	page := &captured{method: http.MethodGet, path: "/login"}
	post := &captured{method: http.MethodPost, path: "/login"}
	o := limpet.Options{}
	page.hook(&o)
	post.hook(&o)
	before := f.logins("user")
	s := f.newSession(spring.FormLogin("user", "password", spring.Options{}), o)
	mustLogin(t, s)

	first := setCookies(page.last(t), "JSESSIONID")
	rotated := setCookies(post.last(t), "JSESSIONID")
	if len(first) != 1 || len(rotated) != 1 || first[0] == rotated[0] {
		t.Fatalf("JSESSIONID from the login page %v, from the login %v: want one each, different", first, rotated)
	}
	if c, ok := jarCookie(s, "JSESSIONID"); !ok || c.Value != rotated[0] {
		t.Fatalf("the jar holds %+v, want the rotated session %s", c, rotated[0])
	}
	if login := post.last(t); login.StatusCode != http.StatusFound || login.Header.Get("Location") != f.URL+"/" {
		t.Fatalf("login answer %d %q, want 302 to %s/", login.StatusCode, login.Header.Get("Location"), f.URL)
	}
	sent := paramOf(t, post.bodies[0], "_csrf")
	raw, err := spring.UnmaskCSRF(sent)
	if !maskedToken.MatchString(sent) || err != nil || !uuidToken.MatchString(raw) {
		t.Fatalf("the login posted _csrf=%q (unmasked %q, %v): want the page's masked token of a UUID", sent, raw, err)
	}
	if n := f.logins("user") - before; n != 1 || len(post.bodies) != 1 {
		t.Fatalf("%d authentications and %d login POSTs, want 1 and 1", n, len(post.bodies))
	}
	if resp, body := get(t, s, "/api/me", nil); resp.StatusCode != http.StatusOK || body != "user" || len(resp.Recoveries) != 0 {
		t.Fatalf("probe after login: %d %q %+v", resp.StatusCode, body, resp.Recoveries)
	}
}

func testS2(t *testing.T, f *fixture) {
	tests := []struct {
		name   string
		header http.Header
		reason string // what the recovery names as its cause
	}{
		{"no Accept gets 401 Basic", nil, "401"},
		{"browser Accept gets 302 to the login page", htmlAccept, "redirect to /login"},
		{"XHR gets 401 without a challenge", xhr, "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			post := &captured{method: http.MethodPost, path: "/login"}
			o := limpet.Options{}
			post.hook(&o)
			s := f.newSession(spring.FormLogin("user", "password", spring.Options{}), o)
			resp, body := get(t, s, "/api/me", tt.header)
			if resp.StatusCode != http.StatusOK || body != "user" {
				t.Fatalf("want 200 user after logging in on first need, got %d %q", resp.StatusCode, body)
			}
			recovered(t, resp, limpet.SessionExpired)
			if r := resp.Recoveries[0].Verdict.Reason; !strings.HasPrefix(r, tt.reason) {
				t.Errorf("recovery reason %q, want it to start with %q", r, tt.reason)
			}
			if len(post.bodies) != 1 {
				t.Errorf("%d login POSTs, want 1", len(post.bodies))
			}
		})
	}
}

// testS3: a request saved by Spring before the login is where the login sends the user, with "continue" added.
// An explicit login keeps the session, and with it the saved request; a recovery starts the login from a new
// session and replays the request itself, so the probe, not the saved request, decides.
func testS3(t *testing.T, f *fixture) {
	post := &captured{method: http.MethodPost, path: "/login"}
	o := limpet.Options{BaseURL: f.URL}
	post.hook(&o)
	plain, err := limpet.New(o) // no Authenticator: the request is not recovered
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if resp, body := get(t, plain, "/api/orders?x=1", htmlAccept); !strings.Contains(body, "Please sign in") ||
		len(resp.History) != 1 || resp.History[0].StatusCode != http.StatusFound {
		t.Fatalf("want a redirect to the login page, got %d %q", resp.StatusCode, body)
	}
	if err := spring.FormLogin("user", "password", spring.Options{}).Recover(context.Background(), plain, limpet.Verdict{Kind: limpet.NoSession}); err != nil {
		t.Fatal(err)
	}
	if loc := post.last(t).Header.Get("Location"); loc != f.URL+"/api/orders?x=1&continue" {
		t.Fatalf("login answer Location %q: want the saved request with continue", loc)
	}
	if resp, body := get(t, plain, "/api/orders?x=1", htmlAccept); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"item":"limpet"`) {
		t.Fatalf("after the login: %d %q", resp.StatusCode, body)
	}

	s := f.newSession(spring.FormLogin("user", "password", spring.Options{}), limpet.Options{})
	resp, body := get(t, s, "/api/orders?x=1", htmlAccept)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"item":"limpet"`) {
		t.Fatalf("want the orders after the login, got %d %q", resp.StatusCode, body)
	}
	recovered(t, resp, limpet.SessionExpired)
}

func testS4(t *testing.T, f *fixture) {
	post := &captured{method: http.MethodPost, path: "/login"}
	o := limpet.Options{}
	post.hook(&o)
	before := f.logins("user")
	s := f.newSession(spring.FormLogin("user", "wrong", spring.Options{}), o)
	err := s.Login(context.Background())
	var le *spring.LoginError
	if !errors.Is(err, spring.ErrBadCredentials) || !errors.As(err, &le) || le.Location != "/login?error" || le.Status != 302 {
		t.Fatalf("err = %v, want a LoginError for bad credentials, 302 to /login?error", err)
	}
	// Requests that need a login get the error; the cooldown keeps them from trying again and again.
	for i := 0; i < 5; i++ {
		_, err := s.Get(context.Background(), "/api/me")
		var ae *limpet.AuthError
		if !errors.As(err, &ae) || !errors.Is(err, spring.ErrBadCredentials) {
			t.Fatalf("request %d: err = %v, want an AuthError wrapping ErrBadCredentials", i, err)
		}
	}
	if n := len(post.bodies); n != 2 {
		t.Errorf("%d login POSTs, want 2 (Login, then one recovery within the cooldown)", n)
	}
	if n := f.logins("user") - before; n != 0 {
		t.Errorf("%d successful authentications with a wrong password", n)
	}
}

// testS5: the session the login page's token belongs to dies before the POST (a timeout, a restart), so the POST
// goes without a valid token and Spring answers it like an anonymous CSRF failure. The client fetches the page
// again and retries once.
func testS5(t *testing.T, f *fixture) {
	post := &captured{method: http.MethodPost, path: "/login"}
	o := limpet.Options{}
	post.hook(&o)
	var expired atomic.Bool
	o.OnRequest = append([]func(*http.Request) error{func(req *http.Request) error {
		if req.Method == http.MethodPost && req.URL.Path == "/login" && expired.CompareAndSwap(false, true) {
			expireByCookie(t, f, req.Header.Get("Cookie"))
		}
		return nil
	}}, o.OnRequest...)
	s := f.newSession(spring.FormLogin("user", "password", spring.Options{}), o)
	mustLogin(t, s)
	if n := len(post.bodies); n != 2 {
		t.Fatalf("%d login POSTs, want 2 (the rejected one and the retry)", n)
	}
	first := post.responses[0]
	if first.StatusCode != http.StatusFound || first.Header.Get("Location") != f.URL+"/login" {
		t.Fatalf("the POST with the dead session's token: %d %q, want 302 to /login", first.StatusCode, first.Header.Get("Location"))
	}
	if resp, body := get(t, s, "/api/me", nil); resp.StatusCode != http.StatusOK || body != "user" {
		t.Fatalf("probe: %d %q", resp.StatusCode, body)
	}
}

// expireByCookie invalidates the session named in a Cookie header.
func expireByCookie(t testing.TB, f *fixture, cookie string) {
	req, err := http.NewRequest(http.MethodPost, f.URL+"/test/expire-session", nil)
	if err != nil {
		t.Error(err)
		return
	}
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Errorf("expire-session: %d", resp.StatusCode)
	}
}

// testS8: a token from before the login (here restored from a saved state) is refused after it: the server replaced
// it at the login. The client fetches the current one and replays the POST once.
func testS8(t *testing.T, f *fixture) {
	key := "s8-" + f.Version
	f.resetEchoes(key)
	a := spring.FormLogin("user", "password", spring.Options{Probe: "/api/me"})
	s := f.newSession(a, limpet.Options{})
	_, page := get(t, s, "/login", htmlAccept)
	old := hiddenCSRF(t, page)
	mustLogin(t, s)
	a.LoadState(withSpringState(t, savedSpring{CSRF: &savedCSRF{Token: old, Header: "X-CSRF-TOKEN", Param: "_csrf",
		Source: "form:_csrf", Updated: time.Now().Add(time.Minute)}}))
	resp, body := send(t, s, &limpet.Request{Method: http.MethodPost, URL: "/api/echo?key=" + key})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"count":1`) {
		t.Fatalf("want 200 count 1, got %d %q", resp.StatusCode, body)
	}
	recovered(t, resp, limpet.CSRFRejected)
	if n := f.echoes(key); n != 1 {
		t.Fatalf("echo ran %d times, want 1", n)
	}
}

// hiddenCSRF returns the _csrf hidden input of a page.
func hiddenCSRF(t testing.TB, page string) string {
	t.Helper()
	m := regexp.MustCompile(`name="_csrf" type="hidden" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no _csrf input in %q", page)
	}
	return m[1]
}

func testS11(t *testing.T, f *fixture) {
	tests := []struct {
		name       string
		header     http.Header // the Session's default headers
		wantStatus int
		wantLoc    string
	}{
		{"no Accept", nil, http.StatusNoContent, ""},
		{"browser Accept", htmlAccept, http.StatusFound, "/login?logout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := &captured{method: http.MethodPost, path: "/logout"}
			o := limpet.Options{Header: tt.header}
			out.hook(&o)
			a := spring.FormLogin("user", "password", spring.Options{})
			s := f.newSession(a, o)
			mustLogin(t, s)
			old, _ := jarCookie(s, "JSESSIONID")
			if err := a.Logout(context.Background(), s); err != nil {
				t.Fatalf("logout: %v", err)
			}
			resp := out.last(t)
			if resp.StatusCode != tt.wantStatus || (tt.wantLoc != "" && resp.Header.Get("Location") != f.URL+tt.wantLoc) {
				t.Fatalf("logout answer %d %q, want %d %q", resp.StatusCode, resp.Header.Get("Location"), tt.wantStatus, tt.wantLoc)
			}
			if setCookies(resp, "JSESSIONID") != nil {
				t.Errorf("the server touched JSESSIONID without deleteCookies: %v", resp.Header.Values("Set-Cookie"))
			}
			if c, ok := jarCookie(s, "JSESSIONID"); ok {
				t.Fatalf("JSESSIONID %s still in the jar after logout", c.Value)
			}
			if status, _ := f.controlWithCookie(http.MethodGet, "/api/me", "JSESSIONID="+old.Value); status != http.StatusUnauthorized {
				t.Fatalf("the old session answers %d after logout, want 401", status)
			}
			// The next request that needs a login logs in again.
			resp2, body := get(t, s, "/api/me", nil)
			if resp2.StatusCode != http.StatusOK || body != "user" {
				t.Fatalf("after logout: %d %q", resp2.StatusCode, body)
			}
			recovered(t, resp2, limpet.SessionExpired)
		})
	}
}

// testLogoutGone: logging out a session the server already forgot, or one that never logged in, succeeds and
// clears the local state.
func testLogoutGone(t *testing.T, f *fixture) {
	out := &captured{method: http.MethodPost, path: "/logout"}
	o := limpet.Options{}
	out.hook(&o)
	a := spring.FormLogin("user", "password", spring.Options{})
	s := f.newSession(a, o)
	mustLogin(t, s)
	f.expire(s)
	if err := a.Logout(context.Background(), s); err != nil {
		t.Fatalf("logout of an expired session: %v", err)
	}
	if c, ok := jarCookie(s, "JSESSIONID"); ok {
		t.Fatalf("JSESSIONID %s still in the jar", c.Value)
	}
	never := spring.FormLogin("user", "password", spring.Options{})
	if err := never.Logout(context.Background(), f.newSession(never, limpet.Options{})); err != nil {
		t.Fatalf("logout without a login: %v", err)
	}
	if n := len(out.bodies); n != 1 {
		t.Fatalf("%d logout POSTs, want 1", n)
	}
}

// controlWithCookie sends a request with a given Cookie header, outside any Session.
func (f *fixture) controlWithCookie(method, path, cookie string) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, readAll(resp.Body)
}

func testS12(t *testing.T, f *fixture) {
	key := "s12-" + f.Version
	f.resetEchoes(key)
	post := &captured{method: http.MethodPost, path: "/login"}
	o := limpet.Options{}
	post.hook(&o)
	s := f.newSession(spring.FormLogin("user", "password", spring.Options{}), o)
	mustLogin(t, s)
	f.expire(s)
	resp, body := send(t, s, &limpet.Request{Method: http.MethodPost, URL: "/api/echo?key=" + key,
		Body: limpet.JSON(map[string]string{"a": "b"})})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"count":1`) {
		t.Fatalf("want 200 count 1, got %d %q", resp.StatusCode, body)
	}
	recovered(t, resp, limpet.SessionExpired)
	if v := resp.Recoveries[0].Verdict; !v.NotExecuted {
		t.Errorf("verdict %+v: the 401 proves the POST did not run", v)
	}
	if n := f.echoes(key); n != 1 {
		t.Fatalf("echo ran %d times, want exactly 1", n)
	}
	if n := len(post.bodies); n != 2 {
		t.Fatalf("%d login POSTs, want 2", n)
	}
}

// testHandlerEndedSession: a POST whose handler ran, then ended the session and redirected to /login?logout, is
// not sent again. The answer names the login page, but it is not the entry point's redirect (which carries no
// query): it proves nothing about the request, which ran exactly once. The next request logs in again.
func testHandlerEndedSession(t *testing.T, f *fixture) {
	for _, tt := range []struct {
		name   string
		header http.Header
	}{{"no Accept", nil}, {"browser Accept", htmlAccept}} {
		t.Run(tt.name, func(t *testing.T) {
			key := "checkout-" + f.Version + "-" + strings.ReplaceAll(tt.name, " ", "-")
			f.resetEchoes(key)
			post := &captured{method: http.MethodPost, path: "/login"}
			checkout := &captured{method: http.MethodPost, path: "/api/checkout"}
			o := limpet.Options{Header: tt.header}
			post.hook(&o)
			checkout.hook(&o)
			s := f.newSession(spring.FormLogin("user", "password", spring.Options{Probe: "/api/me"}), o)
			mustLogin(t, s)
			resp, _ := send(t, s, &limpet.Request{Method: http.MethodPost, URL: "/api/checkout?key=" + key,
				Body: limpet.Form(url.Values{"item": {"limpet"}})})
			if first := checkout.responses[0]; first.StatusCode != http.StatusFound || first.Header.Get("Location") != f.URL+"/login?logout" {
				t.Fatalf("checkout answered %d %q, want 302 to /login?logout", first.StatusCode, first.Header.Get("Location"))
			}
			if n := f.echoes(key); n != 1 {
				t.Fatalf("the checkout ran %d times, want exactly 1", n)
			}
			if len(checkout.bodies) != 1 || len(resp.Recoveries) != 0 || len(post.bodies) != 1 {
				t.Fatalf("%d checkout POSTs, %d login POSTs, recoveries %+v: want 1, 1 (the first login), none",
					len(checkout.bodies), len(post.bodies), resp.Recoveries)
			}
			resp2, body := get(t, s, "/api/me", nil)
			if resp2.StatusCode != http.StatusOK || body != "user" {
				t.Fatalf("after the checkout: %d %q", resp2.StatusCode, body)
			}
			recovered(t, resp2, limpet.SessionExpired)
			if n := f.echoes(key); n != 1 || len(post.bodies) != 2 {
				t.Fatalf("the checkout ran %d times, %d login POSTs; want 1 and 2", n, len(post.bodies))
			}
		})
	}
}

func testS13(t *testing.T, f *fixture) {
	post := &captured{method: http.MethodPost, path: "/login"}
	o := limpet.Options{}
	post.hook(&o)
	s := f.newSession(spring.FormLogin("user", "password", spring.Options{}), o)
	mustLogin(t, s)
	f.Restart(t)
	resp, body := get(t, s, "/api/me", jsonAccept)
	if resp.StatusCode != http.StatusOK || body != "user" {
		t.Fatalf("after the restart: %d %q", resp.StatusCode, body)
	}
	recovered(t, resp, limpet.SessionExpired)
	if n := len(post.bodies); n != 2 {
		t.Fatalf("%d login POSTs, want 2", n)
	}
}

// testS20TTL: the session times out (a one-second idle timeout set through /test/session-ttl; Tomcat checks it on
// access); the next request logs in again.
func testS20TTL(t *testing.T, f *fixture) {
	s := f.newSession(spring.FormLogin("user", "password", spring.Options{}), limpet.Options{})
	mustLogin(t, s)
	if status, body := f.control(http.MethodPost, "/test/session-ttl?s=1", s); status != http.StatusNoContent {
		t.Fatalf("session-ttl: %d %q", status, body)
	}
	time.Sleep(2100 * time.Millisecond) // idle past the timeout; no assertion on time
	resp, body := get(t, s, "/api/me", nil)
	if resp.StatusCode != http.StatusOK || body != "user" {
		t.Fatalf("after the timeout: %d %q", resp.StatusCode, body)
	}
	recovered(t, resp, limpet.SessionExpired)
}

// testX1: 32 goroutines meet an expired session at once: the server counts exactly one new login, every request
// succeeds, and every POST runs exactly once.
func testX1(t *testing.T, f *fixture) {
	key := "x1-" + f.Version
	f.resetEchoes(key)
	lc := &loginCounter{}
	s := f.newSession(spring.FormLogin("user", "password", spring.Options{}),
		limpet.Options{Middleware: []func(http.RoundTripper) http.RoundTripper{lc.middleware("/login")}})
	mustLogin(t, s)
	f.expire(s)
	before, postsBefore := f.logins("user"), lc.n.Load()
	const n = 32
	var wg sync.WaitGroup
	var posts, failures, replays atomic.Int32
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := &limpet.Request{URL: "/api/me"}
			if i%2 == 0 {
				posts.Add(1)
				r = &limpet.Request{Method: http.MethodPost, URL: "/api/echo?key=" + key, Body: limpet.JSON(i)}
			}
			resp, err := s.Do(context.Background(), r)
			if err != nil {
				failures.Add(1)
				t.Errorf("%s %s: %v", r.Method, r.URL, err)
				return
			}
			resp.Close()
			if resp.StatusCode != http.StatusOK {
				failures.Add(1)
				t.Errorf("%s %s: %d", r.Method, r.URL, resp.StatusCode)
			}
			for _, rec := range resp.Recoveries {
				if rec.Replayed {
					replays.Add(1)
				}
			}
		}(i)
	}
	wg.Wait()
	if failures.Load() != 0 {
		t.Fatalf("%d of %d requests failed", failures.Load(), n)
	}
	if got := f.logins("user") - before; got != 1 {
		t.Errorf("the server counted %d logins, want exactly 1", got)
	}
	if got := lc.n.Load() - postsBefore; got != 1 {
		t.Errorf("%d login POSTs sent, want exactly 1", got)
	}
	if got := f.echoes(key); got != int(posts.Load()) {
		t.Errorf("echo ran %d times for %d POSTs", got, posts.Load())
	}
	t.Logf("%d requests, %d replayed after the one login", n, replays.Load())
}
