package springserver_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/testserver/springserver"
)

// TestOAuth checks the JWT resource server (S21) and the Authorization Server (S22, S23) of the "chains" JVM.
func TestOAuth(t *testing.T) {
	for _, version := range springserver.Versions() {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			t.Run("S21 JWT resource server", func(t *testing.T) { testS21(t, springserver.Start(t, version, "jwt")) })
			t.Run("S22 client_credentials and secret encoding", func(t *testing.T) {
				testS22(t, springserver.Start(t, version, "as"))
			})
			t.Run("S23 authorization code with PKCE and refresh", func(t *testing.T) {
				testS23(t, springserver.Start(t, version, "as"))
			})
		})
	}
}

// testKey reads the private half of the key the fixture's resource server trusts.
func testKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "interop", "spring", "testdata", "jwt-private.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("jwt-private.pem: no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return key.(*rsa.PrivateKey)
}

// mintJWT signs claims with RS256.
func mintJWT(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signingInput := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(claims)
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func testS21(t *testing.T, srv *springserver.Server) {
	key := testKey(t)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	valid := mintJWT(t, key, map[string]any{"sub": "limpet-test", "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()})
	expired := mintJWT(t, key, map[string]any{"sub": "limpet-test", "iat": now.Add(-10 * time.Minute).Unix(), "exp": now.Add(-120 * time.Second).Unix()})
	forged := mintJWT(t, other, map[string]any{"sub": "limpet-test", "exp": now.Add(5 * time.Minute).Unix()})
	metadata := ""
	if srv.Version == springserver.Boot4 {
		metadata = `resource_metadata="` + srv.URL + `/.well-known/oauth-protected-resource"`
	}
	tests := []struct {
		name       string
		auth       string
		wantStatus int
		wantAuth   []string // substrings of WWW-Authenticate
		wantBody   string
	}{
		{"valid", "Bearer " + valid, 200, nil, "limpet-test"},
		{"expired beyond the skew", "Bearer " + expired, 401,
			[]string{`Bearer error="invalid_token"`, `error_description="An error occurred while attempting to decode the Jwt: Jwt expired at `, metadata}, ""},
		{"malformed", "Bearer not a token!", 401,
			[]string{`Bearer error="invalid_token"`, `error_description="Bearer token is malformed"`, `error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"`, metadata}, ""},
		{"signed by another key", "Bearer " + forged, 401, []string{`error="invalid_token"`, metadata}, ""},
		{"no token", "", 401, []string{"Bearer"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.auth != "" {
				h.Set("Authorization", tt.auth)
			}
			r := newClient(t, srv.URL).get("/api/me", h)
			if r.Status != tt.wantStatus || r.Body != tt.wantBody {
				t.Fatalf("want %d %q, got %v", tt.wantStatus, tt.wantBody, r)
			}
			got := r.Header.Get("WWW-Authenticate")
			for _, want := range tt.wantAuth {
				if !strings.Contains(got, want) {
					t.Fatalf("WWW-Authenticate %q lacks %q", got, want)
				}
			}
			if tt.auth == "" {
				want := strings.TrimSpace("Bearer " + metadata)
				if got != want {
					t.Fatalf("WWW-Authenticate %q, want %q", got, want)
				}
			}
		})
	}
	// Bearer requests are exempt from CSRF.
	r := newClient(t, srv.URL).do(http.MethodPost, "/api/echo?key=s21-"+srv.Version, http.Header{"Authorization": {"Bearer " + valid}}, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("POST with a bearer token and no CSRF token: %v", r)
	}
}

// tokenResponse is the JSON of the token endpoint (success or error).
type tokenResponse struct {
	AccessToken  string  `json:"access_token"`
	TokenType    string  `json:"token_type"`
	ExpiresIn    float64 `json:"expires_in"`
	Scope        string  `json:"scope"`
	RefreshToken *string `json:"refresh_token"`
	Error        string  `json:"error"`
}

func tokenRequest(t *testing.T, c *client, user, secret string, form url.Values) (result, tokenResponse) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + secret))
	r := c.do(http.MethodPost, "/oauth2/token", http.Header{"Authorization": {"Basic " + basic}}, form)
	var tr tokenResponse
	if err := json.Unmarshal([]byte(r.Body), &tr); err != nil {
		t.Fatalf("token endpoint body is not JSON: %v (%v)", err, r)
	}
	return r, tr
}

func testS22(t *testing.T, srv *springserver.Server) {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"api"}}
	tests := []struct {
		name       string
		secret     string // as put into the Basic credentials
		wantStatus int
		wantError  string
	}{
		{"form-encoded secret", url.QueryEscape("a+b:c"), 200, ""},
		{"raw secret decodes to a space", "a+b:c", 401, "invalid_client"},
		{"wrong secret", "nope", 401, "invalid_client"},
		{"lone percent", "a%b", 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv.URL)
			r, tr := tokenRequest(t, c, "c1", tt.secret, form)
			if r.Status != tt.wantStatus || tr.Error != tt.wantError {
				t.Fatalf("want %d error %q, got %v", tt.wantStatus, tt.wantError, r)
			}
			if tt.wantStatus != 200 {
				if tt.wantStatus == 401 && r.Body != `{"error":"invalid_client"}` {
					t.Fatalf("client authentication failure body %q", r.Body)
				}
				return
			}
			if tr.AccessToken == "" || tr.TokenType != "Bearer" || tr.Scope != "api" || tr.RefreshToken != nil ||
				tr.ExpiresIn < 290 || tr.ExpiresIn > 300 {
				t.Fatalf("token response %v", r)
			}
			me := c.get("/api/me", http.Header{"Authorization": {"Bearer " + tr.AccessToken}})
			if me.Status != http.StatusOK || me.Body != "c1" {
				t.Fatalf("the issued token on /api/me: %v", me)
			}
		})
	}
}

func testS23(t *testing.T, srv *springserver.Server) {
	const redirectURI = "http://127.0.0.1/callback"
	verifierBytes := make([]byte, 32)
	_, _ = rand.Read(verifierBytes)
	verifier := base64.RawURLEncoding.EncodeToString(verifierBytes)
	sum := sha256.Sum256([]byte(verifier))
	authorize := "/oauth2/authorize?" + url.Values{
		"response_type":         {"code"},
		"client_id":             {"c2"},
		"redirect_uri":          {redirectURI},
		"scope":                 {"api"},
		"state":                 {"st4te"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}.Encode()

	c := newClient(t, srv.URL)
	if r := c.get(authorize, nil); r.Status != http.StatusFound || r.Header.Get("Location") != srv.URL+"/login" {
		t.Fatalf("authorize before login: want 302 to /login, got %v", r)
	}
	c.loginTo("user", "password", nil, authorize+"&continue")
	r := c.get(authorize, nil)
	loc, err := url.Parse(r.Header.Get("Location"))
	if r.Status != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), redirectURI+"?") {
		t.Fatalf("authorize after login (no consent): want 302 to %s, got %v", redirectURI, r)
	}
	code := loc.Query().Get("code")
	if code == "" || loc.Query().Get("state") != "st4te" {
		t.Fatalf("redirect %s lacks code or state", loc)
	}

	tc := newClient(t, srv.URL)
	exchange := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}}
	bad := url.Values{"code_verifier": {verifier + "x"}}
	for k, v := range exchange {
		bad[k] = v
	}
	if r, tr := tokenRequest(t, tc, "c2", "c2-secret", bad); r.Status != 400 || tr.Error != "invalid_grant" {
		t.Fatalf("wrong PKCE verifier: want 400 invalid_grant, got %v", r)
	}
	// The failed exchange did not spend the code: the right verifier still redeems it, once.
	exchange.Set("code_verifier", verifier)
	r2, tr := tokenRequest(t, tc, "c2", "c2-secret", exchange)
	if r2.Status != 200 || tr.AccessToken == "" || tr.RefreshToken == nil || *tr.RefreshToken == "" ||
		tr.ExpiresIn < 50 || tr.ExpiresIn > 60 || tr.Scope != "api" {
		t.Fatalf("code exchange: want 200 with access and refresh token, expires_in about 59, got %v", r2)
	}
	// Redeeming the code twice is refused, and (RFC 6749 §4.1.2) revokes what the code gave: the refresh token dies.
	if again, tra := tokenRequest(t, tc, "c2", "c2-secret", exchange); again.Status != 400 || tra.Error != "invalid_grant" {
		t.Fatalf("second use of the code: want 400 invalid_grant, got %v", again)
	}
	if r, tr := tokenRequest(t, tc, "c2", "c2-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {*tr.RefreshToken}}); r.Status != 400 || tr.Error != "invalid_grant" {
		t.Fatalf("refresh after the code's reuse: want 400 invalid_grant, got %v", r)
	}

	// A new authorization (the session is still logged in, no consent page), and the refresh cycle.
	r = c.get(authorize, nil)
	loc, _ = url.Parse(r.Header.Get("Location"))
	exchange.Set("code", loc.Query().Get("code"))
	r2, tr = tokenRequest(t, tc, "c2", "c2-secret", exchange)
	if r2.Status != 200 || tr.RefreshToken == nil {
		t.Fatalf("second code exchange: %v", r2)
	}
	refresh := *tr.RefreshToken

	r3, tr3 := tokenRequest(t, tc, "c2", "c2-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	if r3.Status != 200 || tr3.RefreshToken == nil || *tr3.RefreshToken != refresh || tr3.AccessToken == tr.AccessToken {
		t.Fatalf("refresh: want 200 with a new access token and the same refresh token, got %v", r3)
	}
	revoke := tc.do(http.MethodPost, "/oauth2/revoke",
		http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("c2:c2-secret"))}},
		url.Values{"token": {refresh}, "token_type_hint": {"refresh_token"}})
	if revoke.Status != 200 {
		t.Fatalf("revoke: %v", revoke)
	}
	r4, tr4 := tokenRequest(t, tc, "c2", "c2-secret", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
	if r4.Status != 400 || tr4.Error != "invalid_grant" {
		t.Fatalf("refresh after revoke: want 400 invalid_grant, got %v", r4)
	}
}
