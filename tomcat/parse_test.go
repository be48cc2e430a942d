package tomcat_test

import (
	"bytes"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/tomcat"
)

const loginPage = `<html>
<head>
<title>Login Page for Examples</title>
<body bgcolor="white">
<form method="POST" action='j_security_check;jsessionid=F706A1' >
  <input type="text" name="j_username">
  <input type="password" name="j_password">
  <input type="submit" value="Log In">
</form>
</body>
</html>`

const protectedPage = `<html><head><title>Protected Page for Examples</title></head><body>
You are logged in as remote user <b>tomcat</b> in session <b>ABC</b><br><br>
<form method="GET" action='index.jsp'><input type="text" name="role"></form>
</body></html>`

func TestLoginForm(t *testing.T) {
	tests := []struct {
		name, body, action string
		want               bool
	}{
		{"Tomcat's login page", loginPage, "j_security_check", true},
		{"action without jsessionid", strings.Replace(loginPage, ";jsessionid=F706A1", "", 1), "j_security_check", true},
		{"absolute action", strings.Replace(loginPage, "'j_security_check;jsessionid=F706A1'", "\"/app/j_security_check\"", 1), "j_security_check", true},
		{"protected page", protectedPage, "j_security_check", false},
		{"form posting elsewhere", strings.Replace(loginPage, "j_security_check", "login", 1), "j_security_check", false},
		{"no password input", strings.Replace(loginPage, `type="password"`, `type="text"`, 1), "j_security_check", false},
		{"the action only in text", "<p>post to j_security_check</p>", "j_security_check", false},
		{"custom action", strings.Replace(loginPage, "j_security_check", "signin", 1), "signin", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := tomcat.LoginForm([]byte(tt.body), tt.action)
			if ok != tt.want {
				t.Fatalf("login form found: %v, want %v", ok, tt.want)
			}
			if ok && f.Method != "POST" {
				t.Fatalf("form %+v", f)
			}
		})
	}
}

func TestIsAction(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"/examples/jsp/security/protected/j_security_check", true},
		{"/examples/j_security_check;jsessionid=ABC", true},
		{"j_security_check", true},
		{"/x/j_security_check?a=b", true},
		{"/x/j_security_checker", false},
		{"/j_security_check/x", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := tomcat.IsAction(tt.path, tomcat.DefaultAction); got != tt.want {
				t.Fatalf("IsAction(%q) = %v", tt.path, got)
			}
		})
	}
}

func response(status int, ctype, body, reqURL string, history ...*http.Response) *limpet.Response {
	u, _ := url.Parse(reqURL)
	req := &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}
	return &limpet.Response{
		Response: &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {ctype}}, Body: io.NopCloser(strings.NewReader(body)), Request: req},
		History:  history,
	}
}

func TestCheck(t *testing.T) {
	base := "http://127.0.0.1:1/examples/jsp/security/protected/index.jsp"
	post303 := &http.Response{StatusCode: 303, Header: http.Header{"Location": {"/examples/jsp/security/protected/index.jsp"}},
		Request: &http.Request{Method: http.MethodPost, URL: mustURL("http://127.0.0.1:1/examples/jsp/security/protected/j_security_check")}}
	// The application ran a POST and redirected (POST/redirect/GET); the page it redirected to needs a session.
	appRedirect := &http.Response{StatusCode: 303, Header: http.Header{"Location": {"/examples/jsp/security/protected/index.jsp"}},
		Request: &http.Request{Method: http.MethodPost, URL: mustURL("http://127.0.0.1:1/examples/jsp/security/protected/order.jsp")}}
	toLogin := &http.Response{StatusCode: 302, Header: http.Header{"Location": {"/app/login"}}, Request: &http.Request{Method: http.MethodGet, URL: mustURL(base)}}
	tests := []struct {
		name          string
		opts          tomcat.Options
		resp          *limpet.Response
		want          limpet.VerdictKind
		wantNotExec   bool
		wantReasonHas string
	}{
		{"login page", tomcat.Options{}, response(200, "text/html;charset=ISO-8859-1", loginPage, base), limpet.SessionExpired, true, "200 login page"},
		{"protected page", tomcat.Options{}, response(200, "text/html", protectedPage, base), limpet.OK, false, ""},
		{"JSON is not read", tomcat.Options{}, response(200, "application/json", loginPage, base), limpet.OK, false, ""},
		{"no content type", tomcat.Options{}, response(200, "", loginPage, base), limpet.SessionExpired, true, "200 login page"},
		{"408 from the action", tomcat.Options{}, response(408, "text/html", "", "http://127.0.0.1:1/examples/j_security_check"), limpet.SessionExpired, false, "408"},
		{"408 elsewhere", tomcat.Options{}, response(408, "text/html", "", base), limpet.OK, false, ""},
		{"Tomcat replayed the saved request", tomcat.Options{}, response(200, "text/html", loginPage, base, post303), limpet.OK, false, ""},
		{"redirect to a login path, followed", tomcat.Options{LoginPaths: []string{"/app/login"}},
			response(200, "text/html", "<p>sign in</p>", "http://127.0.0.1:1/app/login", toLogin), limpet.SessionExpired, true, "redirected to /app/login"},
		{"redirect to a login path, not followed", tomcat.Options{LoginPaths: []string{"/app/login"}},
			&limpet.Response{Response: &http.Response{StatusCode: 302, Header: http.Header{"Location": {"/app/login"}}, Body: http.NoBody,
				Request: &http.Request{Method: http.MethodPost, URL: mustURL(base), Header: http.Header{}}}}, limpet.SessionExpired, true, "302 to /app/login"},
		{"login page after the application's own redirect", tomcat.Options{},
			response(200, "text/html", loginPage, base, appRedirect), limpet.SessionExpired, false, "200 login page"},
		{"redirect to a login path after the application's own redirect", tomcat.Options{LoginPaths: []string{"/app/login"}},
			response(200, "text/html", "<p>sign in</p>", "http://127.0.0.1:1/app/login", appRedirect, toLogin), limpet.SessionExpired, false,
			"redirected to /app/login"},
		{"custom fingerprint", tomcat.Options{IsLoginPage: func(b []byte) bool { return bytes.Contains(b, []byte("sign in")) }},
			response(200, "text/html", "<p>sign in</p>", base), limpet.SessionExpired, true, "200 login page"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Probe = "/examples/jsp/security/protected/index.jsp"
			a := tomcat.FormLogin("u", "p", tt.opts)
			v := a.Check(tt.resp.Request, tt.resp)
			if v.Kind != tt.want || v.NotExecuted != tt.wantNotExec || !strings.Contains(v.Reason, tt.wantReasonHas) {
				t.Fatalf("got %+v", v)
			}
			// The body stays readable in full after Check peeked at it.
			if tt.resp.Body != http.NoBody {
				got, _ := io.ReadAll(tt.resp.Body)
				if len(got) == 0 && tt.resp.StatusCode == 200 {
					t.Fatal("Check consumed the body")
				}
			}
		})
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

const managerPage = `<html><head><title>/manager</title></head><body>
<a href="&#47;manager&#47;html&#47;list;jsessionid=ABC?org.apache.catalina.filters.CSRF_NONCE=30AB11223344556677889900AABBCCDD">List</a>
<form method="post" action="&#47;manager&#47;html&#47;expire;jsessionid=ABC?path=&#47;examples&amp;org.apache.catalina.filters.CSRF_NONCE=30AB11223344556677889900AABBCCDD">
<input type="text" name="idle" value="30"></form></body></html>`

func TestExtractNonce(t *testing.T) {
	const want = "30AB11223344556677889900AABBCCDD"
	tests := []struct {
		name, body, want string
		ok               bool
	}{
		{"form action", managerPage, want, true},
		{"link only", `<a href="list?org.apache.catalina.filters.CSRF_NONCE=` + want + `">x</a>`, want, true},
		{"escaped link only", html.EscapeString(`<a href="list?a=1&org.apache.catalina.filters.CSRF_NONCE=` + want + `">`), want, true},
		{"none", `<html><form action="x"></form></html>`, "", false},
		{"empty value", `<a href="list?org.apache.catalina.filters.CSRF_NONCE=">x</a>`, "", false},
		{"value with markup characters", `<a href="list?org.apache.catalina.filters.CSRF_NONCE=<script>">x</a>`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tomcat.ExtractNonce([]byte(tt.body), tomcat.NonceParam)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("got %q %v, want %q %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzExtractNonce(f *testing.F) {
	f.Add([]byte(managerPage))
	f.Add([]byte(`org.apache.catalina.filters.CSRF_NONCE=&amp;org.apache.catalina.filters.CSRF_NONCE=A`))
	f.Add([]byte(`<form action="?org.apache.catalina.filters.CSRF_NONCE=%zz">`))
	f.Fuzz(func(t *testing.T, body []byte) {
		v, ok := tomcat.ExtractNonce(body, tomcat.NonceParam)
		if ok != (v != "") {
			t.Fatalf("%q, %v", v, ok)
		}
		if ok && strings.ContainsAny(v, "<>\"'&;= \t\n") {
			t.Fatalf("nonce %q carries markup or separators", v)
		}
	})
}

func FuzzLoginForm(f *testing.F) {
	f.Add([]byte(loginPage))
	f.Add([]byte(protectedPage))
	f.Add([]byte(`<form action="j_security_check"><input type=password name=p><select name=s><option value=1 selected>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		form, ok := tomcat.LoginForm(body, tomcat.DefaultAction)
		if !ok {
			return
		}
		if _, pw := form.Password(); !pw || !tomcat.IsAction(strings.TrimSpace(form.Action), tomcat.DefaultAction) {
			t.Fatalf("accepted %+v", form)
		}
		// Check reads the same page as the login page.
		a := tomcat.FormLogin("u", "p", tomcat.Options{Probe: "/p"})
		resp := response(200, "text/html", string(body), "http://127.0.0.1:1/p")
		if len(body) <= tomcat.PeekSize {
			if v := a.Check(resp.Request, resp); v.Kind != limpet.SessionExpired {
				t.Fatalf("LoginForm found a form, Check says %+v", v)
			}
		}
	})
}
