package httpiesession_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/limpet-http/limpet/format/httpiesession"
	"github.com/limpet-http/limpet/internal/sessionauth"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// httpie321 is a file written by HTTPie 3.2.1 (see formats.md 8.1).
const httpie321 = `{
    "__meta__": {
        "about": "HTTPie session file",
        "help": "https://httpie.io/docs#sessions",
        "httpie": "3.2.1"
    },
    "auth": {
        "raw_auth": "alice:s3cret",
        "type": "basic"
    },
    "cookies": [
        {
            "domain": "localhost.local",
            "expires": null,
            "name": "JSESSIONID",
            "path": "/app",
            "secure": false,
            "value": "6F1C2A9E0B"
        },
        {
            "domain": "localhost.local",
            "expires": 1795628990,
            "name": "XSRF-TOKEN",
            "path": "/",
            "secure": false,
            "value": "4b1d-77aa"
        },
        {
            "domain": "localhost.local",
            "expires": 1796834990,
            "name": "remember-me",
            "path": "/",
            "secure": true,
            "value": "dXNlcjox"
        }
    ],
    "headers": [
        {
            "name": "X-Client",
            "value": "demo"
        }
    ]
}
`

// legacy is an HTTPie 2.x file: dict-shaped cookies and headers, the older
// auth shape.
const legacy = `{
    "__meta__": {
        "about": "HTTPie session file",
        "help": "https://httpie.org/doc#sessions",
        "httpie": "2.6.0"
    },
    "auth": {
        "password": null,
        "type": null,
        "username": null
    },
    "cookies": {
        "sid": {
            "expires": null,
            "path": "/",
            "secure": false,
            "value": "abc"
        },
        "theme": {
            "expires": 1796834990,
            "path": "/ui",
            "secure": true,
            "value": "dark"
        }
    },
    "headers": {
        "Accept": "application/json",
        "X-Team": "ops"
    }
}
`

// future has members this version does not know, at the top, in
// __meta__, in auth and in a cookie, and non-ASCII text.
const future = `{
    "__meta__": {
        "about": "xh session file",
        "xh": "0.22.0"
    },
    "auth": {
        "raw_auth": "t0k\u00e9n",
        "scheme": {
            "realm": "r"
        },
        "type": "bearer"
    },
    "cookies": [
        {
            "domain": ".example.com",
            "expires": null,
            "name": "a",
            "path": "/",
            "priority": "High",
            "secure": false,
            "value": "caf\u00e9 \ud83d\ude00"
        }
    ],
    "headers": [],
    "proxies": {
        "http": "http://127.0.0.1:3128",
        "list": [
            1,
            2.5,
            true,
            null
        ]
    }
}
`

func TestRoundTrip(t *testing.T) {
	// HTTPie 3 writes a legacy file back in its dict shapes, with the
	// "domain" HTTPie 2 did not record; so does Marshal.
	legacyOut := strings.ReplaceAll(legacy, `            "expires"`, `            "domain": "",
            "expires"`)
	tests := []struct{ name, in, want string }{
		{"httpie 3.2.1", httpie321, httpie321},
		{"legacy dict shapes", legacy, legacyOut},
		{"unknown members", future, future},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := httpiesession.Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			out, err := f.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != tt.want {
				t.Errorf("Marshal wrote\n%s\nwant\n%s", out, tt.want)
			}
		})
	}
}

func TestImportHTTPie321(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s, err := httpiesession.Import([]byte(httpie321), httpiesession.ImportOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	stamp := func(c jar.Cookie) jar.Cookie {
		c.Created, c.Updated, c.LastAccess = now, now, now
		return c
	}
	want := []jar.Cookie{
		stamp(jar.Cookie{Name: "JSESSIONID", Value: "6F1C2A9E0B", Domain: "localhost", Path: "/app", HostOnly: true}),
		stamp(jar.Cookie{Name: "XSRF-TOKEN", Value: "4b1d-77aa", Domain: "localhost", Path: "/", HostOnly: true,
			Persistent: true, Expires: time.Unix(1795628990, 0).UTC()}),
		stamp(jar.Cookie{Name: "remember-me", Value: "dXNlcjox", Domain: "localhost", Path: "/", HostOnly: true, Secure: true,
			Persistent: true, Expires: time.Unix(1796834990, 0).UTC()}),
	}
	got := s.JarCookies()
	if len(got) != len(want) {
		t.Fatalf("%d cookies, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cookie %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	if s.Headers == nil || len(s.Headers.List) != 1 || s.Headers.List[0] != (store.Header{Name: "X-Client", Value: "demo"}) {
		t.Errorf("headers %+v", s.Headers)
	}
	if a, ok := authOf(s); !ok || a.Kind != "basic" || a.User != "alice" || a.Password != "s3cret" || a.PasswordFrom != "stored" {
		t.Errorf("auth %+v", a)
	}
}

func TestImportShapes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		host    string
		cookies string // name@domain/path host-only? as "name domain path hostonly"
		auth    string
		token   string
		wantErr string
	}{
		{name: "legacy bound to host", in: legacy, host: "api.example.com:8080",
			cookies: "sid=abc@api.example.com/ host-only; theme=dark@api.example.com/ui host-only secure"},
		{name: "legacy without host", in: legacy, wantErr: `cookies[0] ("sid") is bound to no host: set ImportOptions.Host`},
		{name: "bearer and unknown members", in: future,
			cookies: "a=café 😀@example.com/", auth: "bearer", token: "t0kén"},
		{name: "explicit null domain", host: "h", in: `{"cookies": [{"name": "n", "value": "v", "domain": null}]}`,
			cookies: "n=v@h/ host-only"},
		{name: "older auth shape", in: `{"auth": {"type": "digest", "username": "bob", "password": "pw"}}`, auth: "digest bob pw"},
		{name: "plugin auth", in: `{"auth": {"type": "ntlm", "raw_auth": "opaque"}}`, auth: "ntlm  opaque"},
		{name: "duplicate cookie keeps the last", in: `{"cookies": [{"name": "n", "value": "1", "domain": "h"}, {"name": "n", "value": "2", "domain": "h"}]}`,
			cookies: "n=2@h/ host-only"},
		{name: "uppercase and IPv6 host", host: "[::1]:8080", in: `{"cookies": [{"name": "n", "value": "v", "domain": ""}, {"name": "m", "value": "w", "domain": "EXAMPLE.com"}]}`,
			cookies: "n=v@::1/ host-only; m=w@example.com/ host-only"},
		{name: "relative path", in: `{"cookies": [{"name": "n", "domain": "h", "path": "x"}]}`, wantErr: `path "x" does not start with "/"`},
		{name: "dot-only domain", in: `{"cookies": [{"name": "n", "domain": "."}]}`, wantErr: `domain "." has no host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := httpiesession.Import([]byte(tt.in), httpiesession.ImportOptions{Host: tt.host})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "httpiesession: ") {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var cs []string
			for _, c := range s.Cookies {
				d := c.Name + "=" + c.Value + "@" + c.Domain + c.Path
				if c.HostOnly {
					d += " host-only"
				}
				if c.Secure {
					d += " secure"
				}
				cs = append(cs, d)
			}
			if got := strings.Join(cs, "; "); got != tt.cookies {
				t.Errorf("cookies %q, want %q", got, tt.cookies)
			}
			var auth string
			a, ok := authOf(s)
			if ok {
				auth = strings.TrimSpace(a.Kind + " " + a.User + " " + a.Password)
				if a.User == "" && a.Password != "" {
					auth = a.Kind + "  " + a.Password
				}
			}
			if auth != tt.auth {
				t.Errorf("auth %q, want %q", auth, tt.auth)
			}
			if a.Token != tt.token {
				t.Errorf("token %q, want %q", a.Token, tt.token)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"syntax", "{\n  \"cookies\": [,]\n}", "line 2, column"},
		{"not an object", `[]`, "want a JSON object, got an array"},
		{"null", `null`, "want a JSON object, got null"},
		{"limpet snapshot", `{"format": "limpet-session", "version": 1}`, "limpet session snapshot"},
		{"cookies string", `{"cookies": "a=b"}`, "cookies: want an array or an object, got a string"},
		{"cookie not object", `{"cookies": [1]}`, "cookies[0]: want an object, got a number"},
		{"cookie null", `{"cookies": [null]}`, "cookies[0]: want an object, got null"},
		{"cookie without name", `{"cookies": [{"value": "v"}]}`, `cookies[0]: no "name" member`},
		{"name not string", `{"cookies": [{"name": 1}]}`, "cookies[0].name: want a string, got a number"},
		{"bad expires", `{"cookies": [{"name": "a", "expires": "tomorrow"}]}`, "cookies[0].expires: want Unix seconds or null, got a string"},
		{"huge expires", `{"cookies": [{"name": "a", "expires": 1e300}]}`, "out of range"},
		{"bad secure", `{"cookies": [{"name": "a", "secure": "yes"}]}`, "cookies[0].secure: want a boolean"},
		{"legacy cookie not object", `{"cookies": {"a": "b"}}`, "cookies.a: want an object, got a string"},
		{"headers number", `{"headers": 3}`, "headers: want an array or an object"},
		{"header without name", `{"headers": [{"value": "v"}]}`, `headers[0]: no "name" member`},
		{"legacy header not string", `{"headers": {"A": 1}}`, "headers.A: want a string, got a number"},
		{"auth string", `{"auth": "basic"}`, "auth: want an object, got a string"},
		{"auth type number", `{"auth": {"type": 1}}`, "auth.type: want a string"},
		{"meta array", `{"__meta__": []}`, "__meta__: want an object, got an array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := httpiesession.Parse([]byte(tt.in))
			var pe *httpiesession.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "httpiesession: ") {
				t.Errorf("err = %q, want %q", err, tt.want)
			}
		})
	}
}

func exportSnapshot(t testing.TB) store.Snapshot {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	exp := time.Unix(1796834990, 0)
	s := store.Snapshot{
		Cookies: store.CookiesFromJar([]jar.Cookie{
			{Name: "JSESSIONID", Value: "6F1C", Domain: "localhost", Path: "/app", HostOnly: true, HttpOnly: true},
			{Name: "SESSION", Value: "abc", Domain: "example.com", Path: "/", Secure: true, Persistent: true, Expires: exp},
			{Name: "h", Value: "1", Domain: "www.example.com", Path: "/", HostOnly: true},
			{Name: "gone", Value: "x", Domain: "example.com", Path: "/", Persistent: true, Expires: t0.Add(-time.Hour)},
			{Name: "uni", Value: "é", Domain: "myhost", Path: "/", HostOnly: true},
		}),
		Headers: &store.Headers{Updated: t0, List: []store.Header{
			{Name: "X-Client", Value: "demo"}, {Name: "Cookie", Value: "a=b"}, {Name: "Content-Type", Value: "x"},
			{Name: "if-none-match", Value: "y"}, {Name: "X-Client", Value: "two"},
		}},
	}
	return withAuth(t, s, sessionauth.Settings{Kind: "basic", User: "alice", Password: "s3cret"})
}

func TestExport(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f, err := httpiesession.Export(exportSnapshot(t), httpiesession.ExportOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	want := `{
    "__meta__": {
        "about": "HTTPie session file",
        "help": "https://httpie.io/docs#sessions",
        "httpie": "3.2.1"
    },
    "auth": {
        "password": null,
        "type": null,
        "username": null
    },
    "cookies": [
        {
            "domain": "localhost.local",
            "expires": null,
            "name": "JSESSIONID",
            "path": "/app",
            "secure": false,
            "value": "6F1C"
        },
        {
            "domain": ".example.com",
            "expires": 1796834990,
            "name": "SESSION",
            "path": "/",
            "secure": true,
            "value": "abc"
        },
        {
            "domain": "www.example.com",
            "expires": null,
            "name": "h",
            "path": "/",
            "secure": false,
            "value": "1"
        },
        {
            "domain": "myhost.local",
            "expires": null,
            "name": "uni",
            "path": "/",
            "secure": false,
            "value": "\u00e9"
        }
    ],
    "headers": [
        {
            "name": "X-Client",
            "value": "demo"
        },
        {
            "name": "X-Client",
            "value": "two"
        }
    ]
}
`
	if string(out) != want {
		t.Errorf("got\n%s", out)
	}
	if strings.Contains(string(out), "s3cret") {
		t.Error("password exported without Credentials")
	}
}

func TestExportCredentials(t *testing.T) {
	tests := []struct {
		name string
		snap store.Snapshot
		want string // raw_auth line or "" for none
	}{
		{"basic", withAuth(t, store.Snapshot{}, sessionauth.Settings{Kind: "basic", User: "alice", Password: "s3cret"}), `"raw_auth": "alice:s3cret"`},
		{"digest", withAuth(t, store.Snapshot{}, sessionauth.Settings{Kind: "Digest", User: "bob", Password: "pw"}), `"raw_auth": "bob:pw"`},
		{"bearer", withAuth(t, tokenSnapshot(t, "other", "x"), sessionauth.Settings{Kind: "bearer", Token: "tok"}), `"raw_auth": "tok"`},
		{"bearer single token", withAuth(t, tokenSnapshot(t, "oauth", "only"), sessionauth.Settings{Kind: "bearer"}), `"raw_auth": "only"`},
		{"single token, no auth", tokenSnapshot(t, "oauth", "only"), `"raw_auth": "only"`},
		{"form login is not HTTPie auth", withAuth(t, store.Snapshot{}, sessionauth.Settings{Kind: "form", User: "alice", Password: "pw"}), ""},
		// A session file of an earlier release: the settings in "auth", the
		// token in "tokens".
		{"earlier release's bearer", store.Snapshot{Extra: map[string]json.RawMessage{
			"auth":   json.RawMessage(`{"kind": "bearer"}`),
			"tokens": json.RawMessage(`[{"source": "other", "access_token": "x"}, {"source": "httpie", "access_token": "tok"}]`)}},
			`"raw_auth": "tok"`},
		{"earlier release's basic", store.Snapshot{Extra: map[string]json.RawMessage{
			"auth": json.RawMessage(`{"kind": "basic", "user": "alice", "password": "s3cret", "password_from": "stored"}`)}},
			`"raw_auth": "alice:s3cret"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := httpiesession.Export(tt.snap, httpiesession.ExportOptions{Credentials: true})
			if err != nil {
				t.Fatal(err)
			}
			out, _ := f.Marshal()
			if tt.want == "" {
				if strings.Contains(string(out), "raw_auth") {
					t.Errorf("unexpected auth:\n%s", out)
				}
				return
			}
			if !strings.Contains(string(out), tt.want) {
				t.Errorf("want %s in\n%s", tt.want, out)
			}
		})
	}
}

// TestImportExport: a file HTTPie wrote, imported and exported, is the same
// file (HttpOnly aside, which the format cannot hold).
func TestImportExport(t *testing.T) {
	s, err := httpiesession.Import([]byte(httpie321), httpiesession.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := httpiesession.Export(s, httpiesession.ExportOptions{Credentials: true, Now: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := f.Marshal()
	if string(out) != httpie321 {
		t.Errorf("got\n%s", out)
	}
}
