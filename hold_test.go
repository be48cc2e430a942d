package limpet_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/jar"
	"github.com/limpet-http/limpet/store/filestore"
)

// stepServer logs in in two steps, as a servlet container's form login
// does: GET /login-page starts a login session (cookie pre-N), and POST
// /login authenticates only that session (cookie auth-N); a POST with any
// other session gets 408, as Tomcat answers a login whose session was
// lost. /api/* needs an authenticated session and answers 401 with a new,
// anonymous session cookie without one; /api/slow waits for release
// before answering. The server counts the requests for /api/* that arrive
// while a login is in progress: the client must hold them back.
type stepServer struct {
	*httptest.Server
	logins   atomic.Int32 // successful POST /login
	during   atomic.Int32 // /api/* requests that arrived during a login
	arrived  chan string  // /api/* paths with their query, as they arrive (buffered)
	release  chan struct{}
	n        atomic.Int32
	mu       sync.Mutex
	pending  map[string]bool // login sessions
	sessions map[string]bool // authenticated sessions
	inLogin  bool
}

func newStepServer(t *testing.T) *stepServer {
	ss := &stepServer{arrived: make(chan string, 64), release: make(chan struct{}), pending: map[string]bool{}, sessions: map[string]bool{}}
	ss.Server = httptest.NewServer(http.HandlerFunc(ss.serve))
	t.Cleanup(ss.Close)
	return ss
}

func (ss *stepServer) cookie(r *http.Request) string {
	c, err := r.Cookie("JSESSIONID")
	if err != nil {
		return ""
	}
	return c.Value
}

func (ss *stepServer) serve(w http.ResponseWriter, r *http.Request) {
	id := fmt.Sprint(ss.n.Add(1))
	switch r.URL.Path {
	case "/login-page":
		ss.mu.Lock()
		ss.pending["pre-"+id], ss.inLogin = true, true
		ss.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "pre-" + id, Path: "/"})
	case "/login":
		ss.mu.Lock()
		ok := ss.pending[ss.cookie(r)]
		delete(ss.pending, ss.cookie(r))
		if ok {
			ss.sessions["auth-"+id] = true
		}
		ss.inLogin = false
		ss.mu.Unlock()
		if !ok {
			http.Error(w, "the time allowed for the login process has been exceeded", http.StatusRequestTimeout)
			return
		}
		ss.logins.Add(1)
		http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "auth-" + id, Path: "/"})
		w.WriteHeader(http.StatusNoContent)
	case "/expire":
		ss.mu.Lock()
		ss.sessions = map[string]bool{}
		ss.mu.Unlock()
	default:
		ss.mu.Lock()
		if ss.inLogin {
			ss.during.Add(1)
		}
		ok := ss.sessions[ss.cookie(r)]
		ss.mu.Unlock()
		ss.arrived <- r.URL.RequestURI()
		if r.URL.Path == "/api/slow" {
			<-ss.release
		}
		if !ok {
			http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: "anon-" + id, Path: "/"})
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "ok")
	}
}

// stepAuth logs in to a stepServer; between runs between its two steps
// during recoveries (not explicit logins).
type stepAuth struct {
	between func()
}

func (a *stepAuth) login(ctx context.Context, s limpet.Env, recovering bool) error {
	resp, err := s.Send(ctx, &limpet.Request{URL: "/login-page"})
	if err != nil {
		return err
	}
	resp.Close()
	if recovering && a.between != nil {
		a.between()
	}
	resp, err = s.Send(ctx, &limpet.Request{Method: http.MethodPost, URL: "/login", MaxRedirects: limpet.NoRedirects,
		Body: limpet.Form(url.Values{"user": {"alice"}})})
	if err != nil {
		return err
	}
	resp.Close()
	if resp.StatusCode != http.StatusNoContent {
		return fmt.Errorf("login answered %d", resp.StatusCode)
	}
	return nil
}

func (a *stepAuth) Recover(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	return a.login(ctx, s, v.Kind != limpet.NoSession)
}

func (a *stepAuth) Prepare(limpet.Env, *http.Request) error { return nil }

func (a *stepAuth) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	if resp.StatusCode == http.StatusUnauthorized {
		return limpet.Verdict{Kind: limpet.SessionExpired, NotExecuted: true, Reason: "401"}
	}
	return limpet.Verdict{}
}

// within fails the test unless ch delivers before a generous deadline; it
// keeps a broken build from hanging, and measures nothing.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("still waiting for %s", what)
	}
	var zero T
	return zero
}

func sessionCookie(s *limpet.Session) string {
	for _, c := range s.Jar().(*jar.Jar).All() {
		if c.Name == "JSESSIONID" {
			return c.Value
		}
	}
	return ""
}

// An answer to a request sent before a re-login, arriving while the login
// runs, carries a new anonymous session cookie: it must not replace the
// login's own session between its steps (the login would then post with a
// session the server never showed the login page for).
func TestAnswerDuringLoginKeepsItsSession(t *testing.T) {
	ss := newStepServer(t)
	processed := make(chan struct{}, 1)
	o := limpet.Options{BaseURL: ss.URL, OnResponse: []func(*http.Response) error{func(r *http.Response) error {
		if r.Request.URL.Path == "/api/slow" {
			processed <- struct{}{}
		}
		return nil
	}}}
	a := &stepAuth{}
	o.Authenticator = a
	s := newSession(t, o)
	ctx := context.Background()
	if err := s.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if resp, err := s.Post(ctx, "/expire", nil); err != nil {
		t.Fatal(err)
	} else {
		resp.Close()
	}

	// The slow request leaves with the expired session; its answer is held
	// back until the re-login has fetched its login page.
	type result struct {
		resp *limpet.Response
		err  error
	}
	slow := make(chan result, 1)
	go func() {
		resp, err := s.Get(ctx, "/api/slow")
		if err == nil {
			resp.Close()
		}
		slow <- result{resp, err}
	}()
	within(t, ss.arrived, "the slow request")
	a.between = func() {
		close(ss.release)
		within(t, processed, "the slow answer")
	}

	resp, err := s.Get(ctx, "/api/me")
	if err != nil {
		t.Fatalf("the request that met the expired session: %v", err)
	}
	resp.Close()
	if resp.StatusCode != http.StatusOK || len(resp.Recoveries) != 1 || !resp.Recoveries[0].Recovered {
		t.Fatalf("status %d, recoveries %+v: want 200 after this request's own recovery", resp.StatusCode, resp.Recoveries)
	}
	r := within(t, slow, "the slow request's result")
	if r.err != nil || r.resp.StatusCode != http.StatusOK || len(r.resp.Recoveries) != 1 ||
		r.resp.Recoveries[0].Recovered || !r.resp.Recoveries[0].Replayed {
		t.Fatalf("slow request: %v, %+v: want 200, replayed after the other request's recovery", r.err, r.resp)
	}
	if n := ss.logins.Load(); n != 2 {
		t.Errorf("%d logins, want 2 (the first and one recovery)", n)
	}
	if c := sessionCookie(s); !strings.HasPrefix(c, "auth-") {
		t.Errorf("the jar holds JSESSIONID=%q, want the authenticated session", c)
	}
}

// waitLog is a slog handler that reports when the Session logs that a
// request waits for a login.
type waitLog struct{ msgs chan string }

func (h waitLog) Enabled(context.Context, slog.Level) bool { return true }
func (h waitLog) Handle(_ context.Context, r slog.Record) error {
	if !strings.Contains(r.Message, "waiting for the login") {
		return nil
	}
	select {
	case h.msgs <- r.Message:
	default:
	}
	return nil
}
func (h waitLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h waitLog) WithGroup(string) slog.Handler      { return h }

// A request started while a login runs waits for it, and then goes with
// the new session: sent in the middle, it would carry the login's half-made
// session, and a servlet container would save it there and change the
// session id under the login.
func TestRequestsWaitForTheLoginInProgress(t *testing.T) {
	ss := newStepServer(t)
	logs := waitLog{msgs: make(chan string, 256)}
	a := &stepAuth{}
	s := newSession(t, limpet.Options{BaseURL: ss.URL, Authenticator: a, Logger: slog.New(logs)})
	ctx := context.Background()
	if err := s.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if resp, err := s.Post(ctx, "/expire", nil); err != nil {
		t.Fatal(err)
	} else {
		resp.Close()
	}
	for len(ss.arrived) > 0 {
		<-ss.arrived
	}

	late := make(chan *limpet.Response, 1)
	lateErr := make(chan error, 1)
	a.between = func() {
		go func() {
			resp, err := s.Get(ctx, "/api/me?late")
			if err != nil {
				lateErr <- err
				return
			}
			resp.Close()
			late <- resp
		}()
		// Go on once the late request is either on the server or held
		// back by the Session.
		for {
			select {
			case uri := <-ss.arrived:
				if uri == "/api/me?late" {
					return
				}
			case m := <-logs.msgs:
				if strings.Contains(m, "waiting for the login") {
					return
				}
			case <-time.After(30 * time.Second):
				t.Error("the late request neither reached the server nor waited")
				return
			}
		}
	}

	resp, err := s.Get(ctx, "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	var lr *limpet.Response
	select {
	case lr = <-late:
	case err := <-lateErr:
		t.Fatalf("the late request: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("the late request did not end")
	}
	if n := ss.during.Load(); n != 0 {
		t.Errorf("%d requests reached the server while the login ran", n)
	}
	if lr.StatusCode != http.StatusOK || len(lr.Recoveries) != 0 {
		t.Errorf("late request: %d, recoveries %+v; want 200 with the new session, no recovery", lr.StatusCode, lr.Recoveries)
	}
	if n := ss.logins.Load(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
}

// A save during a login adopts nothing into it: another process's newer
// session cookie, adopted between the login's steps, would replace the
// session the login builds.
func TestSaveDuringLoginAdoptsNothingIntoIt(t *testing.T) {
	ss := newStepServer(t)
	path := filepath.Join(t.TempDir(), "s.json")
	saving := make(chan struct{}, 1)
	logs := slog.New(handlerFunc(func(r slog.Record) {
		if strings.Contains(r.Message, "saving the session waits") {
			select {
			case saving <- struct{}{}:
			default:
			}
		}
	}))
	a := &stepAuth{}
	s := newSession(t, limpet.Options{BaseURL: ss.URL, Authenticator: a, Store: filestore.Open(path, filestore.Options{}),
		ManualSave: true, Logger: logs})
	other := newSession(t, limpet.Options{BaseURL: ss.URL, Store: filestore.Open(path, filestore.Options{}), ManualSave: true})
	ctx := context.Background()
	if err := s.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if resp, err := s.Post(ctx, "/expire", nil); err != nil {
		t.Fatal(err)
	} else {
		resp.Close()
	}
	saved := make(chan error, 1)
	a.between = func() {
		// Another process saves a session cookie newer than the login's.
		u, _ := url.Parse(ss.URL)
		other.Jar().SetCookies(u, []*http.Cookie{{Name: "JSESSIONID", Value: "other-process", Path: "/"}})
		if err := other.Save(ctx); err != nil {
			t.Error(err)
		}
		go func() { saved <- s.Save(ctx) }()
		select { // the save has either adopted what it found, or waits for the login
		case err := <-saved:
			if err != nil {
				t.Error(err)
			}
			saved <- nil
		case <-saving:
		case <-time.After(30 * time.Second):
			t.Error("the save neither ended nor waited")
		}
	}
	resp, err := s.Get(ctx, "/api/me")
	if err != nil {
		t.Fatalf("the request that met the expired session: %v", err)
	}
	resp.Close()
	if err := within(t, saved, "the save"); err != nil {
		t.Fatal(err)
	}
	if c := sessionCookie(s); !strings.HasPrefix(c, "auth-") {
		t.Errorf("the jar holds JSESSIONID=%q, want the authenticated session", c)
	}
	if n := ss.logins.Load(); n != 2 {
		t.Errorf("%d logins, want 2", n)
	}
}

// handlerFunc is a slog handler calling f for every record.
type handlerFunc func(slog.Record)

func (h handlerFunc) Enabled(context.Context, slog.Level) bool { return true }
func (h handlerFunc) Handle(_ context.Context, r slog.Record) error {
	h(r)
	return nil
}
func (h handlerFunc) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h handlerFunc) WithGroup(string) slog.Handler      { return h }
