package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, path string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// The clients' runs count only when the session cookie comes back: the
// routes must refuse a request without it.
func TestRoutesNeedTheSessionCookie(t *testing.T) {
	h := handler()
	login := get(t, h, http.MethodGet, "/login", nil)
	if login.Code != http.StatusNoContent || !strings.Contains(login.Header().Get("Set-Cookie"), "JSESSIONID="+sessionID) {
		t.Fatalf("/login: %d %q", login.Code, login.Header().Get("Set-Cookie"))
	}
	cookie := http.Header{"Cookie": {"JSESSIONID=" + sessionID}}
	for _, c := range []struct {
		path   string
		header http.Header
		want   int
	}{
		{"/api/items", nil, http.StatusUnauthorized},
		{"/api/items", http.Header{"Cookie": {"JSESSIONID=other"}}, http.StatusUnauthorized},
		{"/api/items", cookie, http.StatusOK},
		{"/api/items", http.Header{"Cookie": cookie["Cookie"], "Authorization": {"Bearer wrong"}}, http.StatusUnauthorized},
		{"/api/items", http.Header{"Cookie": cookie["Cookie"], "Authorization": {bearer}}, http.StatusOK},
		{"/api/me", nil, http.StatusUnauthorized},
		{"/api/me", cookie, http.StatusOK},
	} {
		if got := get(t, h, http.MethodGet, c.path, c.header).Code; got != c.want {
			t.Errorf("GET %s with %v: %d, want %d", c.path, c.header, got, c.want)
		}
	}
}

func TestTokenLoginAndRotation(t *testing.T) {
	h := handler()
	if got := get(t, h, http.MethodGet, "/api/token", nil).Code; got != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/token: %d", got)
	}
	w := get(t, h, http.MethodPost, "/api/token", nil)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"token":"tok-`) || w.Header().Get("Set-Cookie") == "" {
		t.Errorf("POST /api/token: %d %s", w.Code, w.Body)
	}
	for i := range 3 {
		tok := fmt.Sprintf("Bearer tok-%d-6F1C2A9E0B6F1C2A9E0B", i)
		if i == 0 && tok != bearer {
			t.Fatalf("first token %q, want %q", tok, bearer)
		}
		auth := http.Header{"Cookie": {"JSESSIONID=" + sessionID}, "Authorization": {tok}}
		if got := get(t, h, http.MethodGet, "/api/once", auth).Code; got != http.StatusOK {
			t.Errorf("GET /api/once with token %d: %d", i, got)
		}
		if got := get(t, h, http.MethodGet, "/api/once", auth).Code; got != http.StatusUnauthorized {
			t.Errorf("GET /api/once with token %d again: %d, want 401", i, got)
		}
		if w := get(t, h, http.MethodPost, "/api/token", nil); !strings.Contains(w.Body.String(), fmt.Sprintf(`"tok-%d-`, i+1)) {
			t.Errorf("POST /api/token after %d answers: %s", i+1, w.Body)
		}
	}
	a := get(t, h, http.MethodGet, "/api/rotate", nil).Header().Get("Set-Cookie")
	b := get(t, h, http.MethodGet, "/api/rotate", nil).Header().Get("Set-Cookie")
	if a == "" || a == b {
		t.Errorf("/api/rotate set %q then %q", a, b)
	}
}

func TestFleetRoutes(t *testing.T) {
	h := handler()
	w := get(t, h, http.MethodPost, "/fleet/token", nil)
	tok := "Bearer ftok-0-" + sessionID
	if !strings.Contains(w.Body.String(), `"ftok-0-`) {
		t.Fatalf("POST /fleet/token: %s", w.Body)
	}
	auth := http.Header{"Cookie": {"JSESSIONID=" + sessionID}, "Authorization": {tok}}
	if got := get(t, h, http.MethodGet, "/fleet/items", auth).Code; got != http.StatusOK {
		t.Errorf("GET /fleet/items: %d", got)
	}
	if got := get(t, h, http.MethodPost, "/fleet/expire", nil).Code; got != http.StatusNoContent {
		t.Errorf("POST /fleet/expire: %d", got)
	}
	if got := get(t, h, http.MethodGet, "/fleet/items", auth).Code; got != http.StatusUnauthorized {
		t.Errorf("GET /fleet/items after expiry: %d, want 401", got)
	}
	get(t, h, http.MethodPost, "/fleet/token", nil)
	if got := get(t, h, http.MethodGet, "/fleet/logins", nil).Body.String(); got != "2" {
		t.Errorf("logins %q, want 2", got)
	}
}
