package frameworks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The single sign-on fixture: Keycloak's realm and clients (interop/frameworks/sso/keycloak/limpet-realm.json). The
// realm's users are those of LoadUsers.
const (
	// Realm is the Keycloak realm of the fixture; the issuer is Keycloak's URL + "/realms/" + Realm.
	Realm = "limpet"
	// RPClientID is the confidential client of the relying party (SSORP); its redirect URI is
	// http://127.0.0.1/login/oauth2/code/keycloak on any port.
	RPClientID = "limpet-app"
	// PublicClientID is a public client for the authorization code flow with PKCE (S256 required); its redirect
	// URI is http://127.0.0.1/callback on any port (Keycloak ignores the port of a loopback redirect URI).
	PublicClientID = "limpet-cli"
	// PublicRedirectPath is the path of PublicClientID's redirect URI.
	PublicRedirectPath = "/callback"
	// KeycloakAdmin and KeycloakAdminPassword are Keycloak's bootstrap administrator (realm master).
	KeycloakAdmin         = "admin"
	KeycloakAdminPassword = "admin-pw"
)

// SSO is a running single sign-on fixture: Keycloak and a relying party that logs users in through it.
type SSO struct {
	// Provider is Keycloak; its URL is Keycloak's root, its Counters and ExpireAll do not apply.
	Provider *Server
	// App is the relying party, serving what every framework fixture serves (see the package documentation)
	// with oauth2Login(): an anonymous page redirects to /oauth2/authorization/keycloak and on to Keycloak.
	App *Server
}

// Issuer returns the realm's issuer URL, http://127.0.0.1:PORT/realms/limpet.
func (s *SSO) Issuer() string { return s.Provider.URL + "/realms/" + Realm }

// StartSSO returns a running Keycloak and relying party for tb, shared under Main like Start's servers (Keycloak
// takes from half a minute to a minute to start). It skips or fails tb as Start does when they are not installed.
func StartSSO(tb testing.TB) *SSO {
	tb.Helper()
	kc, launched, owned, err := startShared(Keycloak, nil)
	provider := started(tb, Keycloak, kc, launched, owned, err)
	issuer := provider.URL + "/realms/" + Realm
	rp, launched, owned, err := startShared(SSORP, []string{"LIMPET_SSO_ISSUER=" + issuer})
	app := started(tb, SSORP, rp, launched, owned, err)
	return &SSO{Provider: provider, App: app}
}

// EndProviderSessions ends every session of the realm at Keycloak (its admin API's logout-all, as the bootstrap
// administrator), so that the next authorization request asks for the password again. The relying party's own
// sessions are left alone: end them with App.ExpireAll.
func (s *SSO) EndProviderSessions(tb testing.TB) {
	tb.Helper()
	if err := s.endProviderSessions(context.Background()); err != nil {
		tb.Fatalf("%v\n%s", err, s.Provider.LogTail(20))
	}
}

func (s *SSO) endProviderSessions(ctx context.Context) error {
	form := url.Values{"grant_type": {"password"}, "client_id": {"admin-cli"},
		"username": {KeycloakAdmin}, "password": {KeycloakAdminPassword}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost,
		s.Provider.URL+"/realms/master/protocol/openid-connect/token", strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("frameworks: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.Provider.do(req, &tok); err != nil {
		return fmt.Errorf("frameworks: Keycloak admin token: %w", err)
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, s.Provider.URL+"/admin/realms/"+Realm+"/logout-all", nil)
	if err != nil {
		return fmt.Errorf("frameworks: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err := s.Provider.client.Do(req)
	if err != nil {
		return fmt.Errorf("frameworks: Keycloak logout-all: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("frameworks: Keycloak logout-all: %s: %.200s", resp.Status, body)
	}
	var out json.RawMessage
	if len(body) > 0 && json.Unmarshal(body, &out) != nil {
		return fmt.Errorf("frameworks: Keycloak logout-all answered %.200q", body)
	}
	return nil
}
