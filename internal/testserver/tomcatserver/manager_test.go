package tomcatserver_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/limpet-http/limpet/internal/testserver/tomcatserver"
)

// nonceParam is the query parameter of Tomcat's CsrfPreventionFilter.
const nonceParam = "org.apache.catalina.filters.CSRF_NONCE"

var nonceShape = regexp.MustCompile(`^[0-9A-F]{32}$`)

// csrfDenied is a phrase of the manager's 403 page.
const csrfDenied = "cross-site request forgery (CSRF) protection"

// managerLinks returns every href and form action of p, HTML-unescaped.
func managerLinks(t *testing.T, p page) []string {
	t.Helper()
	var out []string
	walk(parseHTML(t, p.body), func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		key := map[string]string{"a": "href", "form": "action"}[n.Data]
		if v, ok := attr(n, key); ok && key != "" {
			out = append(out, v)
		}
	})
	return out
}

// nonceIn returns the nonce carried by link, if any.
func nonceIn(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	return u.Query().Get(nonceParam)
}

// expireAction returns the action of p's "Expire sessions" form for
// contextPath.
func expireAction(t *testing.T, p page, contextPath string) string {
	t.Helper()
	for _, l := range managerLinks(t, p) {
		u, err := url.Parse(l)
		if err != nil {
			continue
		}
		path, _, _ := strings.Cut(u.Path, ";")
		if path == tomcatserver.ManagerPath+"/html/expire" && u.Query().Get("path") == contextPath {
			return l
		}
	}
	t.Fatalf("no expire form for %s on the manager page (status %d)", contextPath, p.status)
	return ""
}

// withoutSessionID drops the ;jsessionid= path parameter from link.
func withoutSessionID(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	u.Path, _, _ = strings.Cut(u.Path, ";")
	u.RawPath = ""
	return u.String()
}

// withoutNonce drops the nonce parameter from link.
func withoutNonce(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	q := u.Query()
	q.Del(nonceParam)
	u.RawQuery = q.Encode()
	return u.String()
}

// withNonce replaces the nonce of link.
func withNonce(t *testing.T, link, nonce string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	q := u.Query()
	q.Set(nonceParam, nonce)
	u.RawQuery = q.Encode()
	return u.String()
}

func managerBrowser(t *testing.T, jar bool) *browser {
	t.Helper()
	b := newBrowser(t)
	if !jar {
		b.client = newClient(nil)
	}
	b.user, b.password = tomcatserver.ManagerGUIUser, tomcatserver.ManagerGUIPassword
	return b
}

// openManager opens /manager/html in a new session.
func openManager(t *testing.T, srv *tomcatserver.Server) (*browser, page) {
	t.Helper()
	b := managerBrowser(t, true)
	p := b.get(srv.URL + tomcatserver.ManagerPath + "/html")
	if p.status != http.StatusOK {
		t.Fatalf("GET /manager/html: status %d, want 200", p.status)
	}
	return b, p
}

func TestManagerAuthentication(t *testing.T) {
	srv := tomcatserver.Start(t)
	tests := []struct {
		name, path, user, password string
		want                       int
	}{
		{name: "html without credentials", path: "/html", want: http.StatusUnauthorized},
		{name: "html wrong password", path: "/html", user: tomcatserver.ManagerGUIUser, password: "wrong", want: http.StatusUnauthorized},
		{name: "html as manager-script", path: "/html", user: tomcatserver.ManagerScriptUser, password: tomcatserver.ManagerScriptPassword, want: http.StatusForbidden},
		{name: "html as manager-gui", path: "/html", user: tomcatserver.ManagerGUIUser, password: tomcatserver.ManagerGUIPassword, want: http.StatusOK},
		{name: "text as manager-gui", path: "/text/list", user: tomcatserver.ManagerGUIUser, password: tomcatserver.ManagerGUIPassword, want: http.StatusForbidden},
		{name: "text as manager-script", path: "/text/list", user: tomcatserver.ManagerScriptUser, password: tomcatserver.ManagerScriptPassword, want: http.StatusOK},
		{name: "text as an examples user", path: "/text/list", user: tomcatserver.ExamplesUser, password: tomcatserver.ExamplesPassword, want: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBrowser(t)
			b.user, b.password = tt.user, tt.password
			p := b.get(srv.URL + tomcatserver.ManagerPath + tt.path)
			if p.status != tt.want {
				t.Fatalf("status %d, want %d", p.status, tt.want)
			}
			if tt.want == http.StatusUnauthorized {
				if got := p.header.Get("WWW-Authenticate"); got != `Basic realm="Tomcat Manager Application"` {
					t.Errorf("WWW-Authenticate %q", got)
				}
			}
		})
	}
}

// T7: the HTML manager's URL nonce.
func TestManagerNonce(t *testing.T) {
	srv := tomcatserver.Start(t)
	managerHTML := srv.URL + tomcatserver.ManagerPath + "/html"

	t.Run("page carries one nonce in every link", func(t *testing.T) {
		b, p := openManager(t, srv)
		c := p.sessionCookie()
		if c == nil || c.Path != tomcatserver.ManagerPath || !c.HttpOnly {
			t.Fatalf("JSESSIONID %v, want one with Path=%s and HttpOnly", c, tomcatserver.ManagerPath)
		}
		nonces := map[string]int{}
		for _, l := range managerLinks(t, p) {
			if n := nonceIn(t, l); n != "" {
				nonces[n]++
			}
		}
		if len(nonces) != 1 {
			t.Fatalf("nonces on the page: %v, want exactly one value", nonces)
		}
		var nonce string
		for n, count := range nonces {
			nonce = n
			if !nonceShape.MatchString(n) || count < 10 {
				t.Errorf("nonce %q in %d links, want 32 upper-case hex digits in many links", n, count)
			}
		}
		action := expireAction(t, p, tomcatserver.ExamplesPath)
		if !strings.Contains(action, ";jsessionid="+c.Value+"?") {
			t.Errorf("expire action %q lacks ;jsessionid=%s (first response of the session)", action, c.Value)
		}
		// Once the cookie comes back, links are no longer rewritten, and
		// every response brings a new nonce.
		p = b.get(managerHTML)
		action = expireAction(t, p, tomcatserver.ExamplesPath)
		if strings.Contains(action, ";jsessionid=") {
			t.Errorf("second page still rewrites: %q", action)
		}
		if n := nonceIn(t, action); n == nonce || !nonceShape.MatchString(n) {
			t.Errorf("second page nonce %q, want a new one (first %q)", n, nonce)
		}
	})

	t.Run("expire action without idle expires nothing", func(t *testing.T) {
		e := newBrowser(t)
		session := login(t, srv, e, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword)
		b, p := openManager(t, srv)
		if p = b.post(p.resolve(t, expireAction(t, p, tomcatserver.ExamplesPath)), nil); p.status != http.StatusOK {
			t.Fatalf("POST expire: status %d, want 200", p.status)
		}
		p = e.get(srv.URL + tomcatserver.ExamplesPath + tomcatserver.ProtectedPage)
		if _, got, ok := remoteUser(p); !ok || got != session {
			t.Fatalf("after the manager's expire without idle: session %q (page found %v), want %q", got, ok, session)
		}
	})

	tests := []struct {
		name string
		// request returns the browser and URL of the request to make.
		request func(t *testing.T) (b *browser, method, target string)
		want    int
	}{
		{
			name: "nonce with the session cookie",
			request: func(t *testing.T) (*browser, string, string) {
				b, p := openManager(t, srv)
				return b, http.MethodPost, p.resolve(t, expireAction(t, p, tomcatserver.ExamplesPath))
			},
			want: http.StatusOK,
		},
		{
			name: "no nonce",
			request: func(t *testing.T) (*browser, string, string) {
				b, p := openManager(t, srv)
				return b, http.MethodPost, withoutNonce(t, p.resolve(t, expireAction(t, p, tomcatserver.ExamplesPath)))
			},
			want: http.StatusForbidden,
		},
		{
			name: "nonce without the session cookie",
			request: func(t *testing.T) (*browser, string, string) {
				_, p := openManager(t, srv)
				target := withoutSessionID(t, p.resolve(t, expireAction(t, p, tomcatserver.ExamplesPath)))
				return managerBrowser(t, false), http.MethodPost, target
			},
			want: http.StatusForbidden,
		},
		{
			// The nonce belongs to the session, and the session id may
			// travel in the URL instead of the cookie.
			name: "nonce with ;jsessionid in the URL and no cookie",
			request: func(t *testing.T) (*browser, string, string) {
				_, p := openManager(t, srv)
				return managerBrowser(t, false), http.MethodPost, p.resolve(t, expireAction(t, p, tomcatserver.ExamplesPath))
			},
			want: http.StatusOK,
		},
		{
			name: "nonce of another session",
			request: func(t *testing.T) (*browser, string, string) {
				_, other := openManager(t, srv)
				b, p := openManager(t, srv)
				target := withoutSessionID(t, p.resolve(t, expireAction(t, p, tomcatserver.ExamplesPath)))
				return b, http.MethodPost, withNonce(t, target, nonceIn(t, expireAction(t, other, tomcatserver.ExamplesPath)))
			},
			want: http.StatusForbidden,
		},
		{
			name: "nonce four responses old",
			request: func(t *testing.T) (*browser, string, string) {
				b, p := openManager(t, srv)
				for range 4 {
					b.get(managerHTML)
				}
				return b, http.MethodPost, p.resolve(t, expireAction(t, p, tomcatserver.ExamplesPath))
			},
			want: http.StatusOK,
		},
		{
			name: "nonce five responses old",
			request: func(t *testing.T) (*browser, string, string) {
				b, p := openManager(t, srv)
				for range 5 {
					b.get(managerHTML)
				}
				return b, http.MethodPost, p.resolve(t, expireAction(t, p, tomcatserver.ExamplesPath))
			},
			want: http.StatusForbidden,
		},
		{
			name: "lower-case nonce",
			request: func(t *testing.T) (*browser, string, string) {
				b, p := openManager(t, srv)
				target := p.resolve(t, expireAction(t, p, tomcatserver.ExamplesPath))
				return b, http.MethodPost, withNonce(t, target, strings.ToLower(nonceIn(t, target)))
			},
			want: http.StatusForbidden,
		},
		{
			name: "entry point GET without nonce",
			request: func(t *testing.T) (*browser, string, string) {
				b, _ := openManager(t, srv)
				return b, http.MethodGet, managerHTML + "/list"
			},
			want: http.StatusOK,
		},
		{
			name: "other GET without nonce",
			request: func(t *testing.T) (*browser, string, string) {
				b, _ := openManager(t, srv)
				return b, http.MethodGet, managerHTML + "/sessions?path=" + url.QueryEscape(tomcatserver.ExamplesPath)
			},
			want: http.StatusForbidden,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, method, target := tt.request(t)
			p := b.do(method, target, nil)
			if p.status != tt.want {
				t.Fatalf("%s %s: status %d, want %d", method, target, p.status, tt.want)
			}
			switch tt.want {
			case http.StatusForbidden:
				if !strings.Contains(p.body, csrfDenied) {
					t.Errorf("403 body lacks %q", csrfDenied)
				}
			case http.StatusOK:
				if p.title(t) != "/manager" || len(managerLinks(t, p)) == 0 {
					t.Errorf("200 body is not the manager page (title %q)", p.title(t))
				}
			}
		})
	}
}
