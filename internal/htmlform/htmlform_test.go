package htmlform

import (
	"net/url"
	"strings"
	"testing"
)

const springLogin = `<!DOCTYPE html>
<html lang="en"><head><title>Please sign in</title>
<meta name="_csrf" content="meta-token"/><meta name="_csrf_header" content="X-CSRF-TOKEN"/></head>
<body>
      <form class="login-form" method="post" action="/login">
        <h2>Please sign in</h2>
        <p><input type="text" id="username" name="username" placeholder="Username" required autofocus></p>
        <p><input type="password" id="password" name="password" placeholder="Password" required></p>
<p><input type='checkbox' name='remember-me'/> Remember me on this computer.</p>
<input name="_csrf" type="hidden" value="Qm9-a_b&amp;c" />
        <button type="submit" class="primary">Sign in</button>
      </form>
<form action="/search"><input name="q" value="x"><select name="s"><option value="a">A<option value="b" selected>B</select><textarea name="t">hi &lt;there&gt;</textarea></form>
</body></html>`

func TestParseSpringLoginPage(t *testing.T) {
	p, err := Parse(strings.NewReader(springLogin))
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "Please sign in" || p.Meta["_csrf"] != "meta-token" || p.Meta["_csrf_header"] != "X-CSRF-TOKEN" {
		t.Errorf("title %q meta %v", p.Title, p.Meta)
	}
	f, ok := p.LoginForm()
	if !ok {
		t.Fatal("no login form")
	}
	if f.Method != "POST" || f.Action != "/login" {
		t.Errorf("form %s %s", f.Method, f.Action)
	}
	if v, _ := f.Get("_csrf"); v != "Qm9-a_b&c" {
		t.Errorf("_csrf = %q (entities must be decoded)", v)
	}
	if u, ok := f.UserField(); !ok || u != "username" {
		t.Errorf("user field %q", u)
	}
	if got := f.Values().Encode(); got != "_csrf=Qm9-a_b%26c&password=&username=" {
		t.Errorf("values %s", got)
	}
	if h := f.Hidden(); len(h) != 1 || h[0].Name != "_csrf" {
		t.Errorf("hidden %v", h)
	}
	if len(p.Forms) != 2 {
		t.Fatalf("%d forms", len(p.Forms))
	}
	s := p.Forms[1]
	if v, _ := s.Get("s"); v != "b" {
		t.Errorf("select = %q", v)
	}
	if v, _ := s.Get("t"); v != "hi <there>" {
		t.Errorf("textarea = %q", v)
	}
	if s.Method != "GET" {
		t.Errorf("default method %q", s.Method)
	}
}

func TestTomcatActionResolution(t *testing.T) {
	page, _ := url.Parse("http://127.0.0.1:8080/examples/jsp/security/protected/index.jsp")
	p, err := Parse(strings.NewReader(`<form method="POST" action="j_security_check;jsessionid=ABC&amp;x" >
<input type="text" name="j_username"><input type="password" name="j_password"></form>`))
	if err != nil {
		t.Fatal(err)
	}
	f, _ := p.LoginForm()
	u, err := f.ResolveAction(page)
	if err != nil {
		t.Fatal(err)
	}
	if u.String() != "http://127.0.0.1:8080/examples/jsp/security/protected/j_security_check;jsessionid=ABC&x" {
		t.Errorf("resolved %s", u)
	}
	if n, _ := f.UserField(); n != "j_username" {
		t.Errorf("user field %q", n)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(springLogin)
	f.Add(`<form><input name=a type=password><select name=s><option>x</select>`)
	f.Add(`<form action="%zz"><input name="">`)
	f.Fuzz(func(t *testing.T, doc string) {
		p, _ := Parse(strings.NewReader(doc))
		if p == nil {
			t.Fatal("nil page")
		}
		for _, fm := range p.Forms {
			fm.Values()
			fm.UserField()
			base, _ := url.Parse("http://h/p")
			fm.ResolveAction(base)
		}
	})
}
