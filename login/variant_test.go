package login_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/springserver"
	"github.com/limpet-http/limpet/login"
)

// variant returns the newest fixture's variant cell id.
func variant(t *testing.T, id string) springserver.Cell {
	t.Helper()
	srv := springserver.Start(t, springserver.Boot4, springserver.MatrixProfile)
	for _, c := range srv.Cells() {
		if c.Variant == id {
			return c
		}
	}
	t.Fatalf("the fixture has no variant cell %s", id)
	return springserver.Cell{}
}

// An application under a servlet context path (/app): Auto logs in from the base URL alone, with the probe under
// the path (not at the host's root, which is another context's 404), and logs in again once after an expiry.
func TestAutoContextPath(t *testing.T) {
	c := variant(t, springserver.VariantContextPath)
	auth := login.Auto(limpet.StaticCredentials(user, password), login.Options{})
	s, err := limpet.New(limpet.Options{BaseURL: c.AppURL(), Authenticator: auth})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Login(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := login.Learned(auth); r.Params[login.ParamProbe] != c.AppURL()+"/" {
		t.Fatalf("recipe %+v: want the probe %s/", r, c.AppURL())
	}
	get := func() {
		t.Helper()
		resp, err := s.Get(ctx, "api/me")
		if err != nil {
			t.Fatal(err)
		}
		if body, _ := resp.Text(); resp.StatusCode != 200 || !strings.Contains(body, `"user":"user"`) {
			t.Fatalf("GET api/me: %d %q", resp.StatusCode, body)
		}
	}
	get()
	resp, err := s.Post(ctx, "api/items", limpet.JSON(map[string]string{"key": "context-path"}))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Close(); resp.StatusCode != 200 {
		t.Fatalf("POST api/items: %d", resp.StatusCode)
	}
	c.ExpireAll(t)
	before := c.Counters(t)
	get()
	if n := c.Counters(t).AuthSuccess - before.AuthSuccess; n != 1 {
		t.Fatalf("%d logins after the expiry, want 1", n)
	}
}

// Http403ForbiddenEntryPoint: Auto records that the entry point answers 403, and a GET or a POST with a cached
// token after an expiry gets its answer after one new login.
func TestAutoForbiddenEntryPoint(t *testing.T) {
	c := variant(t, springserver.VariantEntry403)
	auth := login.Auto(limpet.StaticCredentials(user, password), login.Options{LoginURL: c.LoginURL})
	s, err := limpet.New(limpet.Options{BaseURL: c.URL, Authenticator: auth})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	me(t, s)
	if r, _ := login.Learned(auth); r.Params[login.ParamEntry] != "403" {
		t.Fatalf("recipe %+v: want %s=403", r, login.ParamEntry)
	}
	if st := post(t, s, "entry-403-before"); st != 200 {
		t.Fatalf("POST: %d", st)
	}
	c.ExpireAll(t)
	before := c.Counters(t)
	me(t, s)
	if n := c.Counters(t).AuthSuccess - before.AuthSuccess; n != 1 {
		t.Fatalf("GET after the expiry: %d logins, want 1", n)
	}
	c.ExpireAll(t)
	before = c.Counters(t)
	if st := post(t, s, "entry-403-after"); st != 200 || c.Posts(t, "entry-403-after") != 1 {
		t.Fatalf("POST after the expiry: %d", st)
	}
	if n := c.Counters(t).AuthSuccess - before.AuthSuccess; n != 1 {
		t.Fatalf("POST after the expiry: %d logins, want 1", n)
	}
}

// A login without a page whose token the application hands out (a renamed cookie, the /csrf endpoint, a response
// header), and one whose failure handler answers 403: a wrong password is posted once and reported as such, the
// right one logs in with one login POST.
func TestAutoTokenHandedOut(t *testing.T) {
	for _, id := range []string{springserver.VariantCSRFCookieNames, springserver.VariantCSRFEndpoint,
		springserver.VariantCSRFResponseHeader, springserver.VariantFail403} {
		t.Run(id, func(t *testing.T) {
			c := variant(t, id)
			dir := t.TempDir()
			before := c.Counters(t)
			err := session(t, c, "wrong-password", filepath.Join(dir, "wrong.json")).Login(context.Background())
			after := c.Counters(t)
			if !errors.Is(err, limpet.ErrBadCredentials) {
				t.Fatalf("wrong password: %v, want ErrBadCredentials", err)
			}
			if posts := after.LoginPosts - before.LoginPosts; posts != 1 || after.AuthFailure-before.AuthFailure != 1 {
				t.Fatalf("wrong password: %d login POSTs, %d failed authentications; want 1 and 1", posts,
					after.AuthFailure-before.AuthFailure)
			}
			s := session(t, c, password, filepath.Join(dir, "s.json"))
			before = c.Counters(t)
			if err := s.Login(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := c.Counters(t).LoginPosts - before.LoginPosts; n != 1 {
				t.Fatalf("%d login POSTs, want 1", n)
			}
			if st := post(t, s, "handed-out"); st != 200 {
				t.Fatalf("POST: %d", st)
			}
		})
	}
}
