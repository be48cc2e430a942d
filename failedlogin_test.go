package limpet_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/store/filestore"
)

// pageFormAuth logs in as a browser does: it fetches a page first (the
// server answers with a new, anonymous session cookie), then posts the
// credentials.
type pageFormAuth struct{ formAuth }

func (a *pageFormAuth) Recover(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	resp, err := s.Send(ctx, &limpet.Request{URL: "/login-page"})
	if err != nil {
		return err
	}
	resp.Close()
	return a.formAuth.Recover(ctx, s, v)
}

// A login that fails leaves nothing saved: no session file when there was
// none (not the anonymous cookie the login page set), the old file as it
// was when there was one. A session whose login succeeds, or that never
// logs in, saves as before.
func TestFailedLoginSavesNothing(t *testing.T) {
	ctx := context.Background()
	ss := newSessionServer(t)
	open := func(t *testing.T, path, password string, delay time.Duration) *limpet.Session {
		t.Helper()
		s, err := limpet.New(limpet.Options{BaseURL: ss.URL, Store: filestore.Open(path, filestore.Options{}),
			SaveDelay: delay, Authenticator: &pageFormAuth{formAuth{password: password}}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, delay := range []time.Duration{time.Millisecond, time.Hour} {
		t.Run("autosave after "+delay.String(), func(t *testing.T) {
			dir := t.TempDir()
			// settle gives a short autosave delay the time to write.
			settle := func() {
				if delay < time.Second {
					time.Sleep(10 * delay)
				}
			}

			// Session.Login with a wrong password.
			path := filepath.Join(dir, "explicit.json")
			s := open(t, path, "wrong", delay)
			if err := s.Login(ctx); err == nil {
				t.Fatal("Login with a wrong password succeeded")
			}
			settle()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed Login left a session file (stat: %v)", err)
			}

			// A request whose recovery (the first login) fails.
			path = filepath.Join(dir, "lazy.json")
			s = open(t, path, "wrong", delay)
			if _, err := s.Get(ctx, "/api/me"); err == nil {
				t.Fatal("a request with a wrong password succeeded")
			}
			settle()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a failed login on the first request left a session file (stat: %v)", err)
			}

			// A saved session, then a process with a wrong password:
			// the file stays as it was.
			path = filepath.Join(dir, "existing.json")
			s = open(t, path, ss.password, delay)
			if err := s.Login(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("a successful login saved nothing: %v", err)
			}
			// The server forgets the session: the login page sets a new,
			// anonymous one.
			if resp, err := http.Get(ss.URL + "/expire"); err != nil {
				t.Fatal(err)
			} else {
				resp.Body.Close()
			}
			s = open(t, path, "wrong", delay)
			if err := s.Login(ctx); err == nil {
				t.Fatal("Login with a wrong password succeeded")
			}
			settle()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Errorf("a failed login changed the saved session:\nbefore %s\nafter  %s", before, after)
			}

			// A failed login, then a successful one: saved.
			path = filepath.Join(dir, "second.json")
			a := &pageFormAuth{formAuth{password: "wrong"}}
			s, err = limpet.New(limpet.Options{BaseURL: ss.URL, Store: filestore.Open(path, filestore.Options{}),
				SaveDelay: delay, Authenticator: a})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Login(ctx); err == nil {
				t.Fatal("Login with a wrong password succeeded")
			}
			a.password = ss.password
			if err := s.Login(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("a login that succeeded after a failed one saved nothing: %v", err)
			}

			// A session with an Authenticator that never logs in keeps its
			// cookies as a plain one does.
			path = filepath.Join(dir, "anonymous.json")
			s = open(t, path, "wrong", delay)
			resp, err := s.Send(ctx, &limpet.Request{URL: "/login-page"})
			if err != nil {
				t.Fatal(err)
			}
			resp.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("/login-page: %d", resp.StatusCode)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("a session that never logged in saved nothing: %v", err)
			}
		})
	}
}
