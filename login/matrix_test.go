package login_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/login"
	"github.com/limpet-http/limpet/store/filestore"
)

func TestMain(m *testing.M) { os.Exit(springserver.Main(m)) }

// The fixture's matrix user.
const user, password = "user", "password"

// cells returns the matrix cells of the newest fixture whose dimensions
// match want (dimension name to value, as in Cell.Name); it fails the test
// when there is none. The variant cells, which differ from what their
// dimensions say, are left to internal/springcheck.
func cells(t *testing.T, want ...string) []springserver.Cell {
	t.Helper()
	srv := springserver.Start(t, springserver.Boot4, springserver.MatrixProfile)
	var out []springserver.Cell
	for _, c := range srv.Cells() {
		if c.Variant != "" {
			continue
		}
		dims := map[string]bool{}
		for _, d := range strings.Split(c.Name, ",") {
			dims[d] = true
		}
		ok := true
		for _, w := range want {
			if !dims[w] {
				ok = false
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no matrix cell has %v", want)
	}
	return out
}

// loginURL is what a user names: the login URL of a cell without a page.
func loginURL(c springserver.Cell) string {
	if c.HasLoginPage() {
		return ""
	}
	return c.LoginURL
}

// session returns a Session on the cell's base URL saved to path, knowing
// only the credentials (and the login URL of a cell without a page).
func session(t *testing.T, c springserver.Cell, pass, path string) *limpet.Session {
	t.Helper()
	s, err := limpet.New(limpet.Options{
		BaseURL:       c.URL,
		Store:         filestore.Open(path, filestore.Options{}),
		Authenticator: login.Auto(limpet.StaticCredentials(user, pass), login.Options{LoginURL: loginURL(c)}),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func post(t *testing.T, s *limpet.Session, key string) int {
	t.Helper()
	resp, err := s.Post(context.Background(), "/api/items", limpet.JSON(map[string]string{"name": "limpet", "key": key}))
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	return resp.StatusCode
}

func me(t *testing.T, s *limpet.Session) {
	t.Helper()
	resp, err := s.Get(context.Background(), "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := resp.Text()
	if resp.StatusCode != 200 || !strings.Contains(body, user) {
		t.Fatalf("GET /api/me: %d %q", resp.StatusCode, body)
	}
}

// Class 1: a cookie repository with Spring's default (XOR) handler and no
// page that renders the token: the client masks the cookie's token itself,
// and the next process knows it must, without a refusal.
func TestAutoMasksTheCookieToken(t *testing.T) {
	for _, c := range cells(t, "csrf=cookie-js", "handler=xor") {
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.json")
			s := session(t, c, password, path)
			if err := s.Login(context.Background()); err != nil {
				t.Fatal(err)
			}
			k1, k2 := unique("xor-1"), unique("xor-2")
			if st := post(t, s, k1); st != 200 || c.Posts(t, k1) != 1 {
				t.Fatalf("POST: %d, %d executions", st, c.Posts(t, k1))
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			var refused int
			s2, err := limpet.New(limpet.Options{BaseURL: c.URL, Store: filestore.Open(path, filestore.Options{}),
				Authenticator: login.Auto(limpet.StaticCredentials(user, password), login.Options{LoginURL: loginURL(c)}),
				OnResponse: []func(*http.Response) error{func(r *http.Response) error {
					if r.StatusCode == 401 || r.StatusCode == 403 {
						refused++
					}
					return nil
				}}})
			if err != nil {
				t.Fatal(err)
			}
			defer s2.Close()
			before := c.Counters(t)
			if st := post(t, s2, k2); st != 200 || c.Posts(t, k2) != 1 || refused != 0 {
				t.Fatalf("second process POST: %d, %d executions, %d refusals", st, c.Posts(t, k2), refused)
			}
			if n := c.Counters(t).AuthSuccess - before.AuthSuccess; n != 0 && c.Login != springserver.LoginBasic {
				t.Fatalf("the second process logged in %d times", n)
			}
		})
	}
}

// Class 2: the server session expires while a CSRF token is cached; the
// CSRF filter answers 403 before the authentication check. 32 goroutines
// POST: one login, every POST executed once.
func TestAutoCSRF403AfterExpiry(t *testing.T) {
	for _, c := range cells(t, "expiry=csrf403") {
		if c.Stateless() {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			s := session(t, c, password, filepath.Join(t.TempDir(), "s.json"))
			if err := s.Login(context.Background()); err != nil {
				t.Fatal(err)
			}
			if st := post(t, s, "warm"); st != 200 {
				t.Fatalf("POST before expiry: %d", st)
			}
			c.ExpireAll(t)
			before := c.Counters(t)
			key := unique("c403")
			var wg sync.WaitGroup
			errs := make(chan error, 32)
			for i := range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := s.Post(context.Background(), "/api/items",
						limpet.JSON(map[string]string{"name": "limpet", "key": key}))
					if err != nil {
						errs <- err
						return
					}
					resp.Close()
					if resp.StatusCode != 200 {
						errs <- errors.New(resp.Status)
					}
					_ = i
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			after := c.Counters(t)
			if n := after.AuthSuccess - before.AuthSuccess; n != 1 {
				t.Errorf("%d logins, want 1", n)
			}
			if n := c.Posts(t, key); n != 32 {
				t.Errorf("%d POSTs executed, want 32", n)
			}
		})
	}
}

// Class 3: a wrong password, whatever the failure answer and the CSRF set-up
// (a cookie token that no page renders and only a refused request brings,
// in a form the server's handler decides): one login POST, one failed
// authentication, ErrBadCredentials naming the URL, nothing saved.
func TestAutoWrongPassword(t *testing.T) {
	for _, c := range cells(t) {
		if c.Login == springserver.LoginBasic || c.JWT() {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.json")
			s := session(t, c, "wrong-password", path)
			before := c.Counters(t)
			err := s.Login(context.Background())
			after := c.Counters(t)
			if !errors.Is(err, limpet.ErrBadCredentials) || !strings.Contains(err.Error(), c.URL) {
				t.Fatalf("want ErrBadCredentials naming the URL, got %v", err)
			}
			if posts, fails := after.LoginPosts-before.LoginPosts, after.AuthFailure-before.AuthFailure; posts != 1 || fails != 1 {
				t.Fatalf("%d login POSTs, %d failed authentications: want 1 and 1", posts, fails)
			}
			s.Close()
			if snap, err := filestore.Open(path, filestore.Options{}).Load(context.Background()); err == nil &&
				(len(snap.Extra) > 0 || len(snap.State) > 0) {
				t.Fatalf("the failed login saved a login: %v %v", snap.Extra, snap.State)
			}
		})
	}
}

// Class 5: no login page (a processing URL or a JSON-body endpoint and a
// 401 entry point): named once, the login works; not named, the error
// names the URL it looked at.
func TestAutoWithoutLoginPage(t *testing.T) {
	for _, c := range cells(t) {
		if c.HasLoginPage() || c.Stateless() {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			s := session(t, c, password, filepath.Join(t.TempDir(), "s.json"))
			me(t, s)
			if st := post(t, s, "nopage"); st != 200 {
				t.Fatalf("POST: %d", st)
			}
			bare, err := limpet.New(limpet.Options{BaseURL: c.URL,
				Authenticator: login.Auto(limpet.StaticCredentials(user, password), login.Options{})})
			if err != nil {
				t.Fatal(err)
			}
			defer bare.Close()
			if err := bare.Login(context.Background()); err == nil || !strings.Contains(err.Error(), c.URL) ||
				!strings.Contains(err.Error(), "LoginURL") {
				t.Fatalf("without the login URL: want an error naming %s and Options.LoginURL, got %v", c.URL, err)
			}
		})
	}
}

// Class 4: a token lives its lifetime (shorter than the default skew): no
// new token per request, from a form-encoded or a JSON token endpoint.
func TestAutoTokenLifetime(t *testing.T) {
	for _, c := range cells(t) {
		if !c.JWT() {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			s := session(t, c, password, filepath.Join(t.TempDir(), "s.json"))
			me(t, s)
			before := c.Counters(t)
			for range 3 {
				me(t, s)
			}
			if n := c.Counters(t).TokensIssued - before.TokensIssued; n != 0 {
				t.Fatalf("3 GETs while the token lives got %d new tokens", n)
			}
		})
	}
}

// An invalidSessionUrl redirect after the server session ended: a new
// login, and the GET answered.
func TestAutoInvalidSessionURL(t *testing.T) {
	for _, c := range cells(t, "expiry=invalid-url") {
		t.Run(c.Name, func(t *testing.T) {
			s := session(t, c, password, filepath.Join(t.TempDir(), "s.json"))
			me(t, s)
			c.ExpireAll(t)
			before := c.Counters(t)
			me(t, s)
			if n := c.Counters(t).AuthSuccess - before.AuthSuccess; n != 1 {
				t.Fatalf("%d logins after the expiry, want 1", n)
			}
		})
	}
}

// A login with the right password, on every cell with a login session:
// one login POST, one successful authentication and no failed one, what
// it sends first to get a CSRF token included (a request the server
// refuses must not become where the login sends the client, as Spring's
// request cache makes of any refused request when CSRF is off). It logs
// how many requests the login took.
func TestAutoLoginCost(t *testing.T) {
	for _, c := range cells(t) {
		if c.Stateless() {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			var sent atomic.Int64
			s, err := limpet.New(limpet.Options{BaseURL: c.URL,
				Authenticator: login.Auto(limpet.StaticCredentials(user, password), login.Options{LoginURL: loginURL(c)}),
				OnRequest: []func(*http.Request) error{func(*http.Request) error {
					sent.Add(1)
					return nil
				}}})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			before := c.Counters(t)
			if err := s.Login(context.Background()); err != nil {
				t.Fatal(err)
			}
			after := c.Counters(t)
			posts, ok, fails := after.LoginPosts-before.LoginPosts, after.AuthSuccess-before.AuthSuccess,
				after.AuthFailure-before.AuthFailure
			if posts != 1 || ok != 1 || fails != 0 {
				t.Fatalf("%d login POSTs, %d successes, %d failures: want 1, 1, 0", posts, ok, fails)
			}
			t.Logf("%s: %d requests", c.Name, sent.Load())
		})
	}
}

// A POST right after a login, on a server with an invalidSessionUrl: a
// cookie repository answers the first POST (the login cleared its token)
// with a redirect to the invalidSessionUrl page and a new token; the POST
// is sent again with the token and runs once, with no new login.
func TestAutoPostAfterLoginInvalidSessionURL(t *testing.T) {
	for _, c := range cells(t, "expiry=invalid-url") {
		t.Run(c.Name, func(t *testing.T) {
			s := session(t, c, password, filepath.Join(t.TempDir(), "s.json"))
			if err := s.Login(context.Background()); err != nil {
				t.Fatal(err)
			}
			before := c.Counters(t)
			key := unique("invalid-url")
			resp, err := s.Post(context.Background(), "/api/items",
				limpet.JSON(map[string]string{"name": "limpet", "key": key}))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := resp.Text()
			if resp.StatusCode != 200 || c.Posts(t, key) != 1 {
				t.Fatalf("POST after the login: %d %q, %d executions (want 200, 1)", resp.StatusCode, body, c.Posts(t, key))
			}
			if n := c.Counters(t).AuthSuccess - before.AuthSuccess; n != 0 {
				t.Fatalf("%d new logins, want none", n)
			}
		})
	}
}

var keys atomic.Int64

// unique returns a POST key no other run of the tests used.
func unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano(), keys.Add(1))
}
