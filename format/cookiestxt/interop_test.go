package cookiestxt_test

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limpet-http/limpet/format/cookiestxt"
	"github.com/limpet-http/limpet/jar"
)

// tool returns the path of an outside program the interop tests run. They
// skip when it is missing, unless LIMPET_INTEROP=require.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("LIMPET_INTEROP") == "require" {
			t.Fatalf("%s not found and LIMPET_INTEROP=require: %v", name, err)
		}
		t.Skipf("%s not found (apt-get install -y %s): %v", name, name, err)
	}
	return p
}

// cookieServer is a loopback server that records the Cookie header of each
// request by path and answers /set with the Set-Cookie lines it is given.
type cookieServer struct {
	*httptest.Server
	port string

	mu  sync.Mutex          // guards got
	got map[string][]string // request path -> Cookie headers received
}

func newCookieServer(t *testing.T, setCookies []string) *cookieServer {
	s := &cookieServer{got: map[string][]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.got[r.Host+r.URL.Path] = append(s.got[r.Host+r.URL.Path], r.Header.Get("Cookie"))
		s.mu.Unlock()
		if r.URL.Path == "/set" {
			for _, c := range setCookies {
				w.Header().Add("Set-Cookie", c)
			}
		}
	}))
	t.Cleanup(s.Close)
	_, s.port, _ = net.SplitHostPort(s.Listener.Addr().String())
	return s
}

// received returns the cookie names sent to host+path, sorted.
func (s *cookieServer) received(t *testing.T, hostPath string) []string {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	hs := s.got[hostPath]
	if len(hs) != 1 {
		t.Fatalf("%s: %d requests, want 1 (all: %v)", hostPath, len(hs), s.got)
	}
	var names []string
	for p := range strings.SplitSeq(hs[0], "; ") {
		if p != "" {
			names = append(names, p)
		}
	}
	slices.Sort(names)
	return names
}

// curl runs curl against the server, mapping the test host names to
// 127.0.0.1 so that no traffic leaves the machine.
func (s *cookieServer) curl(t *testing.T, args ...string) {
	t.Helper()
	curl := tool(t, "curl")
	base := []string{"-sS", "--noproxy", "*", "-o", os.DevNull, "--max-time", "20"}
	for _, h := range []string{"app.example.test", "www.app.example.test", "other.test"} {
		base = append(base, "--resolve", h+":"+s.port+":127.0.0.1")
	}
	cmd := exec.Command(curl, append(base, args...)...)
	cmd.Env = append(os.Environ(), "CURL_HOME="+t.TempDir(), "HOME="+t.TempDir()) // no user .curlrc
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("curl %v: %v\n%s", args, err, out)
	}
}

// TestCurlReadsWrittenFile: curl loads a cookies.txt this package wrote and
// sends each loopback URL exactly the cookies it should.
func TestCurlReadsWrittenFile(t *testing.T) {
	srv := newCookieServer(t, nil)
	future := time.Now().Add(48 * time.Hour)
	cookies := []jar.Cookie{
		{Name: "hostonly", Value: "1", Domain: "app.example.test", Path: "/", HostOnly: true},
		{Name: "domain", Value: "2", Domain: "example.test", Path: "/", Persistent: true, Expires: future},
		{Name: "apppath", Value: "3", Domain: "app.example.test", Path: "/app", HostOnly: true, HttpOnly: true},
		{Name: "secure", Value: "4", Domain: "app.example.test", Path: "/", HostOnly: true, Secure: true},
		{Name: "expired", Value: "5", Domain: "app.example.test", Path: "/", HostOnly: true, Persistent: true, Expires: time.Unix(1000, 0)},
		{Name: "httponly", Value: "6", Domain: "app.example.test", Path: "/", HostOnly: true, HttpOnly: true, Persistent: true, Expires: future},
		{Name: "other", Value: "7", Domain: "other.test", Path: "/", HostOnly: true},
		{Name: "empty", Value: "", Domain: "app.example.test", Path: "/", HostOnly: true},
	}
	var b bytes.Buffer
	if err := cookiestxt.Write(&b, cookies); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cookies.txt")
	if err := os.WriteFile(file, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	port := ":" + srv.port
	tests := []struct {
		url  string
		want []string
	}{
		{"app.example.test" + port + "/", []string{"domain=2", "empty=", "hostonly=1", "httponly=6"}},
		{"app.example.test" + port + "/app/x", []string{"apppath=3", "domain=2", "empty=", "hostonly=1", "httponly=6"}},
		{"www.app.example.test" + port + "/", []string{"domain=2"}},
		{"other.test" + port + "/", []string{"other=7"}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			srv.curl(t, "-b", file, "http://"+tt.url)
			if got := srv.received(t, tt.url); !slices.Equal(got, tt.want) {
				t.Errorf("curl sent %v, want %v", got, tt.want)
			}
		})
	}
}

// TestReadCurlJar: this package reads the jar curl writes with -c after a
// loopback server set varied cookies, with every attribute curl keeps.
func TestReadCurlJar(t *testing.T) {
	srv := newCookieServer(t, []string{
		"plain=1; Path=/",
		"dom=2; Domain=example.test; Path=/; Max-Age=3600",
		"app=3; Path=/app; HttpOnly",
		"empty=; Path=/",
		"persist=5; Max-Age=7200; HttpOnly",
		"gone=6; Max-Age=0",
	})
	file := filepath.Join(t.TempDir(), "jar.txt")
	before := time.Now().Truncate(time.Second)
	srv.curl(t, "-c", file, "http://app.example.test:"+srv.port+"/set")
	after := time.Now()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got, err := cookiestxt.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	byName := map[string]jar.Cookie{}
	for _, c := range got {
		byName[c.Name] = c
	}
	if len(got) != 5 {
		t.Errorf("read %d cookies, want 5:\n%s", len(got), raw)
	}
	check := func(name string, want jar.Cookie, maxAge time.Duration) {
		t.Helper()
		c, ok := byName[name]
		if !ok {
			t.Errorf("cookie %s missing:\n%s", name, raw)
			return
		}
		if maxAge > 0 {
			if !c.Persistent || c.Expires.Before(before.Add(maxAge)) || c.Expires.After(after.Add(maxAge)) {
				t.Errorf("%s: expiry %v, want about now+%v", name, c.Expires, maxAge)
			}
			c.Expires, c.Persistent = time.Time{}, false
		}
		if c != want {
			t.Errorf("%s:\n got %+v\nwant %+v", name, c, want)
		}
	}
	check("plain", jar.Cookie{Name: "plain", Value: "1", Domain: "app.example.test", Path: "/", HostOnly: true}, 0)
	check("dom", jar.Cookie{Name: "dom", Value: "2", Domain: "example.test", Path: "/"}, time.Hour)
	check("app", jar.Cookie{Name: "app", Value: "3", Domain: "app.example.test", Path: "/app", HostOnly: true, HttpOnly: true}, 0)
	check("empty", jar.Cookie{Name: "empty", Domain: "app.example.test", Path: "/", HostOnly: true}, 0)
	check("persist", jar.Cookie{Name: "persist", Value: "5", Domain: "app.example.test", Path: "/", HostOnly: true, HttpOnly: true}, 2*time.Hour)

	// And what this package writes back from curl's jar, curl sends the
	// same way as its own file.
	var b bytes.Buffer
	if err := cookiestxt.Write(&b, got); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(t.TempDir(), "mine.txt")
	if err := os.WriteFile(mine, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	srv.curl(t, "-b", file, "http://app.example.test:"+srv.port+"/app/theirs")
	srv.curl(t, "-b", mine, "http://app.example.test:"+srv.port+"/app/mine")
	theirs := srv.received(t, "app.example.test:"+srv.port+"/app/theirs")
	ours := srv.received(t, "app.example.test:"+srv.port+"/app/mine")
	if !slices.Equal(theirs, ours) || len(ours) != 5 {
		t.Errorf("curl sent %v from its jar but %v from ours", theirs, ours)
	}
}

// TestCurlSecureLocalhost: curl keeps a Secure cookie set over http by
// localhost (a secure context) and marks it TRUE; it reads back Secure.
func TestCurlSecureLocalhost(t *testing.T) {
	srv := newCookieServer(t, []string{"sec=1; Path=/; Secure; HttpOnly"})
	file := filepath.Join(t.TempDir(), "jar.txt")
	srv.curl(t, "--resolve", "localhost:"+srv.port+":127.0.0.1", "-c", file, "http://localhost:"+srv.port+"/set")
	raw, _ := os.ReadFile(file)
	got, err := cookiestxt.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := jar.Cookie{Name: "sec", Value: "1", Domain: "localhost", Path: "/", HostOnly: true, Secure: true, HttpOnly: true}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("got %+v, want %+v\n%s", got, want, raw)
	}
}

// TestPythonReadsWrittenFile: Python's http.cookiejar.MozillaCookieJar,
// which insists on the header and on the domain dot matching field 2, loads
// what this package writes.
func TestPythonReadsWrittenFile(t *testing.T) {
	py := tool(t, "python3")
	future := time.Now().Add(48 * time.Hour)
	cookies := []jar.Cookie{
		{Name: "a", Value: "1", Domain: "example.com", Path: "/", Persistent: true, Expires: future},
		{Name: "b", Value: "2", Domain: "www.example.com", Path: "/x", HostOnly: true, Secure: true, Persistent: true, Expires: future},
		{Name: "c", Value: "3", Domain: "example.com", Path: "/", HostOnly: true},
	}
	var b bytes.Buffer
	if err := cookiestxt.Write(&b, cookies); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "cookies.txt")
	if err := os.WriteFile(file, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, http.cookiejar
j = http.cookiejar.MozillaCookieJar(sys.argv[1])
j.load(ignore_discard=True, ignore_expires=True)
for c in sorted(j, key=lambda c: c.name):
    print(c.name, c.value, c.domain, c.path, c.secure, c.domain_specified, c.expires)
`
	out, err := exec.Command(py, "-c", script, file).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	// Python reads curl's session expiry 0 as "expired in 1970": it keeps
	// session cookies only with ignore_expires (see Write).
	exp := strconv.FormatInt(future.Unix(), 10)
	want := "a 1 .example.com / False True " + exp + "\n" +
		"b 2 www.example.com /x True False " + exp + "\n" +
		"c 3 example.com / False False 0\n"
	if string(out) != want {
		t.Errorf("python read\n%s\nwant\n%s", out, want)
	}
}
