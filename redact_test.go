package limpet_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/limpet-http/limpet"
)

// shows returns a part (three characters or more) of secret that s
// shows, or "".
func shows(s, secret string) string {
	for i := 0; i+3 <= len(secret); i++ {
		if strings.Contains(s, secret[i:i+3]) {
			return secret[i : i+3]
		}
	}
	return ""
}

// closedPort returns a loopback address where nothing listens (binding
// port 1 takes root, and no service uses it).
func closedPort(t *testing.T) string { return "127.0.0.1:1" }

// Errors returned by Do never show secret query values, whatever failed:
// the connection, the timeout, a redirect, the URL itself.
func TestErrorsHideSecrets(t *testing.T) {
	const secret = "Xk9Qz2Vb7Wm4"
	dead := closedPort(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			<-r.Context().Done()
		case "/redirect":
			http.Redirect(w, r, "http://"+dead+"/cb?access_token="+secret+"&state=ok", http.StatusFound)
		case "/bad-location":
			w.Header().Set("Location", "http://[::1/cb?access_token="+secret)
			w.WriteHeader(http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close)

	tests := []struct {
		name    string
		url     string
		timeout bool
	}{
		{"connection refused", "http://" + dead + "/x?token=" + secret + "&a=1", false},
		{"timeout", srv.URL + "/slow?access_token=" + secret, true},
		{"redirect to an unreachable URL", srv.URL + "/redirect", false},
		{"redirect to a URL that does not parse", srv.URL + "/bad-location", false},
		{"password in the URL", "http://alice:" + secret + "@" + dead + "/", false},
		{"user name that is a token", "http://" + secret + "@" + dead + "/", false},
		{"URL that does not parse", "http://h/%zz?token=" + secret, false},
		{"unsupported scheme", "htp://h/?token=" + secret, false},
	}
	s := newSession(t, limpet.Options{Timeout: 300 * time.Millisecond, Retry: limpet.RetryPolicy{Max: limpet.NoRetries}})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := s.Get(context.Background(), tc.url)
			if err == nil {
				resp.Close()
				t.Fatal("no error")
			}
			if p := shows(err.Error(), secret); p != "" {
				t.Errorf("the error shows %q: %v", p, err)
			}
			if tc.timeout {
				var ne net.Error
				if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
					t.Errorf("the timeout is no longer one: %#v", err)
				}
			}
		})
	}

	// The error is still a *url.Error naming the request.
	_, err := s.Get(context.Background(), "http://"+dead+"/x?token="+secret)
	var ue *url.Error
	if !errors.As(err, &ue) || ue.Op != "Get" || ue.URL != "http://"+dead+"/x?token=****" {
		t.Errorf("want a *url.Error with the redacted URL, got %#v", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) {
		t.Errorf("the cause is lost: %#v", err)
	}
}

// The debug log shows no part of a credential or of its Base64, also for
// failed requests.
func TestDebugLogHidesCredentialsWhole(t *testing.T) {
	const password = "Zq7xVw9Kp2"
	encoded := base64.StdEncoding.EncodeToString([]byte("alice:" + password))
	bin := newBin(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := newSession(t, limpet.Options{Logger: logger, Auth: limpet.BasicAuth("alice", password), Retry: limpet.RetryPolicy{Max: limpet.NoRetries}})
	resp, err := s.Get(context.Background(), bin.URL+"/get")
	if err != nil {
		t.Fatal(err)
	}
	resp.Close()
	if _, err := s.Get(context.Background(), "http://"+closedPort(t)+"/?token="+password); err == nil {
		t.Fatal("no error from a closed port")
	}
	log := buf.String()
	for _, secret := range []string{password, encoded} {
		if p := shows(log, secret); p != "" {
			t.Errorf("the log shows %q of %q:\n%s", p, secret, log)
		}
	}
	if !strings.Contains(log, "Authorization:[Basic ****]") || !strings.Contains(log, "request failed") {
		t.Errorf("the log lacks the masked header or the failure:\n%s", log)
	}
}

// A StatusError's message masks the secrets of the body it quotes; its
// Body field keeps the bytes.
func TestStatusErrorHidesBodySecrets(t *testing.T) {
	const body = `{"error":"invalid_grant","refresh_token":"rt-Jc5Nv1Bx7Ld3","id_token":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.sig"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	s := newSession(t, limpet.Options{})
	resp, err := s.Get(context.Background(), srv.URL+"/token?client_secret=Cs8Vn2Lq5Tz1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Close()
	err = resp.CheckStatus()
	var se *limpet.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("want a StatusError, got %v", err)
	}
	msg := err.Error()
	for _, secret := range []string{"Jc5Nv1Bx7Ld3", "eyJzdWIiOiJhIn0", "Cs8Vn2Lq5Tz1"} {
		if p := shows(msg, secret); p != "" {
			t.Errorf("the message shows %q: %s", p, msg)
		}
	}
	if !strings.Contains(msg, `"error":"invalid_grant"`) || !strings.Contains(msg, "400 Bad Request") {
		t.Errorf("the message lost what it is for: %s", msg)
	}
	if string(se.Body) != body {
		t.Errorf("Body = %q, want the bytes as sent", se.Body)
	}
}

// failingAuth is an Authenticator whose login fails with an error that
// names a secret.
type failingAuth struct{}

func (failingAuth) Recover(ctx context.Context, s limpet.Env, v limpet.Verdict) error {
	if v.Kind != limpet.NoSession {
		return nil
	}
	return errors.New(`login refused: redirect to /login?error&access_token=Ht4Mw8Qs2Fz6, body {"password":"Zq7xVw9Kp2"}`)
}
func (failingAuth) Prepare(env limpet.Env, req *http.Request) error { return nil }
func (failingAuth) Check(req *http.Request, resp *limpet.Response) limpet.Verdict {
	return limpet.Verdict{}
}

func TestAuthErrorHidesSecrets(t *testing.T) {
	s := newSession(t, limpet.Options{Authenticator: failingAuth{}})
	err := s.Login(context.Background())
	var ae *limpet.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("want an AuthError, got %v", err)
	}
	for _, secret := range []string{"Ht4Mw8Qs2Fz6", "Zq7xVw9Kp2"} {
		if p := shows(err.Error(), secret); p != "" {
			t.Errorf("the message shows %q: %v", p, err)
		}
	}
	if !strings.Contains(err.Error(), "login refused") {
		t.Errorf("the message lost its cause: %v", err)
	}
}
