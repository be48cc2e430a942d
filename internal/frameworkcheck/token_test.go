package frameworkcheck_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/limpet-http/limpet"
	"github.com/limpet-http/limpet/internal/testserver/frameworks"
	"github.com/limpet-http/limpet/token"
)

// TestTokenFlows runs the token package's authorization code flow with PKCE and its refresh flow against Keycloak,
// with the realm's public client, and calls Keycloak's userinfo endpoint with the tokens.
func TestTokenFlows(t *testing.T) {
	sso := frameworks.StartSSO(t)
	alice, bob := users(t)[0], users(t)[1]
	iss := sso.Issuer()
	cfg := &oauth2.Config{
		ClientID: frameworks.PublicClientID,
		Endpoint: oauth2.Endpoint{AuthURL: iss + "/protocol/openid-connect/auth",
			TokenURL: iss + "/protocol/openid-connect/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: "http://127.0.0.1:1" + frameworks.PublicRedirectPath, // nothing listens there: the code is read from the redirect
		Scopes:      []string{"openid"},
	}
	userinfo := func(t *testing.T, a limpet.Authenticator) {
		t.Helper()
		s, err := limpet.New(limpet.Options{Authenticator: a})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		resp, err := s.Do(ctx(t), &limpet.Request{URL: iss + "/protocol/openid-connect/userinfo",
			Header: http.Header{"Accept": {"application/json"}}})
		if err != nil {
			t.Fatal(err)
		}
		var info struct {
			User string `json:"preferred_username"`
		}
		if err := resp.JSON(&info); err != nil || resp.StatusCode != 200 || info.User != alice.Name {
			t.Fatalf("userinfo: %d %+v %v, want %s", resp.StatusCode, info, err, alice.Name)
		}
	}

	code := token.AuthorizationCode(cfg, alice.Name, alice.Password, token.AuthCodeOptions{})
	t.Run("authorization-code-pkce", func(t *testing.T) { userinfo(t, code) })
	t.Run("refresh", func(t *testing.T) {
		first := code.Token()
		if first == nil || first.RefreshToken == "" {
			t.Fatalf("no refresh token after the authorization code flow: %+v", first)
		}
		old := *first
		old.AccessToken, old.Expiry = "spent", time.Now().Add(-time.Minute) // only the refresh token is good
		r := token.Refreshing(cfg, &old, token.Options{})
		userinfo(t, r)
		if now := r.Token(); now == nil || now.AccessToken == first.AccessToken {
			t.Fatalf("the token was not refreshed")
		}
	})
	t.Run("wrong-password", func(t *testing.T) {
		a := token.AuthorizationCode(cfg, bob.Name, "wrong password", token.AuthCodeOptions{})
		s, err := limpet.New(limpet.Options{Authenticator: a})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Login(ctx(t)); !errors.Is(err, token.ErrAuthorization) {
			t.Fatalf("login with a wrong password: %v, want token.ErrAuthorization", err)
		}
	})
}
