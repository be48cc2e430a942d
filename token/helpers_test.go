package token_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/limpet-http/limpet"
)

// clock is a settable clock shared by a test's client and server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// jwtAPI is a loopback API with a JWT login endpoint, like many Spring
// Boot applications: POST /login (JSON or form credentials) answers with an
// HS256 JWT that expires ttl later on the shared clock; /api/* needs a
// valid token and answers 401 with a Bearer challenge otherwise; POST
// /api/echo counts its executions.
type jwtAPI struct {
	*httptest.Server
	clock    *clock
	key      []byte
	ttl      time.Duration
	password string
	// respond shapes the login response for a token; nil means
	// {"token": TOKEN}.
	respond func(tok string) any

	logins   atomic.Int32 // login attempts
	refusals atomic.Int32 // 401 answers of /api/*
	echoes   atomic.Int32
	gen      atomic.Int32 // tokens of an older generation are revoked
}

func newJWTAPI(t *testing.T, c *clock) *jwtAPI {
	api := &jwtAPI{clock: c, key: []byte("test-hmac-key-0123456789abcdef"), ttl: 5 * time.Minute, password: "s3cret"}
	api.Server = httptest.NewServer(http.HandlerFunc(api.serve))
	t.Cleanup(api.Close)
	return api
}

func (api *jwtAPI) mint(sub string) string {
	now := api.clock.Now()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "iat": now.Unix(), "exp": now.Add(api.ttl).Unix(), "gen": api.gen.Load(),
	}).SignedString(api.key)
	if err != nil {
		panic(err)
	}
	return tok
}

func (api *jwtAPI) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/login" && r.Method == http.MethodPost:
		api.logins.Add(1)
		var user, password string
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			var m map[string]string
			if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
				http.Error(w, "bad json", http.StatusBadRequest)
				return
			}
			user, password = m["username"], m["password"]
			if user == "" {
				user, password = m["login"], m["secret"]
			}
		} else {
			user, password = r.PostFormValue("username"), r.PostFormValue("password")
		}
		if user == "" || password != api.password {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"bad credentials"}`)
			return
		}
		tok := api.mint(user)
		var body any = map[string]string{"token": tok}
		if api.respond != nil {
			body = api.respond(tok)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body)
	case r.URL.Path == "/revoke":
		api.gen.Add(1)
	case strings.HasPrefix(r.URL.Path, "/api/"):
		sub, problem := api.verify(r.Header.Get("Authorization"))
		if problem != "" {
			api.refusals.Add(1)
			w.Header().Set("WWW-Authenticate", problem)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.URL.Path == "/api/echo" && r.Method == http.MethodPost {
			api.echoes.Add(1)
		}
		fmt.Fprint(w, sub)
	default:
		http.NotFound(w, r)
	}
}

// verify checks a bearer token as a resource server does and returns the
// subject, or the WWW-Authenticate challenge to refuse it with.
func (api *jwtAPI) verify(h string) (string, string) {
	raw, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return "", "Bearer"
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return api.key, nil },
		jwt.WithTimeFunc(api.clock.Now), jwt.WithValidMethods([]string{"HS256"}))
	if err != nil {
		return "", fmt.Sprintf(`Bearer error="invalid_token", error_description=%q`, "An error occurred while attempting to decode the Jwt: "+err.Error())
	}
	if g, _ := claims["gen"].(float64); int32(g) != api.gen.Load() {
		return "", `Bearer error="invalid_token", error_description="revoked"`
	}
	sub, _ := claims.GetSubject()
	return sub, ""
}

func newSession(t *testing.T, o limpet.Options) *limpet.Session {
	t.Helper()
	s, err := limpet.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// get sends GET path and returns the status, body and response.
func get(t *testing.T, s *limpet.Session, path string) (int, string, *limpet.Response) {
	t.Helper()
	resp, err := s.Get(t.Context(), path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	body, err := resp.Text()
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body, resp
}
