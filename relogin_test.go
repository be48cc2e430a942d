package limpet_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
)

// sessionServer keeps server-side sessions like a servlet container:
// POST /login (form user/password) creates one; /api/* needs one and
// answers 401 without; POST /api/echo counts its executions; POST /expire
// forgets every session.
type sessionServer struct {
	*httptest.Server
	password  string
	stateless bool // logins succeed but keep no session
	logins    atomic.Int32
	echoes    atomic.Int32

	mu       sync.Mutex
	sessions map[string]bool
}

func newSessionServer(t *testing.T) *sessionServer {
	ss := &sessionServer{password: "s3cret", sessions: map[string]bool{}}
	ss.Server = httptest.NewServer(http.HandlerFunc(ss.serve))
	t.Cleanup(ss.Close)
	return ss
}

func (ss *sessionServer) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/login":
		ss.logins.Add(1)
		if r.PostFormValue("password") != ss.password {
			http.Redirect(w, r, "/login?error", http.StatusFound)
			return
		}
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		ss.mu.Lock()
		ss.sessions[id] = true
		ss.mu.Unlock()
		if !ss.stateless {
			http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: id, Path: "/", HttpOnly: true})
		}
		w.WriteHeader(http.StatusNoContent)
	case "/expire":
		ss.mu.Lock()
		ss.sessions = map[string]bool{}
		ss.mu.Unlock()
	default:
		c, err := r.Cookie("JSESSIONID")
		ss.mu.Lock()
		ok := err == nil && ss.sessions[c.Value]
		ss.mu.Unlock()
		if !ok {
			// Like a servlet container: a request without a valid session
			// gets a new, anonymous one. Answers come late and in any
			// order, so some arrive after the client has logged in again.
			time.Sleep(time.Duration(mrand.IntN(20)) * time.Millisecond)
			http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "anonymous-" + strconv.Itoa(mrand.IntN(1e6)), Path: "/", HttpOnly: true})
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/api/echo" && r.Method == http.MethodPost {
			ss.echoes.Add(1)
		}
		if r.URL.Path == "/api/crash" {
			// Runs, then claims the session is gone: a response that does not
			// prove the request never ran.
			ss.echoes.Add(1)
			http.Error(w, "session lost mid-way", http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, "ok")
	}
}

// formAuth is a minimal Authenticator for sessionServer.
type formAuth struct {
	password string
	prepared atomic.Int32
}

func (a *formAuth) Recover(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	resp, err := s.Send(ctx, &limpet.Request{Method: "POST", URL: "/login", MaxRedirects: limpet.NoRedirects,
		Body: limpet.Form(url.Values{"user": {"alice"}, "password": {a.password}})})
	if err != nil {
		return err
	}
	resp.Close()
	if resp.StatusCode != http.StatusNoContent {
		return errors.New("bad credentials")
	}
	return nil
}

func (a *formAuth) Prepare(env limpet.Env, req *http.Request) error {
	a.prepared.Add(1)
	return nil
}

func (a *formAuth) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: true, Reason: "401"}
	case http.StatusInternalServerError:
		return limpet.Verdict{Kind: limpet.SessionExpired, Reason: "500 session lost"}
	}
	return limpet.Verdict{}
}

func TestReloginOnFirstNeedAndAfterExpiry(t *testing.T) {
	ss := newSessionServer(t)
	s := newSession(t, limpet.Options{BaseURL: ss.URL, Authenticator: &formAuth{password: ss.password}})
	ctx := context.Background()
	resp, err := s.Post(ctx, "/api/echo", limpet.JSON(map[string]int{"n": 1}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if resp.StatusCode != 200 || len(resp.Recoveries) != 1 || !resp.Recoveries[0].Replayed {
		t.Fatalf("first POST: status %d, recoveries %+v", resp.StatusCode, resp.Recoveries)
	}
	if ss.logins.Load() != 1 || ss.echoes.Load() != 1 {
		t.Errorf("logins %d, echoes %d; want 1 and 1", ss.logins.Load(), ss.echoes.Load())
	}
	resp, err = s.Get(ctx, "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if len(resp.Recoveries) != 0 || ss.logins.Load() != 1 {
		t.Errorf("a request on a live session logged in again")
	}
}

// X1: many goroutines on an expired session cause exactly one login, all
// succeed, and every POST runs exactly once.
func TestConcurrentExpiryLogsInOnce(t *testing.T) {
	ss := newSessionServer(t)
	s := newSession(t, limpet.Options{BaseURL: ss.URL, Authenticator: &formAuth{password: ss.password}})
	ctx := context.Background()
	if err := s.Login(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := s.Post(ctx, "/expire", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	before := ss.logins.Load()
	const n = 32
	var wg sync.WaitGroup
	var failures atomic.Int32
	var posts atomic.Int32
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var resp *limpet.Response
			var err error
			if i%2 == 0 {
				posts.Add(1)
				resp, err = s.Post(ctx, "/api/echo", limpet.Bytes([]byte("x"), "text/plain"))
			} else {
				resp, err = s.Get(ctx, "/api/me")
			}
			if err != nil || resp.StatusCode != 200 {
				failures.Add(1)
				if err == nil {
					t.Errorf("request %d: %d, recoveries %+v", i, resp.StatusCode, resp.Recoveries)
					resp.Close()
				} else {
					t.Errorf("request %d: %v", i, err)
				}
				return
			}
			resp.Close()
		}(i)
	}
	wg.Wait()
	if f := failures.Load(); f != 0 {
		t.Errorf("%d of %d requests failed", f, n)
	}
	if got := ss.logins.Load() - before; got != 1 {
		t.Errorf("%d logins after expiry, want exactly 1", got)
	}
	if ss.echoes.Load() != posts.Load() {
		t.Errorf("echo ran %d times for %d POSTs", ss.echoes.Load(), posts.Load())
	}
}

func TestNonIdempotentNotReplayedWithoutProof(t *testing.T) {
	ss := newSessionServer(t)
	s := newSession(t, limpet.Options{BaseURL: ss.URL, Authenticator: &formAuth{password: ss.password}})
	ctx := context.Background()
	if err := s.Login(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := s.Post(ctx, "/api/crash", limpet.Bytes([]byte("x"), "text/plain"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if resp.StatusCode != 500 || len(resp.Recoveries) != 1 || resp.Recoveries[0].Replayed {
		t.Errorf("status %d recoveries %+v: want the 500 back, recovered but not replayed", resp.StatusCode, resp.Recoveries)
	}
	if ss.echoes.Load() != 1 {
		t.Errorf("handler ran %d times, want 1", ss.echoes.Load())
	}
}

func TestFailedReloginIsAClearErrorAndNotRepeated(t *testing.T) {
	ss := newSessionServer(t)
	s := newSession(t, limpet.Options{BaseURL: ss.URL, Authenticator: &formAuth{password: "wrong"}})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Get(ctx, "/api/me")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		var ae *limpet.AuthError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "bad credentials") {
			t.Errorf("err = %v, want an AuthError saying bad credentials", err)
		}
	}
	if n := ss.logins.Load(); n != 1 {
		t.Errorf("%d login attempts with a wrong password, want 1 (then the cooldown)", n)
	}
	if err := s.Login(ctx); err == nil {
		t.Error("explicit Login with a wrong password succeeded")
	}
}

func TestStillRefusedAfterLoginStops(t *testing.T) {
	ss := newSessionServer(t)
	ss.stateless = true
	s := newSession(t, limpet.Options{BaseURL: ss.URL, Authenticator: &formAuth{password: ss.password}})
	_, err := s.Post(context.Background(), "/api/echo", limpet.Bytes([]byte("x"), "text/plain"))
	if !errors.Is(err, limpet.ErrNotRecovered) {
		t.Fatalf("err = %v, want ErrNotRecovered", err)
	}
	if ss.logins.Load() != 1 || ss.echoes.Load() != 0 {
		t.Errorf("logins %d echoes %d, want 1 and 0", ss.logins.Load(), ss.echoes.Load())
	}
}

// The Session as an http.RoundTripper: an *http.Client from Client(), as a
// generated API client would take it, gets the login, the recovery after
// an expiry and the replay of a POST.
func TestClientRecoversThroughTheAuthenticator(t *testing.T) {
	ss := newSessionServer(t)
	a := &formAuth{password: ss.password}
	s := newSession(t, limpet.Options{BaseURL: ss.URL, Authenticator: a})
	c := s.Client()
	get := func() int {
		resp, err := c.Get(ss.URL + "/api/me")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get(); st != 200 || ss.logins.Load() != 1 {
		t.Fatalf("first GET: %d, %d logins", st, ss.logins.Load())
	}
	resp, err := c.Post(ss.URL+"/expire", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Post(ss.URL+"/api/echo", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || ss.logins.Load() != 2 || ss.echoes.Load() != 1 {
		t.Fatalf("POST after expiry: %d, %d logins, %d echoes; want 200, 2, 1", resp.StatusCode, ss.logins.Load(), ss.echoes.Load())
	}
	if a.prepared.Load() == 0 {
		t.Fatal("requests through Client() were not prepared")
	}
}

// The Authenticator sees a redirect hop: an entry point's redirect to the
// login page ends the chain there, and the recovery follows, instead of the
// client following the login page's own redirects (here, for a client that
// accepts only JSON, a loop) to the limit.
func TestRedirectToLoginStopsAtTheHop(t *testing.T) {
	var loginHops atomic.Int32
	loggedIn := atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			if r.Method == http.MethodPost {
				loggedIn.Store(true)
				w.WriteHeader(http.StatusNoContent)
				return
			}
			loginHops.Add(1)
			http.Redirect(w, r, "/login?again", http.StatusFound) // no page for a JSON client
		default:
			if !loggedIn.Load() {
				http.Redirect(w, r, "/login", http.StatusFound)
				return
			}
			fmt.Fprint(w, `{"user":"alice"}`)
		}
	}))
	defer srv.Close()
	s := newSession(t, limpet.Options{BaseURL: srv.URL, Header: http.Header{"Accept": {"application/json"}},
		Authenticator: &redirectAuth{}})
	resp, err := s.Get(context.Background(), "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := resp.Text()
	if resp.StatusCode != 200 || body != `{"user":"alice"}` || loginHops.Load() != 0 {
		t.Fatalf("%d %q after %d hops on the login page; want the answer, and no hop there", resp.StatusCode, body, loginHops.Load())
	}
}

// redirectAuth reads a redirect to /login as a need to log in, and logs in
// with a POST.
type redirectAuth struct{}

func (redirectAuth) Prepare(limpet.Env, *http.Request) error { return nil }

func (redirectAuth) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	first := resp.Response
	if len(resp.History) > 0 {
		first = resp.History[0]
	}
	if loc := first.Header.Get("Location"); first.StatusCode == http.StatusFound && strings.HasPrefix(loc, "/login") {
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: len(resp.History) == 0, Reason: "302 to " + loc}
	}
	return limpet.Verdict{}
}

func (redirectAuth) Recover(ctx context.Context, env limpet.Env, v limpet.Verdict) error {
	resp, err := env.Send(ctx, &limpet.Request{Method: http.MethodPost, URL: "/login", MaxRedirects: limpet.NoRedirects})
	if err != nil {
		return err
	}
	resp.Close()
	return nil
}
