package springcheck_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/springcheck"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/spring"
	"github.com/limpet-http/limpet/store"
)

var (
	update = flag.Bool("update", false, "rewrite testdata/expected.txt and the table of docs/spring.md from the outcomes")
	report = flag.String("report", "", "write every failed check and its error to this file, one per line")
)

const (
	expectedFile = "testdata/expected.txt"
	docFile      = "../../docs/spring.md"

	// cellParallelism bounds the cells checked at once, over both versions. A cell's checks run one after
	// another (they end all of the cell's sessions); cells are independent (own port, counters and sessions).
	cellParallelism = 6

	// libraryGoroutines and cliProcesses are the concurrent requests of the concurrent check.
	libraryGoroutines = 32
	cliProcesses      = 8

	user     = "user"
	password = "password"
)

// client is one column's way to reach a cell: a Session of the library, or the limpet command.
type client interface {
	// Login logs in (Session.Login; limpet login).
	Login(ctx context.Context) error
	// BadCredentials reports whether a login error says the credentials were wrong.
	BadCredentials(err error) bool
	// Send sends a request to a path of the cell, with a body of the kind ("", "form", "json") made of fields.
	Send(ctx context.Context, method, path, kind string, fields map[string]string) (answer, error)
	// Second returns a client on the same saved session, as a second process would be.
	Second() (client, error)
	// Saved returns what the session store holds, and false when it holds nothing.
	Saved(ctx context.Context) (store.Snapshot, bool, error)
	Close() error
}

// answer is the final response to a request, and the number of 401 and 403 answers seen on the way (logins,
// replays and redirects included).
type answer struct {
	status  int
	body    string
	refused int
}

func (a answer) String() string {
	body := a.body
	if len(body) > 200 {
		body = body[:200] + "..."
	}
	return fmt.Sprintf("%d %q (%d refusals on the way)", a.status, body, a.refused)
}

// recorder collects the outcomes of a run.
type recorder struct {
	mu       sync.Mutex
	expected springcheck.Results
	got      springcheck.Results
	flipped  []string          // checks that pass and are expected to fail
	errs     map[string]string // the error of each failed check, by key
}

func (r *recorder) record(k springcheck.Key, outcome string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[k] = outcome
}

func (r *recorder) failed(k springcheck.Key, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got[k] = springcheck.Fail
	r.errs[k.String()] = strings.ReplaceAll(err.Error(), "\n", " ")
}

// TestMatrix runs every check on every cell of both versions' matrix, through the library and the CLI, and compares
// the outcomes with testdata/expected.txt.
func TestMatrix(t *testing.T) {
	rec := &recorder{expected: springcheck.Results{}, got: springcheck.Results{}, errs: map[string]string{}}
	if data, err := os.ReadFile(expectedFile); err == nil {
		if rec.expected, err = springcheck.ParseResults(bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	sem := make(chan struct{}, cellParallelism)
	t.Run("versions", func(t *testing.T) {
		for _, version := range springserver.Versions() {
			t.Run(version, func(t *testing.T) {
				t.Parallel()
				srv := springserver.Start(t, version, springserver.MatrixProfile)
				began := time.Now()
				var wg sync.WaitGroup
				for _, cell := range srv.Cells() {
					wg.Add(1)
					go func() {
						defer wg.Done()
						sem <- struct{}{}
						defer func() { <-sem }()
						t.Run(cell.Name, func(t *testing.T) {
							for _, column := range []string{springcheck.Library, springcheck.CLI} {
								t.Run(column, func(t *testing.T) {
									(&cellRun{rec: rec, version: version, cell: cell, column: column}).run(t)
								})
							}
						})
					}()
				}
				wg.Wait()
				t.Logf("%s: %d cells checked in %v", version, len(srv.Cells()), time.Since(began).Round(time.Second))
			})
		}
	})
	for _, v := range springserver.Versions() {
		for _, col := range []string{springcheck.Library, springcheck.CLI} {
			p, a := rec.got.Totals(v, col)
			if a > 0 {
				t.Logf("%s %s: %d/%d checks passed", v, col, p, a)
			}
		}
	}
	if len(rec.flipped) > 0 {
		t.Logf("%d checks pass that testdata/expected.txt expects to fail (go test -update records them):\n%s",
			len(rec.flipped), strings.Join(rec.flipped, "\n"))
	}
	if *report != "" {
		var b strings.Builder
		for _, k := range rec.got.Keys() {
			if e, ok := rec.errs[k.String()]; ok {
				b.WriteString(k.String() + "\t" + e + "\n")
			}
		}
		if err := os.WriteFile(*report, []byte(b.String()), 0o644); err != nil {
			t.Error(err)
		}
	}
	if *update && len(rec.got) > 0 {
		writeUpdate(t, rec)
	}
}

// writeUpdate merges the outcomes into the expected results (outcomes of checks that did not run stay) and writes
// the file and the table.
func writeUpdate(t *testing.T, rec *recorder) {
	merged := springcheck.Results{}
	for k, v := range rec.expected {
		merged[k] = v
	}
	for k, v := range rec.got {
		merged[k] = v
	}
	if err := os.MkdirAll(filepath.Dir(expectedFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(expectedFile, merged.Format(), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(docFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err = springcheck.ReplaceTable(doc, merged.Table())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(docFile, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d outcomes) and the table of %s", expectedFile, len(merged), docFile)
}

// cellRun runs one column's checks on one cell, one after another.
type cellRun struct {
	rec     *recorder
	version string
	cell    springserver.Cell
	column  string
	dir     string
	main    client
}

// loginURL is what a user must be told besides the base URL, "" when the base URL's unauthenticated answer leads to
// the login page (a redirect to it). Otherwise it is the login page when the application has one (a user knows the
// page they log in on in a browser), else the URL the credentials go to (a processing URL, a JSON login endpoint, a
// token endpoint).
func (r *cellRun) loginURL() string {
	switch {
	case r.entryRedirects():
		return ""
	case r.cell.HasLoginPage():
		return r.cell.LoginPage
	default:
		return r.cell.LoginURL
	}
}

// entryRedirects reports whether the cell answers an unauthenticated request with a redirect to its login page:
// every cell with a page, except a custom page behind a bare 401 entry point (see the fixture's own tests,
// internal/testserver/springserver/matrix_test.go).
func (r *cellRun) entryRedirects() bool {
	return r.cell.HasLoginPage() && !(r.cell.Login == springserver.LoginCustomPage && r.cell.Expiry == springserver.Expiry401)
}

func (r *cellRun) newClient(name, pass string) (client, error) {
	path := filepath.Join(r.dir, name+".json")
	if r.column == springcheck.Library {
		return newLibClient(r.cell.AppURL(), r.loginURL(), user, pass, path)
	}
	return newCLIClient(r.cell.AppURL(), r.loginURL(), user, pass, path, r.dir), nil
}

func (r *cellRun) run(t *testing.T) {
	r.dir = t.TempDir()
	r.check(t, springcheck.CheckWrongPassword, r.wrongPassword)
	c, err := r.newClient("session", password)
	if err != nil {
		// Every check fails: the column cannot even make a client.
		for _, name := range springcheck.Checks[1:] {
			r.check(t, name, func(context.Context, *testing.T) error { return fmt.Errorf("new client: %w", err) })
		}
		return
	}
	r.main = c
	defer c.Close()
	r.check(t, springcheck.CheckLogin, r.login)
	r.check(t, springcheck.CheckGet, r.get)
	r.check(t, springcheck.CheckPostForm, r.postForm)
	r.check(t, springcheck.CheckPostJSON, r.postJSON)
	r.check(t, springcheck.CheckReuse, r.reuse)
	r.check(t, springcheck.CheckExpiryGet, r.expiryGet)
	r.check(t, springcheck.CheckExpiryPost, r.expiryPost)
	r.check(t, springcheck.CheckConcurrent, r.concurrent)
	if r.cell.JWT() {
		r.check(t, springcheck.CheckTokenExpiry, r.tokenExpiry)
	}
}

// check runs one check as a subtest, records its outcome and compares it with the expected one: a failure where a
// pass is expected (or where nothing is recorded) fails the subtest, a known failure is logged.
func (r *cellRun) check(t *testing.T, name string, f func(context.Context, *testing.T) error) {
	t.Run(name, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		err := f(ctx, t)
		if t.Failed() {
			return // the fixture's control endpoints failed: not an outcome
		}
		k := springcheck.Key{Version: r.version, Cell: r.cell.Name, Check: name, Column: r.column}
		want, known := r.rec.expected[k]
		if err == nil {
			r.rec.record(k, springcheck.Pass)
			if want == springcheck.Fail {
				r.rec.mu.Lock()
				r.rec.flipped = append(r.rec.flipped, k.String())
				r.rec.mu.Unlock()
				t.Logf("passes; %s expects a failure", expectedFile)
			}
			return
		}
		r.rec.failed(k, err)
		switch {
		case *update || want == springcheck.Fail:
			t.Logf("fails (known): %v", err)
		case !known:
			t.Errorf("fails, and %s has no outcome for it (go test -update records it): %v", expectedFile, err)
		default:
			t.Errorf("regression: fails, expected to pass: %v", err)
		}
	})
}

func (r *cellRun) counters(t *testing.T) springserver.CellCounters { return r.cell.Counters(t) }

// logins counts the logins between two counter readings: tokens issued on a bearer-token cell, successful
// authentications otherwise (a form or JSON login, a remember-me login).
func (r *cellRun) logins(before, after springserver.CellCounters) int64 {
	if r.cell.JWT() {
		return after.TokensIssued - before.TokensIssued
	}
	return (after.AuthSuccess - after.BasicAuth) - (before.AuthSuccess - before.BasicAuth)
}

// apiBasic reports whether the cell has a first chain for /api/** with HTTP Basic (variant api-basic): its checks
// also send their requests to the pages of the form login's chain (GET /, POST /items).
func (r *cellRun) apiBasic() bool { return r.cell.Variant == springserver.VariantAPIBasic }

// wantHome checks an answer to GET / (the form login's chain of an api-basic cell).
func (r *cellRun) wantHome(a answer) error {
	if a.status != 200 || !strings.Contains(a.body, `<p id="user">`+user+`</p>`) {
		return fmt.Errorf("GET /: want 200 with the user, got %v", a)
	}
	return nil
}

// getHome sends GET / on an api-basic cell, and nothing elsewhere.
func (r *cellRun) getHome(ctx context.Context, c client, p *problems, noRefusal bool) {
	if !r.apiBasic() {
		return
	}
	a, err := c.Send(ctx, "GET", "/", "", nil)
	switch {
	case err != nil:
		p.add("GET /: %v", err)
	case r.wantHome(a) != nil:
		p.add("%v", r.wantHome(a))
	case noRefusal && a.refused > 0:
		p.add("GET /: want no refusal, got %v", a)
	}
}

// basic reports whether the cell authenticates every request (HTTP Basic): it has no login to count.
func (r *cellRun) basic() bool { return r.cell.Login == springserver.LoginBasic }

// problems collects what is wrong in a check, to report it all at once.
type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	return errors.New(strings.Join(p, "; "))
}

// wantOneLogin adds a problem unless exactly one login happened and no authentication failed, or, where the
// server's remember-me cookie brought the session back by itself, unless the client did not log in besides.
func (r *cellRun) wantOneLogin(p *problems, before, after springserver.CellCounters) {
	if r.basic() {
		if n := after.AuthFailure - before.AuthFailure; n != 0 {
			p.add("%d failed authentications", n)
		}
		return
	}
	failures := after.AuthFailure - before.AuthFailure
	if r.cell.JWT() {
		failures = 0 // the refusal of the revoked or expired token counts as a failed authentication
	}
	if remembered := after.RememberMe - before.RememberMe; remembered > 0 {
		// The server's remember-me brought the session back by itself, for each request it saw without one
		// (requests in flight at the expiry included): the client must not log in besides.
		if n := r.logins(before, after) - remembered; n != 0 || failures != 0 {
			p.add("%d logins besides %d remember-me authentications (want none), %d failed authentications, %d login POSTs",
				n, remembered, failures, after.LoginPosts-before.LoginPosts)
		}
		return
	}
	if n := r.logins(before, after); n != 1 || failures != 0 {
		p.add("%d logins (want 1), %d failed authentications, %d login POSTs", n, failures,
			after.LoginPosts-before.LoginPosts)
	}
}

// wrongPassword: a login with a wrong password sends it once, reports bad credentials and saves nothing.
func (r *cellRun) wrongPassword(ctx context.Context, t *testing.T) error {
	c, err := r.newClient("wrong", "wrong-password")
	if err != nil {
		return fmt.Errorf("new client: %w", err)
	}
	defer c.Close()
	before := r.counters(t)
	err = c.Login(ctx)
	after := r.counters(t)
	var p problems
	switch {
	case err == nil:
		p.add("the login with a wrong password succeeded")
	case !c.BadCredentials(err):
		p.add("want a bad-credentials error, got: %v", err)
	}
	failures, posts := after.AuthFailure-before.AuthFailure, after.LoginPosts-before.LoginPosts
	wantPosts := int64(1)
	if r.basic() {
		wantPosts = 0 // the credentials go with a GET
	}
	if failures != 1 || posts != wantPosts || after.AuthSuccess != before.AuthSuccess {
		p.add("%d failed authentications (want 1), %d login POSTs (want %d), %d successes", failures, posts,
			wantPosts, after.AuthSuccess-before.AuthSuccess)
	}
	if snap, ok, err := c.Saved(ctx); err != nil {
		p.add("reading the session store: %v", err)
	} else if ok && savedLogin(snap) {
		p.add("the failed login saved a login: %s", describeLogin(snap))
	}
	return p.err()
}

// savedLogin reports whether s keeps anything of a login: a state entry
// other than the CSRF token the spring Authenticator saw (which, like the
// cookies, a failed login may leave), or a member of an earlier release.
func savedLogin(s store.Snapshot) bool {
	return len(s.Extra) > 0 || describeLogin(s) != ""
}

func describeLogin(s store.Snapshot) string {
	var parts []string
	for owner, st := range s.State {
		var sp struct {
			Login json.RawMessage `json:"login"`
		}
		if owner == spring.StateOwner && json.Unmarshal(st.Data, &sp) == nil && sp.Login == nil {
			continue // a CSRF token only
		}
		parts = append(parts, "state "+owner)
	}
	for m := range s.Extra {
		parts = append(parts, "member "+m)
	}
	return strings.Join(parts, ", ")
}

// login: the login succeeds, with one successful authentication and no failed one.
func (r *cellRun) login(ctx context.Context, t *testing.T) error {
	before := r.counters(t)
	if err := r.main.Login(ctx); err != nil {
		return err
	}
	after := r.counters(t)
	var p problems
	if r.basic() {
		if n := after.AuthFailure - before.AuthFailure; n != 0 {
			p.add("%d failed authentications", n)
		}
	} else {
		r.wantOneLogin(&p, before, after)
	}
	return p.err()
}

// wantMe checks an answer to GET /api/me.
func (r *cellRun) wantMe(a answer) error {
	if a.status != 200 || !strings.Contains(a.body, `"user":"`+user+`"`) {
		return fmt.Errorf("GET /api/me: want 200 with the user, got %v", a)
	}
	return nil
}

// get: the protected API answers the logged-in user.
func (r *cellRun) get(ctx context.Context, t *testing.T) error {
	a, err := r.main.Send(ctx, "GET", "/api/me", "", nil)
	if err != nil {
		return err
	}
	var p problems
	if err := r.wantMe(a); err != nil {
		p.add("%v", err)
	}
	r.getHome(ctx, r.main, &p, false)
	return p.err()
}

// post sends POST /api/items with the key, and checks that it ran once; on an api-basic cell, then also POST
// /items (the form login's chain) with the key and "-page".
func (r *cellRun) post(ctx context.Context, t *testing.T, c client, kind, key string) error {
	if err := r.postTo(ctx, t, c, "/api/items", kind, key); err != nil || !r.apiBasic() {
		return err
	}
	return r.postTo(ctx, t, c, "/items", kind, key+"-page")
}

func (r *cellRun) postTo(ctx context.Context, t *testing.T, c client, path, kind, key string) error {
	a, err := c.Send(ctx, "POST", path, kind, map[string]string{"name": "limpet", "key": key})
	if err != nil {
		return fmt.Errorf("%s POST %s: %w", kind, path, err)
	}
	if n := r.cell.Posts(t, key); a.status != 200 || n != 1 {
		return fmt.Errorf("%s POST %s: want 200 and one execution, got %v and %d executions", kind, path, a, n)
	}
	return nil
}

func (r *cellRun) key(name string) string { return r.column + "-" + name }

// postForm and postJSON: a POST behind CSRF runs once.
func (r *cellRun) postForm(ctx context.Context, t *testing.T) error {
	return r.post(ctx, t, r.main, "form", r.key("form"))
}

func (r *cellRun) postJSON(ctx context.Context, t *testing.T) error {
	return r.post(ctx, t, r.main, "json", r.key("json"))
}

// reuse: a second process on the saved session gets its GET and POST through without a 401 or 403 and without a
// new login.
func (r *cellRun) reuse(ctx context.Context, t *testing.T) error {
	c, err := r.main.Second()
	if err != nil {
		return fmt.Errorf("second client: %w", err)
	}
	if c != r.main {
		defer c.Close()
	}
	before := r.counters(t)
	var p problems
	if a, err := c.Send(ctx, "GET", "/api/me", "", nil); err != nil {
		p.add("GET: %v", err)
	} else if err := r.wantMe(a); err != nil || a.refused > 0 {
		p.add("GET /api/me: want 200 with the user and no refusal, got %v", a)
	}
	key := r.key("reuse")
	if a, err := c.Send(ctx, "POST", "/api/items", "json", map[string]string{"name": "limpet", "key": key}); err != nil {
		p.add("POST: %v", err)
	} else if n := r.cell.Posts(t, key); a.status != 200 || n != 1 || a.refused > 0 {
		p.add("POST /api/items: want 200, one execution and no refusal, got %v and %d executions", a, n)
	}
	r.getHome(ctx, c, &p, true)
	if r.apiBasic() {
		key += "-page"
		if a, err := c.Send(ctx, "POST", "/items", "json", map[string]string{"name": "limpet", "key": key}); err != nil {
			p.add("POST /items: %v", err)
		} else if n := r.cell.Posts(t, key); a.status != 200 || n != 1 || a.refused > 0 {
			p.add("POST /items: want 200, one execution and no refusal, got %v and %d executions", a, n)
		}
	}
	after := r.counters(t)
	if n := r.logins(before, after); !r.basic() && n != 0 {
		p.add("%d new logins (want none)", n)
	}
	return p.err()
}

// expire ends every session of the cell (and revokes its tokens).
func (r *cellRun) expire(t *testing.T) { r.cell.ExpireAll(t) }

// expiryGet: after the server ended every session, a GET works, after one new login.
func (r *cellRun) expiryGet(ctx context.Context, t *testing.T) error {
	r.expire(t)
	before := r.counters(t)
	a, err := r.main.Send(ctx, "GET", "/api/me", "", nil)
	if err != nil {
		return err
	}
	var p problems
	if err := r.wantMe(a); err != nil {
		p.add("%v", err)
	}
	r.getHome(ctx, r.main, &p, false)
	r.wantOneLogin(&p, before, r.counters(t))
	return p.err()
}

// loggedIn returns a new client of its own (a new session file), logged in, that holds a CSRF token of its
// server session: a POST ran. The expiry checks start from one, so that each shows its own outcome.
func (r *cellRun) loggedIn(ctx context.Context, t *testing.T, name string) (client, error) {
	c, err := r.newClient(name, password)
	if err != nil {
		return nil, fmt.Errorf("new client: %w", err)
	}
	if err := c.Login(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("before expiry: %w", err)
	}
	if err := r.post(ctx, t, c, "json", r.key(name+"-before")); err != nil {
		c.Close()
		return nil, fmt.Errorf("before expiry: %w", err)
	}
	return c, nil
}

// expiryPost: after the server ended every session, a POST with the token cached before runs once, after one new
// login.
func (r *cellRun) expiryPost(ctx context.Context, t *testing.T) error {
	c, err := r.loggedIn(ctx, t, "expiry-post")
	if err != nil {
		return err
	}
	defer c.Close()
	r.expire(t)
	before := r.counters(t)
	var p problems
	if err := r.post(ctx, t, c, "json", r.key("expiry-post")); err != nil {
		p.add("%v", err)
	}
	r.wantOneLogin(&p, before, r.counters(t))
	return p.err()
}

// concurrent: after the server ended every session, concurrent POSTs (goroutines of one Session, or processes on
// one session file) each run once, after one new login.
func (r *cellRun) concurrent(ctx context.Context, t *testing.T) error {
	c, err := r.loggedIn(ctx, t, "concurrent")
	if err != nil {
		return err
	}
	defer c.Close()
	n := libraryGoroutines
	if r.column == springcheck.CLI {
		n = cliProcesses
	}
	r.expire(t)
	before := r.counters(t)
	answers := make([]answer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		path := "/api/items"
		if r.apiBasic() && i%2 == 1 {
			path = "/items" // half of them to the form login's chain
		}
		go func() {
			defer wg.Done()
			answers[i], errs[i] = c.Send(ctx, "POST", path, "json",
				map[string]string{"name": "limpet", "key": fmt.Sprintf("%s-%d", r.key("concurrent"), i)})
		}()
	}
	wg.Wait()
	after := r.counters(t)
	var p problems
	failed, first := 0, ""
	for i := range n {
		if errs[i] != nil || answers[i].status != 200 || !strings.Contains(answers[i].body, `"keyCount":1`) {
			if failed++; failed == 1 {
				first = fmt.Sprintf("%v %v", answers[i], errs[i])
			}
		}
	}
	if failed > 0 {
		p.add("%d of %d POSTs failed (first: %s)", failed, n, first)
	}
	if ran := after.Posts - before.Posts; ran != int64(n) {
		p.add("%d POSTs ran, want %d", ran, n)
	}
	r.wantOneLogin(&p, before, after)
	return p.err()
}

// tokenExpiry: a bearer token is used while it lives (no new token per request), and renewed once after it
// expired.
func (r *cellRun) tokenExpiry(ctx context.Context, t *testing.T) error {
	// A fresh token: the one of the last check may be close to its end.
	r.expire(t)
	if a, err := r.main.Send(ctx, "GET", "/api/me", "", nil); err != nil {
		return err
	} else if err := r.wantMe(a); err != nil {
		return fmt.Errorf("after revoking the token: %w", err)
	}
	before := r.counters(t)
	var p problems
	for range 3 {
		a, err := r.main.Send(ctx, "GET", "/api/me", "", nil)
		if err != nil {
			return err
		}
		if err := r.wantMe(a); err != nil {
			p.add("while the token lives: %v", err)
		}
	}
	if n := r.logins(before, r.counters(t)); n != 0 {
		p.add("3 GETs while the token lives got %d new tokens, want none", n)
	}
	// The token in use is at most as old as this check: after its lifetime it has expired.
	time.Sleep(time.Duration(r.cell.TokenLifetime+1) * time.Second)
	before = r.counters(t)
	a, err := r.main.Send(ctx, "GET", "/api/me", "", nil)
	if err != nil {
		return err
	}
	if err := r.wantMe(a); err != nil {
		p.add("after the token expired: %v", err)
	}
	if n := r.logins(before, r.counters(t)); n != 1 {
		p.add("after the token expired: %d new tokens, want 1", n)
	}
	return p.err()
}
