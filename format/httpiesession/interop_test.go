package httpiesession_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limpet-http/limpet/format/httpiesession"
	"github.com/limpet-http/limpet/internal/sessionauth"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
)

// recorder is a loopback server that records each request's headers and
// answers /set with the given Set-Cookie lines.
type recorder struct {
	*httptest.Server
	mu  sync.Mutex // guards got
	got map[string]http.Header
}

func newRecorder(t *testing.T, setCookies []string) *recorder {
	r := &recorder{got: map[string]http.Header{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.got[req.URL.Path] = req.Header.Clone()
		r.mu.Unlock()
		if req.URL.Path == "/set" {
			for _, c := range setCookies {
				w.Header().Add("Set-Cookie", c)
			}
		}
		w.Write([]byte("{}"))
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) headers(t *testing.T, path string) http.Header {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.got[path]
	if !ok {
		t.Fatalf("no request for %s", path)
	}
	return h
}

// httpie runs HTTPie's "http" with a private configuration directory that
// turns off its update check, so that nothing but the loopback server is
// contacted. It skips when HTTPie is missing, unless LIMPET_INTEROP=require.
func httpie(t *testing.T, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("http")
	if err != nil {
		if os.Getenv("LIMPET_INTEROP") == "require" {
			t.Fatalf("http (HTTPie) not found and LIMPET_INTEROP=require: %v", err)
		}
		t.Skipf("http (HTTPie) not found (apt-get install -y httpie): %v", err)
	}
	cfg := t.TempDir()
	if err := os.WriteFile(filepath.Join(cfg, "config.json"), []byte(`{"disable_update_warnings": true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"--ignore-stdin", "--print=", "--timeout=20"}, args...)...)
	var env []string
	for _, e := range os.Environ() {
		if k, _, _ := strings.Cut(e, "="); !strings.EqualFold(k, "http_proxy") && !strings.EqualFold(k, "https_proxy") &&
			!strings.EqualFold(k, "all_proxy") {
			env = append(env, e)
		}
	}
	cmd.Env = append(env, "HTTPIE_CONFIG_DIR="+cfg, "NO_PROXY=*", "no_proxy=*")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("http %v: %v\n%s", args, err, out)
	}
}

func cookieNames(h http.Header) []string {
	var out []string
	for p := range strings.SplitSeq(h.Get("Cookie"), "; ") {
		if p != "" {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// TestHTTPieUsesExportedSession: HTTPie sends the cookies, headers and
// credentials of a session file this package exported.
func TestHTTPieUsesExportedSession(t *testing.T) {
	srv := newRecorder(t, nil)
	u, _ := url.Parse(srv.URL)
	port := u.Port()
	future := time.Now().Add(24 * time.Hour)
	snap := store.Snapshot{
		Cookies: store.CookiesFromJar([]jar.Cookie{
			{Name: "JSESSIONID", Value: "s1", Domain: "localhost", Path: "/", HostOnly: true, HttpOnly: true},
			{Name: "app", Value: "a1", Domain: "localhost", Path: "/app", HostOnly: true},
			{Name: "sec", Value: "x1", Domain: "localhost", Path: "/", HostOnly: true, Secure: true, Persistent: true, Expires: future},
			{Name: "ip", Value: "i1", Domain: "127.0.0.1", Path: "/", HostOnly: true},
			{Name: "expired", Value: "e", Domain: "localhost", Path: "/", HostOnly: true, Persistent: true, Expires: time.Unix(1000, 0)},
		}),
		Headers: &store.Headers{List: []store.Header{{Name: "X-Client", Value: "demo"}}},
	}
	snap = withAuth(t, snap, sessionauth.Settings{Kind: "basic", User: "alice", Password: "s3cret"})
	f, err := httpiesession.Export(snap, httpiesession.ExportOptions{Credentials: true})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "session.json")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}

	httpie(t, "--session="+file, "GET", "http://localhost:"+port+"/app/x")
	h := srv.headers(t, "/app/x")
	if got, want := cookieNames(h), []string{"JSESSIONID=s1", "app=a1", "sec=x1"}; !slices.Equal(got, want) {
		t.Errorf("HTTPie sent cookies %v to localhost, want %v", got, want)
	}
	if h.Get("X-Client") != "demo" {
		t.Errorf("X-Client = %q", h.Get("X-Client"))
	}
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:s3cret")); h.Get("Authorization") != want {
		t.Errorf("Authorization = %q, want %q", h.Get("Authorization"), want)
	}

	httpie(t, "--session="+file, "GET", "http://127.0.0.1:"+port+"/ip")
	if got, want := cookieNames(srv.headers(t, "/ip")), []string{"ip=i1"}; !slices.Equal(got, want) {
		t.Errorf("HTTPie sent cookies %v to 127.0.0.1, want %v", got, want)
	}

	// HTTPie rewrote the file; it still imports with the cookies.
	back, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := httpiesession.Import(back, httpiesession.ImportOptions{})
	if err != nil {
		t.Fatalf("%v\n%s", err, back)
	}
	if len(s.Cookies) != 4 {
		t.Errorf("after HTTPie's save: %d cookies, want 4\n%s", len(s.Cookies), back)
	}
}

// TestImportHTTPieWrittenSession: this package imports the session file
// HTTPie writes after a loopback server set varied cookies.
func TestImportHTTPieWrittenSession(t *testing.T) {
	srv := newRecorder(t, []string{
		"JSESSIONID=6F1C2A9E0B; Path=/app; HttpOnly",
		"XSRF-TOKEN=4b1d-77aa; Max-Age=3600",
		"remember-me=dXNlcjox; Max-Age=1209600; HttpOnly; Secure",
	})
	u, _ := url.Parse(srv.URL)
	file := filepath.Join(t.TempDir(), "s3.json")
	before := time.Now().Truncate(time.Second)
	httpie(t, "--session="+file, "-a", "alice:s3cret", "GET", "http://localhost:"+u.Port()+"/set", "X-Client:demo")
	after := time.Now()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s, err := httpiesession.Import(raw, httpiesession.ImportOptions{})
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	byName := map[string]jar.Cookie{}
	for _, c := range s.JarCookies() {
		byName[c.Name] = c
	}
	check := func(name, value, path string, secure bool, maxAge time.Duration) {
		t.Helper()
		c, ok := byName[name]
		if !ok {
			t.Errorf("%s missing from\n%s", name, raw)
			return
		}
		if c.Value != value || c.Domain != "localhost" || !c.HostOnly || c.Path != path || c.Secure != secure {
			t.Errorf("%s: %+v", name, c)
		}
		if maxAge == 0 && c.Persistent {
			t.Errorf("%s: persistent, want a session cookie", name)
		}
		if maxAge > 0 && (!c.Persistent || c.Expires.Before(before.Add(maxAge)) || c.Expires.After(after.Add(maxAge))) {
			t.Errorf("%s: expiry %v, want now+%v", name, c.Expires, maxAge)
		}
	}
	check("JSESSIONID", "6F1C2A9E0B", "/app", false, 0)
	check("XSRF-TOKEN", "4b1d-77aa", "/", false, time.Hour)
	check("remember-me", "dXNlcjox", "/", true, 1209600*time.Second)
	if len(byName) != 3 {
		t.Errorf("%d cookies, want 3", len(byName))
	}
	if a, ok := authOf(s); !ok || a.Kind != "basic" || a.User != "alice" || a.Password != "s3cret" {
		t.Errorf("auth %+v", a)
	}
	if s.Headers == nil || !slices.Contains(s.Headers.List, store.Header{Name: "X-Client", Value: "demo"}) {
		t.Errorf("headers %+v", s.Headers)
	}
	// And the file is byte for byte what Marshal writes: same layout.
	f, _ := httpiesession.Parse(raw)
	if out, _ := f.Marshal(); string(out) != string(raw) {
		t.Errorf("Marshal of HTTPie's file differs:\n%s\nHTTPie:\n%s", out, raw)
	}
}
