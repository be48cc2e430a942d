package frameworks_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/limpet-http/limpet/internal/testserver/frameworks"
)

// browser is a hand-written HTTP client with a cookie jar that follows no redirect: the tests see each answer of
// the framework as it is. It knows nothing of limpet.
type browser struct {
	t   testing.TB
	srv *frameworks.Server
	c   *http.Client
	jar *cookiejar.Jar
}

func newBrowser(t testing.TB, srv *frameworks.Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{
		Jar: jar,
		// A connection per request: no test can lose a POST to a server closing an idle keep-alive connection
		// (Node closes them after 5 s) just as the request goes out.
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(c.CloseIdleConnections)
	return &browser{t: t, srv: srv, c: c, jar: jar}
}

// reply is an answer read whole.
type reply struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) reply {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v\n%s", req.Method, req.URL, err, b.srv.LogTail(30))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		b.t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string, header ...string) reply {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.resolve(path), nil)
	if err != nil {
		b.t.Fatal(err)
	}
	setHeaders(req, header)
	return b.do(req)
}

func (b *browser) postForm(path string, form url.Values, header ...string) reply {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.resolve(path), strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	setHeaders(req, header)
	return b.do(req)
}

func (b *browser) postJSON(path string, v any, header ...string) reply {
	b.t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		b.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, b.resolve(path), strings.NewReader(string(data)))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	setHeaders(req, header)
	return b.do(req)
}

func setHeaders(req *http.Request, kv []string) {
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Set(kv[i], kv[i+1])
	}
}

func (b *browser) resolve(ref string) string {
	base, err := url.Parse(b.srv.URL + "/")
	if err != nil {
		b.t.Fatal(err)
	}
	u, err := base.Parse(ref)
	if err != nil {
		b.t.Fatalf("resolving %q: %v", ref, err)
	}
	return u.String()
}

// cookie returns the value of the jar's cookie name for the server, or "".
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// cookieAt returns the value of the cookie name the client would send to rawURL, or "".
func (b *browser) cookieAt(rawURL, name string) string {
	b.t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// locationPath returns the path of a redirect's Location, resolved against the server.
func (b *browser) locationPath(r reply) string {
	b.t.Helper()
	loc := r.header.Get("Location")
	if loc == "" {
		return ""
	}
	u, err := url.Parse(b.resolve(loc))
	if err != nil {
		b.t.Fatal(err)
	}
	return u.Path
}

// form is an HTML form as a browser would submit it: its action and the values of its inputs.
type form struct {
	action string
	values url.Values
	names  []string // input names, in order, with their types
	types  map[string]string
}

// parseForms returns the forms of an HTML page.
func parseForms(doc string) []form {
	var forms []form
	z := html.NewTokenizer(strings.NewReader(doc))
	var cur *form
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if cur != nil {
				forms = append(forms, *cur)
			}
			return forms
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			attr := func(name string) string {
				for _, a := range tok.Attr {
					if a.Key == name {
						return a.Val
					}
				}
				return ""
			}
			switch tok.Data {
			case "form":
				if cur != nil {
					forms = append(forms, *cur)
				}
				cur = &form{action: attr("action"), values: url.Values{}, types: map[string]string{}}
			case "input", "button":
				if cur == nil || attr("name") == "" {
					continue
				}
				typ := strings.ToLower(attr("type"))
				if tok.Data == "button" || typ == "submit" || typ == "button" {
					continue
				}
				name := attr("name")
				cur.names = append(cur.names, name)
				cur.types[name] = typ
				cur.values.Add(name, attr("value"))
			}
		case html.EndTagToken:
			if z.Token().Data == "form" && cur != nil {
				forms = append(forms, *cur)
				cur = nil
			}
		}
	}
}

// formWith returns the first form of doc with an input named field, failing t when there is none.
func formWith(t testing.TB, doc, field string) form {
	t.Helper()
	for _, f := range parseForms(doc) {
		if _, ok := f.types[field]; ok {
			return f
		}
	}
	t.Fatalf("no form with an input %q in:\n%.3000s", field, doc)
	return form{}
}

// hasPasswordForm reports whether doc holds a form with a password input.
func hasPasswordForm(doc string) bool {
	for _, f := range parseForms(doc) {
		for _, typ := range f.types {
			if typ == "password" {
				return true
			}
		}
	}
	return false
}

// metaContent returns the content of <meta name=name>, or "".
func metaContent(doc, name string) string {
	z := html.NewTokenizer(strings.NewReader(doc))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			if tok.Data != "meta" {
				continue
			}
			var n, c string
			for _, a := range tok.Attr {
				switch a.Key {
				case "name":
					n = a.Val
				case "content":
					c = a.Val
				}
			}
			if n == name {
				return c
			}
		}
	}
}
