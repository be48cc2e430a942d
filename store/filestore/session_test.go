package filestore_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store"
	"github.com/limpet-http/limpet/store/filestore"
)

// echoServer sets the cookies of ?set=a,b without a Path attribute (so
// they get the default-path of the request), and answers with the Cookie
// header it received.
func echoServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, n := range strings.Split(r.URL.Query().Get("set"), ",") {
			if n != "" {
				w.Header().Add("Set-Cookie", n+"=v-"+n)
			}
		}
		fmt.Fprint(w, r.Header.Get("Cookie"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, s *limpet.Session, url string) string {
	t.Helper()
	resp, err := s.Get(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	b, err := resp.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// syncBuffer is a bytes.Buffer a logger may write from any goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestJSessionIDRewrittenURL: a cookie set without Path on a URL rewritten
// with ";jsessionid=" is saved, and the session loads again, in this
// process and in any other.
func TestJSessionIDRewrittenURL(t *testing.T) {
	srv := echoServer(t)
	path := filepath.Join(t.TempDir(), "app.json")
	s1, err := limpet.New(limpet.Options{Store: filestore.Open(path, filestore.Options{}), ManualSave: true})
	if err != nil {
		t.Fatal(err)
	}
	get(t, s1, srv.URL+"/app;jsessionid=ABC/page?set=pref")
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := limpet.New(limpet.Options{Store: filestore.Open(path, filestore.Options{})})
	if err != nil {
		t.Fatalf("the session does not load after a response to a rewritten URL: %v", err)
	}
	defer s2.Close()
	if got := get(t, s2, srv.URL+"/app;jsessionid=ABC/next"); got != "pref=v-pref" {
		t.Errorf("sent %q under the rewritten path, want pref=v-pref", got)
	}
	if got := get(t, s2, srv.URL+"/app/next"); got != "" {
		t.Errorf("sent %q outside the cookie's path", got)
	}
}

// TestLoadSkipsBadCookie: a saved cookie the jar cannot take back (here a
// domain cookie for a public suffix, as a file edited by hand or saved
// before a public suffix list update may hold) is skipped with a warning;
// the rest of the session loads and the cookie stays in the file.
func TestLoadSkipsBadCookie(t *testing.T) {
	srv := echoServer(t)
	path := filepath.Join(t.TempDir(), "app.json")
	good := cookie("sid", "s3", t0)
	good.Domain = "127.0.0.1"
	bad := cookie("wide", "secret-wide", t0)
	bad.Domain, bad.HostOnly = "com", false
	raw, err := store.Marshal(store.Snapshot{Cookies: []store.Cookie{bad, good}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	s, err := limpet.New(limpet.Options{Store: filestore.Open(path, filestore.Options{}),
		Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatalf("one bad cookie fails the whole session: %v", err)
	}
	if got := get(t, s, srv.URL+"/?set=new"); got != "sid=s3" {
		t.Errorf("sent %q, want the good cookie", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	msg := log.String()
	if !strings.Contains(msg, "level=WARN") || !strings.Contains(msg, "name=wide") || !strings.Contains(msg, "domain=com") ||
		!strings.Contains(msg, "public suffix") || strings.Contains(msg, "secret-wide") {
		t.Errorf("warning %q: want the skipped cookie's key and reason, not its value", msg)
	}
	got, err := filestore.Open(path, filestore.Options{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got.Cookies {
		names = append(names, c.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"new", "sid", "wide"}) {
		t.Errorf("file holds %v: the skipped cookie must stay for repair, the others be saved", names)
	}
}

// deletingServer sets ?set=NAME (Path=/) and deletes ?del=NAME.
func deletingServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for _, n := range strings.Split(q.Get("set"), ",") {
			if n != "" {
				http.SetCookie(w, &http.Cookie{Name: n, Value: "v-" + n, Path: "/"})
			}
		}
		if n := q.Get("del"); n != "" {
			http.SetCookie(w, &http.Cookie{Name: n, Value: "", Path: "/", MaxAge: -1})
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestDeletionOfEvictedCookie: a session whose host holds more cookies
// than the jar keeps evicts some on load; the server's later deletion of
// an evicted cookie must still delete it from the file, and the file must
// stay within the jar's limits.
func TestDeletionOfEvictedCookie(t *testing.T) {
	srv := deletingServer(t)
	path := filepath.Join(t.TempDir(), "app.json")
	open := func(t *testing.T) *limpet.Session {
		t.Helper()
		s, err := limpet.New(limpet.Options{Store: filestore.Open(path, filestore.Options{}), ManualSave: true})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Session A gets "doomed" and a few more; session B, which never
	// loaded them, gets as many cookies as the jar keeps per domain; both
	// save.
	a, b := open(t), open(t)
	get(t, a, srv.URL+"/?set=doomed,a0,a1,a2,a3,a4,a5,a6,a7,a8,a9")
	var many []string
	for i := range jar.DefaultMaxCookiesPerDomain {
		many = append(many, fmt.Sprintf("c%03d", i))
	}
	get(t, b, srv.URL+"/?set="+strings.Join(many, ","))
	for _, s := range []*limpet.Session{a, b} {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	// Session C loads more than it keeps, and the server deletes "doomed".
	c := open(t)
	get(t, c, srv.URL+"/?del=doomed")
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := filestore.Open(path, filestore.Options{}).Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range got.Cookies {
		if ck.Name == "doomed" {
			t.Error("the cookie the server deleted is still in the file")
		}
	}
	if n := len(got.Cookies); n > jar.DefaultMaxCookiesPerDomain {
		t.Errorf("the file holds %d cookies for one domain, over the limit of %d", n, jar.DefaultMaxCookiesPerDomain)
	}
}
