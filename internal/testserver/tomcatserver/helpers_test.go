package tomcatserver_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/limpet-http/limpet/internal/testserver/tomcatserver"
)

func TestMain(m *testing.M) { os.Exit(tomcatserver.Run(m)) }

// browser is a cookie-keeping client that does not follow redirects, so
// that each test sees every status and Location Tomcat sends.
type browser struct {
	t      *testing.T
	client *http.Client
	// user and password, when set, go as BASIC credentials on every request.
	user, password string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, client: newClient(jar)}
}

// newClient returns a client with jar (nil: none) that stops at redirects.
func newClient(jar http.CookieJar) *http.Client {
	return &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// page is one response, read in full.
type page struct {
	status int
	header http.Header
	body   string
	url    *url.URL       // the request's URL
	set    []*http.Cookie // the Set-Cookie headers
}

func (b *browser) do(method, rawURL string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.t.Context(), method, rawURL, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.user != "" {
		req.SetBasicAuth(b.user, b.password)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(data), url: req.URL, set: resp.Cookies()}
}

func (b *browser) get(rawURL string) page { b.t.Helper(); return b.do(http.MethodGet, rawURL, nil) }

func (b *browser) post(rawURL string, form url.Values) page {
	b.t.Helper()
	return b.do(http.MethodPost, rawURL, form)
}

// resolve resolves a reference found in p (a Location or a form action)
// against p's URL.
func (p page) resolve(t *testing.T, ref string) string {
	t.Helper()
	u, err := url.Parse(ref)
	if err != nil {
		t.Fatalf("reference %q: %v", ref, err)
	}
	return p.url.ResolveReference(u).String()
}

// sessionCookie returns the JSESSIONID that p sets, or nil.
func (p page) sessionCookie() *http.Cookie {
	for _, c := range p.set {
		if c.Name == "JSESSIONID" {
			return c
		}
	}
	return nil
}

// title returns the text of p's <title>.
func (p page) title(t *testing.T) string {
	t.Helper()
	var out string
	walk(parseHTML(t, p.body), func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "title" && out == "" {
			out = strings.TrimSpace(text(n))
		}
	})
	return out
}

func parseHTML(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatalf("parsing HTML: %v", err)
	}
	return doc
}

// walk calls fn for n and every node below it, in document order.
func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func text(n *html.Node) string {
	var sb strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			sb.WriteString(c.Data)
		}
	})
	return sb.String()
}

// loginForm returns the action of p's FORM login form (HTML-unescaped), or
// ok=false when p holds no form with j_username and j_password inputs.
func loginForm(t *testing.T, p page) (action string, ok bool) {
	t.Helper()
	walk(parseHTML(t, p.body), func(n *html.Node) {
		if ok || n.Type != html.ElementNode || n.Data != "form" {
			return
		}
		var user, pass bool
		walk(n, func(c *html.Node) {
			if c.Type == html.ElementNode && c.Data == "input" {
				name, _ := attr(c, "name")
				user = user || name == "j_username"
				pass = pass || name == "j_password"
			}
		})
		method, _ := attr(n, "method")
		if user && pass && strings.EqualFold(method, "post") {
			action, ok = attr(n, "action")
		}
	})
	return action, ok
}

// mustLoginForm is loginForm for a page that must be the login page.
func mustLoginForm(t *testing.T, p page) string {
	t.Helper()
	action, ok := loginForm(t, p)
	if !ok {
		t.Fatalf("%s: no login form (status %d, title %q)", p.url, p.status, p.title(t))
	}
	return action
}

var loggedIn = regexp.MustCompile(`You are logged in as remote user\s*<b>([^<]*)</b>\s*in session <b>([^<]*)</b>`)

// remoteUser returns the user and session id the protected page reports, or
// ok=false when p is not the protected page.
func remoteUser(p page) (user, session string, ok bool) {
	m := loggedIn.FindStringSubmatch(p.body)
	if m == nil {
		return "", "", false
	}
	return html.UnescapeString(m[1]), m[2], true
}

// sessionAttributes returns the values of the session attribute key listed
// on the protected page, one per table row that names it.
func sessionAttributes(t *testing.T, p page, key string) []string {
	t.Helper()
	var values []string
	walk(parseHTML(t, p.body), func(n *html.Node) {
		if n.Type != html.ElementNode || n.Data != "tr" {
			return
		}
		var cells []string
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "td" {
				cells = append(cells, text(c))
			}
		}
		if len(cells) >= 2 && cells[0] == key {
			values = append(values, cells[1])
		}
	})
	return values
}

// login runs the whole FORM login for user on the application at
// contextPath and returns the authenticated session id.
func login(t *testing.T, srv *tomcatserver.Server, b *browser, contextPath, user, password string) string {
	t.Helper()
	p := b.get(srv.URL + contextPath + tomcatserver.ProtectedPage)
	if p.status != http.StatusOK {
		t.Fatalf("GET protected page: status %d, want 200", p.status)
	}
	p = b.post(p.resolve(t, mustLoginForm(t, p)), credentials(user, password))
	if p.status != http.StatusSeeOther {
		t.Fatalf("POST j_security_check: status %d, want 303", p.status)
	}
	p = b.get(p.resolve(t, p.header.Get("Location")))
	got, session, ok := remoteUser(p)
	if !ok || got != user {
		t.Fatalf("after login: remote user %q (page found: %v), want %q", got, ok, user)
	}
	return session
}

func credentials(user, password string) url.Values {
	return url.Values{"j_username": {user}, "j_password": {password}}
}
