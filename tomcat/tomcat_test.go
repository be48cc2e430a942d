package tomcat_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/tomcatserver"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/tomcat"
)

func TestMain(m *testing.M) { os.Exit(tomcatserver.Run(m)) }

// loginWatch records what the client sent to and got from j_security_check,
// and tags every request the Session sends (each attempt and redirect hop)
// with a query parameter of its own, counting them: Tomcat writes a
// request's access log line just after sending the response, so a client
// holding its answer may not see that line yet, and the lines of
// concurrent requests come in any order. Counting the tagged lines tells
// when the log holds them all (see lines).
type loginWatch struct {
	posts    atomic.Int32
	mu       sync.Mutex
	urls     []string
	statuses []int
	before   func() // runs before each login POST is sent
	tag      string
	sent     atomic.Int32
}

// middleware adds limpetrun=TAG to the query of each request.
func (w *loginWatch) middleware(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		r := req.Clone(req.Context())
		if r.URL.RawQuery != "" {
			r.URL.RawQuery += "&"
		}
		r.URL.RawQuery += "limpetrun=" + w.tag
		w.sent.Add(1)
		return next.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// lines waits until the access log holds a line for every request the
// Session sent, and returns those lines.
func (w *loginWatch) lines(t *testing.T, srv *tomcatserver.Server) []logLine {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var mine []logLine
		for _, l := range accessLog(t, srv) {
			if strings.Contains(l.query, "limpetrun="+w.tag) {
				mine = append(mine, l)
			}
		}
		if len(mine) >= int(w.sent.Load()) {
			return mine
		}
		if time.Now().After(deadline) {
			t.Fatalf("the access log holds %d of the %d requests sent", len(mine), w.sent.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (w *loginWatch) onRequest(r *http.Request) error {
	if r.Method == http.MethodPost && tomcat.IsAction(r.URL.Path, tomcat.DefaultAction) {
		w.posts.Add(1)
		w.mu.Lock()
		w.urls = append(w.urls, r.URL.String())
		w.mu.Unlock()
		if w.before != nil {
			w.before()
		}
	}
	return nil
}

func (w *loginWatch) onResponse(r *http.Response) error {
	if r.Request.Method == http.MethodPost && tomcat.IsAction(r.Request.URL.Path, tomcat.DefaultAction) {
		w.mu.Lock()
		w.statuses = append(w.statuses, r.StatusCode)
		w.mu.Unlock()
	}
	return nil
}

func probe(ctxPath string) string { return ctxPath + tomcatserver.ProtectedPage }

// newFormSession returns a Session logged in on demand as user, and the
// watch on its login POSTs.
func newFormSession(t *testing.T, srv *tomcatserver.Server, ctxPath, user, password string, o limpet.Options) (*limpet.Session, *tomcat.FormAuth, *loginWatch) {
	t.Helper()
	w := &loginWatch{tag: marker(t)}
	a := tomcat.FormLogin(user, password, tomcat.Options{Probe: probe(ctxPath), LogoutURL: probe(ctxPath) + "?logoff=true"})
	o.BaseURL = srv.URL
	o.Authenticator = a
	o.OnRequest = append(o.OnRequest, w.onRequest)
	o.OnResponse = append(o.OnResponse, w.onResponse)
	o.Middleware = append(o.Middleware, w.middleware)
	s, err := limpet.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, a, w
}

func text(t *testing.T, resp *limpet.Response, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	body, err := resp.Text()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func loggedInAs(user string) string { return "You are logged in as remote user\n<b>" + user + "</b>" }

func expire(t *testing.T, srv *tomcatserver.Server, ctxPath string) {
	t.Helper()
	if _, err := srv.ExpireSessions(t.Context(), ctxPath); err != nil {
		t.Fatal(err)
	}
}

func marker(t *testing.T) string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// T1 and T8: the FORM login from the probe, with ;jsessionid= in the
// action on a context that rewrites URLs, without it on a cookie-only one.
func TestFormLogin(t *testing.T) {
	srv := tomcatserver.Start(t)
	tests := []struct {
		name, ctxPath, user, password string
		wantJSessionID                bool
		role                          string
	}{
		{"T1 examples", tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword, true, ""},
		{"T1 password that needs form encoding", tomcatserver.ExamplesPath, tomcatserver.SpecialUser, tomcatserver.SpecialPassword, true, ""},
		{"T1 user with two roles", tomcatserver.ExamplesPath, tomcatserver.BothUser, tomcatserver.BothPassword, true, "role1"},
		{"T8 cookie tracking only", tomcatserver.CookieExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, w := newFormSession(t, srv, tt.ctxPath, tt.user, tt.password, limpet.Options{})
			if err := s.Login(t.Context()); err != nil {
				t.Fatal(err)
			}
			if w.posts.Load() != 1 || len(w.statuses) != 1 || w.statuses[0] != http.StatusSeeOther {
				t.Fatalf("login POSTs %d, statuses %v; want one 303", w.posts.Load(), w.statuses)
			}
			if got := strings.Contains(w.urls[0], ";jsessionid="); got != tt.wantJSessionID {
				t.Fatalf("login POST to %s: ;jsessionid= present %v, want %v", w.urls[0], got, tt.wantJSessionID)
			}
			target := probe(tt.ctxPath)
			if tt.role != "" {
				target += "?role=" + tt.role
			}
			resp, err := s.Get(t.Context(), target)
			body := text(t, resp, err)
			if resp.StatusCode != 200 || !strings.Contains(body, loggedInAs(tt.user)) || len(resp.Recoveries) != 0 {
				t.Fatalf("after the login: %d, recoveries %+v\n%s", resp.StatusCode, resp.Recoveries, body)
			}
			if tt.role != "" && !strings.Contains(body, "You have been granted role\n      <b>"+tt.role+"</b>") {
				t.Fatalf("role %s not granted:\n%s", tt.role, body)
			}
			if w.posts.Load() != 1 {
				t.Fatal("a request after the login logged in again")
			}
		})
	}
}

// T2: a wrong password is a typed error, and the right one then works.
func TestBadCredentials(t *testing.T) {
	srv := tomcatserver.Start(t)
	s, _, w := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, "wrong", limpet.Options{})
	err := s.Login(t.Context())
	if !errors.Is(err, tomcat.ErrBadCredentials) || !strings.Contains(err.Error(), "Error Page For Examples") {
		t.Fatalf("want ErrBadCredentials naming the error page, got %v", err)
	}
	if w.posts.Load() != 1 || w.statuses[0] != 200 {
		t.Fatalf("login POSTs %d, statuses %v", w.posts.Load(), w.statuses)
	}
	// A request meeting the login page tries once more and gets the same
	// error; the next one, within limpet.RecoveryCooldown, gets it without
	// a retry of the password that just failed.
	for i, want := range []int32{2, 2} {
		if _, err := s.Get(t.Context(), probe(tomcatserver.ExamplesPath)); !errors.Is(err, tomcat.ErrBadCredentials) || w.posts.Load() != want {
			t.Fatalf("request %d after the failure: %v, login POSTs %d, want %d", i, err, w.posts.Load(), want)
		}
	}
	// The same server session, the right password.
	s2, _, w2 := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword, limpet.Options{Jar: s.Jar()})
	if err := s2.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	if w2.posts.Load() != 1 || w2.statuses[0] != http.StatusSeeOther {
		t.Fatalf("second login: POSTs %d, statuses %v", w2.posts.Load(), w2.statuses)
	}
}

// T3: Tomcat answers 408 when the login session is gone by the time the
// credentials arrive; the login starts again at the probe.
func TestLoginRestartsAfter408(t *testing.T) {
	srv := tomcatserver.Start(t)
	s, _, w := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword, limpet.Options{})
	var once sync.Once
	w.before = func() { once.Do(func() { expire(t, srv, tomcatserver.ExamplesPath) }) }
	if err := s.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(w.statuses) != "[408 303]" {
		t.Fatalf("login POST statuses %v, want [408 303]", w.statuses)
	}
	resp, err := s.Get(t.Context(), probe(tomcatserver.ExamplesPath))
	if body := text(t, resp, err); !strings.Contains(body, loggedInAs(tomcatserver.ExamplesUser)) {
		t.Fatalf("not logged in:\n%s", body)
	}

	// Every attempt meeting a 408 gives up after the second.
	s2, _, w2 := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword, limpet.Options{})
	w2.before = func() { expire(t, srv, tomcatserver.ExamplesPath) }
	if err := s2.Login(t.Context()); !errors.Is(err, tomcat.ErrLoginNotStarted) || fmt.Sprint(w2.statuses) != "[408 408]" {
		t.Fatalf("want ErrLoginNotStarted after [408 408], got %v after %v", err, w2.statuses)
	}
}

// T4: after the manager expired the session, a GET meets the login page
// (200); the Session logs in again and the caller gets the real page.
func TestExpiredSessionGET(t *testing.T) {
	srv := tomcatserver.Start(t)
	for _, ctxPath := range []string{tomcatserver.ExamplesPath, tomcatserver.CookieExamplesPath} {
		t.Run(ctxPath, func(t *testing.T) {
			s, _, w := newFormSession(t, srv, ctxPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword, limpet.Options{})
			if err := s.Login(t.Context()); err != nil {
				t.Fatal(err)
			}
			expire(t, srv, ctxPath)
			resp, err := s.Get(t.Context(), probe(ctxPath))
			body := text(t, resp, err)
			r := resp.Recoveries
			if resp.StatusCode != 200 || !strings.Contains(body, loggedInAs(tomcatserver.ExamplesUser)) || len(r) != 1 ||
				r[0].Verdict.Kind != limpet.SessionExpired || r[0].Verdict.Reason != "200 login page" || !r[0].Replayed || w.posts.Load() != 2 {
				t.Fatalf("status %d, recoveries %+v, login POSTs %d\n%s", resp.StatusCode, r, w.posts.Load(), body)
			}
		})
	}
}

// accessLog reads the server's access log: method, path, query, status,
// remote user, session id per line.
type logLine struct{ method, path, query, status, user, session string }

func accessLog(t *testing.T, srv *tomcatserver.Server) []logLine {
	t.Helper()
	f, err := os.Open(filepath.Join(srv.Base, "logs", "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []logLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) == 6 {
			out = append(out, logLine{p[0], p[1], p[2], p[3], p[4], p[5]})
		}
	}
	return out
}

// T5: a POST that meets the expired session did not run; after the login
// (from the probe, so Tomcat saved and replayed only the probe) the
// Session replays it once: the server ran it exactly once.
func TestExpiredSessionPOSTRunsOnce(t *testing.T) {
	srv := tomcatserver.Start(t)
	s, _, w := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword, limpet.Options{})
	if err := s.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	expire(t, srv, tomcatserver.ExamplesPath)
	m := marker(t)
	resp, err := s.Post(t.Context(), probe(tomcatserver.ExamplesPath)+"?t5="+m,
		limpet.Form(url.Values{"dataName": {"k" + m}, "dataValue": {"v"}}))
	body := text(t, resp, err)
	row := "<td>k" + m + "</td>"
	if resp.StatusCode != 200 || strings.Count(body, row) != 1 || len(resp.Recoveries) != 1 || !resp.Recoveries[0].Replayed ||
		!resp.Recoveries[0].Verdict.NotExecuted || w.posts.Load() != 2 {
		t.Fatalf("status %d, rows %d, recoveries %+v, login POSTs %d\n%s", resp.StatusCode, strings.Count(body, row), resp.Recoveries, w.posts.Load(), body)
	}
	var ran, refused int
	for _, l := range w.lines(t, srv) {
		if l.method == "POST" && strings.Contains(l.query, "t5="+m) {
			switch l.user {
			case tomcatserver.ExamplesUser:
				ran++
			case "-":
				refused++
			}
		}
	}
	if ran != 1 || refused != 1 {
		t.Fatalf("access log: the POST ran %d times as %s and met the login page %d times; want 1 and 1", ran, tomcatserver.ExamplesUser, refused)
	}
}

// T6: logging off invalidates the session (302 to index.jsp, then the
// login page); the next request logs in again.
func TestLogout(t *testing.T) {
	srv := tomcatserver.Start(t)
	var statuses []int
	rec := func(r *http.Response) error {
		if strings.Contains(r.Request.URL.RawQuery, "logoff=true") {
			statuses = append(statuses, r.StatusCode)
			if r.Header.Get("Location") != "index.jsp" {
				return fmt.Errorf("logoff Location %q", r.Header.Get("Location"))
			}
		}
		return nil
	}
	s, a, w := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword,
		limpet.Options{OnResponse: []func(*http.Response) error{rec}})
	if err := s.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := a.Logout(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(statuses) != "[302]" {
		t.Fatalf("logoff statuses %v", statuses)
	}
	// Without the Authenticator: the server shows the login page.
	resp, err := s.BareClient().Get(srv.URL + probe(tomcatserver.ExamplesPath))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := tomcatserverBody(resp)
	if _, ok := tomcat.LoginForm(page, tomcat.DefaultAction); !ok {
		t.Fatalf("after the logout the probe is not the login page:\n%s", page)
	}
	r2, err := s.Get(t.Context(), probe(tomcatserver.ExamplesPath))
	if body := text(t, r2, err); !strings.Contains(body, loggedInAs(tomcatserver.ExamplesUser)) || len(r2.Recoveries) != 1 || w.posts.Load() != 2 {
		t.Fatalf("after the logout: recoveries %+v, login POSTs %d", r2.Recoveries, w.posts.Load())
	}
}

func tomcatserverBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	var b strings.Builder
	_, err := bufio.NewReader(resp.Body).WriteTo(&b)
	return []byte(b.String()), err
}

// X1: 32 goroutines meet the expired session at once: one login POST, as
// the server's access log shows too, every request succeeds, and every
// POST ran exactly once.
func TestConcurrentExpiry(t *testing.T) {
	srv := tomcatserver.Start(t)
	s, _, w := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword, limpet.Options{})
	if err := s.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	expire(t, srv, tomcatserver.ExamplesPath)
	const n = 32
	m := marker(t)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			resp, err := s.Post(context.Background(), fmt.Sprintf("%s?x1=%s-%d", probe(tomcatserver.ExamplesPath), m, i),
				limpet.Form(url.Values{"dataName": {"x1"}, "dataValue": {fmt.Sprint(i)}}))
			if err != nil {
				errs <- err
				return
			}
			body, err := resp.Text()
			if err != nil || resp.StatusCode != 200 || !strings.Contains(body, loggedInAs(tomcatserver.ExamplesUser)) {
				errs <- fmt.Errorf("request %d: %d %v", i, resp.StatusCode, err)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	w.mu.Lock()
	statuses := fmt.Sprint(w.statuses)
	w.mu.Unlock()
	if w.posts.Load() != 2 || statuses != "[303 303]" {
		t.Errorf("login POSTs sent: %d answered %s, want 2 answered 303 (the first login and one re-login)", w.posts.Load(), statuses)
	}
	logins := 0
	ran := map[string]int{}
	for _, l := range w.lines(t, srv) {
		if l.method == "POST" && tomcat.IsAction(l.path, tomcat.DefaultAction) {
			logins++
		}
		if l.method == "POST" && strings.Contains(l.query, "x1="+m) && l.user == tomcatserver.ExamplesUser {
			ran[strings.Split(l.query, "&")[0]]++
		}
	}
	if logins != 2 {
		t.Errorf("the access log shows %d login POSTs, want 2", logins)
	}
	if len(ran) != n {
		t.Errorf("the access log shows %d of the %d POSTs run as %s", len(ran), n, tomcatserver.ExamplesUser)
	}
	for q, k := range ran {
		if k != 1 {
			t.Errorf("%s ran %d times", q, k)
		}
	}
}

// A request started while the Session logs in again goes after the login,
// with the new session. Sent in the middle, with the login's half-made
// session, Tomcat would save it in that session and change the session's
// id, and the login's credentials would then meet a session Tomcat no
// longer knows (408, and a login started over).
func TestRequestDuringReloginWaits(t *testing.T) {
	srv := tomcatserver.Start(t)
	logs := &waitLog{seen: make(chan struct{}, 1)}
	var relogin atomic.Bool
	var s *limpet.Session
	m := marker(t)
	late := make(chan error, 1)
	lateAnswered := make(chan struct{}, 1)
	// Below the cookies: sees the re-login's credentials POST before it is
	// sent, and starts the late request then.
	hold := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if strings.Contains(req.URL.RawQuery, "late="+m) {
				resp, err := next.RoundTrip(req)
				lateAnswered <- struct{}{}
				return resp, err
			}
			if req.Method == http.MethodPost && tomcat.IsAction(req.URL.Path, tomcat.DefaultAction) && relogin.CompareAndSwap(true, false) {
				go func() {
					resp, err := s.Post(context.Background(), probe(tomcatserver.ExamplesPath)+"?late="+m,
						limpet.Form(url.Values{"dataName": {"late"}, "dataValue": {m}}))
					if err == nil {
						body, rerr := resp.Text()
						switch {
						case rerr != nil:
							err = rerr
						case resp.StatusCode != 200 || !strings.Contains(body, loggedInAs(tomcatserver.ExamplesUser)) || len(resp.Recoveries) != 0:
							err = fmt.Errorf("late request: %d, recoveries %+v", resp.StatusCode, resp.Recoveries)
						}
					}
					late <- err
				}()
				select { // the late request is either on its way (and answered) or held back
				case <-lateAnswered:
				case <-logs.seen:
				case <-time.After(30 * time.Second):
					t.Error("the late request was neither sent nor held")
				}
			}
			return next.RoundTrip(req)
		})
	}
	s, _, w := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword,
		limpet.Options{Middleware: []func(http.RoundTripper) http.RoundTripper{hold}, Logger: slog.New(logs)})
	if err := s.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	expire(t, srv, tomcatserver.ExamplesPath)
	relogin.Store(true)
	resp, err := s.Get(t.Context(), probe(tomcatserver.ExamplesPath))
	if body := text(t, resp, err); !strings.Contains(body, loggedInAs(tomcatserver.ExamplesUser)) {
		t.Fatalf("after the re-login: %d\n%s", resp.StatusCode, body)
	}
	select {
	case err := <-late:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the late request did not end")
	}
	w.mu.Lock()
	statuses := fmt.Sprint(w.statuses)
	w.mu.Unlock()
	if statuses != "[303 303]" {
		t.Errorf("the login POSTs were answered %s, want [303 303]: one login, one re-login", statuses)
	}
	ran := 0
	for _, l := range w.lines(t, srv) {
		if l.method == "POST" && strings.Contains(l.query, "late="+m) && l.user == tomcatserver.ExamplesUser {
			ran++
		}
	}
	if ran != 1 {
		t.Errorf("the late POST ran %d times as %s, want 1", ran, tomcatserver.ExamplesUser)
	}
}

// A recovery logs in on a session of its own. The session the jar holds
// when the login starts may be one Tomcat made for an earlier answer (the
// login page), and requests still on their way may carry it; Tomcat changes
// a session's id each time it shows the login page for it, so one of them,
// processed while the login runs, would leave the login's credentials with
// an id Tomcat no longer knows (408, and a second login POST: X1 saw it
// once in 200 runs under load). So the recovery's first request, the
// probe, carries no session cookie at all.
func TestRecoveryStartsOnItsOwnSession(t *testing.T) {
	srv := tomcatserver.Start(t)
	var mu sync.Mutex
	var probes []string // the Cookie headers of the GETs of the probe page
	rec := func(r *http.Request) error {
		if r.Method == http.MethodGet && r.URL.Path == probe(tomcatserver.ExamplesPath) {
			mu.Lock()
			probes = append(probes, r.Header.Get("Cookie"))
			mu.Unlock()
		}
		return nil
	}
	s, _, w := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword,
		limpet.Options{OnRequest: []func(*http.Request) error{rec}})
	if err := s.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	expire(t, srv, tomcatserver.ExamplesPath)
	mu.Lock()
	probes = nil
	mu.Unlock()
	// The caller's request meets the login page, and keeps the new
	// (anonymous) session Tomcat made for it.
	resp, err := s.Get(t.Context(), probe(tomcatserver.ExamplesPath))
	if body := text(t, resp, err); !strings.Contains(body, loggedInAs(tomcatserver.ExamplesUser)) {
		t.Fatalf("after the recovery: %d\n%s", resp.StatusCode, body)
	}
	mu.Lock()
	defer mu.Unlock()
	// The caller's request, the login's probe, its confirmation, the replay.
	if len(probes) != 4 || !strings.Contains(probes[0], "JSESSIONID=") || strings.Contains(probes[1], "JSESSIONID=") {
		t.Fatalf("Cookie headers of the probe GETs %q: want the caller's with its session, then the login's without any", probes)
	}
	if w.posts.Load() != 2 {
		t.Errorf("%d login POSTs, want 2", w.posts.Load())
	}
}

// waitLog is a slog handler that reports when the Session logs that a
// request waits for a login.
type waitLog struct{ seen chan struct{} }

func (h *waitLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *waitLog) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "waiting for the login") {
		select {
		case h.seen <- struct{}{}:
		default:
		}
	}
	return nil
}
func (h *waitLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *waitLog) WithGroup(string) slog.Handler      { return h }

// X2: a process restarted between steps goes on in the saved session
// without logging in.
func TestPersistedSession(t *testing.T) {
	srv := tomcatserver.Start(t)
	path := filepath.Join(t.TempDir(), "tomcat.json")
	s1, _, w1 := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, tomcatserver.ExamplesPassword,
		limpet.Options{Store: filestore.Open(path, filestore.Options{})})
	if err := s1.Login(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"tomcat": {"version": 1`) || !strings.Contains(string(data), `"user":"tomcat"`) ||
		strings.Contains(string(data), `"password"`) || strings.Contains(string(data), `"secret"`) || !strings.Contains(string(data), `"JSESSIONID"`) {
		t.Fatalf("saved session:\n%s", data)
	}
	s2, _, w2 := newFormSession(t, srv, tomcatserver.ExamplesPath, tomcatserver.ExamplesUser, "not used",
		limpet.Options{Store: filestore.Open(path, filestore.Options{})})
	resp, err := s2.Get(t.Context(), probe(tomcatserver.ExamplesPath))
	if body := text(t, resp, err); !strings.Contains(body, loggedInAs(tomcatserver.ExamplesUser)) || len(resp.Recoveries) != 0 || w2.posts.Load() != 0 {
		t.Fatalf("restored session: recoveries %+v, login POSTs %d (first process: %d)", resp.Recoveries, w2.posts.Load(), w1.posts.Load())
	}
}
