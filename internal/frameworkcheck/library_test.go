package frameworkcheck_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/frameworks"
	"github.com/limpet-http/limpet/login"
	"github.com/limpet-http/limpet/store/filestore"
	"github.com/limpet-http/limpet/webform"
)

// librarySession opens a Session stored in path that logs in with login.Auto, given only the URL, the user and the
// password.
func librarySession(t *testing.T, tg target, path, user, password string) *limpet.Session {
	t.Helper()
	s, err := limpet.New(limpet.Options{
		BaseURL:       tg.url,
		Store:         filestore.Open(path, filestore.Options{}),
		ManualSave:    true,
		Authenticator: login.Auto(limpet.StaticCredentials(user, password), login.Options{}),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func getPage(t *testing.T, s *limpet.Session, tg target, want string) {
	t.Helper()
	resp, err := s.Get(ctx(t), tg.srv.URL+frameworks.PagePath)
	if err != nil {
		t.Fatalf("GET /page: %v", err)
	}
	body, _ := resp.Text()
	if resp.StatusCode != 200 || !strings.Contains(body, "Hello "+want) {
		t.Fatalf("GET /page: %d, want 200 with Hello %s:\n%.500s", resp.StatusCode, want, body)
	}
}

// count posts to /api/count?key=key as a form or JSON and checks that the counter went up by one exactly.
func count(t *testing.T, s *limpet.Session, tg target, key string, json bool) {
	t.Helper()
	u := tg.srv.URL + frameworks.CountPath + "?key=" + url.QueryEscape(key)
	var body limpet.Body = limpet.Form(url.Values{"note": {"x"}})
	hdr := http.Header{}
	if json {
		body = limpet.JSON(map[string]string{"note": "x"})
		hdr.Set("Accept", "application/json")
	}
	countsOnce(t, tg, key, func(t *testing.T) {
		resp, err := s.Do(ctx(t), &limpet.Request{Method: http.MethodPost, URL: u, Body: body, Header: hdr})
		if err != nil {
			t.Fatalf("POST %s: %v", u, err)
		}
		text, _ := resp.Text()
		if resp.StatusCode != 200 {
			t.Fatalf("POST %s: %d:\n%.500s", u, resp.StatusCode, text)
		}
	})
}

// TestLibrary checks login.Auto (which picks the web form login) against every framework and the single sign-on fixture, given only a URL, a user and
// a password.
func TestLibrary(t *testing.T) { forEachTarget(t, libraryChecks) }

func libraryChecks(t *testing.T, tg target) {
	all := users(t)
	alice, bob := all[0], all[1]
	dir := t.TempDir()
	path := filepath.Join(dir, "session.json")
	name := tg.login(alice)

	t.Run("login", func(t *testing.T) {
		s := librarySession(t, tg, path, name, alice.Password)
		if err := s.Login(ctx(t)); err != nil {
			t.Fatal(err)
		}
		getPage(t, s, tg, wantName(tg, alice))
		if err := s.Save(ctx(t)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("reuse", func(t *testing.T) {
		before := tg.srv.Counters(t)
		s := librarySession(t, tg, path, name, "not the password")
		getPage(t, s, tg, wantName(tg, alice))
		count(t, s, tg, "reuse-form", false)
		if after := tg.srv.Counters(t); after.LoginPosts[name] != before.LoginPosts[name] || loginsOK(t, tg, name) != before.LoginsOK[name] {
			t.Fatalf("the reused session logged in again: %+v -> %+v", before, after)
		}
	})
	s := librarySession(t, tg, path, name, alice.Password)
	t.Cleanup(func() { s.Save(context.Background()) })
	t.Run("form-post", func(t *testing.T) { count(t, s, tg, "form", false) })
	t.Run("json-post", func(t *testing.T) { count(t, s, tg, "json", true) })
	t.Run("wrong-password", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.json")
		wrong := librarySession(t, tg, bad, tg.login(bob), "wrong password")
		onePost(t, tg, tg.login(bob), func(t *testing.T) {
			err := wrong.Login(ctx(t))
			if !errors.Is(err, webform.ErrBadCredentials) {
				t.Fatalf("login with a wrong password: %v, want ErrBadCredentials", err)
			}
			where := tg.srv.URL
			if tg.sso != nil {
				where = tg.sso.Issuer() // the password went to the provider's form
			}
			if !strings.Contains(err.Error(), where) {
				t.Errorf("the error names no URL of %s: %v", where, err)
			}
		})
		if err := wrong.Close(); err != nil {
			t.Fatal(err)
		}
		// Close saves nothing of a failed login: not the login page's
		// anonymous cookies, not the login's state.
		if data, err := os.ReadFile(bad); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a failed login saved a session file (%v):\n%s", err, data)
		}
	})
	t.Run("expiry-get", func(t *testing.T) {
		oneLogin(t, tg, name, func(t *testing.T) { getPage(t, s, tg, wantName(tg, alice)) })
	})
	t.Run("expiry-post", func(t *testing.T) {
		oneLogin(t, tg, name, func(t *testing.T) { count(t, s, tg, "expiry", false) })
	})
	if tg.sso != nil {
		t.Run("expiry-both", func(t *testing.T) {
			tg.srv.ExpireAll(t)
			tg.sso.EndProviderSessions(t)
			getPage(t, s, tg, wantName(tg, alice))
		})
	}
}
